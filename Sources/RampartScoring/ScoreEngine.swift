import Fluent
import FluentPostgresDriver
import NIOConcurrencyHelpers
import RampartCore
import RampartKernel
import SQLKit
import Vapor

/// The scoring of every exercise on this node: the priced items (a feature's `PriceList`) and the
/// projection of the fact log, caught up from the database before every write and installed only
/// after the write commits. Fact kinds and pricing are registered by features at boot.
///
/// Several nodes (PostgreSQL) or a CLI command may write facts: each write takes the exercise's lock
/// (an advisory lock on PostgreSQL, the write gate on SQLite), reads the facts written since this
/// node last looked, and only then appends. Reads use the node's copy when it is at most
/// `ScoreEngine.freshness` old.
package final class ScoreEngine: @unchecked Sendable {
    package struct State: Sendable {
        package let exerciseID: UUID
        package private(set) var prices: any PriceList
        package var projection: ScoreProjection
        var lastSeq: Int
        var loadedAt: Date
        let kinds: [String: FactKind]
        /// What the current write stores when its bodies are done, many rows per statement: rows
        /// features staged (submissions), new facts, and the teams whose projection rows changed.
        private(set) var staged: [any StagedRow] = []
        var newFacts: [ScoreFactRecord] = []
        var dirty: Set<UUID> = []

        /// Takes newly loaded prices: the items whose scoring changed (a value, a category, a
        /// first-blood bonus, a new challenge) are re-priced in the projection, touching only their
        /// solvers, and the teams whose totals moved are marked for storing.
        mutating func refresh(prices new: any PriceList) {
            let old = prices.scorings
            for (id, scoring) in new.scorings where old[id] != scoring {
                dirty.formUnion(projection.update(challenge: id, to: scoring))
            }
            prices = new
        }

        /// Appends one fact: the next `seq` and the projection. The fact and the team rows it changed
        /// are stored when the write's bodies are done, before it commits.
        package mutating func append(_ record: ScoreFactRecord) {
            record.id = record.id ?? UUID()
            record.exerciseID = exerciseID
            record.seq = lastSeq + 1
            lastSeq = record.seq
            newFacts.append(record)
            guard let fact = ScoreEngine.fact(record.stored, kinds: kinds) else { return }
            dirty.formUnion(projection.apply(fact))
        }

        /// After a flush: nothing is left waiting to be stored.
        fileprivate mutating func clearWritten() {
            staged = []
            newFacts = []
            dirty = []
        }

        /// Stores `row` with the write's facts, in the same transaction.
        package mutating func stage(_ row: any StagedRow) { staged.append(row) }

        /// The rows of one type staged by this write so far (not yet in the database).
        package func staged<Row: StagedRow>(_: Row.Type) -> [Row] { staged.compactMap { $0 as? Row } }
    }

    /// Every registered fact kind by its stored name.
    package let kinds: [String: FactKind]
    /// The feature that prices items (challenges), if any.
    private let pricing: (any ScorePricing)?

    /// `kinds`: every kind any feature writes; a stored fact of a kind not among them counts for nothing.
    /// How score categories are named on pages, from the features that write them.
    package let categoryLabels: [String: Phrase]

    package init(kinds: [FactKind], pricing: (any ScorePricing)?, categoryLabels: [String: Phrase] = [:]) {
        var byName: [String: FactKind] = [:]
        for kind in kinds {
            precondition(byName[kind.name] == nil, "fact kind '\(kind.name)' registered twice")
            byName[kind.name] = kind
        }
        self.kinds = byName
        self.pricing = pricing
        self.categoryLabels = categoryLabels
    }

    /// The projection's reading of a stored fact; nil for a kind this build does not know.
    static func fact(_ stored: StoredFact, kinds: [String: FactKind]) -> ScoreFact? {
        kinds[stored.kind]?.projected(stored).map { ScoreFact(id: stored.seq, team: stored.team, at: stored.at, kind: $0) }
    }

    /// The projection's reading of a stored fact.
    package func fact(_ stored: StoredFact) -> ScoreFact? { Self.fact(stored, kinds: kinds) }

    private func prices(_ exerciseID: UUID, version: Int, on db: any Database) async throws -> any PriceList {
        try await pricing?.load(exerciseID: exerciseID, version: version, on: db) ?? NoPrices(version: version)
    }

    /// How stale a read may be: facts written by another node or process appear within this.
    package static let freshness: TimeInterval = 1

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
    package func state(_ exerciseID: UUID, on db: any Database, now: Date) async throws -> State {
        if let cached = lock.withLock({ states[exerciseID] }), now.timeIntervalSince(cached.loadedAt) < Self.freshness {
            return cached
        }
        return try await syncs.run(exerciseID.uuidString) {
            let state = try await self.sync(exerciseID, on: db, now: now)
            self.install(state)
            return state
        }
    }

    /// Reads what changed since this node's copy: the facts after its last one, and the prices when
    /// they changed (`scoring_version`), which re-prices only the items that changed.
    /// Only a node without a copy reads every fact.
    private func sync(_ exerciseID: UUID, on db: any Database, now: Date) async throws -> State {
        guard let sql = db as? any SQLDatabase else { throw AppError.notFound(.exercise) }
        // One statement when nothing changed elsewhere: the version and the last fact's `seq`.
        guard
            let exercise = try await sql.raw(
                """
                SELECT scoring_version,
                  (SELECT COALESCE(MAX(seq), 0) FROM score_facts WHERE exercise_id = \(bind: exerciseID)) AS last_seq
                FROM exercises WHERE id = \(bind: exerciseID)
                """
            ).first()
        else { throw AppError.notFound(.exercise) }
        let version = try exercise.decode(column: "scoring_version", as: Int.self)
        let cached = lock.withLock { states[exerciseID] }
        var state: State
        if let cached, cached.prices.version == version {
            state = cached
        } else {
            let prices = try await prices(exerciseID, version: version, on: db)
            if let cached {
                // The rows of the teams it re-prices were stored by the write that changed the prices.
                state = cached
                state.refresh(prices: prices)
                state.dirty = []
            } else {
                state = State(
                    exerciseID: exerciseID, prices: prices, projection: ScoreProjection(challenges: prices.scorings), lastSeq: 0,
                    loadedAt: now, kinds: kinds)
            }
        }
        if try exercise.decode(column: "last_seq", as: Int.self) > state.lastSeq {
            for (seq, fact) in try await facts(exerciseID, after: state.lastSeq, on: sql) {
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
            if let current = states[state.exerciseID], current.prices.version == state.prices.version,
                current.lastSeq > state.lastSeq
            {
                return
            }
            // New facts change the live board only; facts made now never reach a frozen one
            // (it counts facts before the freeze), but new prices change both.
            let live = BoardKey(exercise: state.exerciseID, frozen: false)
            if states[state.exerciseID]?.prices.version != state.prices.version {
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
    package func forgetCachedReads() {
        lock.withLock {
            boards.removeAll()
            for id in states.keys { states[id]?.loadedAt = .distantPast }
        }
    }

    // MARK: writing facts

    /// Runs `body` in one transaction holding the exercise's scoring lock, with the state caught up;
    /// facts it appends (`State.append`) reach the stored projection in the same transaction and this node's
    /// copy after the commit. `clearingCaches`: as `Application.write`, for bodies that change more than facts.
    package func write<T: Sendable>(
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

    /// A change to how an exercise's items are priced (a challenge saved or deleted, the first-blood
    /// bonus): `body` makes it, then in the same transaction the scoring version moves on (every node
    /// reloads the prices) and the projection re-prices the items whose scoring changed, storing
    /// only the teams that moved. Costs the changed items' solvers, not the exercise's facts.
    package func changeCatalog<T: Sendable>(
        _ exerciseID: UUID, app: Application, bulk: Bool = false, _ body: @escaping @Sendable (CatalogWrite) async throws -> T
    ) async throws -> T {
        try await write(exerciseID, app: app, clearingCaches: true, bulk: bulk) { db, state in
            let result = try await body(CatalogWrite(db: db, exerciseID: exerciseID))
            try await self.reprice(exerciseID, into: &state, on: db)
            return result
        }
    }

    /// Moves the scoring version on and takes the prices as the transaction sees them now.
    package func reprice(_ exerciseID: UUID, into state: inout State, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("UPDATE exercises SET scoring_version = scoring_version + 1 WHERE id = \(bind: exerciseID)").run()
        guard let exercise = try await Exercise.find(exerciseID, on: db) else { throw AppError.notFound(.exercise) }
        state.refresh(prices: try await prices(exerciseID, version: exercise.scoringVersion, on: db))
    }

    /// Like `write`, but commits together with the other writes of the exercise that are waiting
    /// (group commit): one transaction, one lock and one disk flush for many flag submissions.
    /// Each body runs on the state the ones before it left, and each caller is answered only after
    /// the commit. Should the batch fail, each body runs again in a transaction of its own, so one
    /// failing write answers only its own caller.
    @discardableResult
    package func batched<T: Sendable>(
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

    /// Stores what a write's bodies left in `state`: staged rows (a table at a time, in the order
    /// they were first staged), facts, then changed team rows.
    private static func flush(_ state: inout State, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        var tables: [(type: any StagedRow.Type, rows: [[any Encodable & Sendable]])] = []
        for row in state.staged {
            let type = Swift.type(of: row)
            if let index = tables.firstIndex(where: { $0.type == type }) {
                tables[index].rows.append(row.values)
            } else {
                tables.append((type, [row.values]))
            }
        }
        for table in tables { try await insert(into: table.type.table, table.type.columns, table.rows, on: sql) }
        try await insert(into: ScoreFactRecord.schema, ScoreFactRecord.columns, state.newFacts.map(\.values), on: sql)
        LiveEvents.stage(scoreEvent(state.newFacts, exerciseID: state.exerciseID))
        try await store(state.dirty, scores: state.projection.scores, exerciseID: state.exerciseID, on: db)
        state.clearWritten()
    }

    /// One live event for a write's facts: which teams' scores moved (pages of the board, the team's
    /// timeline and the command centre fetch theirs again). A score: during a freeze a team receives it
    /// only when it is among them, and then only its own name (`LiveHub`).
    static func scoreEvent(_ facts: [ScoreFactRecord], exerciseID: UUID) -> [LiveEvent] {
        guard let latest = facts.map(\.at).max() else { return [] }
        let teams = Set(facts.map(\.teamID))
        return [
            LiveEvent(
                kind: "score.changed", exerciseID: exerciseID, teamID: teams.count == 1 ? teams.first : nil, at: latest, scored: true,
                payload: ["teams": teams.map { $0.uuidString.lowercased() }.sorted().joined(separator: ","), "facts": String(facts.count)])
        ]
    }

    /// Inserts rows, a few hundred per statement (well under either database's limit on bound values).
    package static func insert(
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
    package static func store(_ teams: Set<UUID>, scores: [UUID: TeamScore], exerciseID: UUID, on db: any Database) async throws {
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
    package static func json<Value: Encodable>(_ mapping: [String: Value]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(mapping)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    package static func lockKey(_ id: UUID) -> Int64 {
        let bytes = id.uuid
        return [bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5, bytes.6, bytes.7].reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    }

    // MARK: reading facts

    /// The exercise's facts after `seq` (of `teams` only, made before `before`, when given), in order,
    /// read without Fluent's per-model reflection: every scoring write catches up with this first, and
    /// the score chart reads its teams' facts with it. A row whose kind this build does not know is
    /// returned without a fact.
    package func facts(
        _ exerciseID: UUID, after seq: Int, teams: [UUID]? = nil, before: Date? = nil, on sql: any SQLDatabase
    ) async throws -> [(seq: Int, fact: ScoreFact?)] {
        let query = sql.select()
            .columns("seq", "team_id", "at", "kind", "points", "category", "source", "evidence")
            .from(ScoreFactRecord.schema).where("exercise_id", .equal, exerciseID).where("seq", .greaterThan, seq)
        if let teams { query.where("team_id", .in, teams) }
        if let before { query.where("at", .lessThan, before) }
        let rows = try await query.orderBy("seq").all()
        return try rows.map { row in
            let stored = StoredFact(
                seq: try row.decode(column: "seq", as: Int.self), team: try row.decode(column: "team_id", as: UUID.self),
                at: try row.decode(column: "at", as: Date.self), kind: try row.decode(column: "kind", as: String.self),
                points: try row.decode(column: "points", as: Int.self), category: try row.decode(column: "category", as: String.self),
                source: FactRef(try row.decode(column: "source", as: String?.self)),
                evidence: FactRef(try row.decode(column: "evidence", as: String?.self)))
            return (stored.seq, fact(stored))
        }
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
    package func rebuild(_ exerciseID: UUID, app: Application) async throws -> Int {
        guard let sql = app.db as? any SQLDatabase else { return 0 }
        let now = app.dependencies.now()
        // This node's copy, caught up now, so the write below does not read every fact under the lock.
        _ = try await state(exerciseID, on: app.db, now: now)
        let read = try await facts(exerciseID, after: 0, on: sql)
        let differences = try await write(exerciseID, app: app, clearingCaches: true) { db, state in
            guard let sql = db as? any SQLDatabase else { return 0 }
            let since = try await self.facts(exerciseID, after: read.last?.seq ?? 0, on: sql)
            let scores = ScoreProjection.recompute((read + since).compactMap(\.fact), challenges: state.prices.scorings)
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

/// The transaction of a change to an exercise's prices (`ScoreEngine.changeCatalog`): the writes
/// that change how challenges score take one, so they cannot happen without the re-pricing that
/// keeps the stored standings true.
package struct CatalogWrite: Sendable {
    package let db: any Database
    package let exerciseID: UUID
    fileprivate init(db: any Database, exerciseID: UUID) {
        self.db = db
        self.exerciseID = exerciseID
    }
}

extension Application {
    private struct ScoreEngineKey: StorageKey {
        typealias Value = ScoreEngine
    }

    package var scores: ScoreEngine {
        get { storage.configured(ScoreEngineKey.self) }
        set { storage[ScoreEngineKey.self] = newValue }
    }
}
