import Fluent
import FluentPostgresDriver
import NIOConcurrencyHelpers
import RampartChecks
import RampartCore
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

/// The tick machinery: creating each tick's check jobs on the exercise clock, giving up on jobs no
/// worker ran, and scoring finished ticks in order. Every server node runs `step` a few times a
/// second; the database (unique ticks and jobs, the exercise's locks) makes two nodes doing it at
/// once harmless.
package enum Ticks {
    /// A job nobody finished this long after its check's timeout ran out is recorded as an `error`
    /// (our failure, never the team's) so its tick can be scored.
    package static let abandonAfter: TimeInterval = 120
    /// Claims are leases: a live worker renews its own every heartbeat, a dead one's lapse after this.
    package static let lease: TimeInterval = 60

    package struct Report: Sendable, Equatable {
        package var created: [Int] = []
        package var abandoned = 0
        package var scored: [Int] = []
    }

    /// One pass over every running exercise.
    @discardableResult
    package static func step(app: Application, now: Date) async throws -> Report {
        var report = Report()
        report.created = try await createDue(app: app, now: now)
        try await scoreFinished(app: app, now: now, into: &report)
        return report
    }

    // MARK: creating ticks

    /// How far ahead of its start a tick's jobs are made (at most a fifth of the tick), so workers
    /// hold them and start each check on time rather than when they next look.
    package static let lead: TimeInterval = 2

    /// Creates the tick under way — or about to start, within `lead` — in each running exercise with
    /// services, unless it exists. Ticks that fell due since the last one this node saw made, but
    /// could not be recorded (the database busy or away), are recorded late, in order, before it, their
    /// checks due at once; unique tick numbers make sure each is recorded once, whichever node does it.
    /// A node that has seen no tick yet (just started) starts at the current one: ticks missed while
    /// no node ran are not made up, since a check now cannot say what happened then.
    package static func createDue(app: Application, now: Date) async throws -> [Int] {
        var created: [Int] = []
        for exercise in try await Exercise.query(on: app.db).filter(\.$state == .running).all() {
            let exerciseID = try exercise.requireID()
            let elapsed = exercise.clock.elapsed(at: now)
            let number = exercise.ticks.tick(atElapsed: elapsed + min(lead, exercise.ticks.length / 5))
            let last = app.defence.lastTick(exerciseID)
            if last >= number { continue }
            // Nothing to check yet: not remembered, so a service added later starts at once.
            guard try await Service.query(on: app.db).filter(\.$exerciseID == exerciseID).count() > 0 else { continue }
            let first = last > 0 ? last + 1 : number
            if first < number {
                app.logger.warning("recording ticks \(first)–\(number - 1) of \(exercise.slug) late: they fell due while the database could not take them")
            }
            for tick in first...number {
                let startsAt = now.addingTimeInterval(exercise.ticks.start(of: tick) - elapsed)
                if try await create(tick, of: exercise, startsAt: startsAt, now: now, app: app) { created.append(tick) }
                app.defence.noteTick(exerciseID, tick)
            }
        }
        return created
    }

    /// Creates tick `number` and one job per (blue team, service); false when it exists already
    /// (another node made it) or there is nothing to check. Ticks missed while no node ran are not
    /// made up: a check now cannot say what happened then.
    package static func create(_ number: Int, of exercise: Exercise, startsAt: Date, now: Date, app: Application) async throws -> Bool {
        let exerciseID = try exercise.requireID()
        let jitter = exercise.jitterSeconds
        let random = app.dependencies.randomBytes
        return try await app.write(clearingCaches: false) { db in
            guard let sql = db as? any SQLDatabase else { return false }
            try await lock(exerciseID, on: db)
            let last = try await TickRecord.query(on: db).filter(\.$exerciseID == exerciseID).max(\.$number) ?? 0
            guard number > last else { return false }
            let services = try await Services.all(exerciseID, on: db).compactMap { service -> (id: UUID, zone: String, spec: ServiceSpec)? in
                guard let id = service.id, let spec = try? service.spec else { return nil }
                return (id, service.zone, spec)
            }
            let teams = try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).filter(\.$kind == .blue).sort(\.$number).all()
            guard !services.isEmpty, !teams.isEmpty else { return false }
            let accounts = try await Services.accounts(
                services.map { ($0.id, $0.spec) }, teams: teams.compactMap(\.id), exerciseID: exerciseID, on: db)
            let count = services.count * teams.count
            let bytes = jitter > 0 ? random(count * 4) : []
            let flagBytes = random(services.filter { $0.spec.flags != nil }.count * teams.count * PlantedFlag.randomBytes)
            var flagRows: [[any Encodable & Sendable]] = []
            var rows: [[any Encodable & Sendable]] = []
            rows.reserveCapacity(count)
            for team in teams {
                let teamID = try team.requireID()
                for service in services {
                    var due = startsAt
                    if jitter > 0 {
                        let offset = rows.count * 4
                        let value = bytes[offset..<offset + 4].reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
                        due = startsAt.addingTimeInterval(Double(value) / Double(UInt32.max) * Double(jitter))
                    }
                    let list = accounts["\(teamID)|\(service.id)"] ?? []
                    let account = list.isEmpty ? nil : list[(number - 1) % list.count]
                    if let rule = service.spec.flags {
                        let offset = flagRows.count * PlantedFlag.randomBytes
                        let flag = PlantedFlag.make(
                            service: service.spec.name, rule, tick: number, random: Array(flagBytes[offset..<offset + PlantedFlag.randomBytes]))
                        flagRows.append(ServiceFlags.row(exerciseID: exerciseID, serviceID: service.id, teamID: teamID, flag))
                    }
                    let job = CheckJobRow(
                        exerciseID: exerciseID, tick: number, teamID: teamID, serviceID: service.id, zone: service.zone, dueAt: due,
                        target: service.spec.address(number: team.number, slug: team.slug), checkType: service.spec.check,
                        parameters: ScoreEngine.json(service.spec.parameters(number: team.number, slug: team.slug)),
                        username: account?.username, password: account?.password, timeout: service.spec.timeout,
                        flagIDs: service.spec.flags?.flagIDs.rawValue, flagLifetime: service.spec.flags?.lifetime)
                    rows.append(job.insertValues)
                }
            }
            try await sql.insert(into: TickRecord.schema)
                .columns("id", "exercise_id", "number", "starts_at", "created_at", "jobs")
                .values(UUID(), exerciseID, number, startsAt, now, count).run()
            try await ScoreEngine.insert(into: CheckJob.schema, CheckJobRow.insertColumns, rows, on: sql)
            try await ScoreEngine.insert(into: ServiceFlagRecord.schema, ServiceFlags.columns, flagRows, on: sql)
            return true
        }
    }

    /// The exercise's defence lock (PostgreSQL; SQLite's write gate already serialises writers).
    package static func lock(_ exerciseID: UUID, on db: any Database) async throws {
        if db is any PostgresDatabase, let sql = db as? any SQLDatabase {
            try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: ScoreEngine.lockKey(exerciseID) ^ 0x5EED))").run()
        }
    }

    // MARK: giving up on jobs

    /// The jobs of tick `number` that no worker finished long after they were due (no worker in
    /// their zone, or one that keeps dying) become `error` results. Only the earliest unscored tick
    /// is looked at — it is the one holding the scoring up — through the (exercise, tick) index.
    package static func abandonStuck(_ exerciseID: UUID, tick number: Int, app: Application, now: Date) async throws -> Int {
        let candidates = try await CheckJob.query(on: app.db).filter(\.$exerciseID == exerciseID).filter(\.$tick == number)
            .filter(\.$state != .done).filter(\.$dueAt < now.addingTimeInterval(-abandonAfter)).all()
        let stuck = candidates.filter { $0.dueAt.addingTimeInterval($0.budget + abandonAfter) < now }
        guard !stuck.isEmpty else { return 0 }
        try await app.write(clearingCaches: false) { db in
            for job in stuck {
                let reason =
                    job.state == .queued
                    ? "no worker of zone '\(job.zone)' took it" : "its worker (\(job.worker ?? "?")) stopped answering, \(job.attempts) attempt(s)"
                try await CheckJob.query(on: db).filter(\.$id == job.requireID()).filter(\.$state != .done)
                    .set(\.$state, to: .done).set(\.$status, to: .error)
                    .set(\.$message, to: CheckResult.notRun)
                    .set(\.$detail, to: "not run: \(reason) within \(Int(job.budget + abandonAfter)) s of its due time")
                    .set(\.$finishedAt, to: now).update()
            }
        }
        return stuck.count
    }

    // MARK: scoring

    /// Scores, in order, every tick whose jobs are all done; a tick held up by jobs nobody will run
    /// gets them marked `error` first.
    package static func scoreFinished(app: Application, now: Date, into report: inout Report) async throws {
        guard let sql = app.db as? any SQLDatabase else { return }
        let rows = try await sql.raw("SELECT DISTINCT exercise_id FROM ticks WHERE scored_at IS NULL").all()
        for row in rows {
            let exerciseID = try row.decode(column: "exercise_id", as: UUID.self)
            while true {
                if let number = try await scoreNext(exerciseID, app: app, now: now) {
                    report.scored.append(number)
                    continue
                }
                guard let waiting = try await earliestUnscored(exerciseID, on: app.db) else { break }
                let abandoned = try await abandonStuck(exerciseID, tick: waiting.number, app: app, now: now)
                guard abandoned > 0 else { break }
                report.abandoned += abandoned
            }
        }
    }

    /// Scores the exercise's earliest unscored tick if all its checks are done; returns its number.
    /// Under the exercise's scoring lock and marked scored in the same transaction as its facts, so
    /// a tick is scored exactly once however many nodes try.
    package static func scoreNext(_ exerciseID: UUID, app: Application, now: Date) async throws -> Int? {
        guard let tick = try await nextReady(exerciseID, on: app.db) else { return nil }
        let scored = try await app.scores.write(exerciseID, app: app) { db, state -> Bool in
            // Checked again under the lock: another node may have scored it meanwhile.
            guard let again = try await nextReady(exerciseID, on: db), again.number == tick.number else { return false }
            LiveEvents.stage(try await score(again, state: &state, on: db, now: now))
            return true
        }
        return scored ? tick.number : nil
    }

    private static func earliestUnscored(_ exerciseID: UUID, on db: any Database) async throws -> TickRecord? {
        try await TickRecord.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$scoredAt == nil).sort(\.$number).first()
    }

    private static func nextReady(_ exerciseID: UUID, on db: any Database) async throws -> TickRecord? {
        guard let tick = try await earliestUnscored(exerciseID, on: db) else { return nil }
        let pending = try await CheckJob.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$tick == tick.number)
            .filter(\.$state != .done).count()
        return pending == 0 ? tick : nil
    }

    /// Turns a tick's results into facts (one availability fact per team, one per SLA penalty),
    /// service states and status-change events.
    private static func score(_ tick: TickRecord, state: inout ScoreEngine.State, on db: any Database, now: Date) async throws -> [LiveEvent] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let exerciseID = tick.exerciseID
        let jobs = try await CheckJob.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$tick == tick.number).all()
        let services = try await Services.all(exerciseID, on: db)
        let specs = Dictionary(
            uniqueKeysWithValues: services.compactMap { service in service.id.flatMap { id in (try? service.spec).map { (id, $0) } } })
        let order = Dictionary(uniqueKeysWithValues: services.enumerated().compactMap { item in item.element.id.map { ($0, item.offset) } })
        let existing = try await ServiceStateRecord.query(on: db).filter(\.$exerciseID == exerciseID).all()
        let states = Dictionary(existing.map { ("\($0.teamID)|\($0.serviceID)", $0) }, uniquingKeysWith: { a, _ in a })

        var earned: [UUID: (points: Int, parts: [Phrase])] = [:]
        var stateRows: [[any Encodable & Sendable]] = []
        var eventRows: [[any Encodable & Sendable]] = []
        var events: [LiveEvent] = []
        let sorted = jobs.sorted { ($0.teamID.uuidString, order[$0.serviceID] ?? 0) < ($1.teamID.uuidString, order[$1.serviceID] ?? 0) }
        for job in sorted {
            guard let spec = specs[job.serviceID] else { continue }
            let status = job.status ?? .error
            let previous = states["\(job.teamID)|\(job.serviceID)"]
            let track = ServiceTrack(streak: previous?.streak ?? 0, outagePenalty: previous?.outagePenalty ?? 0)
            let outcome = spec.score(status, after: track)
            earned[job.teamID, default: (0, [])].points += outcome.points
            earned[job.teamID, default: (0, [])].parts.append(.tickPart(spec.name, status, outcome.points))
            if outcome.penalty > 0 {
                state.append(
                    ScoreFactRecord(
                        team: job.teamID, at: tick.startsAt, kind: DefenceFacts.sla, points: -outcome.penalty,
                        category: DefenceFacts.penaltiesCategory,
                        reason: .slaReason(spec.name, outcome.track.streak, tick: tick.number), actorID: nil,
                        actorName: ScoreFacts.scoringActor, source: DefenceFacts.source(job.serviceID), evidence: DefenceFacts.evidence(tick.number)))
            }
            let changed = previous?.status != status
            let message = job.message ?? ""
            stateRows.append([
                previous?.id ?? UUID(), exerciseID, job.teamID, job.serviceID, status.rawValue, changed ? tick.startsAt : previous!.since,
                changed ? tick.number : previous!.sinceTick, tick.number, message, outcome.track.streak, outcome.track.outagePenalty,
            ])
            guard changed else { continue }
            eventRows.append([
                UUID(), exerciseID, job.teamID, job.serviceID, tick.number, tick.startsAt, previous?.status.rawValue, status.rawValue, message,
            ])
            events.append(
                LiveEvent(
                    // Who reads the service matrix: a blue team only its own row.
                    kind: "service.status", exerciseID: exerciseID, teamID: job.teamID, at: tick.startsAt,
                    audience: LiveAudience(kinds: [.green, .yellow], ownTeam: true),
                    payload: [
                        "service": spec.name, "from": previous?.status.rawValue ?? "", "to": status.rawValue, "tick": String(tick.number),
                        "message": message,
                    ]))
        }
        for (team, total) in earned.sorted(by: { $0.key.uuidString < $1.key.uuidString }) where total.points != 0 {
            state.append(
                ScoreFactRecord(
                    team: team, at: tick.startsAt, kind: DefenceFacts.availability, points: total.points,
                    category: DefenceFacts.availabilityCategory, reason: .tickReason(tick.number, total.parts),
                    actorID: nil, actorName: ScoreFacts.scoringActor, evidence: DefenceFacts.evidence(tick.number)))
        }
        try await ScoreEngine.insert(
            into: ServiceStateRecord.schema,
            ["id", "exercise_id", "team_id", "service_id", "status", "since", "since_tick", "last_tick", "message", "streak", "outage_penalty"],
            stateRows, conflict: ["service_id", "team_id"],
            update: ["status", "since", "since_tick", "last_tick", "message", "streak", "outage_penalty"], on: sql)
        try await ScoreEngine.insert(
            into: ServiceEvent.schema, ["id", "exercise_id", "team_id", "service_id", "tick", "at", "from_status", "to_status", "message"],
            eventRows, on: sql)
        try await TickRecord.query(on: db).filter(\.$id == tick.requireID()).set(\.$scoredAt, to: now).update()
        return events
    }
}

/// What this node remembers between steps: the last tick it saw created in each exercise, so a
/// step costs one query per running exercise when nothing is due, and knows which ticks fell due since.
package final class DefenceNode: Sendable {
    private let ticks = NIOLockedValueBox<[UUID: Int]>([:])
    package let background = NIOLockedValueBox<[Task<Void, Never>]>([])

    package init() {}

    package func lastTick(_ exerciseID: UUID) -> Int { ticks.withLockedValue { $0[exerciseID] ?? 0 } }

    package func noteTick(_ exerciseID: UUID, _ number: Int) {
        ticks.withLockedValue { $0[exerciseID] = max($0[exerciseID] ?? 0, number) }
    }

    /// Services changed: the current tick may now have something to check.
    package func forget(_ exerciseID: UUID) {
        ticks.withLockedValue { $0[exerciseID] = nil }
    }
}

extension Application {
    private struct DefenceNodeKey: StorageKey {
        typealias Value = DefenceNode
    }

    package var defence: DefenceNode {
        get { storage.configured(DefenceNodeKey.self) }
        set { storage[DefenceNodeKey.self] = newValue }
    }
}
