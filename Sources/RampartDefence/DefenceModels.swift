import Fluent
import RampartChecks
import RampartCore
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

/// A service as stored: its definition (`source`, the YAML of a `ServiceSpec`) and the columns queries need.
package final class Service: Model, @unchecked Sendable {
    package static let schema = "services"

    @ID(key: .id) package var id: UUID?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) package var updatedAt: Date?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "name") package var name: String
    @Field(key: "position") package var position: Int
    @Field(key: "zone") package var zone: String
    @Field(key: "source") package var source: String

    package init() {}

    /// The stored definition; it was checked when saved.
    package var spec: ServiceSpec {
        get throws { try ServiceSpec.read(yaml: source) }
    }
}

/// One scoring round of an exercise, created once (unique number) with all its check jobs.
package final class TickRecord: Model, @unchecked Sendable {
    package static let schema = "ticks"

    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "number") package var number: Int
    /// When the tick was due by the exercise clock, and when a node created it.
    @Field(key: "starts_at") package var startsAt: Date
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "jobs") package var jobs: Int
    @OptionalField(key: "scored_at") package var scoredAt: Date?

    package init() {}
}

/// A `check_jobs` row as a tick writes it and a worker claims it, in bulk SQL: the one place, beside
/// the model, where its columns are named.
package struct CheckJobRow: Codable, Sendable {
    package var id = UUID()
    package var exerciseID: UUID
    package var tick: Int
    package var teamID: UUID
    package var serviceID: UUID
    package var zone: String
    package var dueAt: Date
    package var target: String
    package var checkType: String
    /// JSON of the check's parameters.
    package var parameters: String
    package var username: String?
    package var password: String?
    package var timeout: Double
    package var flagIDs: String?
    package var flagLifetime: Int?

    package enum CodingKeys: String, CodingKey, CaseIterable {
        case id, tick, zone, target, parameters, username, password, timeout
        case exerciseID = "exercise_id"
        case teamID = "team_id"
        case serviceID = "service_id"
        case dueAt = "due_at"
        case checkType = "check_type"
        case flagIDs = "flag_ids"
        case flagLifetime = "flag_lifetime"
    }

    /// A new job: queued, not tried yet.
    package static let insertColumns = CodingKeys.allCases.map(\.rawValue) + ["state", "attempts"]
    package var insertValues: [any Encodable & Sendable] {
        CodingKeys.allCases.map { key -> any Encodable & Sendable in
            switch key {
            case .id: id
            case .exerciseID: exerciseID
            case .tick: tick
            case .teamID: teamID
            case .serviceID: serviceID
            case .zone: zone
            case .dueAt: dueAt
            case .target: target
            case .checkType: checkType
            case .parameters: parameters
            case .username: username
            case .password: password
            case .timeout: timeout
            case .flagIDs: flagIDs
            case .flagLifetime: flagLifetime
            }
        } + [CheckJob.State.queued.rawValue, 0]
    }
    /// What a claim's `RETURNING` lists, to decode the row with `SQLRow.decode(model:)`.
    package static let returning = CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")
}

/// One check of one team's service in one tick: unique by (service, team, tick), so neither a crash
/// nor a second node makes it twice. Carries everything a worker needs (target, parameters, account),
/// fixed when the tick was created.
package final class CheckJob: Model, @unchecked Sendable {
    package static let schema = "check_jobs"

    package enum State: String, Codable, Sendable {
        case queued, claimed, done
    }

    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "tick") package var tick: Int
    @Field(key: "team_id") package var teamID: UUID
    @Field(key: "service_id") package var serviceID: UUID
    @Field(key: "zone") package var zone: String
    @Field(key: "due_at") package var dueAt: Date
    @Field(key: "target") package var target: String
    @Field(key: "check_type") package var checkType: String
    @Field(key: "parameters") package var parameters: String
    @OptionalField(key: "username") package var username: String?
    @OptionalField(key: "password") package var password: String?
    @Field(key: "timeout") package var timeout: Double
    @Field(key: "state") package var state: State
    @OptionalField(key: "worker") package var worker: String?
    @OptionalField(key: "claimed_until") package var claimedUntil: Date?
    @Field(key: "attempts") package var attempts: Int
    @OptionalField(key: "status") package var status: CheckStatus?
    @OptionalField(key: "message") package var message: String?
    @OptionalField(key: "detail") package var detail: String?
    @OptionalField(key: "latency_ms") package var latencyMS: Double?
    @OptionalField(key: "started_at") package var startedAt: Date?
    @OptionalField(key: "finished_at") package var finishedAt: Date?
    /// Services with flags: how the checker returns flag ids, and how many ticks a flag lives.
    @OptionalField(key: "flag_ids") package var flagIDs: String?
    @OptionalField(key: "flag_lifetime") package var flagLifetime: Int?

    package init() {}

    /// How long the job may take: a flag round runs up to four steps of `timeout` each.
    package var budget: Double { timeout * Double(flagIDs == nil ? 1 : FlagRound.steps) }
}

/// Where each team's service stands now: the status of its last scored tick, since when, and the
/// SLA track (failing ticks in a row, what this outage has cost).
package final class ServiceStateRecord: Model, @unchecked Sendable {
    package static let schema = "service_states"

    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "team_id") package var teamID: UUID
    @Field(key: "service_id") package var serviceID: UUID
    @Field(key: "status") package var status: CheckStatus
    @Field(key: "since") package var since: Date
    @Field(key: "since_tick") package var sinceTick: Int
    @Field(key: "last_tick") package var lastTick: Int
    @Field(key: "message") package var message: String
    @Field(key: "streak") package var streak: Int
    @Field(key: "outage_penalty") package var outagePenalty: Int

    package init() {}
}

/// A status change of a team's service: the team's timeline, and an event for live pages.
package final class ServiceEvent: Model, @unchecked Sendable {
    package static let schema = "service_events"

    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "team_id") package var teamID: UUID
    @Field(key: "service_id") package var serviceID: UUID
    @Field(key: "tick") package var tick: Int
    @Field(key: "at") package var at: Date
    @OptionalField(key: "from_status") package var from: CheckStatus?
    @Field(key: "to_status") package var to: CheckStatus
    @Field(key: "message") package var message: String

    package init() {}
}

/// A password change request: a blue team tells the scorer an account's new password. Kept forever
/// (the history); the latest per (team, service, username) is what the next tick logs in with.
package final class PasswordChange: Model, @unchecked Sendable {
    package static let schema = "password_changes"

    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "team_id") package var teamID: UUID
    @Field(key: "service_id") package var serviceID: UUID
    @Field(key: "username") package var username: String
    @Field(key: "password") package var password: String
    @Field(key: "at") package var at: Date
    @OptionalField(key: "actor_id") package var actorID: UUID?
    @Field(key: "actor_name") package var actorName: String

    package init() {}
}

/// A check worker process (or the server's own worker), as it last reported.
package final class WorkerRecord: Model, @unchecked Sendable {
    package static let schema = "workers"

    @ID(key: .id) package var id: UUID?
    @Field(key: "name") package var name: String
    @Field(key: "zones") package var zones: String
    @Field(key: "host") package var host: String
    @Field(key: "started_at") package var startedAt: Date
    @Field(key: "heartbeat_at") package var heartbeatAt: Date
    @Field(key: "checks_done") package var checksDone: Int
    @OptionalField(key: "stopped_at") package var stoppedAt: Date?

    package init() {}
}

package struct M008CreateDefence: AsyncMigration {
    /// The name databases know it by, from before it moved out of RampartServer.
    package var name: String { "RampartServer.M008CreateDefence" }
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(Exercise.schema).field("tick_seconds", .int, .required, .sql(.default(ExerciseSpec.defaultTickSeconds))).update()
        try await database.schema(Exercise.schema).field("jitter_seconds", .int, .required, .sql(.default(0))).update()
        try await database.schema(ScoreFactRecord.schema).field("tick", .int).update()
        try await database.schema(ScoreFactRecord.schema).field("service_id", .uuid).update()
        try await database.schema(Service.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("position", .int, .required)
            .field("zone", .string, .required)
            .field("source", .string, .required)
            .unique(on: "exercise_id", "name")
            .create()
        try await database.schema(TickRecord.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("number", .int, .required)
            .field("starts_at", .datetime, .required)
            .field("created_at", .datetime, .required)
            .field("jobs", .int, .required)
            .field("scored_at", .datetime)
            .unique(on: "exercise_id", "number")
            .create()
        try await database.schema(CheckJob.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("tick", .int, .required)
            .field("team_id", .uuid, .required, .references(Team.schema, "id", onDelete: .cascade))
            .field("service_id", .uuid, .required, .references(Service.schema, "id", onDelete: .cascade))
            .field("zone", .string, .required)
            .field("due_at", .datetime, .required)
            .field("target", .string, .required)
            .field("check_type", .string, .required)
            .field("parameters", .string, .required)
            .field("username", .string)
            .field("password", .string)
            .field("timeout", .double, .required)
            .field("state", .string, .required)
            .field("worker", .string)
            .field("claimed_until", .datetime)
            .field("attempts", .int, .required)
            .field("status", .string)
            .field("message", .string)
            .field("detail", .string)
            .field("latency_ms", .double)
            .field("started_at", .datetime)
            .field("finished_at", .datetime)
            // The rule that makes a tick's checks happen once, whatever crashes or runs twice.
            .unique(on: "service_id", "team_id", "tick")
            .create()
        try await database.schema(ServiceStateRecord.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("team_id", .uuid, .required, .references(Team.schema, "id", onDelete: .cascade))
            .field("service_id", .uuid, .required, .references(Service.schema, "id", onDelete: .cascade))
            .field("status", .string, .required)
            .field("since", .datetime, .required)
            .field("since_tick", .int, .required)
            .field("last_tick", .int, .required)
            .field("message", .string, .required)
            .field("streak", .int, .required)
            .field("outage_penalty", .int, .required)
            .unique(on: "service_id", "team_id")
            .create()
        try await database.schema(ServiceEvent.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("team_id", .uuid, .required, .references(Team.schema, "id", onDelete: .cascade))
            .field("service_id", .uuid, .required, .references(Service.schema, "id", onDelete: .cascade))
            .field("tick", .int, .required)
            .field("at", .datetime, .required)
            .field("from_status", .string)
            .field("to_status", .string, .required)
            .field("message", .string, .required)
            .create()
        try await database.schema(PasswordChange.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("team_id", .uuid, .required, .references(Team.schema, "id", onDelete: .cascade))
            .field("service_id", .uuid, .required, .references(Service.schema, "id", onDelete: .cascade))
            .field("username", .string, .required)
            .field("password", .string, .required)
            .field("at", .datetime, .required)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .create()
        try await database.schema(WorkerRecord.schema)
            .id()
            .field("name", .string, .required)
            .field("zones", .string, .required)
            .field("host", .string, .required)
            .field("started_at", .datetime, .required)
            .field("heartbeat_at", .datetime, .required)
            .field("checks_done", .int, .required)
            .field("stopped_at", .datetime)
            .create()
        if let sql = database as? any SQLDatabase {
            // What workers claim by: their zones' due jobs, oldest first.
            try await sql.raw("CREATE INDEX check_jobs_claim ON check_jobs (zone, state, due_at)").run()
            try await sql.raw("CREATE INDEX check_jobs_tick ON check_jobs (exercise_id, tick)").run()
            try await sql.raw("CREATE INDEX check_jobs_team ON check_jobs (team_id, tick)").run()
            try await sql.raw("CREATE INDEX service_events_team ON service_events (team_id, at)").run()
            try await sql.raw("CREATE INDEX password_changes_team ON password_changes (team_id, service_id, at)").run()
        }
    }

    package func revert(on database: any Database) async throws {
        for schema in [
            WorkerRecord.schema, PasswordChange.schema, ServiceEvent.schema, ServiceStateRecord.schema, CheckJob.schema, TickRecord.schema,
            Service.schema,
        ] {
            try await database.schema(schema).delete()
        }
        try await database.schema(ScoreFactRecord.schema).deleteField("service_id").update()
        try await database.schema(ScoreFactRecord.schema).deleteField("tick").update()
        try await database.schema(Exercise.schema).deleteField("jitter_seconds").update()
        try await database.schema(Exercise.schema).deleteField("tick_seconds").update()
    }
}
