import Foundation
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// What a challenge's page shows one viewer, built from the database without any HTML: the view
/// (`ChallengePage+View`) only draws it, and tests read it directly.
package struct ChallengePageModel: Sendable {
    /// A prerequisite by name, and whether the viewer's team has solved it.
    package struct Prerequisite: Sendable, Equatable {
        package var name: String
        package var solved: Bool
    }

    /// How a decaying value moves: its floor, and what it drops to with the next team's solve.
    package struct Decay: Sendable, Equatable {
        package var minimum: Int
        package var next: Int
    }

    package var exercise: String
    /// Nil while the challenge is locked for the viewer (its name and content stay hidden).
    package var challenge: ChallengeDTO?
    package var decay: Decay?
    package var prerequisites: [Prerequisite]
    /// Wrong flags the team may still send; nil without a limit.
    package var attemptsLeft: Int?
    /// The white team tests flags; a blue team submits them.
    package var canSubmit: Bool
    package var canUnlockHints: Bool
    package var white: Bool

    package static func build(_ rawID: String, _ context: ExerciseContext, app: Application) async throws -> ChallengePageModel {
        let (state, view) = try await ChallengeView.one(rawID, context, app: app)
        let slug = context.exercise.slug
        guard view.availability != .locked else {
            return ChallengePageModel(
                exercise: slug, challenge: nil, decay: nil, prerequisites: [], attemptsLeft: nil, canSubmit: false, canUnlockHints: false,
                white: context.isWhite)
        }
        let dto = try await ChallengesAPI.detail(view, context, app: app)
        let team = context.team?.id
        let prerequisites = view.entry.spec.prerequisites.map { name in
            Prerequisite(
                name: name,
                solved: team.flatMap { team in state.catalog.idByName[name].map { state.projection.hasSolved(team: team, challenge: $0) } }
                    ?? false)
        }
        var decay: Decay?
        if case .decaying(_, let minimum, _, _) = view.entry.spec.value {
            decay = Decay(minimum: minimum, next: view.entry.spec.value.value(solveCount: view.solves + 1))
        }
        return ChallengePageModel(
            exercise: slug, challenge: dto, decay: decay, prerequisites: prerequisites,
            attemptsLeft: dto.attempts.flatMap { used in dto.maxAttempts.map { Swift.max(0, $0 - used) } },
            canSubmit: (context.isWhite || context.role == .blue) && !dto.solved,
            canUnlockHints: context.role == .blue && !context.isWhite, white: context.isWhite)
    }
}
