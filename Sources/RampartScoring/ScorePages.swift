import Fluent
import Plot
import RampartCore
import RampartKernel
import SQLKit
import Vapor

/// The scoreboard with its chart, and the trail of facts behind a team's total.
package enum ScorePages {
    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .scoreboard(AppRoute.param.slug), .scoreboard) { req async throws -> Response in
            try await scoreboardPage(req)
        }
        routes.endpoint(.GET, .teamScore(AppRoute.param.slug, AppRoute.param.team), .everyMember) { req async throws -> Response in
            try await teamScorePage(req, error: nil)
        }
        routes.endpoint(.POST, .teamAdjust(AppRoute.param.slug, AppRoute.param.team), .white) { req async throws -> Response in
            let context = try req.exerciseContext
            let team = try await Teams.find(try req.parameters.require("team"), in: context.exercise, on: req.db)
            do {
                guard let points = req.formField("points").flatMap(Int.init) else {
                    throw AppError.invalid("points", .wholeNumber)
                }
                _ = try await ScoreFacts.adjust(
                    team: team, points: points, reason: req.formField("reason") ?? "", category: req.formField("category"), context: context,
                    by: req.auditActor, app: req.application)
            } catch let error as AppError where error.status == .unprocessableEntity {
                return try await teamScorePage(req, error: error.text(PageContext(req).locale))
            }
            return req.seeOther(.teamScore(context.exercise.slug, team.slug), notice: .saved)
        }
        routes.endpoint(.POST, .scoreWithdraw(AppRoute.param.slug, AppRoute.param.seq), .white) { req async throws -> Response in
            let context = try req.exerciseContext
            guard let seq = Int(try req.parameters.require("seq")) else { throw AppError.notFound(.scoreFact) }
            let team = try await ScoreFacts.withdraw(
                seq: seq, reason: req.formField("reason") ?? "", context: context, by: req.auditActor, app: req.application
            ).team
            return req.seeOther(team.map { .teamScore(context.exercise.slug, $0.slug) } ?? .scoreboard(context.exercise.slug), notice: .saved)
        }
    }

    package static func scoreboardPage(_ req: Request) async throws -> Response {
        req.liveKinds = ["score.", "challenge.", "report.compromise.", "exercise."]
        let page = PageContext(req)
        let context = try req.exerciseContext
        let model = try await ScoreboardPageModel.build(context, app: req.application, on: req.db)
        return ScoreboardPageView.render(model, page: page, crumbs: Layout.crumbs(page, context.exercise))
    }

    /// Cumulative score over time of the board's leading ten teams, each fact at what it counts for now.
    /// Reads only those teams' facts, except for a frozen board, which prices solves as they stood at
    /// the freeze. Cached with the board (`ScoreEngine.chart`).
    package static func chartSeries(_ board: Scoreboard, exercise: Exercise, app: Application, on db: any Database) async throws -> ScoreChart.Data {
        guard let sql = db as? any SQLDatabase else { throw AppError.notFound("SQL database") }
        let leaders = Array(board.rows.prefix(10))
        let exerciseID = try exercise.requireID()
        let state = try await app.scores.state(exerciseID, on: db, now: app.dependencies.now())
        let wanted = Set(leaders.map(\.teamID))
        var projection = state.projection
        var facts: [ScoreFact]
        if board.frozen, let freezeAt = exercise.freezeAt {
            let all = try await app.scores.facts(exerciseID, after: 0, before: freezeAt, on: sql).compactMap(\.fact)
            projection = ScoreProjection(challenges: state.prices.scorings)
            for fact in all { projection.apply(fact) }
            facts = all.filter { wanted.contains($0.team) }
        } else {
            facts = try await app.scores.facts(exerciseID, after: 0, teams: Array(wanted), on: sql).compactMap(\.fact)
        }
        var series: [UUID: [(Date, Int)]] = [:]
        for fact in facts {
            let points = projection.points(of: fact)
            guard points != 0 else { continue }
            let total = (series[fact.team]?.last?.1 ?? 0) + points
            series[fact.team, default: []].append((fact.at, total))
        }
        let start = exercise.startedAt ?? facts.first?.at ?? board.builtAt
        let end = board.frozen ? (exercise.freezeAt ?? board.builtAt) : max(board.builtAt, facts.last?.at ?? board.builtAt)
        return ScoreChart.Data(
            start: start, end: end,
            lines: leaders.map { row in .init(name: row.name, nameKo: row.nameKo, points: series[row.teamID] ?? []) })
    }

    package static func teamScorePage(_ req: Request, error: String?) async throws -> Response {
        req.liveKinds = ["score.", "report."]
        let page = PageContext(req)
        let (team, context) = try await ScoresAPI.ownTeam(req)
        let exercise = context.exercise
        let facts = try await ScoreFacts.list(team: team, context: context, app: req.application)
        let total = facts.reduce(0) { $0 + $1.points }
        let kinds = req.application.scores.kinds
        return Layout.render(
            page, title: page.t(.scoreFactsOf) + " " + team.flagged(page.locale), crumbs: Layout.crumbs(page, exercise),
            UI.notice(req.pageNotice(page)),
            UI.notice(error, error: true),
            .p(
                .text(page.t(.score) + ": "), .strong(.text(String(total))), .text(" · "),
                .a(.href(AppRoute.scoreboard(exercise.slug).path), .text(page.t(.scoreboard)))),
            UI.timeline(timeline(page, facts, exercise: exercise, white: context.isWhite, kinds: kinds), empty: page.t(.noScoreFacts)),
            .if(
                context.isWhite,
                UI.section(
                    page.t(.adjustScore),
                    UI.form(
                        page, action: AppRoute.teamAdjust(exercise.slug, team.slug).path, submit: page.t(.adjustScore),
                        UI.field(page.t(.points), name: "points", type: .number, required: true, hint: page.t(.adjustHint), maxLength: nil),
                        UI.field(page.t(.reason), name: "reason", required: true, maxLength: 500),
                        UI.field(page.t(.category), name: "category", value: ScoreFacts.adjustmentCategory, maxLength: 100)
                    )))
        )
    }
}

extension ScorePages {
    /// A team's facts as a timeline, newest first, each with the total it brought the team to.
    static func timeline(
        _ page: PageContext, _ facts: [ScoreFactDTO], exercise: Exercise, white: Bool, kinds: [String: FactKind]
    ) -> [UI.TimelineEntry] {
        var running = 0
        let totals = facts.map { fact in
            running += fact.points
            return running
        }
        return zip(facts, totals).reversed().map { fact, total in
            let what = page.t(kinds[fact.kind]?.label ?? .factAdjustment) + (fact.challenge.map { ": " + $0 } ?? "")
            let withdraw: Node<HTML.BodyContext> =
                white && kinds[fact.kind]?.withdrawable == true && !fact.withdrawn
                ? UI.form(
                    page, action: AppRoute.scoreWithdraw(exercise.slug, String(fact.seq)).path, submit: page.t(.withdraw),
                    danger: true, inline: true, confirm: page.t(.confirmWithdraw),
                    UI.field(page.t(.reason), name: "reason", required: true, maxLength: 500))
                : .empty
            return UI.TimelineEntry(
                time: page.time(fact.at, exerciseZone: exercise.zone),
                title: what + (fact.withdrawn ? " (" + page.t(.withdrawn) + ")" : ""),
                amount: (fact.points > 0 ? "+" : "") + String(fact.points),
                tone: fact.withdrawn ? .void : fact.points > 0 ? .gain : fact.points < 0 ? .loss : .neutral,
                details: [
                    .p(.text(fact.reason(page.locale))),
                    .p(
                        .class("muted"),
                        .text("#\(fact.seq) · " + (fact.automatic ? page.t(.scoringActor) : fact.by) + " · " + page.t(.totalAfter(total)))),
                    withdraw,
                ])
        }
    }
}

/// A score-over-time chart drawn on the server as SVG: no script needed to see it.
package enum ScoreChart {
    package struct Data: Sendable {
        package struct Line: Sendable {
            package var name: String
            package var nameKo: String?
            package var points: [(Date, Int)]

            func label(_ locale: UILocale) -> String { locale == .ko ? (nameKo ?? name) : name }
        }

        package var start: Date
        package var end: Date
        package var lines: [Line]
    }

    package static let palette = ["#1f6feb", "#d73a49", "#2da44e", "#bf8700", "#8250df", "#0a7ea4", "#cf222e", "#57606a", "#e16f24", "#116329"]

    package static func render(_ data: Data, page: PageContext) -> Node<HTML.BodyContext> {
        let width = 1000.0
        let height = 220.0
        let (left, right, top, bottom) = (48.0, 12.0, 10.0, 26.0)
        let maxScore = max(1, data.lines.flatMap { $0.points.map(\.1) }.max() ?? 1)
        let minScore = min(0, data.lines.flatMap { $0.points.map(\.1) }.min() ?? 0)
        let span = max(1, data.end.timeIntervalSince(data.start))
        func x(_ date: Date) -> Double { left + (width - left - right) * min(1, max(0, date.timeIntervalSince(data.start) / span)) }
        func y(_ score: Int) -> Double { height - bottom - (height - top - bottom) * Double(score - minScore) / Double(maxScore - minScore) }
        let f = decimal
        let lines = data.lines.enumerated().filter { !$0.element.points.isEmpty }
        guard !lines.isEmpty else { return .empty }
        var nodes: [Node<HTML.BodyContext>] = [
            .attribute(named: "viewBox", value: "0 0 \(Int(width)) \(Int(height))"),
            .attribute(named: "role", value: "img"),
            .attribute(named: "aria-label", value: page.t(.scoreOverTime)),
            .attribute(named: "class", value: "chart"),
            .element(named: "title", text: page.t(.scoreOverTime)),
        ]
        // The score axis: four lines across with their values; the time axis: start, middle, end.
        for step in 0...4 {
            let score = minScore + (maxScore - minScore) * step / 4
            nodes.append(line(x1: left, y1: y(score), x2: width - right, y2: y(score), class: "grid-line"))
            nodes.append(label(String(score), x: left - 6, y: y(score) + 4, anchor: "end"))
        }
        for (fraction, anchor) in [(0.0, "start"), (0.5, "middle"), (1.0, "end")] {
            let date = data.start.addingTimeInterval(span * fraction)
            nodes.append(label(page.shortTime(date), x: left + (width - left - right) * fraction, y: height - 6, anchor: anchor))
        }
        for (index, line) in lines {
            var coordinates = ["\(f(x(data.start))),\(f(y(0)))"]
            var scores = [0]
            var last = 0
            for (date, total) in line.points {
                coordinates += ["\(f(x(date))),\(f(y(last)))", "\(f(x(date))),\(f(y(total)))"]
                scores += [last, total]
                last = total
            }
            coordinates.append("\(f(x(data.end))),\(f(y(last)))")
            scores.append(last)
            let color = palette[index % palette.count]
            let attributes: [Attribute<HTML.BodyContext>] = [
                .attribute(named: "points", value: coordinates.joined(separator: " ")), .attribute(named: "fill", value: "none"),
                .attribute(named: "stroke", value: color), .attribute(named: "stroke-width", value: "2"),
                .attribute(named: "data-team", value: line.label(page.locale)),
                .attribute(named: "data-scores", value: "[" + scores.map(String.init).joined(separator: ",") + "]"),
            ]
            nodes.append(.selfClosedElement(named: "polyline", attributes: attributes))
        }
        let legend: [Node<HTML.BodyContext>] = lines.map { index, line in swatch(palette[index % palette.count], line.label(page.locale)) }
        let svg: Node<HTML.BodyContext> = .element(named: "svg", nodes: nodes)
        return .div(
            .class("score-chart"), svg, .div(.class("legend"), .group(legend)),
            .div(.class("chart-tip"), .booleanAttribute("hidden"), .attribute(named: "role", value: "status")))
    }

    /// A coordinate with one decimal (`12.5`), as `String(format: "%.1f")` writes it but without its
    /// formatter: a chart has hundreds of them and the formatter was a tenth of the board page's time.
    static func decimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return (tenths < 0 ? "-" : "") + String(abs(tenths) / 10) + "." + String(abs(tenths) % 10)
    }

    private static func line(x1: Double, y1: Double, x2: Double, y2: Double, class name: String) -> Node<HTML.BodyContext> {
        let attributes: [Attribute<HTML.BodyContext>] = [
            .attribute(named: "x1", value: decimal(x1)), .attribute(named: "y1", value: decimal(y1)),
            .attribute(named: "x2", value: decimal(x2)), .attribute(named: "y2", value: decimal(y2)),
            .attribute(named: "class", value: name),
        ]
        return .selfClosedElement(named: "line", attributes: attributes)
    }

    private static func label(_ text: String, x: Double, y: Double, anchor: String) -> Node<HTML.BodyContext> {
        .element(
            named: "text",
            nodes: [
                .attribute(named: "x", value: decimal(x)), .attribute(named: "y", value: decimal(y)),
                .attribute(named: "text-anchor", value: anchor), .text(text),
            ])
    }

    private static func swatch(_ color: String, _ name: String) -> Node<HTML.BodyContext> {
        let rect: [Attribute<HTML.BodyContext>] = [
            .attribute(named: "width", value: "10"), .attribute(named: "height", value: "10"), .attribute(named: "fill", value: color),
        ]
        let nodes: [Node<HTML.BodyContext>] = [
            .attribute(named: "class", value: "swatch"), .attribute(named: "viewBox", value: "0 0 10 10"),
            .attribute(named: "width", value: "10"), .attribute(named: "height", value: "10"),
            .attribute(named: "aria-hidden", value: "true"), .selfClosedElement(named: "rect", attributes: rect),
        ]
        return .span(.class("legend-item"), .element(named: "svg", nodes: nodes), .text(" " + name))
    }
}
