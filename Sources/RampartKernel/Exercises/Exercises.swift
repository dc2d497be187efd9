import Fluent
import RampartCore
import Vapor

/// Exercise operations shared by the pages, the API, the exercise file and the commands.
package enum Exercises {
    package static func find(_ slug: String, on db: any Database) async throws -> Exercise {
        guard let exercise = try await Exercise.query(on: db).filter(\.$slug == slug).first() else {
            throw AppError.notFound(.exercise(slug))
        }
        return exercise
    }

    package struct Fields: Sendable {
        package var slug: String?
        package var name: String?
        package var nameKo: String??
        package var description: String?
        package var timeZone: String?
        package var startsAt: Date??
        package var endsAt: Date??
        package var freezeAt: Date??
        /// Percentages for the first solvers of challenges that set no bonus of their own.
        package var firstBlood: [Double]?
        package var attemptsPerMinute: Int?
        package var publicScoreboard: Bool?
        package var tickSeconds: Int?
        package var jitterSeconds: Int?

        package init(slug: String? = nil, name: String? = nil, nameKo: String?? = nil, description: String? = nil, timeZone: String? = nil, startsAt: Date?? = nil, endsAt: Date?? = nil, freezeAt: Date?? = nil, firstBlood: [Double]? = nil, attemptsPerMinute: Int? = nil, publicScoreboard: Bool? = nil, tickSeconds: Int? = nil, jitterSeconds: Int? = nil) {
            self.slug = slug
            self.name = name
            self.nameKo = nameKo
            self.description = description
            self.timeZone = timeZone
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.freezeAt = freezeAt
            self.firstBlood = firstBlood
            self.attemptsPerMinute = attemptsPerMinute
            self.publicScoreboard = publicScoreboard
            self.tickSeconds = tickSeconds
            self.jitterSeconds = jitterSeconds
        }
    }

    package static func create(_ fields: Fields, by actor: AuditActor, app: Application) async throws -> Exercise {
        guard let slug = fields.slug, Identifier.isValidSlug(slug) else {
            throw AppError.invalid("slug", "must use \(Identifier.slugRule)", ko: S.slugRule.ko)
        }
        let exercise = Exercise(slug: slug, name: "")
        let changes = try apply(fields, to: exercise, requireName: true)
        let now = app.dependencies.now()
        try await app.write { db in
            guard try await Exercise.query(on: db).filter(\.$slug == slug).first() == nil else {
                throw AppError.conflict("slug_taken", .exerciseSlugTaken(slug))
            }
            try await exercise.create(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: exercise.id, action: "exercise.create", subjectType: "exercise", subject: slug,
                    summary: "created exercise \(slug)", changes: changes.changes),
                by: actor, at: now, on: db)
        }
        return exercise
    }

    @discardableResult
    package static func update(_ slug: String, _ fields: Fields, by actor: AuditActor, app: Application) async throws -> Exercise {
        let now = app.dependencies.now()
        // A new first-blood bonus re-prices the stored standings (under scoring's lock, through its hook).
        let exerciseID = try await find(slug, on: app.db).requireID()
        return try await app.exerciseHooks.writeSettings(exerciseID, app) { db in
            let exercise = try await find(slug, on: db)
            let changes = try apply(fields, to: exercise, requireName: false)
            if fields.slug != nil, fields.slug != slug {
                throw AppError.invalid("slug", .slugCannotChange)
            }
            guard !changes.isEmpty else { return (exercise, false) }
            try await checkWindowsFit(exercise, on: db)
            try await exercise.save(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: exercise.id, action: "exercise.update", subjectType: "exercise", subject: slug,
                    summary: changes.summary, changes: changes.changes),
                by: actor, at: now, on: db)
            // The schedule (freeze, end) is on every page's clock and the command centre.
            LiveEvents.stage(LiveEvent(kind: "exercise.updated", exerciseID: try exercise.requireID(), at: now))
            return (exercise, changes.changes["first_blood"] != nil)
        }
    }

    /// Copies the given fields onto `exercise`, validating each; returns what changed.
    private static func apply(_ fields: Fields, to exercise: Exercise, requireName: Bool) throws -> ChangeSet {
        var changes = ChangeSet()
        if let name = fields.name {
            let name = try Accounts.validateName("name", name)
            changes.note("name", exercise.name.isEmpty ? nil : exercise.name, name)
            exercise.name = name
        } else if requireName {
            throw AppError.invalid("name", .isRequired)
        }
        if let nameKo = fields.nameKo {
            let value = try nameKo.flatMap { $0.isEmpty ? nil : try Accounts.validateName("name_ko", $0) }
            changes.note("name_ko", exercise.nameKo, value)
            exercise.nameKo = value
        }
        if let description = fields.description {
            guard description.unicodeScalars.count <= TextLimit.description else {
                throw AppError.invalid("description", .atMostCharacters(TextLimit.description))
            }
            changes.note("description", exercise.description, description)
            exercise.description = description
        }
        if let timeZone = fields.timeZone {
            guard TimeZone.iana(timeZone) != nil else {
                throw AppError.invalid(
                    "time_zone", .unknownTimeZone(timeZone))
            }
            changes.note("time_zone", exercise.timeZone, timeZone)
            exercise.timeZone = timeZone
        }
        let zone = exercise.zone
        func stamp(_ date: Date?) -> String? { date.map { ExerciseTime.format($0, timeZone: zone) } }
        if let startsAt = fields.startsAt {
            changes.note("starts_at", stamp(exercise.startsAt), stamp(startsAt))
            exercise.startsAt = startsAt
        }
        if let endsAt = fields.endsAt {
            changes.note("ends_at", stamp(exercise.endsAt), stamp(endsAt))
            exercise.endsAt = endsAt
        }
        if let freezeAt = fields.freezeAt {
            changes.note("freeze_at", stamp(exercise.freezeAt), stamp(freezeAt))
            exercise.freezeAt = freezeAt
        }
        if let percents = fields.firstBlood {
            guard percents.count <= 100, percents.allSatisfy({ (0...1000).contains($0) }) else {
                throw AppError.invalid("first_blood", .firstBloodRange)
            }
            let text = Exercise.firstBloodText(FirstBloodBonus(percents: percents))
            changes.note("first_blood", exercise.firstBloodText, text)
            exercise.firstBloodText = text
        }
        if let attempts = fields.attemptsPerMinute {
            guard (1...1_000_000).contains(attempts) else {
                throw AppError.invalid("attempts_per_minute", .attemptsRange)
            }
            changes.note("attempts_per_minute", String(exercise.attemptsPerMinute), String(attempts))
            exercise.attemptsPerMinute = attempts
        }
        if let publicScoreboard = fields.publicScoreboard {
            changes.note("public_scoreboard", String(exercise.publicScoreboard), String(publicScoreboard))
            exercise.publicScoreboard = publicScoreboard
        }
        if let tick = fields.tickSeconds {
            guard (5...86_400).contains(tick) else { throw AppError.invalid("tick_seconds", .tickRange) }
            changes.note("tick_seconds", String(exercise.tickSeconds), String(tick))
            exercise.tickSeconds = tick
        }
        if let jitter = fields.jitterSeconds {
            changes.note("jitter_seconds", String(exercise.jitterSeconds), String(jitter))
            exercise.jitterSeconds = jitter
        }
        guard exercise.jitterSeconds >= 0, exercise.jitterSeconds < exercise.tickSeconds else {
            throw AppError.invalid("jitter_seconds", .jitterRange)
        }
        let schedule = ScheduleSpec(startsAt: exercise.startsAt, endsAt: exercise.endsAt, freezeAt: exercise.freezeAt)
        if let problem = schedule.problems().first {
            throw AppError.invalid(problem.field, problem.message, ko: S.schedule(problem.kind).ko)
        }
        return changes
    }

    private static func checkWindowsFit(_ exercise: Exercise, on db: any Database) async throws {
        let windows = try await ScheduleWindow.query(on: db).filter(\.$exercise.$id == exercise.requireID()).sort(\.$startsAt).all()
        let schedule = ScheduleSpec(
            startsAt: exercise.startsAt, endsAt: exercise.endsAt, freezeAt: exercise.freezeAt,
            windows: windows.map { WindowSpec(name: $0.name, startsAt: $0.startsAt, endsAt: $0.endsAt) })
        if let problem = schedule.problems().first {
            throw AppError.invalid(problem.field, problem.message, ko: S.schedule(problem.kind).ko)
        }
    }

    // MARK: - State

    @discardableResult
    package static func move(_ slug: String, to state: ExerciseState, by actor: AuditActor, app: Application) async throws -> Exercise {
        let now = app.dependencies.now()
        return try await app.write { db in
            let exercise = try await find(slug, on: db)
            let from = exercise.state
            var clock = exercise.clock
            do {
                try clock.move(to: state, at: now)
            } catch let error as InvalidStateTransition {
                throw AppError.conflict(
                    "invalid_transition", .cannotBecome(error.from.rawValue, error.to.rawValue, S.state(error.from).ko, S.state(error.to).ko))
            }
            exercise.clock = clock
            try await exercise.save(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: exercise.id, action: "exercise.state", subjectType: "exercise", subject: slug,
                    summary: "state: \(from.rawValue) → \(state.rawValue)",
                    changes: ["state": AuditChange(from: from.rawValue, to: state.rawValue)]),
                by: actor, at: now, on: db)
            LiveEvents.stage(
                LiveEvent(kind: "exercise.state", exerciseID: try exercise.requireID(), at: now, payload: ["from": from.rawValue, "to": state.rawValue]))
            return exercise
        }
    }

    // MARK: - Schedule windows

    package static func addWindow(_ slug: String, name: String, startsAt: Date, endsAt: Date, by actor: AuditActor, app: Application) async throws {
        let name = try Accounts.validateName("name", name)
        let now = app.dependencies.now()
        try await app.write { db in
            let exercise = try await find(slug, on: db)
            let window = ScheduleWindow(exerciseID: try exercise.requireID(), name: name, startsAt: startsAt, endsAt: endsAt)
            try await window.create(on: db)
            try await checkWindowsFit(exercise, on: db)
            let zone = exercise.zone
            try await Audit.record(
                AuditEvent(
                    exerciseID: exercise.id, action: "exercise.window.add", subjectType: "exercise", subject: slug,
                    summary:
                        "added window '\(name)' \(ExerciseTime.format(startsAt, timeZone: zone)) – \(ExerciseTime.format(endsAt, timeZone: zone))"),
                by: actor, at: now, on: db)
        }
    }

    package static func removeWindow(_ slug: String, windowID: UUID, by actor: AuditActor, app: Application) async throws {
        let now = app.dependencies.now()
        try await app.write { db in
            let exercise = try await find(slug, on: db)
            guard
                let window = try await ScheduleWindow.query(on: db)
                    .filter(\.$id == windowID).filter(\.$exercise.$id == exercise.requireID()).first()
            else { throw AppError.notFound(.window) }
            try await window.delete(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: exercise.id, action: "exercise.window.remove", subjectType: "exercise", subject: slug,
                    summary: "removed window '\(window.name)'"),
                by: actor, at: now, on: db)
        }
    }

    package static func windows(of exercise: Exercise, on db: any Database) async throws -> [ScheduleWindow] {
        try await ScheduleWindow.query(on: db).filter(\.$exercise.$id == exercise.requireID()).sort(\.$startsAt).all()
    }

    /// The exercises a user may see: all for administrators, else those they are a member of.
    package static func visible(to principal: Principal, on db: any Database) async throws -> [Exercise] {
        if principal.isAdmin { return try await Exercise.query(on: db).sort(\.$createdAt, .descending).all() }
        let ids = try await Membership.query(on: db).filter(\.$user.$id == principal.id).all().map(\.$exercise.id)
        guard !ids.isEmpty else { return [] }
        return try await Exercise.query(on: db).filter(\.$id ~~ ids).sort(\.$createdAt, .descending).all()
    }
}
