import Fluent
import FluentPostgresDriver
import Foundation
import NIOConcurrencyHelpers
import RampartChecks
import RampartCore
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

/// Runs check jobs: claims due jobs of its zones, runs each at its due time, stores the results.
/// The server runs one in process (zone `default`); `rampart worker --zone NAME` runs one on another
/// machine. On PostgreSQL claims use `FOR UPDATE SKIP LOCKED`, so workers never take the same job;
/// a claim is a lease the worker renews while it lives, so a dead worker's jobs return to the queue.
package final class CheckWorker: Sendable {
    package let app: Application
    package let id: UUID
    package let name: String
    package let zones: [String]
    /// Most checks running at once. Checks wait on the network, not the CPU: thousands fit.
    package let concurrency: Int
    package static let defaultConcurrency = 2_000
    /// How often a worker says it is alive and renews its leases; one silent for three of these is
    /// shown as not alive.
    package static let heartbeatInterval: TimeInterval = 5
    private let counters = NIOLockedValueBox<(running: Int, done: Int)>((0, 0))
    private let results = NIOLockedValueBox<[Finished]>([])

    package struct Claimed: Sendable {
        package var id: UUID
        package var dueAt: Date
        package var target: String
        package var checkType: String
        package var parameters: [String: String]
        package var account: Check.Account?
        package var timeout: Double
        package var context: Check.Context?
        /// Services with flags: the round to run and the stored flag it plants.
        package var round: FlagRound?
        package var flagRecord: UUID?
    }

    package struct Finished: Sendable {
        package var id: UUID
        package var result: CheckResult
        package var startedAt: Date
        package var finishedAt: Date
        package var flagRecord: UUID?
        package var placed: FlagRound.Placed?
    }

    package init(app: Application, name: String? = nil, zones: [String], concurrency: Int = CheckWorker.defaultConcurrency) {
        self.app = app
        id = UUID()
        let host = ProcessInfo.processInfo.hostName
        self.name = name ?? "\(host)-\(ProcessInfo.processInfo.processIdentifier)"
        self.zones = zones
        self.concurrency = max(1, concurrency)
    }

    package var checksDone: Int { counters.withLockedValue { $0.done } }

    // MARK: claiming

    /// Claims up to `limit` jobs of this worker's zones due by `horizon`, or whose lease lapsed by `now`.
    package func claim(limit: Int, now: Date, horizon: Date) async throws -> [Claimed] {
        let postgres = app.db is any PostgresDatabase
        let query: @Sendable (any Database) async throws -> [CheckJobRow] = { [name, zones] db in
            guard let sql = db as? any SQLDatabase else { return [] }
            return try await sql.raw(
                """
                UPDATE check_jobs SET state = 'claimed', worker = \(bind: name), claimed_until = \(bind: now.addingTimeInterval(Ticks.lease)),
                  attempts = attempts + 1
                WHERE id IN (
                  SELECT id FROM check_jobs
                  WHERE zone IN (\(binds: zones)) AND attempts < 3
                    AND ((state = 'queued' AND due_at <= \(bind: horizon)) OR (state = 'claimed' AND claimed_until < \(bind: now)))
                  ORDER BY due_at LIMIT \(bind: limit)
                  \(unsafeRaw: postgres ? "FOR UPDATE SKIP LOCKED" : "")
                )
                RETURNING \(unsafeRaw: CheckJobRow.returning)
                """
            ).all(decoding: CheckJobRow.self)
        }
        // SQLite: the write gate, as for every write; PostgreSQL: one statement, its own transaction.
        let jobs = postgres ? try await query(app.db) : try await app.write(clearingCaches: false) { db in try await query(db) }
        let teams = try await contexts(jobs)
        let rounds = try await ServiceFlags.rounds(
            for: jobs.compactMap { job in
                guard let raw = job.flagIDs, let mode = FlagRounds.IDMode(rawValue: raw) else { return nil }
                return (job.id, job.serviceID, job.teamID, job.tick, mode, job.flagLifetime ?? 1)
            }, random: app.dependencies.randomBytes, on: app.db)
        return try jobs.map { job in
            Claimed(
                id: job.id, dueAt: job.dueAt, target: job.target, checkType: job.checkType,
                parameters: try JSONDecoder().decode([String: String].self, from: Data(job.parameters.utf8)),
                account: job.username.map { Check.Account(username: $0, password: job.password ?? "") },
                timeout: job.timeout,
                context: teams[job.teamID].map { team in
                    Check.Context(teamNumber: team.number, teamSlug: team.slug, tick: job.tick, tickSeconds: team.tickSeconds)
                }, round: rounds[job.id]?.round, flagRecord: rounds[job.id]?.record)
        }
    }

    /// Team numbers, slugs and tick lengths, only for checks that want them (one query per claim).
    private func contexts(_ jobs: [CheckJobRow]) async throws -> [UUID: (number: Int, slug: String, tickSeconds: Int)] {
        let wanted = jobs.filter { Check.contextual.contains($0.checkType) }.map(\.teamID)
        guard !wanted.isEmpty, let sql = app.db as? any SQLDatabase else { return [:] }
        var result: [UUID: (number: Int, slug: String, tickSeconds: Int)] = [:]
        for row in try await sql.raw(
            "SELECT t.id, t.number, t.slug, e.tick_seconds FROM teams t JOIN exercises e ON e.id = t.exercise_id WHERE t.id IN (\(binds: Array(Set(wanted))))"
        ).all() {
            result[try row.decode(column: "id", as: UUID.self)] = (
                try row.decode(column: "number", as: Int.self), try row.decode(column: "slug", as: String.self),
                try row.decode(column: "tick_seconds", as: Int.self)
            )
        }
        return result
    }

    // MARK: running

    /// Runs one claimed job now.
    package func execute(_ job: Claimed) async -> Finished {
        let started = app.dependencies.now()
        let outcome: FlagRound.Outcome
        do {
            let check = try Check(type: job.checkType, parameters: job.parameters, host: app.checkHost)
            outcome = await check.run(
                target: job.target, timeout: .seconds(job.timeout), account: job.account, context: job.context, round: job.round)
        } catch {
            outcome = .init(result: CheckResult(.error, CheckResult.notRun, detail: "\(job.checkType): \(error.message)"), placed: nil)
        }
        return Finished(
            id: job.id, result: outcome.result, startedAt: started, finishedAt: app.dependencies.now(), flagRecord: job.flagRecord,
            placed: outcome.placed)
    }

    /// Stores finished results, in one transaction. A result whose claim another worker has taken
    /// over since (this one was presumed dead) is dropped: the job has one result, its claimant's.
    package func report(_ finished: [Finished]) async throws {
        guard !finished.isEmpty else { return }
        try await app.write(clearingCaches: false) { [name] db in
            guard let sql = db as? any SQLDatabase else { return }
            for item in finished {
                // The flag first, while the claim is still this worker's (the job's update ends it).
                if let record = item.flagRecord, let placed = item.placed {
                    try await sql.raw(
                        """
                        UPDATE service_flags SET private_id = \(bind: placed.privateID), public_id = \(bind: placed.publicID),
                          placed_at = \(bind: item.finishedAt)
                        WHERE id = \(bind: record)
                          AND EXISTS (SELECT 1 FROM check_jobs WHERE id = \(bind: item.id) AND worker = \(bind: name) AND state = 'claimed')
                        """
                    ).run()
                }
                try await sql.raw(
                    """
                    UPDATE check_jobs SET state = 'done', status = \(bind: item.result.status.rawValue), message = \(bind: item.result.publicMessage),
                      detail = \(bind: item.result.privateDetail), latency_ms = \(bind: item.result.latency.inMilliseconds), started_at = \(bind: item.startedAt),
                      finished_at = \(bind: item.finishedAt)
                    WHERE id = \(bind: item.id) AND worker = \(bind: name) AND state = 'claimed'
                    """
                ).run()
            }
        }
        counters.withLockedValue { $0.done += finished.count }
    }

    /// Claims every job due by `now` and runs them all (at most `concurrency` at once), then stores
    /// the results: one round, for tests and `Ticks`-driven loops that control time themselves.
    @discardableResult
    package func runDue(now: Date) async throws -> Int {
        var total = 0
        while true {
            let jobs = try await claim(limit: concurrency, now: now, horizon: now)
            guard !jobs.isEmpty else { return total }
            let finished = await withTaskGroup(of: Finished.self) { group in
                for job in jobs { group.addTask { await self.execute(job) } }
                var all: [Finished] = []
                for await item in group { all.append(item) }
                return all
            }
            try await report(finished)
            total += finished.count
        }
    }

    // MARK: the loop

    /// Claims jobs shortly before they are due, runs each at its due time, stores results every
    /// tenth of a second and reports a heartbeat (renewing its leases) every few seconds, until cancelled.
    package func run() async {
        try? await heartbeat(stopped: false)
        await withDiscardingTaskGroup { group in
            group.addTask {
                var lastBeat = Date()
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(100))
                    await self.flush()
                    if Date().timeIntervalSince(lastBeat) >= Self.heartbeatInterval {
                        lastBeat = Date()
                        do { try await self.heartbeat(stopped: false) } catch { self.app.logger.warning("worker heartbeat failed: \(error)") }
                    }
                }
                await self.flush()
            }
            while !Task.isCancelled {
                let free = concurrency - counters.withLockedValue { $0.running }
                var claimed: [Claimed] = []
                if free > 0 {
                    let now = app.dependencies.now()
                    do {
                        claimed = try await claim(limit: min(free, 500), now: now, horizon: now.addingTimeInterval(Ticks.lead))
                    } catch {
                        app.logger.warning("worker \(name) could not claim jobs: \(error)")
                    }
                }
                for job in claimed {
                    counters.withLockedValue { $0.running += 1 }
                    group.addTask {
                        let wait = job.dueAt.timeIntervalSince(self.app.dependencies.now())
                        if wait > 0 { try? await Task.sleep(for: .seconds(wait)) }
                        let finished = await self.execute(job)
                        self.results.withLockedValue { $0.append(finished) }
                        self.counters.withLockedValue { $0.running -= 1 }
                    }
                }
                try? await Task.sleep(for: .milliseconds(claimed.isEmpty ? 200 : 20))
            }
        }
        try? await heartbeat(stopped: true)
    }

    private func flush() async {
        let batch = results.withLockedValue { list -> [Finished] in
            defer { list.removeAll() }
            return list
        }
        guard !batch.isEmpty else { return }
        do {
            try await report(batch)
        } catch {
            app.logger.warning("worker \(name) could not store \(batch.count) results, retrying: \(error)")
            results.withLockedValue { $0.insert(contentsOf: batch, at: 0) }
        }
    }

    /// Records this worker as alive (or stopped) and renews the leases of the jobs it holds.
    package func heartbeat(stopped: Bool) async throws {
        let now = app.dependencies.now()
        let done = checksDone
        try await app.write(clearingCaches: false) { [id, name, zones] db in
            guard let sql = db as? any SQLDatabase else { return }
            try await ScoreEngine.insert(
                into: WorkerRecord.schema, ["id", "name", "zones", "host", "started_at", "heartbeat_at", "checks_done", "stopped_at"],
                [[id, name, zones.joined(separator: ","), ProcessInfo.processInfo.hostName, now, now, done, stopped ? now : nil]],
                conflict: ["id"], update: ["heartbeat_at", "checks_done", "stopped_at"], on: sql)
            try await sql.raw(
                "UPDATE check_jobs SET claimed_until = \(bind: now.addingTimeInterval(Ticks.lease)) WHERE worker = \(bind: name) AND state = 'claimed'"
            ).run()
        }
    }
}
