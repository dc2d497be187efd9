import Fluent
import RampartCore
import Vapor

/// Teams and memberships of an exercise.
package enum Teams {
    package struct Fields: Sendable {
        package var slug: String?
        package var kind: TeamKind?
        package var name: String?
        package var nameKo: String??
        package var nation: String??
        package var number: Int?

        package init(slug: String? = nil, kind: TeamKind? = nil, name: String? = nil, nameKo: String?? = nil, nation: String?? = nil, number: Int? = nil) {
            self.slug = slug
            self.kind = kind
            self.name = name
            self.nameKo = nameKo
            self.nation = nation
            self.number = number
        }
    }

    package static func all(in exercise: Exercise, on db: any Database) async throws -> [Team] {
        try await Team.query(on: db).filter(\.$exercise.$id == exercise.requireID()).sort(\.$number).all()
    }

    package static func find(_ slug: String, in exercise: Exercise, on db: any Database) async throws -> Team {
        guard
            let team = try await Team.query(on: db)
                .filter(\.$exercise.$id == exercise.requireID()).filter(\.$slug == slug).first()
        else { throw AppError.notFound(.team(slug)) }
        return team
    }

    /// Members of the given teams, by team id, each with their user, sorted by username.
    package static func members(of teams: [Team], on db: any Database) async throws -> [UUID: [Membership]] {
        let ids = teams.compactMap(\.id)
        guard !ids.isEmpty else { return [:] }
        let memberships = try await Membership.query(on: db).filter(\.$team.$id ~~ ids).with(\.$user).all()
        return Dictionary(grouping: memberships.sorted { $0.user.username < $1.user.username }, by: { $0.$team.id })
    }

    package static func nextNumber(in exerciseID: UUID, on db: any Database) async throws -> Int {
        let highest = try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).max(\.$number)
        return (highest ?? 0) + 1
    }

    package static func uniqueJoinCode(app: Application, on db: any Database) async throws -> String {
        while true {
            let code = app.dependencies.humanCode()
            if try await Team.query(on: db).filter(\.$joinCode == code).first() == nil { return code }
        }
    }

    package static func validatedNation(_ raw: String?) throws -> String? {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        guard let nation = Nation(raw) else {
            throw AppError.invalid(
                "nation", .notANationCode(raw))
        }
        return nation.code
    }

    package static func create(in slug: String, _ fields: Fields, by actor: AuditActor, app: Application) async throws -> Team {
        guard let teamSlug = fields.slug, Identifier.isValidSlug(teamSlug) else {
            throw AppError.invalid("slug", "must use \(Identifier.slugRule)", ko: S.slugRule.ko)
        }
        guard let kind = fields.kind else { throw AppError.invalid("kind", .kindRequired) }
        guard let rawName = fields.name else { throw AppError.invalid("name", .isRequired) }
        let name = try Accounts.validateName("name", rawName)
        let nameKo = try fields.nameKo.flatMap { $0 }.flatMap { $0.isEmpty ? nil : try Accounts.validateName("name_ko", $0) }
        let nation = try validatedNation(fields.nation.flatMap { $0 })
        if let number = fields.number, !(1...65_535).contains(number) {
            throw AppError.invalid("number", .teamNumberRange)
        }
        let now = app.dependencies.now()
        return try await app.write { db in
            let exercise = try await Exercises.find(slug, on: db)
            let exerciseID = try exercise.requireID()
            if try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).filter(\.$slug == teamSlug).first() != nil {
                throw AppError.conflict(
                    "slug_taken", .teamSlugTaken(teamSlug))
            }
            var number = try await nextNumber(in: exerciseID, on: db)
            if let wanted = fields.number {
                if try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).filter(\.$number == wanted).first() != nil {
                    throw AppError.conflict(
                        "number_taken", .teamNumberTaken(wanted))
                }
                number = wanted
            }
            let team = Team(
                exerciseID: exerciseID, slug: teamSlug, kind: kind, name: name, nameKo: nameKo, nation: nation,
                number: number, joinCode: try await uniqueJoinCode(app: app, on: db))
            try await team.create(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: exerciseID, action: "team.create", subjectType: "team", subject: teamSlug,
                    summary: "created \(kind.rawValue) team \(teamSlug) '\(name)'\(nation.map { " (\($0))" } ?? "")"),
                by: actor, at: now, on: db)
            return team
        }
    }

    @discardableResult
    package static func update(in slug: String, team teamSlug: String, _ fields: Fields, by actor: AuditActor, app: Application) async throws -> Team {
        let name = try fields.name.map { try Accounts.validateName("name", $0) }
        let nameKo = try fields.nameKo.map { try $0.flatMap { $0.isEmpty ? nil : try Accounts.validateName("name_ko", $0) } }
        let nation = try fields.nation.map { try validatedNation($0) }
        let now = app.dependencies.now()
        return try await app.write { db in
            let exercise = try await Exercises.find(slug, on: db)
            let team = try await find(teamSlug, in: exercise, on: db)
            var changes = ChangeSet()
            if let name { changes.note("name", team.name, name); team.name = name }
            if let nameKo { changes.note("name_ko", team.nameKo, nameKo); team.nameKo = nameKo }
            if let nation { changes.note("nation", team.nation, nation); team.nation = nation }
            if let kind = fields.kind, kind != team.kind {
                changes.note("kind", team.kind.rawValue, kind.rawValue)
                team.kind = kind
                if kind != .white {
                    try await Membership.query(on: db).filter(\.$team.$id == team.requireID()).set(\.$judge, to: false).update()
                }
            }
            if let number = fields.number, number != team.number {
                guard (1...65_535).contains(number) else { throw AppError.invalid("number", .teamNumberRange) }
                if try await Team.query(on: db).filter(\.$exercise.$id == exercise.requireID()).filter(\.$number == number).first() != nil {
                    throw AppError.conflict(
                        "number_taken", .teamNumberTaken(number))
                }
                changes.note("number", String(team.number), String(number))
                team.number = number
            }
            if fields.slug != nil, fields.slug != teamSlug { throw AppError.invalid("slug", .cannotBeChanged) }
            guard !changes.isEmpty else { return team }
            try await team.save(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: exercise.id, action: "team.update", subjectType: "team", subject: teamSlug,
                    summary: changes.summary, changes: changes.changes),
                by: actor, at: now, on: db)
            return team
        }
    }

    package static func regenerateJoinCode(in slug: String, team teamSlug: String, by actor: AuditActor, app: Application) async throws {
        let now = app.dependencies.now()
        try await app.write { db in
            let exercise = try await Exercises.find(slug, on: db)
            let team = try await find(teamSlug, in: exercise, on: db)
            team.joinCode = try await uniqueJoinCode(app: app, on: db)
            try await team.save(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: exercise.id, action: "team.join_code", subjectType: "team", subject: teamSlug,
                    summary: "issued a new join code; the old one no longer works"),
                by: actor, at: now, on: db)
        }
    }

    /// Adds a user to a team, or moves them there from their current team in the same exercise.
    package static func addMember(
        in slug: String, team teamSlug: String, username rawUsername: String, judge: Bool, by actor: AuditActor, app: Application
    )
        async throws
    {
        let username = rawUsername.lowercased()
        let now = app.dependencies.now()
        try await app.write { db in
            let exercise = try await Exercises.find(slug, on: db)
            let team = try await find(teamSlug, in: exercise, on: db)
            guard let user = try await User.query(on: db).filter(\.$username == username).first() else {
                throw AppError.notFound(.user(username))
            }
            if judge, team.kind != .white {
                throw AppError.invalid("judge", .onlyWhiteTeamJudges)
            }
            guard let summary = try await place(user, in: team, judge: judge, exerciseID: exercise.requireID(), on: db) else { return }
            try await Audit.record(
                AuditEvent(exerciseID: exercise.id, action: "member.add", subjectType: "team", subject: team.slug, summary: summary),
                by: actor, at: now, on: db)
        }
    }

    /// Puts `user` in `team`, moving them from their team in the same exercise (one team per exercise).
    /// Returns the change in words, or nil when they were already there as asked.
    package static func place(_ user: User, in team: Team, judge: Bool, exerciseID: UUID, on db: any Database) async throws -> String? {
        let existing = try await Membership.query(on: db)
            .filter(\.$exercise.$id == exerciseID).filter(\.$user.$id == user.requireID()).with(\.$team).first()
        guard let existing else {
            try await Membership(exerciseID: exerciseID, teamID: team.requireID(), userID: user.requireID(), judge: judge).create(on: db)
            return "added \(user.username) to \(team.slug)\(judge ? " as judge" : "")"
        }
        if existing.$team.id == team.id, existing.judge == judge { return nil }
        let summary =
            existing.$team.id == team.id
            ? "\(user.username) in \(team.slug): judge \(existing.judge) → \(judge)"
            : "moved \(user.username) from \(existing.team.slug) to \(team.slug)"
        existing.$team.id = try team.requireID()
        existing.judge = judge
        try await existing.save(on: db)
        return summary
    }

    package static func removeMember(in slug: String, team teamSlug: String, username: String, by actor: AuditActor, app: Application) async throws {
        let now = app.dependencies.now()
        try await app.write { db in
            let exercise = try await Exercises.find(slug, on: db)
            let team = try await find(teamSlug, in: exercise, on: db)
            guard let user = try await User.query(on: db).filter(\.$username == username).first(),
                let membership = try await Membership.query(on: db)
                    .filter(\.$team.$id == team.requireID()).filter(\.$user.$id == user.requireID()).first()
            else { throw AppError.notFound(.memberOfTeam(username, teamSlug)) }
            try await membership.delete(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: exercise.id, action: "member.remove", subjectType: "team", subject: teamSlug,
                    summary: "removed \(username) from \(teamSlug)"),
                by: actor, at: now, on: db)
        }
    }

    /// Deletes a team set up by mistake. Only an empty team: members are moved or removed first, so a
    /// deletion never takes anyone's place in the exercise away by accident.
    package static func delete(in slug: String, team teamSlug: String, by actor: AuditActor, app: Application) async throws {
        let now = app.dependencies.now()
        let checks = app.exerciseHooks.teamDeletionChecks
        try await app.write { db in
            let exercise = try await Exercises.find(slug, on: db)
            let team = try await find(teamSlug, in: exercise, on: db)
            let members = try await Membership.query(on: db).filter(\.$team.$id == team.requireID()).count()
            guard members == 0 else {
                throw AppError.conflict(
                    "team_not_empty", .teamHasMembers(teamSlug, members))
            }
            for check in checks { try await check(team, db) }
            try await team.delete(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: exercise.id, action: "team.delete", subjectType: "team", subject: teamSlug,
                    summary: "deleted \(team.kind.rawValue) team \(teamSlug) '\(team.name)'"),
                by: actor, at: now, on: db)
        }
    }

    /// A signed-in user joins the team whose join code they were given.
    package static func join(code rawCode: String, principal: Principal, by actor: AuditActor, app: Application) async throws -> (Exercise, Team) {
        let code = rawCode.trimmingCharacters(in: .whitespaces).uppercased()
        let now = app.dependencies.now()
        // Guessing codes: a slot per try for the user and for the address, kept only by a wrong code.
        let limiters = app.limiters
        let user = try limiters.joinUser.reserve(principal.id.uuidString, now: now).orTooMany()
        let address: Limiter.Reservation
        do {
            address = try limiters.joinAddress.reserve(actor.sourceAddress ?? "unknown", now: now).orTooMany()
        } catch {
            limiters.joinUser.release(user)
            throw error
        }
        do {
            let joined = try await join(code: code, principal: principal, by: actor, now: now, app: app)
            limiters.joinUser.release(user)
            limiters.joinAddress.release(address)
            return joined
        } catch let error as AppError where error.code == invalidJoinCode.code {
            throw error
        } catch {
            limiters.joinUser.release(user)
            limiters.joinAddress.release(address)
            throw error
        }
    }

    package static let invalidJoinCode = AppError(status: .notFound, code: "invalid_join_code", .noTeamHasThatJoinCode)

    private static func join(code: String, principal: Principal, by actor: AuditActor, now: Date, app: Application) async throws -> (Exercise, Team) {
        try await app.write { db in
            guard !code.isEmpty, let team = try await Team.query(on: db).filter(\.$joinCode == code).with(\.$exercise).first(),
                team.kind.acceptsJoinCodes
            else { throw invalidJoinCode }
            if team.exercise.state == .finished {
                throw AppError.conflict("exercise_finished", .teamsClosed)
            }
            if let existing = try await Membership.query(on: db)
                .filter(\.$exercise.$id == team.$exercise.id).filter(\.$user.$id == principal.id).with(\.$team).first()
            {
                if existing.$team.id == team.id { return (team.exercise, team) }
                throw AppError.conflict(
                    "already_member", .alreadyInTeam(existing.team.name, existing.team.displayName(.ko)))
            }
            try await Membership(exerciseID: team.$exercise.id, teamID: team.requireID(), userID: principal.id).create(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: team.$exercise.id, action: "member.join", subjectType: "team", subject: team.slug,
                    summary: "\(principal.username) joined \(team.slug) with its join code"),
                by: actor, at: now, on: db)
            return (team.exercise, team)
        }
    }
}
