import Fluent
import Foundation
import RampartCore
import RampartKernel
import SQLKit

/// A red team's claim that it compromised one asset of one blue team, and what the judges made of it.
package final class CompromiseReport: Model, @unchecked Sendable {
    package static let schema = "compromise_reports"

    /// `pending` waits for a judge; `needs_evidence` waits for the red team; `validated` and
    /// `rejected` are decided; `withdrawn` is a validated one whose dispute was upheld.
    package enum Status: String, Codable, Sendable, CaseIterable {
        case pending
        case needsEvidence = "needs_evidence"
        case validated
        case rejected
        case withdrawn
    }

    package enum DisputeStatus: String, Codable, Sendable, CaseIterable {
        case open, upheld, dismissed
    }

    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "team_id") package var teamID: UUID
    @Field(key: "author_id") package var authorID: UUID?
    @Field(key: "author_name") package var authorName: String
    @Field(key: "asset") package var asset: String
    /// ATT&CK IDs, comma-separated, as checked against the shipped list.
    @Field(key: "techniques") package var techniquesText: String
    @Field(key: "access_level") package var accessLevel: AccessLevel
    @Field(key: "persistence") package var persistence: Bool
    @Field(key: "data_accessed") package var dataAccessedText: String
    @OptionalField(key: "source_address") package var sourceAddress: String?
    @OptionalField(key: "target_address") package var targetAddress: String?
    @Field(key: "compromised_at") package var compromisedAt: Date
    /// The exercise window the compromise fell in (its index), for "once per window".
    @OptionalField(key: "window_index") package var windowIndex: Int?
    @Field(key: "narrative") package var narrative: String
    @OptionalField(key: "proof") package var proof: String?
    /// What a proof check found the proof to be, when it was valid.
    @OptionalField(key: "proof_found") package var proofFound: String?
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "status") package var status: Status
    @OptionalField(key: "duplicate_of") package var duplicateOf: UUID?
    @OptionalField(key: "penalty") package var penalty: Int?
    @OptionalField(key: "decision_note") package var decisionNote: String?
    @OptionalField(key: "decided_by_id") package var decidedByID: UUID?
    @OptionalField(key: "decided_by_name") package var decidedByName: String?
    @OptionalField(key: "decided_at") package var decidedAt: Date?
    @OptionalField(key: "fact_seq") package var factSeq: Int?
    @OptionalField(key: "dispute_status") package var disputeStatus: DisputeStatus?
    @OptionalField(key: "dispute_reason") package var disputeReason: String?
    @OptionalField(key: "disputed_by_name") package var disputedByName: String?
    @OptionalField(key: "disputed_at") package var disputedAt: Date?
    @OptionalField(key: "dispute_note") package var disputeNote: String?
    @OptionalField(key: "dispute_decided_by_name") package var disputeDecidedByName: String?
    @OptionalField(key: "dispute_decided_at") package var disputeDecidedAt: Date?

    package init() {}

    package var techniques: [String] { techniquesText.split(separator: ",").map(String.init) }
    package var dataAccessed: [DataAccessed] { dataAccessedText.split(separator: ",").compactMap { DataAccessed(rawValue: String($0)) } }
}

/// A blue team's report of an incident it detected, and its grade.
package final class IncidentReport: Model, @unchecked Sendable {
    package static let schema = "incident_reports"

    package enum Status: String, Codable, Sendable, CaseIterable {
        case submitted, graded
    }

    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "team_id") package var teamID: UUID
    @Field(key: "author_id") package var authorID: UUID?
    @Field(key: "author_name") package var authorName: String
    @Field(key: "title") package var title: String
    @Field(key: "detected_at") package var detectedAt: Date
    /// JSON arrays of text.
    @Field(key: "assets") package var assetsJSON: String
    @Field(key: "techniques") package var techniquesText: String
    @Field(key: "indicators") package var indicatorsJSON: String
    @Field(key: "actions") package var actions: String
    @Field(key: "narrative") package var narrative: String
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "status") package var status: Status
    /// The grade: criterion → level id (JSON), the rubric's points, the credit won back.
    @OptionalField(key: "levels") package var levelsJSON: String?
    @OptionalField(key: "rubric_points") package var rubricPoints: Int?
    @OptionalField(key: "credit_points") package var creditPoints: Int?
    /// The compromise reports the judge linked (JSON array of ids).
    @OptionalField(key: "linked") package var linkedJSON: String?
    @OptionalField(key: "grade_note") package var gradeNote: String?
    @OptionalField(key: "graded_by_name") package var gradedByName: String?
    @OptionalField(key: "graded_at") package var gradedAt: Date?

    package init() {}

    package var assets: [String] { ReportJSON.strings(assetsJSON) }
    package var indicators: [String] { ReportJSON.strings(indicatorsJSON) }
    package var techniques: [String] { techniquesText.split(separator: ",").map(String.init) }
    package var linked: [UUID] { ReportJSON.strings(linkedJSON ?? "[]").compactMap(UUID.init(uuidString:)) }
    package var levels: [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data((levelsJSON ?? "{}").utf8))) ?? [:]
    }
}

/// A file attached to a report: a screenshot, a log, a capture. The bytes are a blob (`Blobs`), in
/// the database, never under the web root.
package final class ReportEvidence: Model, @unchecked Sendable {
    package static let schema = "report_evidence"
    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    /// `compromise` or `incident`.
    @Field(key: "report_kind") package var reportKind: String
    @Field(key: "report_id") package var reportID: UUID
    @Field(key: "name") package var name: String
    /// What the bytes are, as sniffed (`image/png`, `application/vnd.tcpdump.pcap`, `text/plain`…).
    @Field(key: "content_type") package var contentType: String
    @Field(key: "size") package var size: Int
    @Field(key: "sha256") package var sha256: String
    @OptionalField(key: "blob_id") package var blobID: UUID?
    @Field(key: "uploaded_by") package var uploadedBy: String
    @Field(key: "created_at") package var createdAt: Date
    package init() {}
}

/// An exercise's `red_team:` rules as the file wrote them (YAML), read with `RedTeamSection`.
package final class ReportRulesRecord: Model, @unchecked Sendable {
    package static let schema = "report_rules"
    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "source") package var source: String
    package init() {}
}

enum ReportJSON {
    static func strings(_ json: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(json.utf8))) ?? []
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}

/// The reports' tables. The queue reads open items by (exercise, status), a team's page by (exercise, team).
package struct M015CreateReports: AsyncMigration {
    package var name: String { "RampartReports.M015CreateReports" }
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(CompromiseReport.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references("exercises", "id", onDelete: .cascade))
            .field("team_id", .uuid, .required, .references("teams", "id", onDelete: .cascade))
            .field("author_id", .uuid)
            .field("author_name", .string, .required)
            .field("asset", .string, .required)
            .field("techniques", .string, .required)
            .field("access_level", .string, .required)
            .field("persistence", .bool, .required)
            .field("data_accessed", .string, .required)
            .field("source_address", .string)
            .field("target_address", .string)
            .field("compromised_at", .datetime, .required)
            .field("window_index", .int)
            .field("narrative", .string, .required)
            .field("proof", .string)
            .field("proof_found", .string)
            .field("created_at", .datetime, .required)
            .field("status", .string, .required)
            .field("duplicate_of", .uuid)
            .field("penalty", .int)
            .field("decision_note", .string)
            .field("decided_by_id", .uuid)
            .field("decided_by_name", .string)
            .field("decided_at", .datetime)
            .field("fact_seq", .int)
            .field("dispute_status", .string)
            .field("dispute_reason", .string)
            .field("disputed_by_name", .string)
            .field("disputed_at", .datetime)
            .field("dispute_note", .string)
            .field("dispute_decided_by_name", .string)
            .field("dispute_decided_at", .datetime)
            .create()
        try await database.schema(IncidentReport.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references("exercises", "id", onDelete: .cascade))
            .field("team_id", .uuid, .required, .references("teams", "id", onDelete: .cascade))
            .field("author_id", .uuid)
            .field("author_name", .string, .required)
            .field("title", .string, .required)
            .field("detected_at", .datetime, .required)
            .field("assets", .string, .required)
            .field("techniques", .string, .required)
            .field("indicators", .string, .required)
            .field("actions", .string, .required)
            .field("narrative", .string, .required)
            .field("created_at", .datetime, .required)
            .field("status", .string, .required)
            .field("levels", .string)
            .field("rubric_points", .int)
            .field("credit_points", .int)
            .field("linked", .string)
            .field("grade_note", .string)
            .field("graded_by_name", .string)
            .field("graded_at", .datetime)
            .create()
        try await database.schema(ReportEvidence.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references("exercises", "id", onDelete: .cascade))
            .field("report_kind", .string, .required)
            .field("report_id", .uuid, .required)
            .field("name", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("blob_id", .uuid)
            .field("uploaded_by", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "report_kind", "report_id", "name")
            .create()
        try await database.schema(ReportRulesRecord.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references("exercises", "id", onDelete: .cascade))
            .field("source", .string, .required)
            .unique(on: "exercise_id")
            .create()
        try await database.schema(CompromiseToken.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references("exercises", "id", onDelete: .cascade))
            .field("team_id", .uuid, .required, .references("teams", "id", onDelete: .cascade))
            .field("token", .string, .required)
            .unique(on: "exercise_id", "team_id")
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE INDEX compromise_reports_status ON compromise_reports (exercise_id, status, created_at)").run()
        try await sql.raw("CREATE INDEX compromise_reports_team ON compromise_reports (exercise_id, team_id)").run()
        try await sql.raw("CREATE INDEX incident_reports_status ON incident_reports (exercise_id, status, created_at)").run()
        try await sql.raw("CREATE INDEX incident_reports_team ON incident_reports (exercise_id, team_id)").run()
    }

    package func revert(on database: any Database) async throws {
        for schema in [CompromiseToken.schema, ReportRulesRecord.schema, ReportEvidence.schema, IncidentReport.schema, CompromiseReport.schema] {
            try await database.schema(schema).delete()
        }
    }
}
