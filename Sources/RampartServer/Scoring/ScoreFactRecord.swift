import Fluent
import RampartCore
import RampartKernel
import SQLKit
import Vapor

/// A score fact as stored: immutable once written. `seq` orders an exercise's facts.
final class ScoreFactRecord: Model, @unchecked Sendable {
    static let schema = "score_facts"

    enum Kind: String, Codable, Sendable, CaseIterable {
        case solve, withdrawal, hint, adjustment
        /// A tick's availability points and an SLA penalty: the platform's own checks, with the tick
        /// (and for a penalty the service) as evidence.
        case availability, sla
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "exercise_id") var exerciseID: UUID
    @Field(key: "seq") var seq: Int
    @Field(key: "team_id") var teamID: UUID
    @Field(key: "at") var at: Date
    @Field(key: "kind") var kind: Kind
    @OptionalField(key: "challenge_id") var challengeID: UUID?
    @OptionalField(key: "hint_key") var hintKey: String?
    /// For a withdrawal, the `seq` of the solve it takes back.
    @OptionalField(key: "withdraws") var withdraws: Int?
    /// Adjustments: the points; hints: the cost (positive); solves: 0 (their value is computed).
    @Field(key: "points") var points: Int
    @Field(key: "category") var category: String
    @Field(key: "reason") var reason: String
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "actor_name") var actorName: String
    @OptionalField(key: "submission_id") var submissionID: UUID?
    @OptionalField(key: "tick") var tick: Int?
    @OptionalField(key: "service_id") var serviceID: UUID?

    init() {}

    /// A new fact; `exerciseID` and `seq` are set when it is appended (`ScoreEngine.State.append`).
    init(
        team: UUID, at: Date, kind: Kind, challenge: UUID? = nil, hintKey: String? = nil, withdraws: Int? = nil, points: Int = 0,
        category: String, reason: String, actorID: UUID?, actorName: String, submission: UUID? = nil, tick: Int? = nil,
        service: UUID? = nil
    ) {
        self.tick = tick
        serviceID = service
        teamID = team
        self.at = at
        self.kind = kind
        challengeID = challenge
        self.hintKey = hintKey
        self.withdraws = withdraws
        self.points = points
        self.category = category
        self.reason = reason
        self.actorID = actorID
        self.actorName = actorName
        submissionID = submission
    }

    /// The fact as the projection reads it.
    var fact: ScoreFact? {
        Self.fact(
            seq: seq, team: teamID, at: at, kind: kind, challenge: challengeID, withdraws: withdraws, points: points, category: category)
    }

    static func fact(
        seq: Int, team: UUID, at: Date, kind: Kind, challenge: UUID?, withdraws: Int?, points: Int, category: String
    ) -> ScoreFact? {
        let factKind: ScoreFact.Kind
        switch kind {
        case .solve:
            guard let challenge else { return nil }
            factKind = .solve(challenge: challenge)
        case .withdrawal:
            guard let withdraws else { return nil }
            factKind = .withdrawal(solve: withdraws)
        case .hint:
            factKind = .hint(cost: points)
        case .adjustment:
            factKind = .adjustment(points: points, category: category)
        case .availability, .sla:
            factKind = .award(points: points, category: category)
        }
        return ScoreFact(id: seq, team: team, at: at, kind: factKind)
    }

    /// The exercise's facts after `seq` (of `teams` only, made before `before`, when given), in order,
    /// read without Fluent's per-model reflection: every scoring write catches up with this first, and
    /// the score chart reads its teams' facts with it. A row whose kind this version does not know is
    /// returned without a fact.
    static func facts(
        _ exerciseID: UUID, after seq: Int, teams: [UUID]? = nil, before: Date? = nil, on sql: any SQLDatabase
    ) async throws -> [(seq: Int, fact: ScoreFact?)] {
        let query = sql.select()
            .columns("seq", "team_id", "at", "kind", "challenge_id", "withdraws", "points", "category")
            .from(schema).where("exercise_id", .equal, exerciseID).where("seq", .greaterThan, seq)
        if let teams { query.where("team_id", .in, teams) }
        if let before { query.where("at", .lessThan, before) }
        let rows = try await query.orderBy("seq").all()
        return try rows.map { row in
            let seq = try row.decode(column: "seq", as: Int.self)
            guard let kind = Kind(rawValue: try row.decode(column: "kind", as: String.self)) else { return (seq, nil) }
            return (
                seq,
                fact(
                    seq: seq, team: try row.decode(column: "team_id", as: UUID.self), at: try row.decode(column: "at", as: Date.self),
                    kind: kind, challenge: try row.decode(column: "challenge_id", as: UUID?.self),
                    withdraws: try row.decode(column: "withdraws", as: Int?.self), points: try row.decode(column: "points", as: Int.self),
                    category: try row.decode(column: "category", as: String.self))
            )
        }
    }
}

/// The projection as stored: one row per team, rewritten only for the teams a fact changed.
final class TeamScoreRecord: Model, @unchecked Sendable {
    static let schema = "team_scores"

    @ID(key: .id) var id: UUID?
    @Field(key: "exercise_id") var exerciseID: UUID
    @Field(key: "team_id") var teamID: UUID
    @Field(key: "total") var total: Int
    /// JSON object of points by category.
    @Field(key: "categories") var categories: String
    @OptionalField(key: "last_scored_at") var lastScoredAt: Date?

    init() {}

    /// `categories` decoded (written by `ScoreEngine.store`).
    var points: [String: Int] {
        (try? JSONDecoder().decode([String: Int].self, from: Data(categories.utf8))) ?? [:]
    }
}
