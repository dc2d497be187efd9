import Fluent
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// What challenges give Scoring: their fact kinds, and their prices (value, decay, first blood)
/// through the catalogue, registered at boot.
package enum ChallengeFacts {
    /// A team solved a challenge (source `challenge:<id>`, evidence the submission); worth what the
    /// challenge is worth now, so the projection prices it.
    package static let solve = FactKind(
        name: "solve", label: .factSolve, withdrawable: true,
        projected: { $0.source?.uuid("challenge").map { .solve(challenge: $0) } }, subject: name,
        explain: { fact, points, projection, prices in
            guard let id = fact.source?.uuid("challenge"), let entry = (prices as? ChallengeCatalog)?.byID[id] else { return nil }
            let solves = projection.solveCount(id)
            let value = entry.spec.value.value(solveCount: solves)
            return .solveWorth(value, solves, firstBlood: max(0, points - value))
        })
    /// A hint unlocked for its cost (stored as positive points; evidence `hint:<key>`).
    package static let hint = FactKind(name: "hint", label: .factHint, projected: { .hint(cost: $0.points) }, subject: name)
    package static let kinds = [solve, hint]

    package static func source(_ challenge: UUID) -> FactRef { FactRef("challenge", challenge) }

    private static func name(_ fact: StoredFact, _ prices: any PriceList) -> String? {
        fact.source?.uuid("challenge").flatMap { (prices as? ChallengeCatalog)?.byID[$0]?.name }
    }
}

extension ChallengeCatalog: PriceList {}

/// Loads the catalogue, with the exercise's default first-blood bonus, for Scoring.
package struct ChallengePricing: ScorePricing {
    package init() {}

    package func load(exerciseID: UUID, version: Int, on db: any Database) async throws -> any PriceList {
        guard let exercise = try await Exercise.find(exerciseID, on: db) else { throw AppError.notFound(.exercise) }
        return try await ChallengeCatalog.load(exerciseID: exerciseID, version: version, firstBlood: exercise.firstBlood, on: db)
    }
}

extension ScoreEngine.State {
    /// The exercise's challenges as of this state.
    package var catalog: ChallengeCatalog {
        prices as? ChallengeCatalog ?? ChallengeCatalog(version: prices.version, entries: [], defaultFirstBlood: .none)
    }
}
