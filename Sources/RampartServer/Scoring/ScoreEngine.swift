import Fluent
import FluentPostgresDriver
import NIOConcurrencyHelpers
import RampartCore
import RampartKernel
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
        /// What the current write stores when its bodies are done, many rows per statement:
        /// new submissions and facts, and the teams whose projection rows changed.
        var newSubmissions: [SubmissionRow] = []
        var newFacts: [ScoreFactRecord] = []
        var dirty: Set<UUID> = []

        /// Takes a newly loaded catalog: the challenges whose scoring changed (a value, a category, a
        /// first-blood bonus, a new challenge) are re-priced in the projection, touching only their
        /// solvers, and the teams whose totals moved are marked for storing.
        mutating func refresh(catalog new: ChallengeCatalog) {
            let old = catalog.scorings
            for (id, scoring) in new.scorings where old[id] != scoring {
                dirty.formUnion(projection.update(challenge: id, to: scoring))
            }
            catalog = new
        }

        /// Appends one fact: the next `seq` and the projection. The fact and the team rows it changed
        /// are stored when the write's bodies are done, before it commits.
        mutating func append(_ record: ScoreFactRecord) {
            record.id = record.id ?? UUID()
            record.exerciseID = exerciseID
            record.seq = lastSeq + 1
            lastSeq = record.seq
            newFacts.append(record)
            guard let fact = record.fact else { return }
            dirty.formUnion(projection.apply(fact))
        }
    }

    /// How stale a read may be: facts written by another node or process appear within this.
    static let freshness: TimeInterval = 1

    private let lock = NIOLock()
    private var states: [UUID: State] = [:]
    /// Cached boards, live and frozen. A stale board is still served while one request rebuilds it,
    /// so a change costs one rebuild, not one per waiting reader.
    private var boards: [BoardKey: (board: Scoreboard, stale: Bool)] = [:]
    /// Each board's score chart, drawn once per board build.
    private var charts: [BoardKey: (builtAt: Date, data: ScoreChart.Data)] = [:]
    /// Writes waiting for their exercise's next group commit, and the exercises with a commit under way.
    private var queued: [UUID: [Queued]] = [:]
    private var committing: Set<UUID> = []

    /// Most writes one group commit takes.
    static let batchLimit = 256

    private struct BoardKey: Hashable, CustomStringConvertible {
        let exercise: UUID
        let frozen: Bool
        var description: String { "\(exercise)|\(frozen)" }
    }

    /// Readers that find a board or state missing or due wait for the one rebuild under way.
    private let boardBuilds = SingleFlight<Scoreboard>()
    private let chartBuilds = SingleFlight<ScoreChart.Data>()
    private let syncs = SingleFlight<State>()

    /// The least time between two rebuilds of a board while facts keep arriving: under a storm of
    /// submissions, readers see standings at most this much behind, and rebuilding stays cheap.
    static let boardInterval: TimeInterval = 0.2

    // MARK: state

    /// This node's state for the exercise, caught up with the database if it is older than `freshness`.
    func state(_ exerciseID: UUID, on db: any Database, now: Date) async throws -> State {
        if let cached = lock.withLock({ states[exerciseID] }), now.timeIntervalSince(cached.loadedAt) < Self.freshness {
            return cached
        }
        return try await syncs.run(exerciseID.uuidString) {
            let state = try await self.sync(exerciseID, on: db, now: now)
            self.install(state)
            return state
        }
    }

    /// Reads what changed since this node's copy: the facts after its last one, and the catalog when
    /// the challenges changed (`scoring_version`), which re-prices only the challenges that changed.
    /// Only a node without a copy reads every fact.
    private func sync(_ exerciseID: UUID, on db: any Database, now: Date) async throws -> State {
        guard let sql = db as? any SQLDatabase else { throw AppError.notFound(.exercise) }
        // One statement when nothing changed elsewhere: the version and the last fact's `seq`.
        guard
            let exercise = try await sql.raw(
                """
                SELECT scoring_version, first_blood,
                  (SELECT COALESCE(MAX(seq), 0) FROM score_facts WHERE exercise_id = \(bind: exerciseID)) AS last_seq
                FROM exercises WHERE id = \(bind: exerciseID)
                """
            ).first()
        else { throw AppError.notFound(.exercise) }
        let version = try exercise.decode(column: "scoring_version", as: Int.self)
        let cached = lock.withLock { states[exerciseID] }
        var state: State
        if let cached, cached.catalog.version == version {
            state = cached
        } else {
            let firstBlood = Exercise.firstBlood(try exercise.decode(column: "first_blood", as: String.self))
            let catalog = try await ChallengeCatalog.load(exerciseID: exerciseID, version: version, firstBlood: firstBlood, on: db)
            if let cached {
                // The rows of the teams it re-prices were stored by the write that changed the catalog.
                state = cached
                state.refresh(catalog: catalog)
                state.dirty = []
            } else {
                state = State(
                    exerciseID: exerciseID, catalog: catalog, projection: ScoreProjection(challenges: catalog.scorings), lastSeq: 0,
                    loadedAt: now)
            }
        }
        if try exercise.decode(column: "last_seq", as: Int.self) > state.lastSeq {
            for (seq, fact) in try await ScoreFactRecord.facts(exerciseID, after: state.lastSeq, on: sql) {
                if let fact { state.projection.apply(fact) }
                state.lastSeq = seq
            }
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
            // New facts change the live board only; facts made now never reach a frozen one
            // (it counts facts before the freeze), but new prices change both.
            let live = BoardKey(exercise: state.exerciseID, frozen: false)
            if states[state.exerciseID]?.catalog.version != state.catalog.version {
                boards[live]?.stale = true
                boards[BoardKey(exercise: state.exerciseID, frozen: true)]?.stale = true
            } else if states[state.exerciseID]?.lastSeq != state.lastSeq {
                boards[live]?.stale = true
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
    /// facts it appends (`State.append`) reach the stored projection in the same transaction and this node's
    /// copy after the commit. `clearingCaches`: as `Application.write`, for bodies that change more than facts.
    func write<T: Sendable>(
        _ exerciseID: UUID, app: Application, clearingCaches: Bool = false, bulk: Bool = false,
        _ body: @escaping @Sendable (any Database, inout State) async throws -> T
    ) async throws -> T {
        let now = app.dependencies.now()
        let (result, state) = try await app.write(clearingCaches: clearingCaches, bulk: bulk) { db -> (T, State) in
            if db is any PostgresDatabase, let sql = db as? any SQLDatabase {
                try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.lockKey(exerciseID)))").run()
            }
            var state = try await self.sync(exerciseID, on: db, now: now)
            let result = try await body(db, &state)
            try await Self.flush(&state, on: db)
            return (result, state)
        }
        install(state)
        return result
    }

    /// A change to how an exercise's challenges score (a challenge saved or deleted, the first-blood
    /// bonus): `body` makes it, then in the same transaction the catalog version moves on (every node
    /// reloads the catalog) and the projection re-prices the challenges whose scoring changed, storing
    /// only the teams that moved. Costs the changed challenges' solvers, not the exercise's facts.
    func changeCatalog<T: Sendable>(
        _ exerciseID: UUID, app: Application, bulk: Bool = false, _ body: @escaping @Sendable (CatalogWrite) async throws -> T
    ) async throws -> T {
        try await write(exerciseID, app: app, clearingCaches: true, bulk: bulk) { db, state in
            let result = try await body(CatalogWrite(db: db, exerciseID: exerciseID))
            try await Self.reloadCatalog(exerciseID, into: &state, on: db)
            return result
        }
    }

    /// Moves the catalog version on and takes the catalog as the transaction sees it now.
    static func reloadCatalog(_ exerciseID: UUID, into state: inout State, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("UPDATE exercises SET scoring_version = scoring_version + 1 WHERE id = \(bind: exerciseID)").run()
        guard let exercise = try await Exercise.find(exerciseID, on: db) else { throw AppError.notFound(.exercise) }
        state.refresh(
            catalog: try await ChallengeCatalog.load(
                exerciseID: exerciseID, version: exercise.scoringVersion, firstBlood: exercise.firstBlood, on: db))
    }

    /// Like `write`, but commits together with the other writes of the exercise that are waiting
    /// (group commit): one transaction, one lock and one disk flush for many flag submissions.
    /// Each body runs on the state the ones before it left, and each caller is answered only after
    /// the commit. Should the batch fail, each body runs again in a transaction of its own, so one
    /// failing write answers only its own caller.
    @discardableResult
    func batched<T: Sendable>(
        _ exerciseID: UUID, app: Application,
        _ body: @escaping @Sendable (any Database, inout State) async throws -> T
    ) async throws -> T {
        let value = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let job = Queued(body: { db, state in try await body(db, &state) }, continuation: continuation)
            let start = lock.withLock {
                queued[exerciseID, default: []].append(job)
                return committing.insert(exerciseID).inserted
            }
            if start { Task { await self.commitQueued(exerciseID, app: app) } }
        }
        guard let value = value as? T else { preconditionFailure("a queued write answered with the wrong type") }
        return value
    }

    struct Queued: Sendable {
        let body: @Sendable (any Database, inout State) async throws -> any Sendable
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    /// Commits the exercise's queued writes, a batch at a time, until none is left.
    private func commitQueued(_ exerciseID: UUID, app: Application) async {
        while true {
            let jobs: [Queued] = lock.withLock {
                let waiting = queued[exerciseID] ?? []
                guard !waiting.isEmpty else {
                    queued[exerciseID] = nil
                    committing.remove(exerciseID)
                    return []
                }
                let batch = Array(waiting.prefix(Self.batchLimit))
                queued[exerciseID] = Array(waiting.dropFirst(batch.count))
                return batch
            }
            guard !jobs.isEmpty else { return }
            do {
                let results = try await write(exerciseID, app: app) { db, state in
                    var results: [any Sendable] = []
                    for job in jobs { results.append(try await job.body(db, &state)) }
                    return results
                }
                for (job, result) in zip(jobs, results) { job.continuation.resume(returning: result) }
            } catch {
                guard jobs.count > 1 else {
                    jobs[0].continuation.resume(throwing: error)
                    continue
                }
                for job in jobs {
                    do {
                        job.continuation.resume(returning: try await write(exerciseID, app: app) { db, state in try await job.body(db, &state) })
                    } catch {
                        job.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }

    /// Stores what a write's bodies left in `state`: submissions, facts, then changed team rows.
    private static func flush(_ state: inout State, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await insert(into: Submission.schema, SubmissionRow.columns, state.newSubmissions.map(\.values), on: sql)
        try await insert(
            into: ScoreFactRecord.schema,
            [
                "id", "exercise_id", "seq", "team_id", "at", "kind", "challenge_id", "hint_key", "withdraws", "points", "category", "reason",
                "actor_id", "actor_name", "submission_id", "tick", "service_id",
            ],
            state.newFacts.map { fact -> [any Encodable & Sendable] in
                [
                    fact.id, fact.exerciseID, fact.seq, fact.teamID, fact.at, fact.kind.rawValue, fact.challengeID, fact.hintKey,
                    fact.withdraws, fact.points, fact.category, fact.reason, fact.actorID, fact.actorName, fact.submissionID, fact.tick,
                    fact.serviceID,
                ]
            }, on: sql)
        try await store(state.dirty, scores: state.projection.scores, exerciseID: state.exerciseID, on: db)
        state.newSubmissions = []
        state.newFacts = []
        state.dirty = []
    }

    /// Inserts rows, a few hundred per statement (well under either database's limit on bound values).
    static func insert(
        into table: String, _ columns: [String], _ rows: [[any Encodable & Sendable]], conflict: [String]? = nil, update: [String] = [],
        on sql: any SQLDatabase
    ) async throws {
        var start = rows.startIndex
        while start < rows.endIndex {
            let end = min(start + 500, rows.endIndex)
            let builder = sql.insert(into: table).columns(columns)
            for row in rows[start..<end] { builder.values(row) }
            if let conflict {
                builder.onConflict(with: conflict) { update.reduce($0) { $0.set(excludedValueOf: $1) } }
            }
            try await builder.run()
            start = end
        }
    }

    /// Writes the stored projection rows of `teams`.
    static func store(_ teams: Set<UUID>, scores: [UUID: TeamScore], exerciseID: UUID, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let rows = teams.map { team -> [any Encodable & Sendable] in
            let score = scores[team] ?? TeamScore()
            return [UUID(), exerciseID, team, score.total, Self.json(score.categories), score.lastScoredAt]
        }
        try await insert(
            into: TeamScoreRecord.schema, ["id", "exercise_id", "team_id", "total", "categories", "last_scored_at"], rows,
            conflict: ["exercise_id", "team_id"], update: ["total", "categories", "last_scored_at"], on: sql)
    }

    /// A mapping as JSON text with sorted keys, for a text column (the same value is always the same text).
    static func json<Value: Encodable>(_ mapping: [String: Value]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(mapping)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func lockKey(_ id: UUID) -> Int64 {
        let bytes = id.uuid
        return [bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5, bytes.6, bytes.7].reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    }

    // MARK: scoreboards

    /// The board, from the cache unless it is due for a rebuild — stale (at most every
    /// `boardInterval`) or, live, older than `freshness` (facts from other nodes) — in which case one
    /// caller runs `build` while the others keep reading the old board, or wait for it if there is none.
    func board(
        _ exerciseID: UUID, frozen: Bool, now: Date, build: @escaping @Sendable () async throws -> Scoreboard
    ) async throws -> Scoreboard {
        let key = BoardKey(exercise: exerciseID, frozen: frozen)
        let cached: (board: Scoreboard, due: Bool)? = lock.withLock {
            guard let entry = boards[key] else { return nil }
            let age = now.timeIntervalSince(entry.board.builtAt)
            return (entry.board, age < 0 || (!frozen && age >= Self.freshness) || (entry.stale && age >= Self.boardInterval))
        }
        if let cached, !cached.due || boardBuilds.isRunning(key.description) { return cached.board }
        return try await boardBuilds.run(key.description) {
            let board = try await build()
            self.lock.withLock { self.boards[key] = (board, false) }
            return board
        }
    }

    /// The chart of `board`, computed by `build` once per board build (the page reads facts for it).
    func chart(
        for board: Scoreboard, _ exerciseID: UUID, build: @Sendable () async throws -> ScoreChart.Data
    ) async throws -> ScoreChart.Data {
        let key = BoardKey(exercise: exerciseID, frozen: board.frozen)
        if let cached = lock.withLock({ charts[key] }), cached.builtAt == board.builtAt { return cached.data }
        return try await chartBuilds.run("\(key)|\(board.builtAt.timeIntervalSince1970)") {
            let data = try await build()
            self.lock.withLock { self.charts[key] = (board.builtAt, data) }
            return data
        }
    }

    /// Recomputes one exercise's standings from its facts with `ScoreProjection.recompute` (not the
    /// incremental projection, so the two check each other) and rewrites the stored rows
    /// (`rampart scores rebuild`). The facts are read before the exercise's lock is taken; under it
    /// only facts written since are read, so submissions wait for a recompute in memory, not for the
    /// whole fact log. Returns the number of teams whose stored scores disagreed.
    func rebuild(_ exerciseID: UUID, app: Application) async throws -> Int {
        guard let sql = app.db as? any SQLDatabase else { return 0 }
        let now = app.dependencies.now()
        // This node's copy, caught up now, so the write below does not read every fact under the lock.
        _ = try await state(exerciseID, on: app.db, now: now)
        let read = try await ScoreFactRecord.facts(exerciseID, after: 0, on: sql)
        let differences = try await write(exerciseID, app: app, clearingCaches: true) { db, state in
            guard let sql = db as? any SQLDatabase else { return 0 }
            let since = try await ScoreFactRecord.facts(exerciseID, after: read.last?.seq ?? 0, on: sql)
            let scores = ScoreProjection.recompute((read + since).compactMap(\.fact), challenges: state.catalog.scorings)
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
        lock.withLock {
            states[exerciseID] = nil
            boards = boards.filter { $0.key.exercise != exerciseID }
        }
        return differences
    }
}

/// The transaction of a change to an exercise's challenges (`ScoreEngine.changeCatalog`): the writes
/// that change how challenges score take one, so they cannot happen without the re-pricing that
/// keeps the stored standings true.
struct CatalogWrite: Sendable {
    let db: any Database
    let exerciseID: UUID
    fileprivate init(db: any Database, exerciseID: UUID) {
        self.db = db
        self.exerciseID = exerciseID
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
