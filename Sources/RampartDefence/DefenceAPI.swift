import Fluent
import RampartChecks
import RampartCore
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

package struct ServiceDTO: Content {
    package var name: String
    package var check: String
    package var points: Int
    package var zone: String
    /// The accounts a team may change with a password change request.
    package var accounts: [String]
    /// White and green team: where each team's copy is, the rules, and (white only) the whole definition.
    package var address: String?
    package var timeout: Double?
    package var sla: String?
    package var source: String?
    /// Services with flag rounds: how many ticks a flag stays alive (attackers plan by it).
    package var flagLifetime: Int?

    package enum CodingKeys: String, CodingKey {
        case name, check, points, zone, accounts, address, timeout, sla, source
        case flagLifetime = "flag_lifetime"
    }

    package init(_ spec: ServiceSpec, role: TeamKind) {
        name = spec.name
        check = spec.check
        points = spec.points
        zone = spec.zone
        accounts = spec.credentials.map(\.username)
        flagLifetime = spec.flags?.lifetime
        guard role == .white || role == .green else { return }
        address = spec.address
        timeout = spec.timeout
        sla = spec.sla.map {
            "\($0.mode.rawValue): \($0.penalty) after \($0.after) failing ticks" + ($0.cap.map { ", at most \($0) per outage" } ?? "")
        }
        if role == .white { source = spec.yaml() }
    }
}

package struct SaveServiceDTO: Content {
    package var service: ServiceDTO
    package var outcome: String
}

package struct ServiceStatusDTO: Content {
    package struct TeamRow: Content {
        package var team: String
        package var services: [Cell]
    }

    package struct Cell: Content {
        package var service: String
        /// Nil until the service's first tick is scored.
        package var status: String?
        package var since: Date?
        package var sinceTick: Int?
        package var message: String?
        /// Failing ticks in a row.
        package var streak: Int?

        package enum CodingKeys: String, CodingKey {
            case service, status, since, message, streak
            case sinceTick = "since_tick"
        }
    }

    /// The last scored tick, whose results the statuses are; the tick under way.
    package var tick: Int
    package var currentTick: Int
    package var teams: [TeamRow]

    package enum CodingKeys: String, CodingKey {
        case tick, teams
        case currentTick = "current_tick"
    }
}

package struct CheckDTO: Content {
    package var tick: Int
    package var service: String
    package var status: String?
    package var state: String
    package var message: String?
    package var target: String
    package var dueAt: Date
    package var startedAt: Date?
    package var finishedAt: Date?
    package var latencyMS: Double?
    /// White and green team only.
    package var detail: String?
    package var worker: String?
    package var username: String?

    package enum CodingKeys: String, CodingKey {
        case tick, service, status, state, message, target, detail, worker, username
        case dueAt = "due_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case latencyMS = "latency_ms"
    }
}

package struct ServiceEventDTO: Content {
    package var tick: Int
    package var at: Date
    package var service: String
    package var from: String?
    package var to: String
    package var message: String
}

package struct PasswordChangeDTO: Content {
    package var at: Date
    package var team: String
    package var service: String
    package var username: String
    /// White team only.
    package var password: String?
    package var by: String

    package init(_ change: PasswordChange, team: String, service: String, white: Bool) {
        at = change.at
        self.team = team
        self.service = service
        username = change.username
        password = white ? change.password : nil
        by = change.actorName
    }
}

package struct WorkerDTO: Content {
    package var name: String
    package var zones: [String]
    package var host: String
    package var startedAt: Date
    package var heartbeatAt: Date
    package var alive: Bool
    package var checksDone: Int
    package var checksLastMinute: Int

    package enum CodingKeys: String, CodingKey {
        case name, zones, host, alive
        case startedAt = "started_at"
        case heartbeatAt = "heartbeat_at"
        case checksDone = "checks_done"
        case checksLastMinute = "checks_last_minute"
    }
}

package struct TryResultDTO: Content {
    package var team: String
    package var target: String
    package var status: String
    package var message: String
    package var detail: String
    package var latencyMS: Double

    package enum CodingKeys: String, CodingKey {
        case team, target, status, message, detail
        case latencyMS = "latency_ms"
    }
}

extension ExerciseContext {
    /// The white and green teams see checks' private details, workers and targets.
    package var seesCheckDetails: Bool { role == .white || role == .green }
}

/// Reading the defence picture: shared by the API and the pages.
package enum Defence {
    /// Everyone but the red team, which does not see the defenders' checks.
    package static let viewers = Access.exercise([.white, .green, .yellow, .blue])
    /// Who works with check details (private details, targets, workers): white and green.
    package static let operators = Access.exercise([.white, .green])

    /// Service names by id, for rows that name their service.
    private static func names(_ services: [Service]) -> [UUID: String] {
        Dictionary(uniqueKeysWithValues: services.compactMap { service in service.id.map { ($0, service.name) } })
    }

    /// The team in the path, if the caller may see its checks: any team for white, green and yellow,
    /// a blue team its own. Anyone else is told it does not exist.
    package static func visibleTeam(_ req: Request) async throws -> (Team, ExerciseContext) {
        try await ScoresAPI.ownTeam(req, allSeenBy: [.white, .green, .yellow])
    }

    /// Every blue team's services (`only` one team's, and a blue caller's own), as of the last scored tick.
    package static func status(
        _ context: ExerciseContext, services: [Service], only team: Team? = nil, on db: any Database
    ) async throws
        -> ServiceStatusDTO
    {
        let exerciseID = context.exerciseID
        var query = Team.query(on: db).filter(\.$exercise.$id == exerciseID).filter(\.$kind == .blue).sort(\.$number)
        if let id = team?.id { query = query.filter(\.$id == id) }
        if context.role == .blue { query = query.filter(\.$id == context.team?.id ?? UUID()) }
        let teams = try await query.all()
        let states = try await ServiceStateRecord.query(on: db).filter(\.$exerciseID == exerciseID).all()
        let byKey = Dictionary(states.map { ("\($0.teamID)|\($0.serviceID)", $0) }, uniquingKeysWith: { a, _ in a })
        let scored = try await TickRecord.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$scoredAt != nil).max(\.$number) ?? 0
        let current = try await TickRecord.query(on: db).filter(\.$exerciseID == exerciseID).max(\.$number) ?? 0
        return ServiceStatusDTO(
            tick: scored, currentTick: current,
            teams: teams.map { team in
                ServiceStatusDTO.TeamRow(
                    team: team.slug,
                    services: services.map { service in
                        let state = byKey["\(team.id!)|\(service.id!)"]
                        return .init(
                            service: service.name, status: state?.status.rawValue, since: state?.since, sinceTick: state?.sinceTick,
                            message: state?.message, streak: state?.streak)
                    })
            })
    }

    package static func checks(team: Team, context: ExerciseContext, services: [Service], limit: Int, on db: any Database) async throws -> [CheckDTO] {
        let names = names(services)
        let jobs = try await CheckJob.query(on: db).filter(\.$teamID == team.requireID())
            .sort(\.$tick, .descending).sort(\.$dueAt, .descending).limit(limit).all()
        let privileged = context.seesCheckDetails
        return jobs.map { job in
            CheckDTO(
                tick: job.tick, service: names[job.serviceID] ?? "?", status: job.status?.rawValue, state: job.state.rawValue, message: job.message,
                target: job.target, dueAt: job.dueAt, startedAt: job.startedAt, finishedAt: job.finishedAt, latencyMS: job.latencyMS,
                detail: privileged ? job.detail : nil, worker: privileged ? job.worker : nil, username: job.username)
        }
    }

    package static func timeline(team: Team, services: [Service], limit: Int, on db: any Database) async throws -> [ServiceEventDTO] {
        let names = names(services)
        return try await ServiceEvent.query(on: db).filter(\.$teamID == team.requireID()).sort(\.$at, .descending).sort(\.$tick, .descending)
            .limit(limit).all().map { event in
                ServiceEventDTO(
                    tick: event.tick, at: event.at, service: names[event.serviceID] ?? "?", from: event.from?.rawValue, to: event.to.rawValue,
                    message: event.message)
            }
    }

    /// Password change requests, newest first: of one team, or (`team` nil) of every team, of one
    /// service or (`service` nil) of all.
    package static func passwordChanges(
        team: Team?, service: Service? = nil, context: ExerciseContext, services: [Service], on db: any Database
    ) async throws -> [PasswordChangeDTO] {
        let names = names(services)
        var query = PasswordChange.query(on: db).filter(\.$exerciseID == context.exerciseID).sort(\.$at, .descending).limit(500)
        if let id = team?.id { query = query.filter(\.$teamID == id) }
        if let id = service?.id { query = query.filter(\.$serviceID == id) }
        var slugs: [UUID: String] = [:]
        if let team, let id = team.id {
            slugs[id] = team.slug
        } else {
            for other in try await Team.query(on: db).filter(\.$exercise.$id == context.exerciseID).all() { slugs[other.id!] = other.slug }
        }
        return try await query.all().map { change in
            PasswordChangeDTO(change, team: slugs[change.teamID] ?? "?", service: names[change.serviceID] ?? "?", white: context.isWhite)
        }
    }

    package static func workers(now: Date, on db: any Database) async throws -> [WorkerDTO] {
        let workers = try await WorkerRecord.query(on: db).sort(\.$heartbeatAt, .descending).limit(200).all()
        var recent: [String: Int] = [:]
        if let sql = db as? any SQLDatabase {
            for row in try await sql.raw(
                "SELECT worker, COUNT(*) AS n FROM check_jobs WHERE finished_at > \(bind: now.addingTimeInterval(-60)) GROUP BY worker"
            ).all() {
                if let worker = try row.decode(column: "worker", as: String?.self) { recent[worker] = try row.decode(column: "n", as: Int.self) }
            }
        }
        return workers.map { worker in
            WorkerDTO(
                name: worker.name, zones: worker.zones.split(separator: ",").map(String.init), host: worker.host, startedAt: worker.startedAt,
                heartbeatAt: worker.heartbeatAt,
                alive: worker.stoppedAt == nil && now.timeIntervalSince(worker.heartbeatAt) <= 3 * CheckWorker.heartbeatInterval,
                checksDone: worker.checksDone, checksLastMinute: recent[worker.name] ?? 0)
        }
    }

    /// Runs a service's check against one team's target now, as the next tick would (its address and
    /// current account), without recording anything: the white team's "try it".
    package static func tryCheck(
        _ service: Service, team: Team, exercise: Exercise, random: (Int) -> [UInt8], host: CheckHost, on db: any Database
    ) async throws -> TryResultDTO {
        let spec = try service.spec
        let check = try Services.check(spec, parameters: spec.parameters(number: team.number, slug: team.slug), host: host)
        let serviceID = try service.requireID()
        let teamID = try team.requireID()
        let accounts = try await Services.accounts([(serviceID, spec)], teams: [teamID], exerciseID: service.exerciseID, on: db)
        let account = accounts["\(teamID)|\(serviceID)"]?.first.map { Check.Account(username: $0.username, password: $0.password) }
        let target = spec.address(number: team.number, slug: team.slug)
        let context = Check.Context(teamNumber: team.number, teamSlug: team.slug, tick: 0, tickSeconds: exercise.tickSeconds)
        // A service with flags runs the round a tick would, with a flag made for the try and kept nowhere.
        let round = spec.flags.map { FlagRound.trial(service: spec.name, $0, random: random(PlantedFlag.randomBytes)) }
        let result = await check.run(target: target, timeout: .seconds(spec.timeout), account: account, context: context, round: round).result
        return TryResultDTO(
            team: team.slug, target: target, status: result.status.rawValue, message: result.publicMessage, detail: result.privateDetail,
            latencyMS: result.latency.inMilliseconds)
    }

    /// Saves a service written as YAML or JSON into the request's exercise (API and editor page).
    package static func save(_ req: Request, source: String, id: UUID?) async throws -> (service: Service, outcome: Services.Outcome) {
        let spec = try Services.parse(source)
        let context = try req.exerciseContext
        let actor = req.auditActor
        let now = req.now
        let host = req.application.checkHost
        let saved = try await req.write { db in
            try await Services.save(spec, exerciseID: context.exerciseID, id: id, host: host, by: actor, at: now, on: db)
        }
        req.application.defence.forget(context.exerciseID)
        return saved
    }
}

package enum DefenceAPI {
    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .apiServices(AppRoute.param.slug), .everyMember) { req async throws -> [ServiceDTO] in
            let context = try req.exerciseContext
            return try await Services.all(context.exerciseID, on: req.db).compactMap { try? ServiceDTO($0.spec, role: context.role) }
        }
        routes.endpoint(.POST, .apiServices(AppRoute.param.slug), .white) { req async throws -> Response in
            let saved = try await save(req, id: nil)
            let response = Response(status: saved.outcome == "created" ? .created : .ok)
            try response.content.encode(saved)
            return response
        }
        routes.endpoint(.GET, .apiServicesStatus(AppRoute.param.slug), Defence.viewers) { req async throws -> ServiceStatusDTO in
            let context = try req.exerciseContext
            return try await Defence.status(context, services: try await Services.all(context.exerciseID, on: req.db), on: req.db)
        }
        routes.endpoint(.GET, .apiService(AppRoute.param.slug, AppRoute.param.service), .everyMember) { req async throws -> ServiceDTO in
            let context = try req.exerciseContext
            return ServiceDTO(try await find(req).spec, role: context.role)
        }
        routes.endpoint(.PUT, .apiService(AppRoute.param.slug, AppRoute.param.service), .white) { req async throws -> SaveServiceDTO in
            try await save(req, id: try await find(req).requireID())
        }
        routes.endpoint(.DELETE, .apiService(AppRoute.param.slug, AppRoute.param.service), .white) { req async throws -> HTTPStatus in
            let service = try await find(req)
            let actor = req.auditActor
            let now = req.now
            try await req.write { db in try await Services.delete(service, by: actor, at: now, on: db) }
            return .noContent
        }
        routes.endpoint(.POST, .apiServiceTry(AppRoute.param.slug, AppRoute.param.service), .white) { req async throws -> TryResultDTO in
            struct Body: StrictDecodable {
                var team: String
                enum CodingKeys: String, CodingKey, CaseIterable { case team }
            }
            let body = try req.decodeStrict(Body.self)
            let service = try await find(req)
            let exercise = try req.exerciseContext.exercise
            let team = try await Teams.find(body.team, in: exercise, on: req.db)
            return try await Defence.tryCheck(
                service, team: team, exercise: exercise, random: req.dependencies.randomBytes, host: req.application.checkHost, on: req.db)
        }
        routes.endpoint(.GET, .apiTeamChecks(AppRoute.param.slug, AppRoute.param.team), .everyMember) { req async throws -> [CheckDTO] in
            let (team, context) = try await Defence.visibleTeam(req)
            let services = try await Services.all(context.exerciseID, on: req.db)
            return try await Defence.checks(team: team, context: context, services: services, limit: limit(req), on: req.db)
        }
        routes.endpoint(.GET, .apiTeamServiceEvents(AppRoute.param.slug, AppRoute.param.team), .everyMember) {
            req async throws -> [ServiceEventDTO] in
            let (team, context) = try await Defence.visibleTeam(req)
            let services = try await Services.all(context.exerciseID, on: req.db)
            return try await Defence.timeline(team: team, services: services, limit: limit(req), on: req.db)
        }
        routes.endpoint(.GET, .apiPasswordChanges(AppRoute.param.slug, AppRoute.param.team), .everyMember) {
            req async throws -> [PasswordChangeDTO] in
            let (team, context) = try await ScoresAPI.ownTeam(req)
            let services = try await Services.all(context.exerciseID, on: req.db)
            return try await Defence.passwordChanges(team: team, context: context, services: services, on: req.db)
        }
        routes.endpoint(.POST, .apiPasswordChanges(AppRoute.param.slug, AppRoute.param.team), .exercise([.blue, .white])) {
            req async throws -> Response in
            struct Body: StrictDecodable {
                var service: String
                var username: String
                var password: String
                enum CodingKeys: String, CodingKey, CaseIterable { case service, username, password }
            }
            let body = try req.decodeStrict(Body.self)
            let (team, context) = try await ScoresAPI.ownTeam(req)
            let change = try await changePassword(req, team: team, service: body.service, username: body.username, password: body.password)
            return try created(PasswordChangeDTO(change, team: team.slug, service: body.service, white: context.isWhite))
        }
        routes.endpoint(.GET, .apiWorkers(AppRoute.param.slug), Defence.operators) { req async throws -> [WorkerDTO] in
            try await Defence.workers(now: req.now, on: req.db)
        }
        routes.endpoint(.POST, .apiDemoTarget(AppRoute.param.slug, AppRoute.param.team, AppRoute.param.service), .white) {
            req async throws -> DemoTargets.State in
            struct Body: StrictDecodable {
                var up: Bool
                enum CodingKeys: String, CodingKey, CaseIterable { case up }
            }
            let body = try req.decodeStrict(Body.self)
            return try await DemoTargets.set(req, up: body.up)
        }
    }

    package static func find(_ req: Request) async throws -> Service {
        try await Services.find(try req.parameters.require("service"), in: try req.exerciseContext.exerciseID, on: req.db)
    }

    private static func limit(_ req: Request) throws -> Int {
        try req.query.limit(default: 200, maximum: 2000)
    }

    /// Body: the service in the exercise file's `services:` fields, as JSON or YAML.
    private static func save(_ req: Request, id: UUID?) async throws -> SaveServiceDTO {
        let source = try req.bodyText(orExplain: "Send the service as JSON or YAML with the exercise file's services fields")
        let saved = try await Defence.save(req, source: source, id: id)
        return SaveServiceDTO(service: ServiceDTO(try saved.service.spec, role: .white), outcome: saved.outcome.rawValue)
    }

    package static func changePassword(_ req: Request, team: Team, service name: String, username: String, password: String) async throws -> PasswordChange {
        let context = try req.exerciseContext
        let service = try await Services.find(name, in: context.exerciseID, on: req.db)
        let actor = req.auditActor
        let now = req.now
        return try await req.write { db in
            try await Services.changePassword(team: team, service: service, username: username, password: password, by: actor, at: now, on: db)
        }
    }
}
