import Fluent
import Foundation
import RampartCore
import RampartKernel
import Vapor

/// What the scoreboard page shows one viewer, built without HTML: the board it may see (frozen for
/// participants after the freeze), the chart's lines, whose facts it may open and which row is its own.
/// `ScoreboardPageView` draws it.
package struct ScoreboardPageModel: Sendable {
    package var exercise: String
    package var board: Scoreboard
    package var chart: ScoreChart.Data
    /// The viewer's own team, highlighted; nil for the white team and for outsiders.
    package var ownTeam: UUID?
    /// The white team opens every team's facts; a participant only its own.
    package var opensEveryTeam: Bool
    /// The white team sees the live board while participants see the frozen one.
    package var liveWhileFrozen: Bool
    package var categoryLabels: [String: Phrase]

    package func opens(_ row: Scoreboard.Row) -> Bool { opensEveryTeam || row.teamID == ownTeam }

    package static func build(_ context: ExerciseContext, app: Application, on db: any Database) async throws -> ScoreboardPageModel {
        let exercise = context.exercise
        let board = try await Scoreboard.current(for: context, app: app, on: db)
        let chart = try await app.scores.chart(for: board, context.exerciseID) {
            try await ScorePages.chartSeries(board, exercise: exercise, app: app, on: db)
        }
        let now = app.dependencies.now()
        return ScoreboardPageModel(
            exercise: exercise.slug, board: board, chart: chart, ownTeam: context.isWhite ? nil : context.team?.id,
            opensEveryTeam: context.isWhite, liveWhileFrozen: context.isWhite && exercise.freezeAt.map { now >= $0 } == true,
            categoryLabels: app.scores.categoryLabels)
    }
}
