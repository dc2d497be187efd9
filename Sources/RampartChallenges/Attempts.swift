import Fluent
import NIOConcurrencyHelpers
import RampartCore
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

/// The answer to a flag submission.
package struct AttemptResult: Content {
    package enum Status: String, Codable, Sendable {
        case correct, incorrect, partial
        case alreadySolved = "already_solved"
        case locked
        case rateLimited = "rate_limited"
        case notRunning = "not_running"
    }

    package var status: Status
    package var message: String
    /// What the solve is worth now (correct answers).
    package var points: Int?
    /// Flags found so far and flags needed (`all` logic).
    package var progress: Progress?
    package var attemptsLeft: Int?
    /// Seconds until another guess is allowed (`rate_limited`); sent as `Retry-After`, not in the body.
    package var retryAfter: Int?

    package struct Progress: Content {
        package var found: Int
        package var total: Int
    }

    package enum CodingKeys: String, CodingKey {
        case status, message, points, progress
        case attemptsLeft = "attempts_left"
    }

    package init(status: Status, message: String, points: Int? = nil, progress: Progress? = nil, attemptsLeft: Int? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.points = points
        self.progress = progress
        self.attemptsLeft = attemptsLeft
        self.retryAfter = retryAfter
    }

    package var httpStatus: HTTPResponseStatus {
        switch status {
        case .rateLimited: .tooManyRequests
        case .locked, .notRunning: .forbidden
        default: .ok
        }
    }
}

/// Flag submissions and hint unlocks: the participant's side of scoring.
package enum Attempts {
    package static let maxFlagLength = 1_000

    /// Judges one submission. Every submission is stored, whatever its result, before the answer;
    /// submissions arriving together share one commit (`ScoreEngine.batched`).
    package static func submit(
        _ flag: String, challengeID: UUID, context: ExerciseContext, user: UUID, source: String?, app: Application
    ) async throws -> AttemptResult {
        let flag = try trimmedFlag(flag)
        let now = app.dependencies.now()
        let state = try await app.scores.state(context.exerciseID, on: app.db, now: now)
        guard let entry = state.catalog.byID[challengeID] else { throw AppError.notFound(.challenge) }
        let attempt = Attempt(flag: flag, entry: entry, context: context, user: user, source: source, now: now, app: app)
        // The white team tries flags at any time; nothing scores.
        guard !context.isWhite, let teamID = context.team?.id else { return try await attempt.tryOutForTheWhiteTeam() }
        // The cheap checks first; the flag is matched only once the guess holds a slot.
        if let refusal = try attempt.refusalBeforeJudging(team: teamID, state: state) {
            return try await attempt.store(refusal)
        }
        return try await attempt.judgeHoldingALimiterSlot(team: teamID)
    }

    private static func trimmedFlag(_ flag: String) throws -> String {
        let flag = flag.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !flag.isEmpty, flag.unicodeScalars.count <= maxFlagLength else {
            throw AppError.invalid("flag", .flagLength(maxFlagLength))
        }
        return flag
    }

    /// One submission of one flag to one challenge, on its way to being judged and stored.
    private struct Attempt: Sendable {
        let flag: String
        let entry: ChallengeEntry
        let context: ExerciseContext
        let user: UUID
        let source: String?
        let now: Date
        let app: Application

        var challengeID: UUID { entry.id }
        var exerciseID: UUID { context.exerciseID }
        var scores: ScoreEngine { app.scores }

        /// Queues the submission for the write's group commit; returns its id.
        @discardableResult
        func record(_ status: AttemptResult.Status, scored: Bool, matched: Int? = nil, in state: inout ScoreEngine.State) -> UUID {
            let row = SubmissionRow(
                exerciseID: exerciseID, challengeID: challengeID, teamID: context.team?.id, userID: user, at: now, sourceAddress: source,
                result: status, matched: matched, provided: flag, scored: scored)
            state.stage(row)
            return row.id
        }

        /// An attempt that cannot score: stored, then answered.
        func store(_ refusal: AttemptResult) async throws -> AttemptResult {
            try await scores.batched(exerciseID, app: app) { _, state in record(refusal.status, scored: false, in: &state) }
            return refusal
        }

        func tryOutForTheWhiteTeam() async throws -> AttemptResult {
            let matched = entry.spec.flags.firstIndex { $0.matches(flag) }
            let status: AttemptResult.Status = matched == nil ? .incorrect : .correct
            try await scores.batched(exerciseID, app: app) { _, state in record(status, scored: false, matched: matched, in: &state) }
            return AttemptResult(
                status: status, message: matched == nil ? "Incorrect (white-team test, not scored)" : "Correct (white-team test, not scored)")
        }

        /// Why the team's guess cannot count, from what is already known: the challenge is locked,
        /// the exercise is not running, or the team has solved it; nil when it may be judged.
        func refusalBeforeJudging(team teamID: UUID, state: ScoreEngine.State) throws -> AttemptResult? {
            let availability = state.catalog.availability(
                entry, solved: { state.projection.hasSolved(team: teamID, challenge: $0) }, white: false, now: now)
            switch availability {
            case .hidden: throw AppError.notFound(.challenge)
            case .locked: return AttemptResult(status: .locked, message: "Solve this challenge's prerequisites first")
            case .open: break
            }
            let exercise = context.exercise
            guard exercise.state == .running else {
                return AttemptResult(
                    status: .notRunning, message: "The exercise is \(exercise.state.rawValue); flags score only while it runs")
            }
            if state.projection.hasSolved(team: teamID, challenge: challengeID) {
                return AttemptResult(status: .alreadySolved, message: "Your team has solved this challenge already")
            }
            return nil
        }

        /// The slot is taken before the flag is judged, so guesses in flight cannot outrun the limit;
        /// only a wrong flag keeps it.
        func judgeHoldingALimiterSlot(team teamID: UUID) async throws -> AttemptResult {
            let limiter = app.limiters.flags
            let reservation: Limiter.Reservation
            switch limiter.reserve("\(teamID)|\(challengeID)", limit: context.exercise.attemptsPerMinute, now: now) {
            case .success(let taken): reservation = taken
            case .failure(let refusal):
                return try await store(
                    AttemptResult(
                        status: .rateLimited, message: "Too many incorrect flags; try again in \(refusal.retryAfter) seconds",
                        retryAfter: refusal.retryAfter))
            }
            let result: AttemptResult
            do {
                if let matched = entry.spec.flags.firstIndex(where: { $0.matches(flag) }) {
                    result = try await storeRightFlag(matched, team: teamID)
                } else {
                    result = try await storeWrongFlag(team: teamID)
                }
            } catch {
                limiter.release(reservation)
                throw error
            }
            if result.status != .incorrect { limiter.release(reservation) }
            return result
        }

        private var usedUp: AttemptResult {
            AttemptResult(
                status: .locked, message: "Your team has used all \(entry.spec.maxAttempts ?? 0) attempts for this challenge",
                attemptsLeft: 0)
        }

        /// A wrong flag, or the attempt past the challenge's limit.
        func storeWrongFlag(team teamID: UUID) async throws -> AttemptResult {
            let maxAttempts = entry.spec.maxAttempts
            // nil: locked out; .some(nil): no limit; .some(n): n attempts left.
            let left: Int?? = try await scores.batched(exerciseID, app: app) { db, state in
                let used = try await incorrectAttempts(team: teamID, challenge: challengeID, limit: maxAttempts, state: state, on: db)
                if let maxAttempts, used >= maxAttempts {
                    record(.locked, scored: false, in: &state)
                    return nil
                }
                record(.incorrect, scored: true, in: &state)
                return .some(maxAttempts.map { $0 - used - 1 })
            }
            guard let left else { return usedUp }
            return AttemptResult(status: .incorrect, message: "Incorrect", attemptsLeft: left)
        }

        /// A right flag: a solve, one more of several flags needed, or too late (solved meanwhile,
        /// attempts used up), decided again under the exercise's lock.
        func storeRightFlag(_ matched: Int, team teamID: UUID) async throws -> AttemptResult {
            let maxAttempts = entry.spec.maxAttempts
            let needed = entry.spec.logic == .all ? entry.spec.flags.count : 1
            return try await scores.batched(exerciseID, app: app) { db, state in
                // Another member may have just solved it.
                if state.projection.hasSolved(team: teamID, challenge: challengeID) {
                    record(.alreadySolved, scored: false, in: &state)
                    return AttemptResult(status: .alreadySolved, message: "Your team has solved this challenge already")
                }
                if let maxAttempts,
                    try await incorrectAttempts(team: teamID, challenge: challengeID, limit: maxAttempts, state: state, on: db) >= maxAttempts
                {
                    record(.locked, scored: false, in: &state)
                    return usedUp
                }
                let found = try await flagsFound(adding: matched, team: teamID, needed: needed, state: state, on: db)
                guard found >= needed else {
                    record(.partial, scored: true, matched: matched, in: &state)
                    return AttemptResult(
                        status: .partial, message: "Correct, \(found) of \(needed) flags found", progress: .init(found: found, total: needed))
                }
                return solve(matched, team: teamID, needed: needed, in: &state)
            }
        }

        /// How many of the challenge's flags the team has found with this one.
        private func flagsFound(
            adding matched: Int, team teamID: UUID, needed: Int, state: ScoreEngine.State, on db: any Database
        ) async throws -> Int {
            var found: Set<Int> = [matched]
            guard needed > 1 else { return found.count }
            let earlier = try await Submission.query(on: db)
                .filter(\.$teamID == teamID).filter(\.$challengeID == challengeID).filter(\.$result == "partial").all()
            found.formUnion(earlier.compactMap(\.matched))
            found.formUnion(
                state.staged(SubmissionRow.self).filter { $0.teamID == teamID && $0.challengeID == challengeID && $0.result == .partial }
                    .compactMap(\.matched))
            return found.count
        }

        /// Stores the solve and its score fact; the answer names its price unless the board is frozen.
        private func solve(_ matched: Int, team teamID: UUID, needed: Int, in state: inout ScoreEngine.State) -> AttemptResult {
            let submissionID = record(.correct, scored: true, matched: matched, in: &state)
            let fact = ScoreFactRecord(
                team: teamID, at: now, kind: ChallengeFacts.solve, category: entry.category, reason: .solvedReason(entry.name), actorID: user,
                actorName: context.team?.name ?? "", source: ChallengeFacts.source(challengeID), evidence: FactRef("submission", submissionID))
            state.append(fact)
            let position = state.projection.solveCount(challengeID)
            LiveEvents.stage(
                LiveEvent(
                    kind: "challenge.solved", exerciseID: exerciseID, teamID: teamID, at: now, scored: true,
                    payload: [
                        "challenge": entry.name, "category": entry.category, "team_name": context.team?.name ?? "",
                        "first_blood": position == 1 ? "true" : "false",
                    ]))
            let progress: AttemptResult.Progress? = needed > 1 ? .init(found: needed, total: needed) : nil
            // During the freeze the price would tell how many others solved it since.
            guard context.frozenAt(now: now) == nil else {
                return AttemptResult(status: .correct, message: "Correct: \(entry.name) solved", progress: progress)
            }
            let points = state.projection.points(ofSolve: fact.seq) ?? 0
            return AttemptResult(
                status: .correct, message: "Correct: \(entry.name) solved for \(points) points", points: points, progress: progress)
        }
    }

    /// Unlocks a hint for the caller's team: a costly one records a negative score fact and is
    /// refused when the team's score cannot pay for it.
    package static func unlockHint(
        _ key: String, challengeID: UUID, context: ExerciseContext, user: UUID, app: Application
    ) async throws -> HintDTO {
        guard let team = context.team, let teamID = team.id, !context.isWhite else {
            throw AppError.forbidden(.onlyCompetingTeamsUnlockHints)
        }
        let now = app.dependencies.now()
        let exercise = context.exercise
        return try await app.scores.write(context.exerciseID, app: app) { db, state in
            guard let entry = state.catalog.byID[challengeID],
                state.catalog.availability(entry, solved: { state.projection.hasSolved(team: teamID, challenge: $0) }, white: false, now: now)
                    == .open
            else { throw AppError.notFound(.challenge) }
            guard let index = entry.spec.hints.indices.first(where: { entry.spec.hintKey($0) == key }) else {
                throw AppError.notFound(.hint(key))
            }
            let hint = entry.spec.hints[index]
            let unlocked = try await unlockedHints(team: teamID, challenge: challengeID, on: db)
            if unlocked.contains(key) { return HintDTO(entry, index, unlocked: true) }
            for required in hint.prerequisites where !unlocked.contains(required) {
                throw AppError.conflict("hint_locked", .unlockHintFirst(required))
            }
            if hint.cost > 0 {
                guard exercise.state == .running else {
                    throw AppError.forbidden(.costlyHintsOnlyWhileRunning)
                }
                let score = state.projection.scores[teamID]?.total ?? 0
                guard score >= hint.cost else {
                    throw AppError.conflict("cannot_afford", .cannotAffordHint(hint.cost, score))
                }
            }
            state.append(
                ScoreFactRecord(
                    team: teamID, at: now, kind: ChallengeFacts.hint, points: hint.cost, category: ScoreProjection.hintsCategory,
                    reason: .hintReason(hint.title.map { "'\($0)'" } ?? key, entry.name), actorID: user, actorName: team.name,
                    source: ChallengeFacts.source(challengeID), evidence: FactRef("hint", key)))
            return HintDTO(entry, index, unlocked: true)
        }
    }

    /// Incorrect flags the team has submitted for the challenge, stored or waiting in this write;
    /// 0 without a limit (no query).
    private static func incorrectAttempts(
        team: UUID, challenge: UUID, limit: Int?, state: ScoreEngine.State, on db: any Database
    ) async throws -> Int {
        guard limit != nil else { return 0 }
        let stored = try await incorrectStored(team: team, challenge: challenge, on: db)
        return stored + state.staged(SubmissionRow.self).count { $0.teamID == team && $0.challengeID == challenge && $0.result == .incorrect }
    }

    /// Incorrect flags the team has submitted for the challenge, as stored.
    package static func incorrectStored(team: UUID, challenge: UUID, on db: any Database) async throws -> Int {
        try await Submission.query(on: db)
            .filter(\.$teamID == team).filter(\.$challengeID == challenge)
            .filter(\.$result == AttemptResult.Status.incorrect.rawValue).count()
    }

    package static func unlockedHints(team: UUID, challenge: UUID, on db: any Database) async throws -> Set<String> {
        let facts = try await ScoreFactRecord.query(on: db)
            .filter(\.$teamID == team).filter(\.$sourceText == ChallengeFacts.source(challenge).description)
            .filter(\.$kind == ChallengeFacts.hint.name).all()
        return Set(facts.compactMap { $0.evidence.flatMap { $0.kind == "hint" ? $0.id : nil } })
    }
}

package struct HintDTO: Content {
    package var key: String
    package var title: String?
    package var cost: Int
    package var unlocked: Bool
    /// Only once unlocked (or for the white team).
    package var content: String?
    package var requirements: [String]

    package init(_ entry: ChallengeEntry, _ index: Int, unlocked: Bool) {
        let hint = entry.spec.hints[index]
        key = entry.spec.hintKey(index)
        title = hint.title
        cost = hint.cost
        self.unlocked = unlocked
        content = unlocked ? hint.content : nil
        requirements = hint.prerequisites
    }
}
