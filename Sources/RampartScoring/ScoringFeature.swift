import Fluent
import RampartKernel
import Vapor

/// A feature whose work scores: the fact kinds it writes and, if its facts are priced by rules it
/// owns (a challenge's decaying value), how to load those prices. `configure` builds the one
/// `ScoreEngine` from every feature that is one of these; Scoring itself never names them.
package protocol ScoredFeature: Feature {
    var factKinds: [FactKind] { get }
    var pricing: (any ScorePricing)? { get }
}

extension ScoredFeature {
    package var pricing: (any ScorePricing)? { nil }
}

extension ScoreEngine {
    /// The engine for an application assembled from `features`: their fact kinds, and the pricing of
    /// the one that prices (two would be two truths about one value, so that is refused).
    package convenience init(features: [any Feature]) {
        let scored = features.compactMap { $0 as? any ScoredFeature }
        let pricings = scored.compactMap(\.pricing)
        precondition(pricings.count <= 1, "more than one feature prices score facts")
        self.init(kinds: scored.flatMap(\.factKinds), pricing: pricings.first)
    }
}

/// Scoring as the assembly plugs it in: the facts' shape, the scoreboard's pages and API, the
/// `scores` command, and its answers to the kernel's hooks (settings that reprice, teams with facts).
package struct ScoringFeature: ScoredFeature {
    package init() {}

    package var factKinds: [FactKind] { ScoreFacts.kinds }
    package var migrations: [any Migration] { [M012ScoreFactReferences()] }
    package var commands: [String: any AnyAsyncCommand] { ["scores": ScoreCommands()] }

    package func boot(_ app: Application) throws {
        app.scores = ScoreEngine(features: app.features)
        ScoreEngine.installHooks(app)
        app.readCaches.append { [scores = app.scores] in scores.forgetCachedReads() }
    }

    package func routes(_ app: Application) throws {
        ScoresAPI.register(app)
        ScorePages.register(app)
    }

    package func navigation(_ req: Request, _ context: ExerciseContext) async throws -> [NavigationLink] {
        let slug = context.exercise.slug
        var links = [NavigationLink(S.scoreboard.phrase, .scoreboard(slug), position: 20)]
        if !context.isWhite, let team = context.team { links.append(NavigationLink(.ourScore, .teamScore(slug, team.slug), position: 90)) }
        return links
    }
}
