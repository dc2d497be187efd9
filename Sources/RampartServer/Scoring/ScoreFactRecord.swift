import Fluent
import RampartCore
import Vapor

/// A score fact as stored: immutable once written. `seq` orders an exercise's facts.
final class ScoreFactRecord: Model, @unchecked Sendable {
    static let schema = "score_facts"

    enum Kind: String, Codable, Sendable, CaseIterable {
        case solve, withdrawal, hint, adjustment
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

    init() {}

    /// The fact as the projection reads it.
    var fact: ScoreFact? {
        let kind: ScoreFact.Kind
        switch self.kind {
        case .solve:
            guard let challengeID else { return nil }
            kind = .solve(challenge: challengeID)
        case .withdrawal:
            guard let withdraws else { return nil }
            kind = .withdrawal(solve: withdraws)
        case .hint:
            kind = .hint(cost: points)
        case .adjustment:
            kind = .adjustment(points: points, category: category)
        }
        return ScoreFact(id: seq, team: teamID, at: at, kind: kind)
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
