import Fluent
import Plot
import RampartCore
import RampartKernel
import Vapor

/// The judging queue as one judge sees it, with the filter it was asked for.
package struct JudgingPageModel: Sendable {
    package var exercise: String
    package var items: [JudgingItem]
    package var kinds: [(kind: String, label: Phrase)]
    package var teams: [(slug: String, name: String)]
    package var kind: String?
    package var team: String?
    package var status: String?
    package var olderThan: Int?
    package var me: String
    package var now: Date

    /// The oldest this many show; filters narrow the rest (a page of thousands of rows helps nobody).
    package static let pageSize = 100

    package static func build(_ req: Request) async throws -> JudgingPageModel {
        let context = try req.exerciseContext
        func option(_ key: String) -> String? { req.query[String.self, at: key].flatMap { $0.isEmpty ? nil : $0 } }
        let kind = option("kind")
        let team = option("team")
        let status = option("status")
        let olderThan = try req.query.integer("older_than", in: 0...100_000, "expected minutes from 0 to 100000")
        let items = try await Judging.queue(
            context, kind: kind, team: team, status: status, olderThanMinutes: olderThan, limit: JudgingPageModel.pageSize, app: req.application)
        let teams = try await Teams.all(in: context.exercise, on: req.db).filter { $0.kind == .blue }
        return JudgingPageModel(
            exercise: context.exercise.slug, items: items, kinds: req.application.judging.sources.map { ($0.kind, $0.label) },
            teams: teams.map { ($0.slug, $0.name) }, kind: kind, team: team, status: status, olderThan: olderThan, me: req.auditActor.name,
            now: req.now)
    }
}

package enum JudgingPageView {
    package static func render(_ model: JudgingPageModel, page: PageContext, crumbs: [Layout.Crumb]) -> Response {
        let labels = Dictionary(uniqueKeysWithValues: model.kinds.map { ($0.kind, page.t($0.label)) })
        let filter: Node<HTML.BodyContext> = .form(
            .class("filters"), .method(.get), .action(AppRoute.judging(model.exercise).path),
            .div(.class("fields"), .component(Node<HTML.BodyContext>.group([
            UI.select(page.t(.kindLabel), name: "kind", options: [("", page.t(.anyOption))] + model.kinds.map { ($0.kind, page.t($0.label)) }, selected: model.kind),
            UI.select(page.t(.team), name: "team", options: [("", page.t(.anyOption))] + model.teams.map { ($0.slug, $0.name) }, selected: model.team),
            UI.field(page.t(.statusLabel), name: "status", value: model.status, maxLength: 40),
            UI.field(page.t(.olderThanMinutes), name: "older_than", value: model.olderThan.map(String.init), type: .number, maxLength: nil),
            ]))),
            .button(.type(.submit), .text(page.t(Phrase.filter))))
        let rows: [[Node<HTML.BodyContext>]] = model.items.map { item in
            [
                UI.badge(labels[item.kind] ?? item.kind, kind: "kind-\(item.kind)"),
                .text(item.teamName),
                .group(
                    .a(.href(item.url), .text(item.title)),
                    .unwrap(item.duplicateOf) { _ in .group(.text(" "), UI.badge(page.t(.duplicateFlag), kind: "warn")) }),
                .text(item.statusLabel.map(page.t) ?? item.status),
                .text(page.shortDuration(model.now.timeIntervalSince(item.submittedAt))),
                .text(item.by),
                item.claimedBy.map { .text($0) }
                    ?? UI.form(page, action: AppRoute.judgingClaim(model.exercise, item.kind, item.id.uuidString).path, submit: page.t(.claim), inline: true),
            ]
        }
        return Layout.render(
            page, title: page.t(.judgingQueue), crumbs: crumbs,
            UI.notice(page.request.pageNotice(page)),
            .p(.class("muted"), .text(page.t(.judgingIntro))),
            filter,
            .if(model.items.count >= JudgingPageModel.pageSize, .p(.class("muted"), .text(page.t(Phrase.queueOldestShown(JudgingPageModel.pageSize))))),
            UI.table(
                headers: [page.t(.kindLabel), page.t(.team), page.t(.itemLabel), page.t(.statusLabel), page.t(.waitingLabel), page.t(.by), page.t(.claimedLabel)],
                rows: rows, empty: page.t(.queueEmpty)))
    }
}

/// The queue's page and API, and claiming from either.
package enum JudgingPages {
    package static func register(_ routes: any RoutesBuilder) {
        let (slug, kind, report) = (AppRoute.param.slug, AppRoute.param.kind, AppRoute.param.report)
        routes.endpoint(.GET, .judging(slug), .white) { req async throws -> Response in
            req.liveKinds = ["report.", "judging."]
            let page = PageContext(req)
            let model = try await JudgingPageModel.build(req)
            return JudgingPageView.render(model, page: page, crumbs: Layout.crumbs(page, try req.exerciseContext.exercise))
        }
        routes.endpoint(.POST, .judgingClaim(slug, kind, report), .white) { req async throws -> Response in
            let (kind, id) = try item(req)
            let context = try req.exerciseContext
            _ = try await Judging.claim(kind: kind, id: id, context: context, by: req.auditActor, app: req.application)
            let source = req.application.judging.sources.first { $0.kind == kind }
            return req.redirect(to: source?.url(exercise: context.exercise.slug, id: id) ?? AppRoute.judging(context.exercise.slug).path, redirectType: .normal)
        }
        routes.endpoint(.GET, .apiJudgingQueue(slug), .white) { req async throws -> [JudgingItem] in
            let context = try req.exerciseContext
            return try await Judging.queue(
                context, kind: req.query[String.self, at: "kind"], team: req.query[String.self, at: "team"], status: req.query[String.self, at: "status"],
                olderThanMinutes: try req.query.integer("older_than", in: 0...100_000, "expected minutes from 0 to 100000"),
                limit: try req.query.limit(default: 100, maximum: 5000), app: req.application)
        }
        routes.endpoint(.POST, .apiJudgingClaim(slug, kind, report), .white) { req async throws -> Response in
            let (kind, id) = try item(req)
            let claim = try await Judging.claim(kind: kind, id: id, context: try req.exerciseContext, by: req.auditActor, app: req.application)
            return try created(ClaimDTO(kind: claim.kind, id: claim.itemID, judge: claim.judgeName, claimedAt: claim.claimedAt,
                                        expiresAt: claim.claimedAt.addingTimeInterval(Judging.claimLifetime)))
        }
    }

    private static func item(_ req: Request) throws -> (String, UUID) {
        guard let id = UUID(uuidString: try req.parameters.require("report")) else { throw AppError.notFound(.judgedItem) }
        return (try req.parameters.require("kind"), id)
    }

    struct ClaimDTO: Content {
        var kind: String
        var id: UUID
        var judge: String
        var claimedAt: Date
        var expiresAt: Date
        enum CodingKeys: String, CodingKey {
            case kind, id, judge
            case claimedAt = "claimed_at", expiresAt = "expires_at"
        }
    }
}
