import Fluent
import FluentPostgresDriver
import Foundation
import NIOConcurrencyHelpers
import RampartCore
import SQLKit
import Vapor

/// A domain event for live pages: what happened, in which exercise, about which team, who may see it,
/// and a small payload of strings. Stored in `live_events` with a sequence number in the transaction
/// of the change it describes (`LiveEvents.stage`), so a viewer that reconnects reads what it missed.
package struct LiveEvent: Codable, Sendable, Equatable {
    package var kind: String
    package var exerciseID: UUID
    /// The team the event is about (a solve's team, a report's target); nil: the exercise as a whole.
    package var teamID: UUID?
    package var at: Date
    /// Who may receive it, with the REST API's rules (`LiveAudience`).
    package var audience: LiveAudience
    /// It tells a score (a solve, a tick's points, a penalty): during a freeze only the white team
    /// and the team it is about receive it.
    package var scored: Bool
    package var payload: [String: String]

    package init(
        kind: String, exerciseID: UUID, teamID: UUID? = nil, at: Date, audience: LiveAudience = .everyone, scored: Bool = false,
        payload: [String: String] = [:]
    ) {
        self.kind = kind
        self.exerciseID = exerciseID
        self.teamID = teamID
        self.at = at
        self.audience = audience
        self.scored = scored
        self.payload = payload
    }
}

/// Who may receive an event besides the white team, who receives every event of its exercise.
package struct LiveAudience: Codable, Sendable, Equatable, Hashable {
    /// Every member and, on a public board, every outside reader.
    package var everyone: Bool
    /// Members of teams of these kinds.
    package var kinds: Set<TeamKind>
    /// The members of the event's own team (`LiveEvent.teamID`).
    package var ownTeam: Bool
    /// Members of these teams.
    package var teams: Set<UUID>

    package init(everyone: Bool = false, kinds: Set<TeamKind> = [], ownTeam: Bool = false, teams: Set<UUID> = []) {
        self.everyone = everyone
        self.kinds = kinds
        self.ownTeam = ownTeam
        self.teams = teams
    }

    package static let everyone = LiveAudience(everyone: true)
    package static let whiteTeam = LiveAudience()
    /// The white team and the team the event is about.
    package static let ownTeam = LiveAudience(ownTeam: true)

    /// As stored: `all`, or comma-separated kinds, `team` and `team:<uuid>`; empty: the white team only.
    package var stored: String {
        if everyone { return "all" }
        var parts = kinds.sorted().map(\.rawValue)
        if ownTeam { parts.append("team") }
        parts += teams.map { "team:\($0.uuidString)" }.sorted()
        return parts.joined(separator: ",")
    }

    package init(stored: String) {
        self.init()
        for part in stored.split(separator: ",").map(String.init) {
            if part == "all" {
                everyone = true
            } else if part == "team" {
                ownTeam = true
            } else if part.hasPrefix("team:"), let id = UUID(uuidString: String(part.dropFirst(5))) {
                teams.insert(id)
            } else if let kind = TeamKind(rawValue: part) {
                kinds.insert(kind)
            }
        }
    }
}

/// Who is watching: the same facts an `ExerciseContext` gives the REST API.
package struct LiveViewer: Sendable, Equatable {
    package var role: TeamKind
    package var teamID: UUID?

    package init(role: TeamKind, teamID: UUID?) {
        self.role = role
        self.teamID = teamID
    }

    /// What this viewer receives of `event`, given the exercise's freeze time (nil: no freeze set).
    /// The rules are the REST API's: the white team sees everything; others see what is addressed to
    /// them, and during the freeze no other team's scores — of an event about several teams' scores,
    /// only that its own moved.
    package func delivery(_ event: StoredLiveEvent, freezeAt: Date?) -> LiveDelivery {
        if role == .white { return .whole }
        let own = event.teamID != nil && event.teamID == teamID
        let audience = event.audience
        let addressed =
            audience.everyone || audience.kinds.contains(role) || (audience.ownTeam && own)
            || (teamID.map { audience.teams.contains($0) } ?? false)
        guard addressed else { return .nothing }
        guard event.scored, let freezeAt, event.at >= freezeAt, !own else { return .whole }
        if event.teamID == nil, let teamID, event.teams.contains(teamID) { return .ownTeamOnly(teamID) }
        return .nothing
    }

    package func mayReceive(_ event: StoredLiveEvent, freezeAt: Date?) -> Bool {
        delivery(event, freezeAt: freezeAt) != .nothing
    }
}

package enum LiveDelivery: Sendable, Equatable {
    case nothing
    case whole
    /// A score event about several teams, during a freeze: the viewer's team alone.
    case ownTeamOnly(UUID)
}

/// An event as stored, with its sequence number.
package struct StoredLiveEvent: Sendable, Equatable {
    package var seq: Int64
    package var exerciseID: UUID
    package var teamID: UUID?
    package var kind: String
    package var audience: LiveAudience
    package var scored: Bool
    package var at: Date
    package var payload: [String: String]

    /// The teams a score event is about (`teams` in its payload), besides `teamID`.
    package var teams: Set<UUID> {
        Set((payload["teams"] ?? "").split(separator: ",").compactMap { UUID(uuidString: String($0)) })
    }

    /// The message for a viewer who may know only that its own team's score moved.
    package func message(onlyTeam team: UUID) -> String {
        var copy = self
        copy.payload = ["teams": team.uuidString.lowercased()]
        return copy.message()
    }

    /// The message a viewer receives: `{"seq", "type", "at", "team", "data"}`, the same bytes for every
    /// viewer who may see it, so it is encoded once.
    package func message() -> String {
        let body = LiveMessage(seq: seq, type: kind, at: at, team: teamID?.uuidString.lowercased(), data: payload)
        return (try? String(decoding: LiveMessage.encoder.encode(body), as: UTF8.self)) ?? "{}"
    }
}

/// What goes over the wire.
package struct LiveMessage: Codable, Sendable {
    package var seq: Int64?
    package var type: String
    package var at: Date?
    package var team: String?
    package var data: [String: String]?

    package init(seq: Int64?, type: String, at: Date?, team: String? = nil, data: [String: String]? = nil) {
        self.seq = seq
        self.type = type
        self.at = at
        self.team = team
        self.data = data
    }

    package static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(LiveMessage.timestamp(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// ISO 8601 with milliseconds, so a client can measure delivery time.
    package static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    package func encoded() -> String {
        (try? String(decoding: Self.encoder.encode(self), as: UTF8.self)) ?? "{}"
    }
}

/// Staging and storing events. A feature stages its events inside `Application.write`; they are
/// inserted as the transaction's last statement, numbered in commit order, and after the commit
/// every node's `LiveHub` delivers them.
package enum LiveEvents {
    package static let schema = "live_events"
    /// The PostgreSQL channel nodes listen on; a notification carries only the last sequence number.
    package static let channel = "rampart_live"

    @TaskLocal static var pending: PendingLiveEvents?

    /// Adds events to the write this task is in: they are stored with its changes or not at all.
    /// Outside a write it is a programming error.
    package static func stage(_ events: [LiveEvent]) {
        guard !events.isEmpty else { return }
        guard let pending else {
            assertionFailure("LiveEvents.stage outside Application.write")
            return
        }
        pending.append(events)
    }

    package static func stage(_ event: LiveEvent) { stage([event]) }

    /// Inserts the staged events. On PostgreSQL under an advisory lock held to the commit, so events
    /// commit in the order of their numbers (a reader taking `seq > last` never skips one that commits
    /// late), and with a notification that goes out at the commit. Always the last statement of a
    /// transaction: the lock is taken after the exercise's and the audit chain's, never before.
    static func insert(_ events: [LiveEvent], on db: any Database) async throws {
        guard !events.isEmpty, let sql = db as? any SQLDatabase else { return }
        let postgres = db is any PostgresDatabase
        if postgres {
            try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: lockKey), hashtext(current_schema()))").run()
        }
        let builder = sql.insert(into: schema).columns("exercise_id", "team_id", "kind", "audience", "scored", "at", "payload")
        for event in events {
            builder.values(
                SQLBind(event.exerciseID), SQLBind(event.teamID), SQLBind(event.kind), SQLBind(event.audience.stored), SQLBind(event.scored),
                SQLBind(event.at), SQLBind(json(event.payload)))
        }
        try await builder.run()
        if postgres {
            try await sql.raw(
                "SELECT pg_notify(\(bind: channel), (SELECT max(seq) FROM \(ident: schema))::text || '|' || extract(epoch FROM clock_timestamp())::text)"
            ).run()
        }
    }

    /// Arbitrary, fixed: the advisory lock that orders event commits (with the schema's hash).
    static let lockKey: Int32 = 0x4C_49_56

    static func json(_ payload: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? String(decoding: encoder.encode(payload), as: UTF8.self)) ?? "{}"
    }

    /// Events after `seq`, oldest first, at most `limit` (of one exercise when given).
    package static func read(after seq: Int64, exercise: UUID? = nil, limit: Int, on db: any Database) async throws -> [StoredLiveEvent] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let query = sql.select().columns("seq", "exercise_id", "team_id", "kind", "audience", "scored", "at", "payload")
            .from(schema).where("seq", .greaterThan, seq)
        if let exercise { query.where("exercise_id", .equal, exercise) }
        let rows = try await query.orderBy("seq").limit(limit).all()
        return try rows.map(decode)
    }

    private static func decode(_ row: any SQLRow) throws -> StoredLiveEvent {
            let payload = try row.decode(column: "payload", as: String.self)
            return StoredLiveEvent(
                seq: try row.decode(column: "seq", as: Int64.self), exerciseID: try row.decode(column: "exercise_id", as: UUID.self),
                teamID: try row.decode(column: "team_id", as: UUID?.self), kind: try row.decode(column: "kind", as: String.self),
                audience: LiveAudience(stored: try row.decode(column: "audience", as: String.self)),
                scored: try row.decode(column: "scored", as: Bool.self), at: try row.decode(column: "at", as: Date.self),
                payload: (try? JSONDecoder().decode([String: String].self, from: Data(payload.utf8))) ?? [:])
    }

    /// An exercise's latest events, newest first (the command centre's feed).
    package static func recent(exercise: UUID, limit: Int, on db: any Database) async throws -> [StoredLiveEvent] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let rows = try await sql.select().columns("seq", "exercise_id", "team_id", "kind", "audience", "scored", "at", "payload")
            .from(schema).where("exercise_id", .equal, exercise).orderBy("seq", .descending).limit(limit).all()
        return try rows.map(decode)
    }

    /// The last event's number (0 when there is none).
    package static func latest(on db: any Database) async throws -> Int64 {
        guard let sql = db as? any SQLDatabase else { return 0 }
        let row = try await sql.raw("SELECT coalesce(max(seq), 0) AS seq FROM \(ident: schema)").first()
        return try row?.decode(column: "seq", as: Int64.self) ?? 0
    }
}

/// The events a write has staged so far.
final class PendingLiveEvents: Sendable {
    private let events = NIOLockedValueBox<(waiting: [LiveEvent], any: Bool)>(([], false))

    func append(_ more: [LiveEvent]) { events.withLockedValue { $0.waiting += more; $0.any = true } }
    func take() -> [LiveEvent] { events.withLockedValue { state in defer { state.waiting = [] }; return state.waiting } }
    /// Whether the write staged any event (then this node's hub is woken after the commit).
    var staged: Bool { events.withLockedValue { $0.any } }
}

/// The live events table: one row per event, numbered across the whole database.
package struct M016CreateLiveEvents: AsyncMigration {
    package func prepare(on database: any Database) async throws {
        try await database.schema(LiveEvents.schema)
            .field("seq", .int64, .identifier(auto: true))
            .field("exercise_id", .uuid, .required, .references("exercises", "id", onDelete: .cascade))
            .field("team_id", .uuid)
            .field("kind", .string, .required)
            .field("audience", .string, .required)
            .field("scored", .bool, .required)
            .field("at", .datetime, .required)
            .field("payload", .string, .required)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("CREATE INDEX live_events_exercise_seq ON live_events (exercise_id, seq)").run()
        }
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(LiveEvents.schema).delete()
    }

    package init() {}
}
