import Fluent
import FluentPostgresDriver
import NIOConcurrencyHelpers
import RampartCore
import SQLKit
import Vapor

/// The scoring of every exercise on this node: the challenge catalog and the projection of the fact
/// log, caught up from the database before every write and installed only after the write commits.
///
/// Several nodes (PostgreSQL) or a CLI command may write facts: each write takes the exercise's lock
/// (an advisory lock on PostgreSQL, the write gate on SQLite), reads the facts written since this
/// node last looked, and only then appends. Reads use the node's copy when it is at most
/// `ScoreEngine.freshness` old.
final class ScoreEngine: @unchecked Sendable {
    struct State: Sendable {
        let exerciseID: UUID
        var catalog: ChallengeCatalog
        var projection: ScoreProjection
        var lastSeq: Int
        var loadedAt: Date
    }

    /// How stale a read may be: facts written by another node or process appear within this.
    static let freshness: TimeInterval = 1

    private let lock = NIOLock()
    private var states: [UUID: State] = [:]
    private var boards: [UUID: Boards] = [:]

    struct Boards {
        var live: Scoreboard?
        var frozen: Scoreboard?
    }

    // MARK: state

    /// This node's state for the exercise, caught up with the database if it is older than `freshness`.
    func state(_ exerciseID: UUID, on db: any Database, now: Date) async throws -> State {
        if let cached = lock.withLock({ states[exerciseID] }), now.timeIntervalSince(cached.loadedAt) < Self.freshness {
            return cached
        }
        let state = try await sync(exerciseID, on: db, now: now)
        install(state)
        return state
    }

    /// Reads what changed since this node's copy: the facts after its last one, or everything when
    /// the challenges changed (`scoring_version`).
    private func sync(_ exerciseID: UUID, on db: any Database, now: Date) async throws -> State {
        guard let exercise = try await Exercise.find(exerciseID, on: db) else {
            throw AppError.notFound("Exercise", ko: "훈련")
        }
        let cached = lock.withLock { states[exerciseID] }
        var state: State
        if let cached, cached.catalog.version == exercise.scoringVersion {
            state = cached
        } else {
            let catalog = try await ChallengeCatalog.load(
                exerciseID: exerciseID, version: exercise.scoringVersion, firstBlood: exercise.firstBlood, on: db)
            state = State(
                exerciseID: exerciseID, catalog: catalog, projection: ScoreProjection(challenges: catalog.scorings), lastSeq: 0, loadedAt: now)
        }
        let facts = try await ScoreFactRecord.query(on: db)
            .filter(\.$exerciseID == exerciseID).filter(\.$seq > state.lastSeq)
            .sort(\.$seq).all()
        for record in facts {
            if let fact = record.fact { state.projection.apply(fact) }
            state.lastSeq = record.seq
        }
        state.loadedAt = now
        return state
    }

    /// Keeps the newer of two states: two writers on one node may finish in either order.
    private func install(_ state: State) {
        lock.withLock {
            if let current = states[state.exerciseID], current.catalog.version == state.catalog.version,
                current.lastSeq > state.lastSeq
            {
                return
            }
            if states[state.exerciseID]?.lastSeq != state.lastSeq || states[state.exerciseID]?.catalog.version != state.catalog.version {
                boards[state.exerciseID] = nil
            }
            states[state.exerciseID] = state
        }
    }

    /// After any other write on this node: scoreboards are dropped (teams or the schedule may have
    /// changed) and every state is checked against the database on its next use (challenges may have
    /// changed); projections are kept and caught up, not rebuilt, unless the challenges did change.
    func forgetCachedReads() {
        lock.withLock {
            boards.removeAll()
            for id in states.keys { states[id]?.loadedAt = .distantPast }
        }
    }

    // MARK: writing facts

    /// Runs `body` in one transaction holding the exercise's scoring lock, with the state caught up;
    /// facts it appends (`append`) reach the stored projection in the same transaction and this node's
    /// copy after the commit.
    func write<T: Sendable>(
        _ exerciseID: UUID, app: Application,
        _ body: @escaping @Sendable (any Database, inout State) async throws -> T
    ) async throws -> T {
        let now = app.dependencies.now()
        let (result, state) = try await app.write(clearingCaches: false) { db -> (T, State) in
            if db is any PostgresDatabase, let sql = db as? any SQLDatabase {
                try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.lockKey(exerciseID)))").run()
            }
            var state = try await self.sync(exerciseID, on: db, now: now)
            let result = try await body(db, &state)
            return (result, state)
        }
        install(state)
        return result
    }

    /// Appends one fact: the next `seq`, the projection, and the team rows it changed.
    @discardableResult
    func append(_ record: ScoreFactRecord, to state: inout State, on db: any Database) async throws -> Set<UUID> {
        record.exerciseID = state.exerciseID
        record.seq = state.lastSeq + 1
        try await record.create(on: db)
        state.lastSeq = record.seq
        guard let fact = record.fact else { return [] }
        let changed = state.projection.apply(fact)
        try await Self.store(changed, scores: state.projection.scores, exerciseID: state.exerciseID, on: db)
        return changed
    }

    /// Writes the stored projection rows of `teams`.
    static func store(_ teams: Set<UUID>, scores: [UUID: TeamScore], exerciseID: UUID, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        for team in teams {
            let score = scores[team] ?? TeamScore()
            try await sql.raw(
                """
                INSERT INTO team_scores (id, exercise_id, team_id, total, categories, last_scored_at)
                VALUES (\(bind: UUID()), \(bind: exerciseID), \(bind: team), \(bind: score.total), \(bind: Self.json(score.categories)), \(bind: score.lastScoredAt))
                ON CONFLICT (exercise_id, team_id) DO UPDATE SET total = excluded.total, categories = excluded.categories, last_scored_at = excluded.last_scored_at
                """
            ).run()
        }
    }

    static func json(_ categories: [String: Int]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(categories)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    private static func lockKey(_ id: UUID) -> Int64 {
        let bytes = id.uuid
        return [bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5, bytes.6, bytes.7].reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    }

    // MARK: scoreboards

    func cachedBoard(_ exerciseID: UUID, frozen: Bool) -> Scoreboard? {
        lock.withLock { frozen ? boards[exerciseID]?.frozen : boards[exerciseID]?.live }
    }

    func remember(_ board: Scoreboard, _ exerciseID: UUID, frozen: Bool) {
        lock.withLock {
            if frozen { boards[exerciseID, default: Boards()].frozen = board } else { boards[exerciseID, default: Boards()].live = board }
        }
    }

    /// Rewrites the stored projection from the facts and the current challenges, under the exercise's
    /// lock, in the caller's transaction: after a rebuild, and whenever challenges are re-priced
    /// (a value, category or first-blood change), so the stored standings never keep an old price.
    /// Returns the number of teams whose stored scores disagreed.
    @discardableResult
    static func restore(_ exerciseID: UUID, on db: any Database) async throws -> Int {
        if db is any PostgresDatabase, let sql = db as? any SQLDatabase {
            try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.lockKey(exerciseID)))").run()
        }
        guard let exercise = try await Exercise.find(exerciseID, on: db) else { return 0 }
        let catalog = try await ChallengeCatalog.load(
            exerciseID: exerciseID, version: exercise.scoringVersion, firstBlood: exercise.firstBlood, on: db)
        let facts = try await ScoreFactRecord.query(on: db).filter(\.$exerciseID == exerciseID).sort(\.$seq).all()
        let scores = ScoreProjection.recompute(facts.compactMap(\.fact), challenges: catalog.scorings)
        let stored = try await TeamScoreRecord.query(on: db).filter(\.$exerciseID == exerciseID).all()
        var differences = 0
        var seen: Set<UUID> = []
        for row in stored {
            seen.insert(row.teamID)
            let score = scores[row.teamID] ?? TeamScore()
            if score.total != row.total || score.categories.filter({ $0.value != 0 }) != row.points.filter({ $0.value != 0 })
                || score.lastScoredAt.map({ Int($0.timeIntervalSince1970 * 1000) })
                    != row.lastScoredAt.map({ Int($0.timeIntervalSince1970 * 1000) })
            {
                differences += 1
            }
        }
        differences += scores.keys.filter { !seen.contains($0) && scores[$0] != TeamScore() }.count
        try await TeamScoreRecord.query(on: db).filter(\.$exerciseID == exerciseID).delete()
        try await Self.store(Set(scores.keys), scores: scores, exerciseID: exerciseID, on: db)
        return differences
    }

    /// Recomputes the stored projection of one exercise from its facts and rewrites it
    /// (`rampart scores rebuild`). Returns the number of teams whose stored scores disagreed.
    func rebuild(_ exerciseID: UUID, app: Application) async throws -> Int {
        let differences = try await app.write { db in try await Self.restore(exerciseID, on: db) }
        lock.withLock {
            states[exerciseID] = nil
            boards[exerciseID] = nil
        }
        return differences
    }
}

extension Application {
    private struct ScoreEngineKey: StorageKey {
        typealias Value = ScoreEngine
    }

    var scores: ScoreEngine {
        get { storage.configured(ScoreEngineKey.self) }
        set { storage[ScoreEngineKey.self] = newValue }
    }
}
