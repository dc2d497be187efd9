import Fluent
import RampartKernel
import RampartScoring
import Vapor

/// Challenges as the assembly plugs them in: jeopardy challenges, flags, hints and files, their pages
/// and API, `rampart challenge import`, the solve and hint facts and the decaying prices they score by.
package struct ChallengesFeature: ScoredFeature {
    package init() {}

    package var factKinds: [FactKind] { ChallengeFacts.kinds }
    package var pricing: (any ScorePricing)? { ChallengePricing() }
    package var migrations: [any Migration] {
        [M006CreateChallengesAndScores(), M007AddPublicScoreboard(), M010ChunkedFiles(), M011ChallengeOrigins()]
    }
    package var commands: [String: any AnyAsyncCommand] { ["challenge": ChallengeCommands()] }
    package var exerciseFileSections: [any ExerciseFileSectionStore] { [ChallengesFileSection()] }

    package func boot(_ app: Application) throws {
        app.blobLinks.append(.init(table: ChallengeFile.schema, column: "blob_id"))
    }

    package func routes(_ app: Application) throws {
        ChallengesAPI.register(app)
        ChallengePages.register(app)
    }

    package var auditActions: [String: Phrase] { Phrase.challengeAuditActions }

    package func navigation(_ req: Request, _ context: ExerciseContext) async throws -> [NavigationLink] {
        [NavigationLink(S.challenges.phrase, .challenges(context.exercise.slug), position: 10)]
    }
}
