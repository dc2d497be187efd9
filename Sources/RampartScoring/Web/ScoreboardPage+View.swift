import Plot
import RampartCore
import RampartKernel
import Vapor

/// The scoreboard page, drawn from its model only: the freeze said plainly, the chart, then the
/// standings with nations' flags, category columns and the reader's own row highlighted.
package enum ScoreboardPageView {
    package static func render(_ model: ScoreboardPageModel, page: PageContext, crumbs: [Layout.Crumb]) -> Response {
        let board = model.board
        return Layout.render(
            page, title: page.t(.scoreboard), crumbs: crumbs,
            .if(board.frozen, .p(.class("notice"), .text(page.t(.boardFrozen)))),
            .if(model.liveWhileFrozen, .p(.class("notice"), .text(page.t(.boardFrozenWhite)))),
            ScoreChart.render(model.chart, page: page),
            UI.table(
                headers: ["#", page.t(.team), page.t(.score)] + board.categories.map { model.categoryLabels[$0].map(page.t) ?? $0 },
                numeric: Set([0, 2] + board.categories.indices.map { $0 + 3 }),
                rows: board.rows.map { row in
                    let name = (row.nation.map { $0.flag + " " } ?? "") + (page.locale == .ko ? (row.nameKo ?? row.name) : row.name)
                    return [
                        UI.text(String(row.pos)),
                        model.opens(row) ? UI.link(name, AppRoute.teamScore(model.exercise, row.slug).path) : UI.text(name),
                        .strong(.text(String(row.score.total))),
                    ] + board.categories.map { UI.text(String(row.score.categories[$0] ?? 0)) }
                },
                highlighted: Set(board.rows.indices.filter { board.rows[$0].teamID == model.ownTeam }),
                empty: page.t(.noTeams)),
            .p(
                .class("muted"),
                .a(.href(AppRoute.apiScoreboard(model.exercise).path), .text("JSON")), .text(" · "),
                .a(.href(AppRoute.apiCTFtime(model.exercise).path), .text("CTFtime feed")))
        )
    }
}
