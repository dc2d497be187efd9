import Fluent
import Foundation
import RampartCore
import RampartKernel
import Vapor

/// An ATT&CK technique as reports show it: ID, name and tactics.
package struct TechniqueDTO: Content, Equatable {
    package var id: String
    package var name: String
    package var tactics: [String]

    init(_ id: String) {
        let technique = AttackCatalog.enterprise.technique(id)
        self.id = id
        name = technique?.name ?? id
        tactics = technique?.tactics.map(\.name) ?? []
    }
}

package struct EvidenceDTO: Content {
    package var name: String
    package var contentType: String
    package var size: Int
    package var sha256: String
    package var uploadedBy: String
    package var url: String

    enum CodingKeys: String, CodingKey {
        case name, size, sha256, url
        case contentType = "content_type", uploadedBy = "uploaded_by"
    }

    init(_ item: ReportEvidence, url: String) {
        name = item.name
        contentType = item.contentType
        size = item.size
        sha256 = item.sha256
        uploadedBy = item.uploadedBy
        self.url = url
    }
}

/// A compromise report as one viewer may read it: fields the viewer may not see are absent.
package struct CompromiseReportDTO: Content {
    package struct Dispute: Content {
        var status: String
        var reason: String?
        var by: String?
        var at: Date?
        var note: String?
        var decidedBy: String?
        var decidedAt: Date?
        enum CodingKeys: String, CodingKey {
            case status, reason, by, at, note
            case decidedBy = "decided_by", decidedAt = "decided_at"
        }
    }

    package var id: UUID
    package var team: String
    package var teamName: String
    package var asset: String
    package var techniques: [TechniqueDTO]
    package var accessLevel: String
    package var persistence: Bool
    package var dataAccessed: [String]
    package var compromisedAt: Date
    package var status: String
    package var penalty: Int?
    package var duplicateOf: UUID?
    // Details: white and red always; the blue team per the evidence rule.
    package var sourceAddress: String?
    package var targetAddress: String?
    package var narrative: String?
    package var evidence: [EvidenceDTO]?
    // The decision: all but yellow.
    package var note: String?
    package var decidedBy: String?
    package var decidedAt: Date?
    package var dispute: Dispute?
    // White and red only.
    package var filedBy: String?
    package var createdAt: Date?
    package var proof: String?
    package var proofFound: String?
    // White only: what the table says, and incident reports that may match.
    package var tablePenalty: Int?
    package var suggestions: [UUID]?

    enum CodingKeys: String, CodingKey {
        case id, team, asset, techniques, persistence, status, penalty, narrative, evidence, note, dispute, proof, suggestions
        case teamName = "team_name", accessLevel = "access_level", dataAccessed = "data_accessed", compromisedAt = "compromised_at"
        case duplicateOf = "duplicate_of", sourceAddress = "source_address", targetAddress = "target_address", decidedBy = "decided_by"
        case decidedAt = "decided_at", filedBy = "filed_by", createdAt = "created_at", proofFound = "proof_found", tablePenalty = "table_penalty"
    }
}

package struct IncidentReportDTO: Content {
    package struct Grade: Content {
        var levels: [String: String]
        var rubricPoints: Int
        var creditPoints: Int
        var compromiseReports: [UUID]
        var note: String?
        var gradedBy: String?
        var gradedAt: Date?
        enum CodingKeys: String, CodingKey {
            case levels, note
            case rubricPoints = "rubric_points", creditPoints = "credit_points", compromiseReports = "compromise_reports"
            case gradedBy = "graded_by", gradedAt = "graded_at"
        }
    }

    package var id: UUID
    package var team: String
    package var teamName: String
    package var title: String
    package var detectedAt: Date
    package var assets: [String]
    package var techniques: [TechniqueDTO]
    package var indicators: [String]
    package var actions: String
    package var narrative: String
    package var status: String
    package var filedBy: String
    package var createdAt: Date
    package var evidence: [EvidenceDTO]
    package var grade: Grade?
    /// For a judge: what the report is graded against, and compromise reports it may cover.
    package var rubric: [RubricCriterion]?
    package var suggestions: [UUID]?

    enum CodingKeys: String, CodingKey {
        case id, team, title, assets, techniques, indicators, actions, narrative, status, evidence, grade, rubric, suggestions
        case teamName = "team_name", detectedAt = "detected_at", filedBy = "filed_by", createdAt = "created_at"
    }
}

/// The rules as the API shows them (the exercise file's `red_team:`).
package struct ReportRulesDTO: Content {
    package struct Token: Content {
        var team: String
        var token: String
    }

    var severity: [String: Int]
    var persistence: Int
    var assetWeights: [String: Double]
    var defaultWeight: Double
    var creditShare: Double
    var evidenceVisibility: String
    var disputes: String
    var rubric: [RubricCriterion]
    var attackRelease: String
    /// White team only: the tokens to plant on each blue team's hosts.
    var compromiseTokens: [Token]?

    enum CodingKeys: String, CodingKey {
        case severity, persistence, disputes, rubric
        case assetWeights = "asset_weights", defaultWeight = "default_weight", creditShare = "credit_share"
        case evidenceVisibility = "evidence_visibility", attackRelease = "attack_release", compromiseTokens = "compromise_tokens"
    }

    init(_ rules: ReportRules, tokens: [Token]?) {
        severity = Dictionary(uniqueKeysWithValues: AccessLevel.allCases.map { ($0.rawValue, rules.severity[$0] ?? 0) })
        persistence = rules.persistence
        assetWeights = rules.assetWeights
        defaultWeight = rules.defaultWeight
        creditShare = rules.creditShare
        evidenceVisibility = rules.evidence.rawValue
        disputes = rules.disputes.rawValue
        rubric = rules.rubric
        attackRelease = AttackCatalog.enterprise.release
        compromiseTokens = tokens
    }
}

/// Builds the DTOs for one viewer, loading what they share (teams, windows, rules, evidence) once.
package struct ReportReader: Sendable {
    let context: ExerciseContext
    let teams: ReportTeams
    let rules: ReportRules
    let windows: [ScheduleWindow]
    let now: Date

    package static func load(_ context: ExerciseContext, app: Application) async throws -> ReportReader {
        ReportReader(
            context: context, teams: try await ReportTeams.load(context.exerciseID, on: app.db),
            rules: try await Reports.rules(context.exerciseID, on: app.db),
            windows: try await ScheduleWindow.query(on: app.db).filter(\.$exercise.$id == context.exerciseID).all(),
            now: app.dependencies.now())
    }

    package func compromise(_ report: CompromiseReport, evidence: [ReportEvidence], suggestions: [UUID]? = nil) -> CompromiseReportDTO {
        let id = report.id!
        let role = context.role
        let details = Reports.mayReadDetails(report, context, rules: rules, windows: windows, now: now)
        let slug = context.exercise.slug
        var dto = CompromiseReportDTO(
            id: id, team: teams.slug(report.teamID), teamName: teams.name(report.teamID), asset: report.asset,
            techniques: report.techniques.map(TechniqueDTO.init), accessLevel: report.accessLevel.rawValue, persistence: report.persistence,
            dataAccessed: report.dataAccessed.map(\.rawValue), compromisedAt: report.compromisedAt, status: report.status.rawValue,
            penalty: report.status == .pending || report.status == .needsEvidence ? nil : report.penalty, duplicateOf: report.duplicateOf)
        if details {
            dto.sourceAddress = report.sourceAddress
            dto.targetAddress = report.targetAddress
            dto.narrative = report.narrative
            dto.evidence = evidence.map { EvidenceDTO($0, url: AppRoute.apiCompromiseEvidenceFile(slug, id.uuidString, $0.name).path) }
        }
        if role != .yellow {
            dto.note = report.decisionNote
            dto.decidedBy = report.decidedByName
            dto.decidedAt = report.decidedAt
            dto.dispute = report.disputeStatus.map { status in
                .init(
                    status: status.rawValue, reason: report.disputeReason, by: report.disputedByName, at: report.disputedAt, note: report.disputeNote,
                    decidedBy: report.disputeDecidedByName, decidedAt: report.disputeDecidedAt)
            }
        }
        if role == .white || role == .red {
            dto.filedBy = report.authorName
            dto.createdAt = report.createdAt
            dto.proof = report.proof
            dto.proofFound = report.proofFound
        }
        if role == .white {
            dto.tablePenalty = rules.penalty(access: report.accessLevel, persistence: report.persistence, asset: report.asset)
            dto.suggestions = suggestions
        }
        return dto
    }

    package func incident(_ report: IncidentReport, evidence: [ReportEvidence], suggestions: [UUID]? = nil) -> IncidentReportDTO {
        let id = report.id!
        let slug = context.exercise.slug
        return IncidentReportDTO(
            id: id, team: teams.slug(report.teamID), teamName: teams.name(report.teamID), title: report.title, detectedAt: report.detectedAt,
            assets: report.assets, techniques: report.techniques.map(TechniqueDTO.init), indicators: report.indicators, actions: report.actions,
            narrative: report.narrative, status: report.status.rawValue, filedBy: report.authorName, createdAt: report.createdAt,
            evidence: evidence.map { EvidenceDTO($0, url: AppRoute.apiIncidentEvidenceFile(slug, id.uuidString, $0.name).path) },
            grade: report.status == .graded
                ? .init(
                    levels: report.levels, rubricPoints: report.rubricPoints ?? 0, creditPoints: report.creditPoints ?? 0, compromiseReports: report.linked,
                    note: report.gradeNote, gradedBy: report.gradedByName, gradedAt: report.gradedAt) : nil,
            rubric: context.isWhite ? rules.rubric : nil, suggestions: context.isWhite ? suggestions : nil)
    }

    /// Evidence of many reports at once, by report.
    static func evidence(kind: String, _ ids: [UUID], on db: any Database) async throws -> [UUID: [ReportEvidence]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await ReportEvidence.query(on: db).filter(\.$reportKind == kind).filter(\.$reportID ~~ Set(ids)).sort(\.$createdAt).all()
        return Dictionary(grouping: rows, by: \.reportID)
    }
}
