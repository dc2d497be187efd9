import Fluent
import RampartCore
import RampartKernel
import Vapor

/// A feature whose work scores: the fact kinds it writes and, if its facts are priced by rules it
/// owns (a challenge's decaying value), how to load those prices. `configure` builds the one
/// `ScoreEngine` from every feature that is one of these; Scoring itself never names them.
package protocol ScoredFeature: Feature {
    var factKinds: [FactKind] { get }
    var pricing: (any ScorePricing)? { get }
    /// How the score categories the feature's facts go to are named on pages (`availability` →
    /// Availability in English). A category without one (a challenge category an author chose) shows as written.
    var categoryLabels: [String: Phrase] { get }
}

extension ScoredFeature {
    package var pricing: (any ScorePricing)? { nil }
    package var categoryLabels: [String: Phrase] { [:] }
}

extension ScoreEngine {
    /// The engine for an application assembled from `features`: their fact kinds, and the pricing of
    /// the one that prices (two would be two truths about one value, so that is refused).
    package convenience init(features: [any Feature]) {
        let scored = features.compactMap { $0 as? any ScoredFeature }
        let pricings = scored.compactMap(\.pricing)
        precondition(pricings.count <= 1, "more than one feature prices score facts")
        let labels = scored.flatMap(\.categoryLabels)
        precondition(Set(labels.map(\.key)).count == labels.count, "a score category is labelled by two features")
        self.init(kinds: scored.flatMap(\.factKinds), pricing: pricings.first, categoryLabels: Dictionary(uniqueKeysWithValues: labels))
    }
}

/// Scoring as the assembly plugs it in: the facts' shape, the scoreboard's pages and API, the
/// `scores` command, and its answers to the kernel's hooks (settings that reprice, teams with facts).
package struct ScoringFeature: ScoredFeature {
    package init() {}

    package var factKinds: [FactKind] { ScoreFacts.kinds }
    package var categoryLabels: [String: Phrase] {
        [ScoreFacts.adjustmentCategory: .categoryAdjustments, ScoreProjection.hintsCategory: .categoryHints]
    }
    package var migrations: [any Migration] { [M012ScoreFactReferences(), M013ScoreFactReasonKo(), M014CreateJudgingClaims()] }
    package var commands: [String: any AnyAsyncCommand] { ["scores": ScoreCommands()] }

    package func boot(_ app: Application) throws {
        app.scores = ScoreEngine(features: app.features)
        app.judging = JudgingRegistry()
        ScoreEngine.installHooks(app)
        app.readCaches.append { [scores = app.scores] in scores.forgetCachedReads() }
    }

    package func routes(_ app: Application) throws {
        ScoresAPI.register(app)
        ScorePages.register(app)
        JudgingPages.register(app)
    }

    package var auditActions: [String: Phrase] { Phrase.scoringAuditActions }

    package func navigation(_ req: Request, _ context: ExerciseContext) async throws -> [NavigationLink] {
        let slug = context.exercise.slug
        var links = [NavigationLink(S.scoreboard.phrase, .scoreboard(slug), position: 20)]
        if !context.isWhite, let team = context.team { links.append(NavigationLink(.ourScore, .teamScore(slug, team.slug), position: 90)) }
        if context.isWhite, !req.application.judging.sources.isEmpty { links.append(NavigationLink(.judging, .judging(slug), position: 55)) }
        return links
    }
}
