import Fluent
import Foundation
import RampartCore
import RampartKernel
import Vapor

/// Every report and decision of an exercise for the after-action review: `?format=json` (one document
/// with the rules) or `?format=csv&kind=compromise|incident` (one row per report, spreadsheet-safe).
enum ReportExport {
    struct Document: Content {
        var exercise: String
        var exportedAt: Date
        var rules: ReportRulesDTO
        var compromiseReports: [CompromiseReportDTO]
        var incidentReports: [IncidentReportDTO]
        enum CodingKeys: String, CodingKey {
            case exercise, rules
            case exportedAt = "exported_at", compromiseReports = "compromise_reports", incidentReports = "incident_reports"
        }
    }

    static func response(_ req: Request) async throws -> Response {
        let context = try req.exerciseContext
        let format = req.query[String.self, at: "format"] ?? "json"
        // Every parameter is checked whatever the format: one the format does not use is still no typo to accept.
        let kind = req.query[String.self, at: "kind"] ?? "compromise"
        guard ["compromise", "incident"].contains(kind) else { throw AppError.invalid("kind", .expectedOneOf("compromise, incident")) }
        guard ["json", "csv"].contains(format) else { throw AppError.invalid("format", .expectedOneOf("json, csv")) }
        let reader = try await ReportReader.load(context, app: req.application)
        let compromises = try await CompromiseReport.query(on: req.db).filter(\.$exerciseID == context.exerciseID).sort(\.$createdAt).all()
        let incidents = try await IncidentReport.query(on: req.db).filter(\.$exerciseID == context.exerciseID).sort(\.$createdAt).all()
        let compromiseEvidence = try await ReportReader.evidence(kind: CompromiseSource.kindName, compromises.compactMap(\.id), on: req.db)
        let incidentEvidence = try await ReportReader.evidence(kind: IncidentSource.kindName, incidents.compactMap(\.id), on: req.db)
        let compromiseDTOs = compromises.map { reader.compromise($0, evidence: compromiseEvidence[$0.id!] ?? []) }
        let incidentDTOs = incidents.map { reader.incident($0, evidence: incidentEvidence[$0.id!] ?? []) }
        let slug = context.exercise.slug
        let response: Response
        let name: String
        switch format {
        case "json":
            response = Response(status: .ok)
            try response.content.encode(
                Document(
                    exercise: slug, exportedAt: reader.now, rules: ReportRulesDTO(reader.rules, tokens: nil), compromiseReports: compromiseDTOs,
                    incidentReports: incidentDTOs))
            name = "\(slug)-reports.json"
        case "csv":
            let text = kind == "incident" ? csv(incidentDTOs) : csv(compromiseDTOs)
            response = Response(status: .ok, body: .init(string: text))
            response.headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
            name = "\(slug)-\(kind)-reports.csv"
        default:
            preconditionFailure("format checked above")
        }
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name)\"")
        return response
    }

    private static func rows(_ header: [String], _ rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(AuditExport.cell).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    private static func when(_ date: Date?) -> String { date.map { $0.formatted(.iso8601) } ?? "" }

    static func csv(_ reports: [CompromiseReportDTO]) -> String {
        rows(
            [
                "id", "team", "asset", "techniques", "access_level", "persistence", "data_accessed", "source_address", "target_address",
                "compromised_at", "filed_by", "created_at", "status", "duplicate_of", "table_penalty", "penalty", "decided_by", "decided_at", "note",
                "proof_found", "dispute_status", "dispute_reason", "dispute_note", "evidence", "narrative",
            ],
            reports.map { report in
                [
                    report.id.uuidString, report.team, report.asset, report.techniques.map(\.id).joined(separator: " "), report.accessLevel,
                    String(report.persistence), report.dataAccessed.joined(separator: " "), report.sourceAddress ?? "", report.targetAddress ?? "",
                    when(report.compromisedAt), report.filedBy ?? "", when(report.createdAt), report.status, report.duplicateOf?.uuidString ?? "",
                    report.tablePenalty.map(String.init) ?? "", report.penalty.map(String.init) ?? "", report.decidedBy ?? "", when(report.decidedAt),
                    report.note ?? "", report.proofFound ?? "", report.dispute?.status ?? "", report.dispute?.reason ?? "", report.dispute?.note ?? "",
                    (report.evidence ?? []).map { "\($0.name) (\($0.sha256))" }.joined(separator: "; "), report.narrative ?? "",
                ]
            })
    }

    static func csv(_ reports: [IncidentReportDTO]) -> String {
        rows(
            [
                "id", "team", "title", "detected_at", "assets", "techniques", "indicators", "filed_by", "created_at", "status", "levels", "rubric_points",
                "credit_points", "compromise_reports", "graded_by", "graded_at", "note", "actions", "narrative",
            ],
            reports.map { report in
                [
                    report.id.uuidString, report.team, report.title, when(report.detectedAt), report.assets.joined(separator: "; "),
                    report.techniques.map(\.id).joined(separator: " "), report.indicators.joined(separator: "; "), report.filedBy, when(report.createdAt),
                    report.status, report.grade.map { $0.levels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") } ?? "",
                    report.grade.map { String($0.rubricPoints) } ?? "", report.grade.map { String($0.creditPoints) } ?? "",
                    report.grade?.compromiseReports.map(\.uuidString).joined(separator: " ") ?? "", report.grade?.gradedBy ?? "",
                    when(report.grade?.gradedAt), report.grade?.note ?? "", report.actions, report.narrative,
                ]
            })
    }
}
