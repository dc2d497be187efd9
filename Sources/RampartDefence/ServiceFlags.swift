import Fluent
import Plot
import RampartChecks
import RampartCore
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

/// A flag planted in one team's service in one tick (services with `flags:`): made with its tick,
/// unique by (service, team, tick) and by flag; `placed_at` is set when the checker's `put`
/// succeeded, with the ids it handed back.
package final class ServiceFlagRecord: Model, @unchecked Sendable {
    package static let schema = "service_flags"

    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "service_id") package var serviceID: UUID
    @Field(key: "team_id") package var teamID: UUID
    @Field(key: "tick") package var tick: Int
    @Field(key: "flag") package var flag: String
    @Field(key: "vuln") package var vuln: Int
    /// What `get` receives: the id `put` was given until the checker returns its own.
    @Field(key: "private_id") package var privateID: String
    /// What attackers are shown, when the checker published something.
    @OptionalField(key: "public_id") package var publicID: String?
    @OptionalField(key: "placed_at") package var placedAt: Date?

    package init() {}

    /// The flag as a round plants or reads it.
    package var planted: PlantedFlag { PlantedFlag(flag: flag, id: privateID, vuln: vuln, tick: tick) }
}

package struct M009CreateServiceFlags: AsyncMigration {
    /// The name databases know it by, from before it moved out of RampartServer.
    package var name: String { "RampartServer.M009CreateServiceFlags" }
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(ServiceFlagRecord.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("service_id", .uuid, .required, .references(Service.schema, "id", onDelete: .cascade))
            .field("team_id", .uuid, .required, .references(Team.schema, "id", onDelete: .cascade))
            .field("tick", .int, .required)
            .field("flag", .string, .required)
            .field("vuln", .int, .required)
            .field("private_id", .string, .required)
            .field("public_id", .string)
            .field("placed_at", .datetime)
            .unique(on: "flag")
            .unique(on: "service_id", "team_id", "tick")
            .create()
        // A job of a service with flags names the flag ids' mode and the flags' lifetime.
        try await database.schema(CheckJob.schema).field("flag_ids", .string).update()
        try await database.schema(CheckJob.schema).field("flag_lifetime", .int).update()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("CREATE INDEX service_flags_live ON service_flags (exercise_id, tick)").run()
        }
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(CheckJob.schema).deleteField("flag_lifetime").update()
        try await database.schema(CheckJob.schema).deleteField("flag_ids").update()
        try await database.schema(ServiceFlagRecord.schema).delete()
    }
}

/// Service flags: made with each tick, handed to the workers with their jobs, and their public ids
/// published for attackers.
package enum ServiceFlags {
    package static let columns = ["id", "exercise_id", "service_id", "team_id", "tick", "flag", "vuln", "private_id"]

    package static func row(exerciseID: UUID, serviceID: UUID, teamID: UUID, _ flag: PlantedFlag) -> [any Encodable & Sendable] {
        [UUID(), exerciseID, serviceID, teamID, flag.tick, flag.flag, flag.vuln, flag.id]
    }

    /// The rounds of claimed flag jobs: each job's new flag, and one placed flag of the `lifetime − 1`
    /// ticks before, picked at random (`random` gives 4 bytes a call), as ForcAD's second `get` does.
    package static func rounds(
        for jobs: [(job: UUID, service: UUID, team: UUID, tick: Int, mode: FlagRounds.IDMode, lifetime: Int)], random: (Int) -> [UInt8],
        on db: any Database
    ) async throws -> [UUID: (record: UUID, round: FlagRound)] {
        guard !jobs.isEmpty, let low = jobs.map({ $0.tick - $0.lifetime + 1 }).min(), let high = jobs.map(\.tick).max() else { return [:] }
        let flags = try await ServiceFlagRecord.query(on: db).filter(\.$serviceID ~~ Array(Set(jobs.map(\.service))))
            .filter(\.$teamID ~~ Array(Set(jobs.map(\.team)))).filter(\.$tick >= low).filter(\.$tick <= high).all()
        let byPair = Dictionary(grouping: flags) { "\($0.serviceID)|\($0.teamID)" }
        var rounds: [UUID: (record: UUID, round: FlagRound)] = [:]
        for job in jobs {
            let mine = byPair["\(job.service)|\(job.team)"] ?? []
            guard let current = mine.first(where: { $0.tick == job.tick }), let currentID = current.id else { continue }
            let older = mine.filter { $0.placedAt != nil && $0.tick < job.tick && $0.tick > job.tick - job.lifetime }.sorted { $0.tick < $1.tick }
            let old = older.isEmpty ? nil : older[Int(random(4).reduce(UInt32(0)) { ($0 << 8) | UInt32($1) } % UInt32(older.count))]
            rounds[job.job] = (
                currentID,
                FlagRound(flagIDs: job.mode, new: current.planted, old: old?.planted)
            )
        }
        return rounds
    }

    /// Public flag ids of every flag alive now, in ForcAD's attack data shape: service → the team's
    /// host → ids, newest first. A flag lives `lifetime` ticks from the tick it was planted in.
    package static func attackData(_ exerciseID: UUID, on db: any Database) async throws -> [String: [String: [String]]] {
        let services = try await Services.all(exerciseID, on: db).compactMap { service -> (UUID, ServiceSpec, FlagRounds)? in
            guard let id = service.id, let spec = try? service.spec, let rule = spec.flags else { return nil }
            return (id, spec, rule)
        }
        guard !services.isEmpty,
            let current = try await TickRecord.query(on: db).filter(\.$exerciseID == exerciseID).max(\.$number),
            let longest = services.map(\.2.lifetime).max()
        else { return [:] }
        let flags = try await ServiceFlagRecord.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$tick > current - longest)
            .filter(\.$placedAt != nil).filter(\.$publicID != nil).sort(\.$tick, .descending).all()
        let teams = Dictionary(
            uniqueKeysWithValues: try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).filter(\.$kind == .blue).all()
                .compactMap { team in team.id.map { ($0, team) } })
        var data: [String: [String: [String]]] = [:]
        for (serviceID, spec, rule) in services {
            var hosts: [String: [String]] = [:]
            for flag in flags where flag.serviceID == serviceID && flag.tick > current - rule.lifetime {
                guard let team = teams[flag.teamID], let id = flag.publicID else { continue }
                hosts[CheckTarget.host(of: spec.address(number: team.number, slug: team.slug)), default: []].append(id)
            }
            data[spec.name] = hosts
        }
        return data
    }

    /// Everyone in the exercise: in attack-defence every blue team attacks, and so does the red team.
    package static let readers = Access.everyMember

    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .apiAttackData(AppRoute.param.slug), readers) { req async throws -> [String: [String: [String]]] in
            try await attackData(try req.exerciseContext.exerciseID, on: req.db)
        }
        routes.endpoint(.GET, .attackData(AppRoute.param.slug), readers) { req async throws -> Response in
            let page = PageContext(req)
            let context = try req.exerciseContext
            let exercise = context.exercise
            let data = try await attackData(context.exerciseID, on: req.db)
            let rows = data.keys.sorted().flatMap { service in
                (data[service] ?? [:]).keys.sorted().map { host -> [Node<HTML.BodyContext>] in
                    [UI.text(service), UI.text(host), .pre(.class("source"), .text((data[service]?[host] ?? []).joined(separator: "\n")))]
                }
            }
            return Layout.render(
                page, title: page.t(.flagIDs), crumbs: Layout.crumbs(page, exercise),
                .p(.class("muted"), .text(page.t(.flagIDsHint)), .text(" "), .code(.text(AppRoute.apiAttackData(exercise.slug).path))),
                UI.table(headers: [page.t(.service), page.t(.target), page.t(.flagIDs)], rows: rows, empty: page.t(.noFlagIDs)))
        }
    }
}
