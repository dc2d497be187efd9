import Fluent
import Vapor

/// One entry of the audit trail. Records form a hash chain: each carries the hash of the one before,
/// so removing or editing a record breaks every hash after it (`rampart audit verify`).
final class AuditRecord: Model, @unchecked Sendable {
    static let schema = "audit_records"

    @ID(key: .id) var id: UUID?
    /// Position in the chain, from 1, no gaps.
    @Field(key: "seq") var seq: Int
    /// Milliseconds since 1970, UTC: an integer so the hashed value survives every database exactly.
    @Field(key: "at_ms") var atMilliseconds: Int64
    @OptionalField(key: "exercise_id") var exerciseID: UUID?
    @OptionalField(key: "actor_id") var actorID: UUID?
    /// `alice`, or `system`, or `cli:root` for the command line.
    @Field(key: "actor_name") var actorName: String
    /// `exercise.state`, `team.create`, `user.update` …
    @Field(key: "action") var action: String
    @Field(key: "subject_type") var subjectType: String
    @Field(key: "subject") var subject: String
    @Field(key: "summary") var summary: String
    /// JSON object of changed fields: `{"state": {"from": "draft", "to": "running"}}`.
    @Field(key: "changes") var changes: String
    @OptionalField(key: "source_address") var sourceAddress: String?
    @Field(key: "prev_hash") var prevHash: String
    @Field(key: "hash") var hash: String

    init() {}

    var date: Date { Date(timeIntervalSince1970: Double(atMilliseconds) / 1000) }

    /// The hash of this record's content and its predecessor's hash.
    func computeHash() -> String {
        let fields: [String] = [
            String(seq), String(atMilliseconds), exerciseID?.uuidString ?? "", actorID?.uuidString ?? "", actorName,
            action, subjectType, subject, summary, changes, sourceAddress ?? "", prevHash,
        ]
        // Length-prefixed so no two different field lists serialise the same.
        let canonical = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
        return sha256Hex(canonical)
    }
}
