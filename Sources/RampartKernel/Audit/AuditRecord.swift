import Fluent
import Vapor

/// One entry of the audit trail. Records form a hash chain: each carries the hash of the one before,
/// so removing or editing a record breaks every hash after it (`rampart audit verify`).
package final class AuditRecord: Model, @unchecked Sendable {
    package static let schema = "audit_records"

    @ID(key: .id) package var id: UUID?
    /// Position in the chain, from 1, no gaps.
    @Field(key: "seq") package var seq: Int
    /// Milliseconds since 1970, UTC: an integer so the hashed value survives every database exactly.
    @Field(key: "at_ms") package var atMilliseconds: Int64
    @OptionalField(key: "exercise_id") package var exerciseID: UUID?
    @OptionalField(key: "actor_id") package var actorID: UUID?
    /// `alice`, or `system`, or `cli:root` for the command line.
    @Field(key: "actor_name") package var actorName: String
    /// `exercise.state`, `team.create`, `user.update` …
    @Field(key: "action") package var action: String
    @Field(key: "subject_type") package var subjectType: String
    @Field(key: "subject") package var subject: String
    @Field(key: "summary") package var summary: String
    /// JSON object of changed fields: `{"state": {"from": "draft", "to": "running"}}`.
    @Field(key: "changes") package var changes: String
    @OptionalField(key: "source_address") package var sourceAddress: String?
    @Field(key: "prev_hash") package var prevHash: String
    @Field(key: "hash") package var hash: String

    package init() {}

    package var date: Date { Date(timeIntervalSince1970: Double(atMilliseconds) / 1000) }

    /// The hash of this record's content and its predecessor's hash.
    package func computeHash() -> String {
        let fields: [String] = [
            String(seq), String(atMilliseconds), exerciseID?.uuidString ?? "", actorID?.uuidString ?? "", actorName,
            action, subjectType, subject, summary, changes, sourceAddress ?? "", prevHash,
        ]
        // Length-prefixed so no two different field lists serialise the same.
        let canonical = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
        return sha256Hex(canonical)
    }
}

extension AuditRecord {
    /// The recorded changes, field by field (empty when there are none or the column does not read).
    package var decodedChanges: [String: AuditChange] {
        (try? JSONDecoder().decode([String: AuditChange].self, from: Data(changes.utf8))) ?? [:]
    }
}
