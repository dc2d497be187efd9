import Fluent
import Plot
import RampartCore
import Vapor

/// The audit trail table with its filters, for an exercise or the whole platform.
package enum AuditPages {
    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .audit(AppRoute.param.slug), .white) { req async throws -> Response in
            let context = try req.exerciseContext
            let filter = try AuditFilter(query: req.query)
            let records = try await filter.records(exerciseID: context.exerciseID, on: req.db)
            if let download = try AuditExport.download(records, request: req, name: "audit-\(context.exercise.slug)") { return download }
            let page = PageContext(req)
            return Layout.render(
                page, title: page.t(.auditTrail),
                crumbs: Layout.crumbs(page, context.exercise),
                view(page, records: records, filter: filter, path: AppRoute.audit(context.exercise.slug).path, zone: context.exercise.zone))
        }
    }

    package static func view(_ page: PageContext, records: [AuditRecord], filter: AuditFilter, path: String, zone: TimeZone?) -> Node<HTML.BodyContext> {
        let actions = Phrase.kernelAuditActions.merging(page.request.application.features.flatMap(\.auditActions)) { kernel, _ in kernel }
        let stamp = { (date: Date?) in date.map { ExerciseTime.format($0, timeZone: .gmt) } }
        let kept: [(String, String?)] = [
            ("action", filter.action), ("actor", filter.actor), ("subject", filter.subject), ("since", stamp(filter.since)),
            ("until", stamp(filter.until)),
        ]
        var query = URLComponents()
        query.queryItems = kept.compactMap { pair in pair.1.map { URLQueryItem(name: pair.0, value: $0) } }
        let encoded = query.percentEncodedQuery ?? ""
        let base = encoded.isEmpty ? "?" : "?\(encoded)&"
        var olderLink: Node<HTML.BodyContext> = .empty
        if records.count == filter.limit, let last = records.last {
            let href: String = path + base + "before=\(last.seq)"
            olderLink = .p(.a(.href(href), .text(page.t(.older))))
        }
        let csvHref: String = path + base + "format=csv&limit=\(AuditFilter.maxLimit)"
        let jsonHref: String = path + base + "format=json&limit=\(AuditFilter.maxLimit)"
        let fields: Node<HTML.BodyContext> = .div(
            .class("fields"),
            UI.field(page.t(.action), name: "action", value: filter.action, hint: page.t(.auditFilterHint), maxLength: 100),
            UI.field(page.t(.actor), name: "actor", value: filter.actor, maxLength: 64),
            UI.field(page.t(.subject), name: "subject", value: filter.subject, maxLength: 200),
            UI.field(page.t(.since), name: "since", value: stamp(filter.since), hint: "2026-02-02 09:00 (UTC)", maxLength: 40),
            UI.field(page.t(.until), name: "until", value: stamp(filter.until), maxLength: 40)
        )
        return .div(
            .form(
                .class("filters"), .method(.get), .action(path),
                .component(fields),
                .button(.type(.submit), .text(page.t(.filter)))
            ),
            .p(
                .class("exports"),
                .a(.href(csvHref), .text(page.t(.exportCSV))), .text(" · "),
                .a(.href(jsonHref), .text(page.t(.exportJSON)))
            ),
            UI.table(
                headers: ["#", page.t(.time), page.t(.actor), page.t(.action), page.t(.subject), page.t(.summary), page.t(.source)],
                numeric: [0],
                rows: records.map { record -> [Node<HTML.BodyContext>] in
                    let subject = (Phrase.auditSubject(record.subjectType).map(page.t) ?? record.subjectType) + " " + record.subject
                    return [
                        UI.text(String(record.seq)), page.time(record.date, exerciseZone: zone), UI.text(record.actorName),
                        .group(
                            .unwrap(actions[record.action]) { .span(.class("block"), .text(page.t($0))) },
                            .small(.code(.text(record.action)))),
                        UI.text(subject), UI.text(summary(page, record)), UI.text(record.sourceAddress ?? ""),
                    ]
                },
                empty: page.t(.noRecords)),
            olderLink
        )
    }

    /// The entry's summary as recorded (English, as the chain hashes it); a Korean reader gets what
    /// changed, field by field, from the recorded changes instead — the action's name says the rest.
    private static func summary(_ page: PageContext, _ record: AuditRecord) -> String {
        guard page.locale == .ko else { return record.summary }
        let changes = record.decodedChanges
        guard !changes.isEmpty else { return "" }
        return page.t(.auditChanges) + ": "
            + changes.keys.sorted().map { "\($0): \(short(changes[$0]?.from)) → \(short(changes[$0]?.to))" }.joined(separator: "; ")
    }

    /// A changed value as the table shows it: a whole challenge's source is in the export, not the cell.
    private static func short(_ value: String?) -> String {
        guard let value else { return "—" }
        return value.count > 80 ? value.prefix(80) + "…" : value
    }
}
