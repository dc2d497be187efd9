import Fluent
import RampartCore
import Vapor

package struct AuditRecordDTO: Content {
    package var seq: Int
    package var at: Date
    package var exercise: UUID?
    package var actor: String
    package var action: String
    package var subjectType: String
    package var subject: String
    package var summary: String
    package var changes: [String: AuditChange]
    package var sourceAddress: String?
    package var hash: String
    package var prevHash: String

    package enum CodingKeys: String, CodingKey {
        case seq, at, exercise, actor, action, subject, summary, changes, hash
        case subjectType = "subject_type"
        case sourceAddress = "source_address"
        case prevHash = "prev_hash"
    }

    package init(_ record: AuditRecord) {
        seq = record.seq
        at = record.date
        exercise = record.exerciseID
        actor = record.actorName
        action = record.action
        subjectType = record.subjectType
        subject = record.subject
        summary = record.summary
        changes = record.decodedChanges
        sourceAddress = record.sourceAddress
        hash = record.hash
        prevHash = record.prevHash
    }
}

/// Filters for reading the trail, from a query string: `action`, `actor`, `subject`, `since`, `until`,
/// `before` (a seq, for paging backwards) and `limit`.
package struct AuditFilter: Sendable {
    package var action: String?
    package var actor: String?
    package var subject: String?
    package var since: Date?
    package var until: Date?
    package var before: Int?
    package var limit: Int = 100

    package static let maxLimit = 5000

    package init(
        action: String? = nil, actor: String? = nil, subject: String? = nil, since: Date? = nil, until: Date? = nil, before: Int? = nil,
        limit: Int = 100
    ) {
        self.action = action
        self.actor = actor
        self.subject = subject
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }

    package init(query: any URLQueryContainer) throws {
        func text(_ key: String) -> String? {
            (try? query.get(String.self, at: key)).flatMap {
                $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces)
            }
        }
        func date(_ key: String) throws -> Date? {
            guard let raw = text(key) else { return nil }
            guard let date = ExerciseTime.parse(raw, timeZone: .gmt) else {
                throw AppError.invalid(key, "expected a time like 2026-02-02T09:00:00Z or 2026-02-02 09:00 (UTC)")
            }
            return date
        }
        action = text("action")
        actor = text("actor")
        subject = text("subject")
        since = try date("since")
        until = try date("until")
        before = try query.integer("before", in: Int.min...Int.max, "expected a record number")
        limit = try query.limit(default: limit, maximum: Self.maxLimit)
    }

    /// Newest first. `exerciseID` nil means the whole trail (administrators).
    package func records(exerciseID: UUID?, on db: any Database) async throws -> [AuditRecord] {
        let query = AuditRecord.query(on: db)
        if let exerciseID { query.filter(\.$exerciseID == exerciseID) }
        // `action=team` matches team.create, team.update …
        if let action { query.group(.or) { $0.filter(\.$action == action).filter(\.$action, .custom("LIKE"), action + ".%") } }
        if let actor { query.filter(\.$actorName == actor) }
        if let subject { query.filter(\.$subject == subject) }
        if let since { query.filter(\.$atMilliseconds >= Int64(since.timeIntervalSince1970 * 1000)) }
        if let until { query.filter(\.$atMilliseconds < Int64(until.timeIntervalSince1970 * 1000)) }
        if let before { query.filter(\.$seq < before) }
        return try await query.sort(\.$seq, .descending).limit(limit).all()
    }
}

package enum AuditExport {
    package static func csv(_ records: [AuditRecord]) -> String {
        var lines = ["seq,at,actor,action,subject_type,subject,summary,changes,source_address,hash,prev_hash"]
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for record in records {
            let fields = [
                String(record.seq), formatter.string(from: record.date), record.actorName, record.action, record.subjectType,
                record.subject, record.summary, record.changes, record.sourceAddress ?? "", record.hash, record.prevHash,
            ]
            lines.append(fields.map(cell).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// RFC 4180 quoting, and a leading apostrophe on anything a spreadsheet would run as a formula.
    package static func cell(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { ",\"\r\n".contains($0) }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `?format=csv` or `?format=json` as a download; nil for the default (a page or plain JSON list).
    package static func download(_ records: [AuditRecord], request: Request, name: String) throws -> Response? {
        guard let format = try? request.query.get(String.self, at: "format") else { return nil }
        let response: Response
        switch format {
        case "csv":
            response = Response(status: .ok, body: .init(string: csv(records)))
            response.headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        case "json":
            response = Response(status: .ok)
            try response.content.encode(records.map(AuditRecordDTO.init))
        default:
            throw AppError.invalid("format", "expected csv or json")
        }
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name).\(format)\"")
        return response
    }
}

package enum AuditAPI {
    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .apiAudit(AppRoute.param.slug), .white) { req async throws -> Response in
            let context = try req.exerciseContext
            let records = try await AuditFilter(query: req.query).records(exerciseID: context.exerciseID, on: req.db)
            if let download = try AuditExport.download(records, request: req, name: "audit-\(context.exercise.slug)") { return download }
            let response = Response(status: .ok)
            try response.content.encode(records.map(AuditRecordDTO.init))
            return response
        }
        routes.endpoint(.GET, .apiAuditAll, .admin) { req async throws -> Response in
            let records = try await AuditFilter(query: req.query).records(exerciseID: nil, on: req.db)
            if let download = try AuditExport.download(records, request: req, name: "audit") { return download }
            let response = Response(status: .ok)
            try response.content.encode(records.map(AuditRecordDTO.init))
            return response
        }
    }
}
