import Foundation

/// An immutable record that earns or costs points. Corrections are new facts (a withdrawal), never edits.
public struct ScoreFact: Equatable, Sendable {
    /// Position in the exercise's fact log; facts apply in this order.
    public var id: Int
    public var team: UUID
    public var at: Date
    public var kind: Kind

    public enum Kind: Equatable, Sendable {
        /// The team solved a challenge; worth the challenge's current value plus any first-blood bonus.
        case solve(challenge: UUID)
        /// A fact taken back (the fact `of` names): a solve, or a judged fact. Other facts cannot be
        /// taken back; a withdrawal of one counts nothing.
        case withdrawal(of: Int)
        /// A hint unlocked for `cost` points.
        case hint(cost: Int)
        /// Points given or taken by the white team, in a category of its choosing.
        case adjustment(points: Int, category: String)
        /// Points the platform gives or takes every tick (availability, SLA penalties). Every team
        /// gets them all the time, so they do not move the tie-break time.
        case award(points: Int, category: String)
        /// Points a judge decided (a validated compromise, a graded incident report), which a later
        /// decision may take back. `timed`: whether it moves the team's tie-break time (its own work
        /// does; a penalty another team's attack earned does not).
        case judged(points: Int, category: String, timed: Bool)
    }

    public init(id: Int, team: UUID, at: Date, kind: Kind) {
        self.id = id
        self.team = team
        self.at = at
        self.kind = kind
    }
}

/// How a challenge scores: its category, value and first-blood bonus.
public struct ChallengeScoring: Equatable, Sendable {
    public var category: String
    public var value: ChallengeValue
    public var firstBlood: FirstBloodBonus

    public init(category: String, value: ChallengeValue, firstBlood: FirstBloodBonus = .none) {
        self.category = category
        self.value = value
        self.firstBlood = firstBlood
    }

    /// What the solver in `position` (1 for the first) earns when `solveCount` teams have solved it.
    func points(position: Int, solveCount: Int) -> Int {
        let value = value.value(solveCount: solveCount)
        return value + firstBlood.bonus(position: position, value: value)
    }
}

/// A team's score as the scoreboard shows it.
public struct TeamScore: Equatable, Sendable {
    public var total: Int = 0
    public var categories: [String: Int] = [:]
    /// When the team last earned or lost points by its own doing: ties go to whoever got there first.
    public var lastScoredAt: Date?

    public init(total: Int = 0, categories: [String: Int] = [:], lastScoredAt: Date? = nil) {
        self.total = total
        self.categories = categories
        self.lastScoredAt = lastScoredAt
    }
}

/// The scoreboard as a projection of score facts, maintained incrementally.
///
/// Applying a fact touches only what it changes: a solve re-prices the solvers of that one challenge
/// (its value decays for everyone), a hint or an adjustment touches one team. Reading standings never
/// recomputes anything. `ScoreProjection.recompute` derives the same scores from the facts directly;
/// the two must always agree (a property test checks it on random histories).
public struct ScoreProjection: Sendable {
    /// Category names for points that are not a challenge's.
    public static let hintsCategory = "hints"

    public private(set) var scores: [UUID: TeamScore] = [:]
    private var challenges: [UUID: ChallengeScoring]
    /// Active (not withdrawn) solves of each challenge, in the order they were made.
    private var solvers: [UUID: [(team: UUID, fact: Int)]] = [:]
    /// What each active solve currently contributes, so a re-price applies only the difference.
    private var contributions: [Int: Int] = [:]
    private var solveFacts: [Int: (team: UUID, challenge: UUID)] = [:]
    /// Standing judged facts, so a withdrawal can take them back.
    private var judgedFacts: [Int: (team: UUID, points: Int, category: String)] = [:]
    /// Every active fact of each team with its time, for `lastScoredAt`.
    private var activeTimes: [UUID: [Int: Date]] = [:]

    public init(challenges: [UUID: ChallengeScoring]) {
        self.challenges = challenges
    }

    /// Applies one fact and returns the teams whose scores changed.
    @discardableResult
    public mutating func apply(_ fact: ScoreFact) -> Set<UUID> {
        switch fact.kind {
        case .solve(let challenge):
            guard let scoring = challenges[challenge], !(solvers[challenge] ?? []).contains(where: { $0.team == fact.team }) else {
                return []
            }
            solvers[challenge, default: []].append((fact.team, fact.id))
            solveFacts[fact.id] = (fact.team, challenge)
            contributions[fact.id] = 0
            activeTimes[fact.team, default: [:]][fact.id] = fact.at
            touch(fact.team)
            return reprice(challenge, scoring)
        case .withdrawal(let factID):
            if let judged = judgedFacts.removeValue(forKey: factID) {
                add(-judged.points, to: judged.team, category: judged.category)
                activeTimes[judged.team]?[factID] = nil
                touch(judged.team)
                return [judged.team]
            }
            let solveID = factID
            guard let solve = solveFacts.removeValue(forKey: solveID), let scoring = challenges[solve.challenge] else { return [] }
            let removed = contributions.removeValue(forKey: solveID) ?? 0
            add(-removed, to: solve.team, category: scoring.category)
            solvers[solve.challenge]?.removeAll { $0.fact == solveID }
            activeTimes[solve.team]?[solveID] = nil
            touch(solve.team)
            return reprice(solve.challenge, scoring).union([solve.team])
        case .hint(let cost):
            // A free hint costs nothing and is not an achievement: it must not move the tie-break time.
            guard cost != 0 else { return [] }
            activeTimes[fact.team, default: [:]][fact.id] = fact.at
            add(-cost, to: fact.team, category: Self.hintsCategory)
            touch(fact.team)
            return [fact.team]
        case .adjustment(let points, let category):
            activeTimes[fact.team, default: [:]][fact.id] = fact.at
            add(points, to: fact.team, category: category)
            touch(fact.team)
            return [fact.team]
        case .award(let points, let category):
            guard points != 0 else { return [] }
            add(points, to: fact.team, category: category)
            return [fact.team]
        case .judged(let points, let category, let timed):
            judgedFacts[fact.id] = (fact.team, points, category)
            add(points, to: fact.team, category: category)
            if timed {
                activeTimes[fact.team, default: [:]][fact.id] = fact.at
                touch(fact.team)
            }
            return [fact.team]
        }
    }

    /// Whether a judged fact stands (written and not taken back).
    public func isStanding(judged fact: Int) -> Bool { judgedFacts[fact] != nil }

    /// A challenge's scoring changed (the white team edited its value): re-price its solvers.
    @discardableResult
    public mutating func update(challenge: UUID, to scoring: ChallengeScoring) -> Set<UUID> {
        if let old = challenges[challenge], old.category != scoring.category {
            // Move the points between categories: take them out under the old one, reprice adds them back.
            for solver in solvers[challenge] ?? [] {
                add(-(contributions[solver.fact] ?? 0), to: solver.team, category: old.category)
                contributions[solver.fact] = 0
            }
        }
        challenges[challenge] = scoring
        return reprice(challenge, scoring)
    }

    /// Whether the team holds an active solve of the challenge.
    public func hasSolved(team: UUID, challenge: UUID) -> Bool {
        (solvers[challenge] ?? []).contains { $0.team == team }
    }

    /// The active solve fact of the team for the challenge.
    public func solveFact(team: UUID, challenge: UUID) -> Int? {
        (solvers[challenge] ?? []).first { $0.team == team }?.fact
    }

    /// Teams holding an active solve of the challenge.
    public func solveCount(_ challenge: UUID) -> Int { solvers[challenge]?.count ?? 0 }

    /// Teams holding an active solve of the challenge made before `date` (what a frozen board counts).
    public func solveCount(_ challenge: UUID, before date: Date) -> Int {
        (solvers[challenge] ?? []).count { solver in activeTimes[solver.team]?[solver.fact].map { $0 < date } ?? false }
    }

    /// What an active solve earns now (its challenge's current value, with any first-blood bonus).
    public func points(ofSolve fact: Int) -> Int? { contributions[fact] }

    /// What a fact counts for now: a solve its current worth (0 once withdrawn), a hint its cost
    /// taken, an adjustment or award its points, a judged fact its points (0 once withdrawn); a
    /// withdrawal itself counts nothing.
    public func points(of fact: ScoreFact) -> Int {
        switch fact.kind {
        case .solve: points(ofSolve: fact.id) ?? 0
        case .withdrawal: 0
        case .hint(let cost): -cost
        case .adjustment(let points, _), .award(let points, _): points
        case .judged: judgedFacts[fact.id]?.points ?? 0
        }
    }

    /// The challenge each active solve fact is for.
    public func challenge(ofSolve fact: Int) -> UUID? { solveFacts[fact]?.challenge }

    /// Teams by score, highest first; equal scores by who reached theirs first, then by id.
    public func standings(teams: [UUID]) -> [(team: UUID, score: TeamScore)] {
        Self.rank(teams.map { ($0, scores[$0] ?? TeamScore()) })
    }

    /// Orders scores for a board: highest total first; equal totals by who reached theirs first
    /// (a team that never scored comes after one that did), then by id so the order is stable.
    public static func rank(_ scores: [(team: UUID, score: TeamScore)]) -> [(team: UUID, score: TeamScore)] {
        scores.sorted { lhs, rhs in
            if lhs.score.total != rhs.score.total { return lhs.score.total > rhs.score.total }
            switch (lhs.score.lastScoredAt, rhs.score.lastScoredAt) {
            case (let l?, let r?) where l != r: return l < r
            case (.some, nil): return true
            case (nil, .some): return false
            default: return lhs.team.uuidString < rhs.team.uuidString
            }
        }
    }

    private mutating func reprice(_ challenge: UUID, _ scoring: ChallengeScoring) -> Set<UUID> {
        let list = solvers[challenge] ?? []
        var changed: Set<UUID> = []
        for (index, solver) in list.enumerated() {
            let points = scoring.points(position: index + 1, solveCount: list.count)
            let difference = points - (contributions[solver.fact] ?? 0)
            guard difference != 0 else { continue }
            contributions[solver.fact] = points
            add(difference, to: solver.team, category: scoring.category)
            changed.insert(solver.team)
        }
        return changed
    }

    private mutating func add(_ points: Int, to team: UUID, category: String) {
        guard points != 0 else {
            if scores[team] == nil { scores[team] = TeamScore() }
            return
        }
        scores[team, default: TeamScore()].total += points
        scores[team, default: TeamScore()].categories[category, default: 0] += points
    }

    private mutating func touch(_ team: UUID) {
        scores[team, default: TeamScore()].lastScoredAt = activeTimes[team]?.values.max()
    }

    /// The same scores computed straight from the facts, without any incremental state: which solves
    /// stand (in order; a solve of a challenge the team already holds is void, a withdrawal removes one),
    /// then every challenge priced once from its final solve count.
    public static func recompute(_ facts: [ScoreFact], challenges: [UUID: ChallengeScoring]) -> [UUID: TeamScore] {
        var scores: [UUID: TeamScore] = [:]
        var standing: [UUID: [ScoreFact]] = [:]  // active solves by challenge, in order
        var times: [UUID: [Int: Date]] = [:]  // active facts by team
        let sorted = facts.sorted(by: { $0.id < $1.id })
        // Judged facts stand unless a withdrawal names them.
        let withdrawn = Set(sorted.compactMap { fact -> Int? in if case .withdrawal(let id) = fact.kind, id < fact.id { id } else { nil } })
        for fact in sorted {
            switch fact.kind {
            case .solve(let challenge):
                guard challenges[challenge] != nil, !(standing[challenge] ?? []).contains(where: { $0.team == fact.team }) else { continue }
                standing[challenge, default: []].append(fact)
                times[fact.team, default: [:]][fact.id] = fact.at
            case .withdrawal(let solve):
                for (challenge, solves) in standing where solves.contains(where: { $0.id == solve }) {
                    standing[challenge] = solves.filter { $0.id != solve }
                    for removed in solves where removed.id == solve { times[removed.team]?[solve] = nil }
                }
            case .hint(let cost):
                guard cost != 0 else { continue }
                scores[fact.team, default: TeamScore()].total -= cost
                scores[fact.team, default: TeamScore()].categories[hintsCategory, default: 0] -= cost
                times[fact.team, default: [:]][fact.id] = fact.at
            case .adjustment(let points, let category):
                scores[fact.team, default: TeamScore()].total += points
                scores[fact.team, default: TeamScore()].categories[category, default: 0] += points
                times[fact.team, default: [:]][fact.id] = fact.at
            case .award(let points, let category):
                guard points != 0 else { continue }
                scores[fact.team, default: TeamScore()].total += points
                scores[fact.team, default: TeamScore()].categories[category, default: 0] += points
            case .judged(let points, let category, let timed):
                guard !withdrawn.contains(fact.id) else { continue }
                scores[fact.team, default: TeamScore()].total += points
                scores[fact.team, default: TeamScore()].categories[category, default: 0] += points
                if timed { times[fact.team, default: [:]][fact.id] = fact.at }
            }
        }
        for (challenge, solves) in standing {
            let scoring = challenges[challenge]!
            for (index, solve) in solves.enumerated() {
                let points = scoring.points(position: index + 1, solveCount: solves.count)
                scores[solve.team, default: TeamScore()].total += points
                scores[solve.team, default: TeamScore()].categories[scoring.category, default: 0] += points
            }
        }
        for (team, active) in times { scores[team, default: TeamScore()].lastScoredAt = active.values.max() }
        return scores
    }
}
