import Fluent
import RampartCore
import Vapor

package struct WindowDTO: Content {
    package var id: UUID
    package var name: String
    package var startsAt: Date
    package var endsAt: Date

    package enum CodingKeys: String, CodingKey {
        case id, name
        case startsAt = "starts_at"
        case endsAt = "ends_at"
    }
}

package struct ExerciseDTO: Content {
    package var slug: String
    package var name: String
    package var nameKo: String?
    package var description: String
    package var timeZone: String
    package var state: ExerciseState
    package var startsAt: Date?
    package var endsAt: Date?
    package var freezeAt: Date?
    package var startedAt: Date?
    package var finishedAt: Date?
    /// Running time so far, pauses excluded: the exercise clock.
    package var elapsedSeconds: Double
    package var firstBlood: [Double]
    package var attemptsPerMinute: Int
    package var publicScoreboard: Bool
    package var tickSeconds: Int
    package var jitterSeconds: Int
    package var windows: [WindowDTO]?

    package enum CodingKeys: String, CodingKey {
        case slug, name, description, state, windows
        case nameKo = "name_ko"
        case timeZone = "time_zone"
        case startsAt = "starts_at"
        case endsAt = "ends_at"
        case freezeAt = "freeze_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case elapsedSeconds = "elapsed_seconds"
        case firstBlood = "first_blood"
        case attemptsPerMinute = "attempts_per_minute"
        case publicScoreboard = "public_scoreboard"
        case tickSeconds = "tick_seconds"
        case jitterSeconds = "jitter_seconds"
    }

    package init(_ exercise: Exercise, now: Date, windows: [ScheduleWindow]? = nil) {
        slug = exercise.slug
        name = exercise.name
        nameKo = exercise.nameKo
        description = exercise.description
        timeZone = exercise.timeZone
        state = exercise.state
        startsAt = exercise.startsAt
        endsAt = exercise.endsAt
        freezeAt = exercise.freezeAt
        startedAt = exercise.startedAt
        finishedAt = exercise.finishedAt
        elapsedSeconds = exercise.clock.elapsed(at: now)
        firstBlood = exercise.firstBlood.percents
        attemptsPerMinute = exercise.attemptsPerMinute
        publicScoreboard = exercise.publicScoreboard
        tickSeconds = exercise.tickSeconds
        jitterSeconds = exercise.jitterSeconds
        self.windows = windows?.map { WindowDTO(id: $0.id!, name: $0.name, startsAt: $0.startsAt, endsAt: $0.endsAt) }
    }
}

package struct TeamDTO: Content {
    package var slug: String
    package var kind: TeamKind
    package var name: String
    package var nameKo: String?
    package var nation: String?
    package var number: Int
    /// Only for the white team and the team's own members.
    package var joinCode: String?
    package var members: [MemberDTO]?

    package struct MemberDTO: Content {
        package var username: String
        package var displayName: String
        package var judge: Bool

        package enum CodingKeys: String, CodingKey {
            case username, judge
            case displayName = "display_name"
        }
    }

    package enum CodingKeys: String, CodingKey {
        case slug, kind, name, nation, number, members
        case nameKo = "name_ko"
        case joinCode = "join_code"
    }

    package init(_ team: Team, members: [Membership]?, showJoinCode: Bool) {
        slug = team.slug
        kind = team.kind
        name = team.name
        nameKo = team.nameKo
        nation = team.nation
        number = team.number
        joinCode = showJoinCode && team.kind.acceptsJoinCodes ? team.joinCode : nil
        self.members = members?.map { MemberDTO(username: $0.user.username, displayName: $0.user.displayName, judge: $0.judge) }
    }
}

/// A field that may be absent (leave as is), null (clear) or a value (set).
package enum Patch<Value: Decodable & Sendable>: Sendable {
    case absent
    case set(Value?)

    package var update: Value?? {
        if case .set(let value) = self { return .some(value) }
        return nil
    }
}

extension KeyedDecodingContainer {
    package func patch<Value: Decodable & Sendable>(_ type: Value.Type, forKey key: Key) throws -> Patch<Value> {
        guard contains(key) else { return .absent }
        if try decodeNil(forKey: key) { return .set(nil) }
        return .set(try decode(Value.self, forKey: key))
    }
}

package enum ExercisesAPI {
    package struct ExerciseBody: StrictDecodable {
        package var slug: String?
        package var name: String?
        package var nameKo: Patch<String>
        package var description: String?
        package var timeZone: String?
        package var startsAt: Patch<Date>
        package var endsAt: Patch<Date>
        package var freezeAt: Patch<Date>
        package var firstBlood: [Double]?
        package var attemptsPerMinute: Int?
        package var publicScoreboard: Bool?
        package var tickSeconds: Int?
        package var jitterSeconds: Int?

        package enum CodingKeys: String, CodingKey, CaseIterable {
            case slug, name, description
            case tickSeconds = "tick_seconds"
            case jitterSeconds = "jitter_seconds"
            case firstBlood = "first_blood"
            case attemptsPerMinute = "attempts_per_minute"
            case publicScoreboard = "public_scoreboard"
            case nameKo = "name_ko"
            case timeZone = "time_zone"
            case startsAt = "starts_at"
            case endsAt = "ends_at"
            case freezeAt = "freeze_at"
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            slug = try container.decodeIfPresent(String.self, forKey: .slug)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            nameKo = try container.patch(String.self, forKey: .nameKo)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            timeZone = try container.decodeIfPresent(String.self, forKey: .timeZone)
            startsAt = try container.patch(Date.self, forKey: .startsAt)
            endsAt = try container.patch(Date.self, forKey: .endsAt)
            freezeAt = try container.patch(Date.self, forKey: .freezeAt)
            firstBlood = try container.decodeIfPresent([Double].self, forKey: .firstBlood)
            attemptsPerMinute = try container.decodeIfPresent(Int.self, forKey: .attemptsPerMinute)
            publicScoreboard = try container.decodeIfPresent(Bool.self, forKey: .publicScoreboard)
            tickSeconds = try container.decodeIfPresent(Int.self, forKey: .tickSeconds)
            jitterSeconds = try container.decodeIfPresent(Int.self, forKey: .jitterSeconds)
        }

        package var fields: Exercises.Fields {
            Exercises.Fields(
                slug: slug, name: name, nameKo: nameKo.update, description: description, timeZone: timeZone,
                startsAt: startsAt.update, endsAt: endsAt.update, freezeAt: freezeAt.update, firstBlood: firstBlood,
                attemptsPerMinute: attemptsPerMinute, publicScoreboard: publicScoreboard, tickSeconds: tickSeconds, jitterSeconds: jitterSeconds)
        }
    }

    package struct TeamBody: StrictDecodable {
        package var slug: String?
        package var kind: TeamKind?
        package var name: String?
        package var nameKo: Patch<String>
        package var nation: Patch<String>
        package var number: Int?

        package enum CodingKeys: String, CodingKey, CaseIterable {
            case slug, kind, name, nation, number
            case nameKo = "name_ko"
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            slug = try container.decodeIfPresent(String.self, forKey: .slug)
            kind = try container.decodeIfPresent(TeamKind.self, forKey: .kind)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            nameKo = try container.patch(String.self, forKey: .nameKo)
            nation = try container.patch(String.self, forKey: .nation)
            number = try container.decodeIfPresent(Int.self, forKey: .number)
        }

        package var fields: Teams.Fields {
            Teams.Fields(slug: slug, kind: kind, name: name, nameKo: nameKo.update, nation: nation.update, number: number)
        }
    }

    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .apiExercises, .signedIn) { req async throws -> [ExerciseDTO] in
            try await Exercises.visible(to: try req.requirePrincipal(), on: req.db).map { ExerciseDTO($0, now: req.now) }
        }
        routes.endpoint(.POST, .apiExercises, .admin) { req async throws -> Response in
            let body = try req.decodeStrict(ExerciseBody.self)
            let exercise = try await Exercises.create(body.fields, by: req.auditActor, app: req.application)
            return try created(ExerciseDTO(exercise, now: req.now, windows: []))
        }
        routes.endpoint(.GET, .apiExercise(AppRoute.param.slug), .everyMember) { req async throws -> ExerciseDTO in
            let exercise = try req.exerciseContext.exercise
            return ExerciseDTO(exercise, now: req.now, windows: try await Exercises.windows(of: exercise, on: req.db))
        }
        routes.endpoint(.PATCH, .apiExercise(AppRoute.param.slug), .white) { req async throws -> ExerciseDTO in
            let body = try req.decodeStrict(ExerciseBody.self)
            let exercise = try await Exercises.update(try req.parameters.require("slug"), body.fields, by: req.auditActor, app: req.application)
            return ExerciseDTO(exercise, now: req.now, windows: try await Exercises.windows(of: exercise, on: req.db))
        }
        routes.endpoint(.POST, .apiExerciseState(AppRoute.param.slug), .white) { req async throws -> ExerciseDTO in
            struct Body: StrictDecodable {
                var state: ExerciseState
                enum CodingKeys: String, CodingKey, CaseIterable { case state }
            }
            let body = try req.decodeStrict(Body.self)
            let exercise = try await Exercises.move(try req.parameters.require("slug"), to: body.state, by: req.auditActor, app: req.application)
            return ExerciseDTO(exercise, now: req.now)
        }

        routes.endpoint(.GET, .apiTeams(AppRoute.param.slug), .everyMember) { req async throws -> [TeamDTO] in
            let context = try req.exerciseContext
            let teams = try await Teams.all(in: context.exercise, on: req.db)
            // Member lists and join codes: the white team sees every team's, others only their own.
            let visible = context.isWhite ? teams : teams.filter { $0.id == context.team?.id }
            let members = try await Teams.members(of: visible, on: req.db)
            return teams.map { team in
                let mine = context.isWhite || team.id == context.team?.id
                return TeamDTO(team, members: mine ? (members[team.id!] ?? []) : nil, showJoinCode: mine)
            }
        }
        routes.endpoint(.POST, .apiTeams(AppRoute.param.slug), .white) { req async throws -> Response in
            let body = try req.decodeStrict(TeamBody.self)
            let team = try await Teams.create(in: try req.parameters.require("slug"), body.fields, by: req.auditActor, app: req.application)
            return try created(TeamDTO(team, members: [], showJoinCode: true))
        }
        routes.endpoint(.GET, .apiTeam(AppRoute.param.slug, AppRoute.param.team), .everyMember) { req async throws -> TeamDTO in
            let context = try req.exerciseContext
            let team = try await Teams.find(try req.parameters.require("team"), in: context.exercise, on: req.db)
            let mine = context.isWhite || team.id == context.team?.id
            let members = mine ? try await Teams.members(of: [team], on: req.db)[team.id!] ?? [] : nil
            return TeamDTO(team, members: members, showJoinCode: mine)
        }
        routes.endpoint(.PATCH, .apiTeam(AppRoute.param.slug, AppRoute.param.team), .white) { req async throws -> TeamDTO in
            let body = try req.decodeStrict(TeamBody.self)
            let team = try await Teams.update(
                in: try req.parameters.require("slug"), team: try req.parameters.require("team"), body.fields,
                by: req.auditActor, app: req.application)
            return TeamDTO(team, members: try await Teams.members(of: [team], on: req.db)[team.id!] ?? [], showJoinCode: true)
        }
        routes.endpoint(.DELETE, .apiTeam(AppRoute.param.slug, AppRoute.param.team), .white) { req async throws -> HTTPStatus in
            try await Teams.delete(
                in: try req.parameters.require("slug"), team: try req.parameters.require("team"), by: req.auditActor, app: req.application)
            return .noContent
        }
        routes.endpoint(.POST, .apiTeamMembers(AppRoute.param.slug, AppRoute.param.team), .white) { req async throws -> HTTPStatus in
            struct Body: StrictDecodable {
                var username: String
                var judge: Bool?
                enum CodingKeys: String, CodingKey, CaseIterable { case username, judge }
            }
            let body = try req.decodeStrict(Body.self)
            try await Teams.addMember(
                in: try req.parameters.require("slug"), team: try req.parameters.require("team"),
                username: body.username, judge: body.judge ?? false, by: req.auditActor, app: req.application)
            return .noContent
        }
        routes.endpoint(.DELETE, .apiTeamMember(AppRoute.param.slug, AppRoute.param.team, AppRoute.param.username), .white) {
            req async throws -> HTTPStatus in
            try await Teams.removeMember(
                in: try req.parameters.require("slug"), team: try req.parameters.require("team"),
                username: try req.parameters.require("username"), by: req.auditActor, app: req.application)
            return .noContent
        }
    }

}
