import Fluent
import NIOConcurrencyHelpers
import RampartCore
import SQLKit
import Vapor

/// The answer to a flag submission.
struct AttemptResult: Content {
    enum Status: String, Codable, Sendable {
        case correct, incorrect, partial
        case alreadySolved = "already_solved"
        case locked
        case rateLimited = "rate_limited"
        case notRunning = "not_running"
    }

    var status: Status
    var message: String
    /// What the solve is worth now (correct answers).
    var points: Int?
    /// Flags found so far and flags needed (`all` logic).
    var progress: Progress?
    var attemptsLeft: Int?
    /// Seconds until another guess is allowed (`rate_limited`); sent as `Retry-After`, not in the body.
    var retryAfter: Int?

    struct Progress: Content {
        var found: Int
        var total: Int
    }

    enum CodingKeys: String, CodingKey {
        case status, message, points, progress
        case attemptsLeft = "attempts_left"
    }

    init(status: Status, message: String, points: Int? = nil, progress: Progress? = nil, attemptsLeft: Int? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.points = points
        self.progress = progress
        self.attemptsLeft = attemptsLeft
        self.retryAfter = retryAfter
    }

    var httpStatus: HTTPResponseStatus {
        switch status {
        case .rateLimited: .tooManyRequests
        case .locked, .notRunning: .forbidden
        default: .ok
        }
    }
}

/// Flag submissions and hint unlocks: the participant's side of scoring.
enum Attempts {
    static let maxFlagLength = 1_000

    /// Judges one submission. Every submission is stored, whatever its result, before the answer;
    /// submissions arriving together share one commit (`ScoreEngine.batched`).
    static func submit(
        _ flag: String, challengeID: UUID, context: ExerciseContext, user: UUID, source: String?, app: Application
    ) async throws -> AttemptResult {
        let flag = flag.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !flag.isEmpty, flag.unicodeScalars.count <= maxFlagLength else {
            throw AppError.invalid("flag", "must be 1 to \(maxFlagLength) characters", ko: "1자에서 \(maxFlagLength)자 사이여야 합니다")
        }
        let now = app.dependencies.now()
        let exercise = context.exercise
        let exerciseID = context.exerciseID
        let state = try await app.scores.state(exerciseID, on: app.db, now: now)
        guard let entry = state.catalog.byID[challengeID] else { throw AppError.notFound("Challenge", ko: "문제") }

        /// Queues the submission for the write's group commit; returns its id.
        @discardableResult @Sendable
        func record(_ status: AttemptResult.Status, scored: Bool, matched: Int? = nil, in state: inout ScoreEngine.State) -> UUID {
            let row = SubmissionRow(
                exerciseID: exerciseID, challengeID: challengeID, teamID: context.team?.id, userID: user, at: now, sourceAddress: source,
                result: status, matched: matched, provided: flag, scored: scored)
            state.newSubmissions.append(row)
            return row.id
        }
        /// An attempt that cannot score: stored, then answered.
        func refuse(_ status: AttemptResult.Status, _ message: String, retryAfter: Int? = nil) async throws -> AttemptResult {
            try await app.scores.batched(exerciseID, app: app) { _, state in record(status, scored: false, in: &state) }
            return AttemptResult(status: status, message: message, retryAfter: retryAfter)
        }

        // The white team tries flags at any time; nothing scores.
        guard !context.isWhite, let teamID = context.team?.id else {
            let matched = entry.spec.flags.firstIndex { $0.matches(flag) }
            let status: AttemptResult.Status = matched == nil ? .incorrect : .correct
            try await app.scores.batched(exerciseID, app: app) { _, state in record(status, scored: false, matched: matched, in: &state) }
            return AttemptResult(
                status: status, message: matched == nil ? "Incorrect (white-team test, not scored)" : "Correct (white-team test, not scored)")
        }
        // The cheap checks first; the flag is matched only once the guess holds a slot.
        let availability = state.catalog.availability(
            entry, solved: { state.projection.hasSolved(team: teamID, challenge: $0) }, white: false, now: now)
        switch availability {
        case .hidden: throw AppError.notFound("Challenge", ko: "문제")
        case .locked: return try await refuse(.locked, "Solve this challenge's prerequisites first")
        case .open: break
        }
        guard exercise.state == .running else {
            return try await refuse(.notRunning, "The exercise is \(exercise.state.rawValue); flags score only while it runs")
        }
        if state.projection.hasSolved(team: teamID, challenge: challengeID) {
            return try await refuse(.alreadySolved, "Your team has solved this challenge already")
        }
        // The slot is taken before the flag is judged, so guesses in flight cannot outrun the limit;
        // only a wrong flag keeps it.
        let limiter = app.limiters.flags
        let reservation: Limiter.Reservation
        switch limiter.reserve("\(teamID)|\(challengeID)", limit: exercise.attemptsPerMinute, now: now) {
        case .success(let taken): reservation = taken
        case .failure(let refusal):
            return try await refuse(
                .rateLimited, "Too many incorrect flags; try again in \(refusal.retryAfter) seconds", retryAfter: refusal.retryAfter)
        }
        let result: AttemptResult
        do {
            result = try await judge()
        } catch {
            limiter.release(reservation)
            throw error
        }
        if result.status != .incorrect { limiter.release(reservation) }
        return result

        /// Matches the flag and stores the outcome: wrong, used up, partly right, or a solve.
        func judge() async throws -> AttemptResult {
            let matched = entry.spec.flags.firstIndex { $0.matches(flag) }
            let maxAttempts = entry.spec.maxAttempts
            let needed = entry.spec.logic == .all ? entry.spec.flags.count : 1
            let usedUp = AttemptResult(
                status: .locked, message: "Your team has used all \(maxAttempts ?? 0) attempts for this challenge", attemptsLeft: 0)

            guard let matched else {
                // nil: locked out; .some(nil): no limit; .some(n): n attempts left.
                let left: Int?? = try await app.scores.batched(exerciseID, app: app) { db, state in
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

            return try await app.scores.batched(exerciseID, app: app) { db, state in
                // Decided again under the exercise's lock: another member may have just solved it.
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
                var found: Set<Int> = [matched]
                if needed > 1 {
                    let earlier = try await Submission.query(on: db)
                        .filter(\.$teamID == teamID).filter(\.$challengeID == challengeID).filter(\.$result == "partial").all()
                    found.formUnion(earlier.compactMap(\.matched))
                    found.formUnion(
                        state.newSubmissions.filter { $0.teamID == teamID && $0.challengeID == challengeID && $0.result == .partial }
                            .compactMap(\.matched))
                }
                guard found.count >= needed else {
                    record(.partial, scored: true, matched: matched, in: &state)
                    return AttemptResult(
                        status: .partial, message: "Correct, \(found.count) of \(needed) flags found",
                        progress: .init(found: found.count, total: needed))
                }
                let submissionID = record(.correct, scored: true, matched: matched, in: &state)
                let fact = ScoreFactRecord(
                    team: teamID, at: now, kind: .solve, challenge: challengeID, category: entry.category, reason: "Solved \(entry.name)",
                    actorID: user, actorName: context.team?.name ?? "", submission: submissionID)
                state.append(fact)
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
    }

    /// Unlocks a hint for the caller's team: a costly one records a negative score fact and is
    /// refused when the team's score cannot pay for it.
    static func unlockHint(
        _ key: String, challengeID: UUID, context: ExerciseContext, user: UUID, app: Application
    ) async throws -> HintDTO {
        guard let team = context.team, let teamID = team.id, !context.isWhite else {
            throw AppError.forbidden("Only a competing team unlocks hints; the white team sees them all", ko: "경쟁 팀만 힌트를 열 수 있습니다. 백팀은 모두 볼 수 있습니다")
        }
        let now = app.dependencies.now()
        let exercise = context.exercise
        return try await app.scores.write(context.exerciseID, app: app) { db, state in
            guard let entry = state.catalog.byID[challengeID],
                state.catalog.availability(entry, solved: { state.projection.hasSolved(team: teamID, challenge: $0) }, white: false, now: now)
                    == .open
            else { throw AppError.notFound("Challenge", ko: "문제") }
            guard let index = entry.spec.hints.indices.first(where: { entry.spec.hintKey($0) == key }) else {
                throw AppError.notFound("Hint '\(key)'", ko: "힌트 '\(key)'")
            }
            let hint = entry.spec.hints[index]
            let unlocked = try await unlockedHints(team: teamID, challenge: challengeID, on: db)
            if unlocked.contains(key) { return HintDTO(entry, index, unlocked: true) }
            for required in hint.prerequisites where !unlocked.contains(required) {
                throw AppError.conflict("hint_locked", "Unlock hint '\(required)' first", ko: "먼저 힌트 '\(required)'를 여십시오")
            }
            if hint.cost > 0 {
                guard exercise.state == .running else {
                    throw AppError.forbidden("Hints that cost points unlock only while the exercise runs", ko: "점수가 드는 힌트는 훈련 진행 중에만 열 수 있습니다")
                }
                let score = state.projection.scores[teamID]?.total ?? 0
                guard score >= hint.cost else {
                    throw AppError.conflict(
                        "cannot_afford", "The hint costs \(hint.cost) points and your team has \(score)",
                        ko: "힌트는 \(hint.cost)점이 들고 팀 점수는 \(score)점입니다")
                }
            }
            state.append(
                ScoreFactRecord(
                    team: teamID, at: now, kind: .hint, challenge: challengeID, hintKey: key, points: hint.cost,
                    category: ScoreProjection.hintsCategory, reason: "Unlocked hint \(hint.title.map { "'\($0)'" } ?? key) of \(entry.name)",
                    actorID: user, actorName: team.name))
            return HintDTO(entry, index, unlocked: true)
        }
    }

    /// Incorrect flags the team has submitted for the challenge, stored or waiting in this write;
    /// 0 without a limit (no query).
    private static func incorrectAttempts(
        team: UUID, challenge: UUID, limit: Int?, state: ScoreEngine.State, on db: any Database
    ) async throws -> Int {
        guard limit != nil else { return 0 }
        let stored = try await Submission.query(on: db)
            .filter(\.$teamID == team).filter(\.$challengeID == challenge)
            .filter(\.$result == AttemptResult.Status.incorrect.rawValue).count()
        return stored + state.newSubmissions.count { $0.teamID == team && $0.challengeID == challenge && $0.result == .incorrect }
    }

    static func unlockedHints(team: UUID, challenge: UUID, on db: any Database) async throws -> Set<String> {
        let facts = try await ScoreFactRecord.query(on: db)
            .filter(\.$teamID == team).filter(\.$challengeID == challenge).filter(\.$kind == .hint).all()
        return Set(facts.compactMap(\.hintKey))
    }
}

struct HintDTO: Content {
    var key: String
    var title: String?
    var cost: Int
    var unlocked: Bool
    /// Only once unlocked (or for the white team).
    var content: String?
    var requirements: [String]

    init(_ entry: ChallengeEntry, _ index: Int, unlocked: Bool) {
        let hint = entry.spec.hints[index]
        key = entry.spec.hintKey(index)
        title = hint.title
        cost = hint.cost
        self.unlocked = unlocked
        content = unlocked ? hint.content : nil
        requirements = hint.prerequisites
    }
}
