import Fluent
import RampartCore
import RampartKernel
import SQLKit
import Vapor

/// The standings of one exercise as a board shows them, built from the stored projection (live) or
/// from the facts made before the freeze (frozen), and cached until a fact or a team changes
/// (`ScoreEngine.board`).
/// The API's JSON bodies are encoded once per build, so a read costs no query and no encoding.
package struct Scoreboard: Sendable {
    package struct Row: Sendable {
        package var pos: Int
        package var teamID: UUID
        package var slug: String
        package var name: String
        package var nameKo: String?
        package var nation: Nation?
        package var score: TeamScore
    }

    package let rows: [Row]
    /// Column order: challenge categories, then any other category with points (hints, adjustments…).
    package let categories: [String]
    package let frozen: Bool
    package let builtAt: Date
    package let json: ByteBuffer
    package let ctftime: ByteBuffer

    /// The board `context` may see: frozen standings for everyone but the white team once the
    /// freeze time has passed.
    package static func current(for context: ExerciseContext, app: Application, on db: any Database) async throws -> Scoreboard {
        let exercise = context.exercise
        let now = app.dependencies.now()
        let frozen = context.frozenAt(now: now) != nil
        return try await app.scores.board(context.exerciseID, frozen: frozen, now: now) {
            try await build(exercise, frozen: frozen, app: app, on: db, now: now)
        }
    }

    private static func build(_ exercise: Exercise, frozen: Bool, app: Application, on db: any Database, now: Date) async throws -> Scoreboard {
        let exerciseID = try exercise.requireID()
        let state = try await app.scores.state(exerciseID, on: db, now: now)
        let teams = try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).filter(\.$kind == .blue).all()
        var scores: [UUID: TeamScore] = [:]
        if frozen, let freezeAt = exercise.freezeAt {
            guard let sql = db as? any SQLDatabase else { throw AppError.notFound("SQL database") }
            var projection = ScoreProjection(challenges: state.prices.scorings)
            for fact in try await app.scores.facts(exerciseID, after: 0, before: freezeAt, on: sql).compactMap(\.fact) {
                projection.apply(fact)
            }
            scores = projection.scores
        } else {
            for row in try await TeamScoreRecord.query(on: db).filter(\.$exerciseID == exerciseID).all() {
                scores[row.teamID] = TeamScore(total: row.total, categories: row.points, lastScoredAt: row.lastScoredAt)
            }
        }
        let ranked = ScoreProjection.rank(teams.compactMap { team in team.id.map { ($0, scores[$0] ?? TeamScore()) } })
        let byID = Dictionary(uniqueKeysWithValues: teams.compactMap { team in team.id.map { ($0, team) } })
        let rows = ranked.enumerated().compactMap { index, entry -> Row? in
            guard let team = byID[entry.team] else { return nil }
            return Row(
                pos: index + 1, teamID: entry.team, slug: team.slug, name: team.name, nameKo: team.nameKo,
                nation: team.nation.flatMap { Nation($0) }, score: entry.score)
        }
        var categories = state.prices.categories
        let extra = Set(rows.flatMap { $0.score.categories.filter { $0.value != 0 }.keys }).subtracting(categories)
        categories += extra.sorted()
        return Scoreboard(
            rows: rows, categories: categories, frozen: frozen, builtAt: now,
            json: try encode(ScoreboardDTO(rows: rows, categories: categories, frozen: frozen)),
            ctftime: try encode(CTFtimeFeed(rows: rows)))
    }

    private static func encode(_ value: some Encodable) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        return ByteBuffer(data: try encoder.encode(value))
    }
}

/// `GET /api/v1/exercises/{slug}/scoreboard`.
package struct ScoreboardDTO: Content {
    package struct Standing: Content {
        package var pos: Int
        package var team: String
        package var slug: String
        package var nation: String?
        package var score: Int
        package var categories: [String: Int]
        package var lastScoredAt: Date?

        package enum CodingKeys: String, CodingKey {
            case pos, team, slug, nation, score, categories
            case lastScoredAt = "last_scored_at"
        }
    }

    package var standings: [Standing]
    package var categories: [String]
    package var frozen: Bool

    package init(rows: [Scoreboard.Row], categories: [String], frozen: Bool) {
        standings = rows.map { row in
            Standing(
                pos: row.pos, team: row.name, slug: row.slug, nation: row.nation?.code, score: row.score.total,
                categories: Dictionary(uniqueKeysWithValues: categories.map { ($0, row.score.categories[$0] ?? 0) }),
                lastScoredAt: row.score.lastScoredAt)
        }
        self.categories = categories
        self.frozen = frozen
    }
}

/// CTFtime's scoreboard feed (https://ctftime.org/json-scoreboard-feed).
package struct CTFtimeFeed: Content {
    package struct Standing: Content {
        package var pos: Int
        package var team: String
        package var score: Int
    }

    package var standings: [Standing]

    package init(rows: [Scoreboard.Row]) {
        standings = rows.map { Standing(pos: $0.pos, team: $0.name, score: $0.score.total) }
    }
}
