import Fluent
import Foundation
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// `/api/v1/exercises/{slug}/compromise-reports…`, `…/incident-reports…`, `…/report-rules`, `…/reports/export`.
package enum ReportsAPI {
    /// Who reads compromise reports (each sees what `Reports.mayRead` allows; green nothing).
    static let compromiseReaders = Access.exercise([.white, .red, .blue, .yellow])
    static let incidentReaders = Access.exercise([.white, .blue])
    /// The red team files compromise reports; the white team may enter one for it (a report phoned in).
    static let compromiseFilers = Access.exercise([.white, .red])

    package static func register(_ routes: any RoutesBuilder) {
        let (slug, report, file) = (AppRoute.param.slug, AppRoute.param.report, AppRoute.param.file)
        routes.endpoint(.POST, .apiCompromiseReports(slug), compromiseFilers) { req async throws -> Response in
            let input = try req.decodeStrict(Reports.CompromiseInput.self)
            let context = try req.exerciseContext
            let filed = try await Reports.fileCompromise(input, context: context, by: req.auditActor, app: req.application)
            return try created(try await compromiseDTO(filed, req))
        }
        routes.endpoint(.GET, .apiCompromiseReports(slug), compromiseReaders) { req async throws -> [CompromiseReportDTO] in
            try await compromiseList(req)
        }
        routes.endpoint(.GET, .apiCompromiseReport(slug, report), compromiseReaders) { req async throws -> CompromiseReportDTO in
            let context = try req.exerciseContext
            return try await compromiseDTO(try await Reports.visibleCompromise(try reportID(req), context, on: req.db), req)
        }
        routes.endpoint(.POST, .apiCompromiseEvidence(slug, report), .exercise([.white, .red]), body: .stream) { req async throws -> Response in
            let id = try reportID(req)
            let context = try req.exerciseContext
            _ = try await Reports.visibleCompromise(id, context, on: req.db)
            try await upload(req, kind: CompromiseSource.kindName, id: id)
            return try created(try await compromiseDTO(try await Reports.visibleCompromise(id, context, on: req.db), req))
        }
        routes.endpoint(.GET, .apiCompromiseEvidenceFile(slug, report, file), compromiseReaders) { req async throws -> Response in
            try await download(req, kind: CompromiseSource.kindName)
        }
        routes.endpoint(.POST, .apiCompromiseDecision(slug, report), .white) { req async throws -> CompromiseReportDTO in
            struct Body: StrictDecodable {
                var verdict: String
                var penalty: Int?
                var note: String?
                enum CodingKeys: String, CodingKey, CaseIterable { case verdict, penalty, note }
            }
            let body = try req.decodeStrict(Body.self)
            let decided = try await Reports.decide(
                try reportID(req), verdict: body.verdict, penalty: body.penalty, note: body.note, context: try req.exerciseContext,
                by: req.auditActor, app: req.application)
            return try await compromiseDTO(decided, req)
        }
        routes.endpoint(.POST, .apiCompromiseDispute(slug, report), .exercise([.blue])) { req async throws -> CompromiseReportDTO in
            struct Body: StrictDecodable {
                var reason: String
                enum CodingKeys: String, CodingKey, CaseIterable { case reason }
            }
            let body = try req.decodeStrict(Body.self)
            let disputed = try await Reports.dispute(try reportID(req), reason: body.reason, context: try req.exerciseContext, by: req.auditActor, app: req.application)
            return try await compromiseDTO(disputed, req)
        }
        routes.endpoint(.POST, .apiCompromiseDisputeDecision(slug, report), .white) { req async throws -> CompromiseReportDTO in
            struct Body: StrictDecodable {
                var verdict: String
                var note: String
                enum CodingKeys: String, CodingKey, CaseIterable { case verdict, note }
            }
            let body = try req.decodeStrict(Body.self)
            let decided = try await Reports.decideDispute(
                try reportID(req), verdict: body.verdict, note: body.note, context: try req.exerciseContext, by: req.auditActor, app: req.application)
            return try await compromiseDTO(decided, req)
        }

        routes.endpoint(.POST, .apiIncidentReports(slug), .exercise([.blue])) { req async throws -> Response in
            let input = try req.decodeStrict(Reports.IncidentInput.self)
            let filed = try await Reports.fileIncident(input, context: try req.exerciseContext, by: req.auditActor, app: req.application)
            return try created(try await incidentDTO(filed, req))
        }
        routes.endpoint(.GET, .apiIncidentReports(slug), incidentReaders) { req async throws -> [IncidentReportDTO] in
            try await incidentList(req)
        }
        routes.endpoint(.GET, .apiIncidentReport(slug, report), incidentReaders) { req async throws -> IncidentReportDTO in
            try await incidentDTO(try await Reports.visibleIncident(try reportID(req), try req.exerciseContext, on: req.db), req)
        }
        routes.endpoint(.POST, .apiIncidentGrade(slug, report), .white) { req async throws -> IncidentReportDTO in
            struct Body: StrictDecodable {
                var levels: [String: String]
                var compromiseReports: [UUID]?
                var note: String?
                enum CodingKeys: String, CodingKey, CaseIterable {
                    case levels, note
                    case compromiseReports = "compromise_reports"
                }
            }
            let body = try req.decodeStrict(Body.self)
            let graded = try await Reports.grade(
                try reportID(req), levels: body.levels, compromiseReports: body.compromiseReports ?? [], note: body.note, context: try req.exerciseContext,
                by: req.auditActor, app: req.application)
            return try await incidentDTO(graded, req)
        }
        routes.endpoint(.POST, .apiIncidentEvidence(slug, report), .exercise([.white, .blue]), body: .stream) { req async throws -> Response in
            let id = try reportID(req)
            let context = try req.exerciseContext
            _ = try await Reports.visibleIncident(id, context, on: req.db)
            try await upload(req, kind: IncidentSource.kindName, id: id)
            return try created(try await incidentDTO(try await Reports.visibleIncident(id, context, on: req.db), req))
        }
        routes.endpoint(.GET, .apiIncidentEvidenceFile(slug, report, file), incidentReaders) { req async throws -> Response in
            try await download(req, kind: IncidentSource.kindName)
        }

        routes.endpoint(.GET, .apiReportRules(slug), .exercise([.white, .red, .blue, .yellow])) { req async throws -> ReportRulesDTO in
            let context = try req.exerciseContext
            let rules = try await Reports.rules(context.exerciseID, on: req.db)
            let tokens = context.isWhite
                ? try await CompromiseTokens.all(context.exerciseID, app: req.application).map { ReportRulesDTO.Token(team: $0.team.slug, token: $0.token) } : nil
            return ReportRulesDTO(rules, tokens: tokens)
        }
        routes.endpoint(.GET, .apiReportsExport(slug), .white) { req async throws -> Response in
            try await ReportExport.response(req)
        }
    }

    static func reportID(_ req: Request) throws -> UUID {
        guard let id = UUID(uuidString: try req.parameters.require("report")) else { throw AppError.notFound(.report) }
        return id
    }

    static func compromiseDTO(_ report: CompromiseReport, _ req: Request, reader: ReportReader? = nil) async throws -> CompromiseReportDTO {
        let context = try req.exerciseContext
        let reader = if let reader { reader } else { try await ReportReader.load(context, app: req.application) }
        let evidence = try await ReportReader.evidence(kind: CompromiseSource.kindName, [report.id!], on: req.db)
        let suggestions = context.isWhite ? try await Reports.suggestions(for: report, on: req.db).compactMap(\.id) : nil
        return reader.compromise(report, evidence: evidence[report.id!] ?? [], suggestions: suggestions)
    }

    static func incidentDTO(_ report: IncidentReport, _ req: Request) async throws -> IncidentReportDTO {
        let context = try req.exerciseContext
        let reader = try await ReportReader.load(context, app: req.application)
        let evidence = try await ReportReader.evidence(kind: IncidentSource.kindName, [report.id!], on: req.db)
        let suggestions = context.isWhite ? try await Reports.suggestions(for: report, on: req.db).compactMap(\.id) : nil
        return reader.incident(report, evidence: evidence[report.id!] ?? [], suggestions: suggestions)
    }

    /// `?status=`, `?team=` (slug), `?limit=` (default 500, at most 5000), newest first.
    static func compromiseList(_ req: Request) async throws -> [CompromiseReportDTO] {
        let context = try req.exerciseContext
        let limit = try req.query.limit(default: 500, maximum: 5000)
        var query = Reports.visibleCompromises(context, on: req.db).sort(\.$createdAt, .descending).limit(limit)
        if let raw = req.query[String.self, at: "status"] {
            guard let status = CompromiseReport.Status(rawValue: raw) else {
                throw AppError.invalid("status", .expectedOneOf(CompromiseReport.Status.allCases.map(\.rawValue).joined(separator: ", ")))
            }
            query = query.filter(\.$status == status)
        }
        if let team = req.query[String.self, at: "team"] {
            query = query.filter(\.$teamID == (try await Teams.find(team, in: context.exercise, on: req.db).id ?? UUID()))
        }
        let reports = try await query.all()
        let reader = try await ReportReader.load(context, app: req.application)
        let evidence = try await ReportReader.evidence(kind: CompromiseSource.kindName, reports.compactMap(\.id), on: req.db)
        return reports.map { reader.compromise($0, evidence: evidence[$0.id!] ?? []) }
    }

    static func incidentList(_ req: Request) async throws -> [IncidentReportDTO] {
        let context = try req.exerciseContext
        let limit = try req.query.limit(default: 500, maximum: 5000)
        var query = Reports.visibleIncidents(context, on: req.db).sort(\.$createdAt, .descending).limit(limit)
        if let raw = req.query[String.self, at: "status"] {
            guard let status = IncidentReport.Status(rawValue: raw) else {
                throw AppError.invalid("status", .expectedOneOf(IncidentReport.Status.allCases.map(\.rawValue).joined(separator: ", ")))
            }
            query = query.filter(\.$status == status)
        }
        if let team = req.query[String.self, at: "team"] {
            query = query.filter(\.$teamID == (try await Teams.find(team, in: context.exercise, on: req.db).id ?? UUID()))
        }
        let reports = try await query.all()
        let reader = try await ReportReader.load(context, app: req.application)
        let evidence = try await ReportReader.evidence(kind: IncidentSource.kindName, reports.compactMap(\.id), on: req.db)
        return reports.map { reader.incident($0, evidence: evidence[$0.id!] ?? []) }
    }

    /// The body is the file (`?name=` its name), streamed into chunks as it arrives.
    static func upload(_ req: Request, kind: String, id: UUID) async throws {
        guard let name = req.query[String.self, at: "name"] else { throw AppError.invalid("name", .evidenceNameRequired) }
        _ = try Reports.evidenceName(name)
        let limit = min(req.application.rampart.maxUploadBytes, Reports.maxEvidenceBytes)
        let blob = try await Blobs.store(req.body, maxBytes: limit, app: req.application)
        _ = try await Reports.addEvidence(kind: kind, reportID: id, name: name, blob: blob, context: try req.exerciseContext, by: req.auditActor, app: req.application)
    }

    /// Evidence, to whoever may read its report's details; a file of a report they may not read is not found.
    static func download(_ req: Request, kind: String) async throws -> Response {
        let context = try req.exerciseContext
        let id = try reportID(req)
        if kind == CompromiseSource.kindName {
            let report = try await Reports.visibleCompromise(id, context, on: req.db)
            let reader = try await ReportReader.load(context, app: req.application)
            guard Reports.mayReadDetails(report, context, rules: reader.rules, windows: reader.windows, now: reader.now) else {
                throw AppError.notFound(.evidenceFile)
            }
        } else {
            _ = try await Reports.visibleIncident(id, context, on: req.db)
        }
        let name = try req.parameters.require("file")
        guard
            let file = try await ReportEvidence.query(on: req.db).filter(\.$reportKind == kind).filter(\.$reportID == id).filter(\.$name == name).first(),
            let blob = file.blobID
        else { throw AppError.notFound(.evidenceFile) }
        let response = Response(status: .ok, body: Blobs.body(blob, size: file.size, app: req.application))
        Downloads.asAttachment(response, named: name)
        response.headers.replaceOrAdd(name: .eTag, value: "\"\(file.sha256)\"")
        return response
    }
}
