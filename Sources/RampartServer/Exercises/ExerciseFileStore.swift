import Fluent
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// Applies exercise files to the database and exports the database as exercise files.
enum ExerciseFileStore {
    struct Report: Sendable {
        var exercise: String
        /// One line per change, in the order made. Empty when the database already matched the file.
        var changes: [String] = []
        /// Things in the database that the file does not mention; apply never deletes them.
        var untouched: [String] = []
        var dryRun = false
    }

    /// What applying a file does, decided without writing anything: the report a dry run prints and
    /// the steps `apply` then takes. Everything that could stop an apply part-way (a member without
    /// an account, a team number held by another team, a service that does not check) is found here,
    /// so a file with problems changes nothing.
    struct Plan: Sendable {
        var report: Report
        var users: [(spec: UserSpec, exists: Bool, summary: String)] = []
        var exercise: (exists: Bool, firstBloodChanged: Bool, summary: String?) = (false, false, nil)
        var windows: [WindowSpec]?
        var teams: [(spec: TeamSpec, number: Int, exists: Bool, summary: String)] = []
        var placements: [(username: String, team: String, judge: Bool, summary: String)] = []
        /// Every feature's section (challenges, services, …), in the order they are applied.
        var sections: [ExerciseFileSectionPlan] = []
    }

    /// Users, teams and memberships are written this many to a transaction.
    static let batchSize = 100

    /// Makes the database match the file (never deleting), in short steps (the exercise and its
    /// schedule, users, teams, members, then each feature's section: challenges, each service, …),
    /// each a transaction of its own
    /// with its audit record, so an apply of any size never holds up submissions or ticks. With
    /// `dryRun` nothing is written and the report says what would change. A step that fails (the
    /// database busy past the write wait) stops the apply after what was done; applying again
    /// finishes it, since applying is idempotent.
    ///
    /// Challenge attachments (`files:`) are read relative to `baseDirectory` (the file's folder, for
    /// `rampart exercise apply`); without one (the API) they must be uploaded separately.
    static func apply(
        _ file: ExerciseFile, dryRun: Bool = false, baseDirectory: URL? = nil, by actor: AuditActor, app: Application
    ) async throws -> Report {
        let plan = try await plan(file, baseDirectory: baseDirectory, app: app)
        guard !dryRun else {
            var report = plan.report
            report.dryRun = true
            return report
        }
        try await carryOut(plan, file: file, by: actor, app: app)
        // Users' names and roles may have changed.
        if !file.users.isEmpty { app.credentialCache.forgetAll() }
        return plan.report
    }

    /// Decides every step, reading only.
    static func plan(_ file: ExerciseFile, baseDirectory: URL?, app: Application) async throws -> Plan {
        let db = app.db
        let exercise = try await Exercise.query(on: db).filter(\.$slug == file.exercise.slug).first()
        let existingTeams = if let exercise { try await Teams.all(in: exercise, on: db) } else { [Team]() }
        let memberships =
            if let exercise {
                try await Membership.query(on: db).filter(\.$exercise.$id == exercise.requireID()).with(\.$user).with(\.$team).all()
            } else { [Membership]() }
        var planner = Planner(file: file, app: app, exercise: exercise, existingTeams: existingTeams, memberships: memberships)
        // Users first: teams refer to them.
        try await planner.planUsers()
        try await planner.planExercise()
        planner.planTeams()
        try await planner.planPlacements()
        try await planner.planSections(baseDirectory: baseDirectory)
        return try planner.finished()
    }

    /// Builds a plan one part of the file at a time, collecting every problem before any is reported.
    private struct Planner {
        let file: ExerciseFile
        let app: Application
        let exercise: Exercise?
        let existingTeams: [Team]
        let memberships: [Membership]
        var plan: Plan
        var issues: [ExerciseFileIssue] = []
        /// The changes in the order they will be made.
        var changes: [String] = []

        init(file: ExerciseFile, app: Application, exercise: Exercise?, existingTeams: [Team], memberships: [Membership]) {
            self.file = file
            self.app = app
            self.exercise = exercise
            self.existingTeams = existingTeams
            self.memberships = memberships
            plan = Plan(report: Report(exercise: file.exercise.slug))
        }

        var db: any Database { app.db }

        mutating func issue(_ path: String, _ message: String) {
            issues.append(ExerciseFileIssue(line: file.lines[path], field: path, message: message))
        }

        mutating func planUsers() async throws {
            let users = try await User.query(on: db).filter(\.$username ~~ file.users.map(\.username)).all()
            for spec in file.users {
                if let user = users.first(where: { $0.username == spec.username }) {
                    var changes = ChangeSet()
                    changes.note("display_name", user.displayName, spec.displayName)
                    changes.note("admin", String(user.isAdmin), String(spec.admin))
                    changes.note("locale", user.locale, spec.locale.rawValue)
                    changes.note("time_zone", user.timeZone, spec.timeZone)
                    guard !changes.isEmpty else { continue }
                    plan.users.append((spec, true, "updated user \(spec.username): \(changes.summary)"))
                } else {
                    plan.users.append(
                        (spec, false, "created user \(spec.username) (no password yet: set one with 'rampart user create' or in Users)"))
                }
            }
            changes += plan.users.map(\.summary)
        }

        /// The exercise itself, and its windows.
        mutating func planExercise() async throws {
            let spec = file.exercise
            if let exercise {
                var changes = ChangeSet()
                let zone = TimeZone.iana(spec.timeZone) ?? .gmt
                func stamp(_ date: Date?) -> String? { date.map { ExerciseTime.format($0, timeZone: zone) } }
                changes.note("name", exercise.name, spec.name)
                changes.note("name_ko", exercise.nameKo, spec.nameKo)
                changes.note("description", exercise.description, spec.description)
                changes.note("time_zone", exercise.timeZone, spec.timeZone)
                changes.note("starts_at", stamp(exercise.startsAt), stamp(spec.schedule.startsAt))
                changes.note("ends_at", stamp(exercise.endsAt), stamp(spec.schedule.endsAt))
                changes.note("freeze_at", stamp(exercise.freezeAt), stamp(spec.schedule.freezeAt))
                changes.note("first_blood", exercise.firstBloodText, Exercise.firstBloodText(spec.firstBlood))
                changes.note("attempts_per_minute", String(exercise.attemptsPerMinute), String(spec.attemptsPerMinute))
                changes.note("public_scoreboard", String(exercise.publicScoreboard), String(spec.publicScoreboard))
                changes.note("tick_seconds", String(exercise.tickSeconds), String(spec.tickSeconds))
                changes.note("jitter_seconds", String(exercise.jitterSeconds), String(spec.jitterSeconds))
                plan.exercise = (
                    true, changes.changes["first_blood"] != nil, changes.isEmpty ? nil : "updated exercise \(spec.slug): \(changes.summary)"
                )
            } else {
                plan.exercise = (false, false, "created exercise \(spec.slug)")
            }
            if let summary = plan.exercise.summary { changes.append(summary) }
            let stored = if let exercise { try await Exercises.windows(of: exercise, on: db) } else { [ScheduleWindow]() }
            if !sameWindows(stored.map { WindowSpec(name: $0.name, startsAt: $0.startsAt, endsAt: $0.endsAt) }, spec.schedule.windows) {
                plan.windows = spec.schedule.windows
                changes.append("replaced schedule windows: \(spec.schedule.windows.map(\.name).joined(separator: ", "))")
            }
        }

        /// Teams: changed, created with the next free number, or refused when their number is held.
        mutating func planTeams() {
            var usedNumbers = Set(existingTeams.map(\.number)).union(file.teams.compactMap(\.number))
            for (index, teamSpec) in file.teams.enumerated() {
                if let number = teamSpec.number,
                    let holder = existingTeams.first(where: { $0.number == number && $0.slug != teamSpec.slug }),
                    !file.teams.contains(where: { $0.slug == holder.slug && $0.number != number })
                {
                    issue("teams[\(index)].number", "number \(number) is held by team '\(holder.slug)', which the file does not renumber")
                    continue
                }
                if let team = existingTeams.first(where: { $0.slug == teamSpec.slug }) {
                    var changes = ChangeSet()
                    changes.note("kind", team.kind.rawValue, teamSpec.kind.rawValue)
                    changes.note("name", team.name, teamSpec.name)
                    changes.note("name_ko", team.nameKo, teamSpec.nameKo)
                    changes.note("nation", team.nation, teamSpec.nation?.code)
                    if let number = teamSpec.number { changes.note("number", String(team.number), String(number)) }
                    guard !changes.isEmpty else { continue }
                    plan.teams.append((teamSpec, teamSpec.number ?? team.number, true, "updated team \(teamSpec.slug): \(changes.summary)"))
                } else {
                    var number = teamSpec.number ?? 1
                    if teamSpec.number == nil {
                        while usedNumbers.contains(number) { number += 1 }
                        usedNumbers.insert(number)
                    }
                    plan.teams.append((teamSpec, number, false, "created \(teamSpec.kind.rawValue) team \(teamSpec.slug) (number \(number))"))
                }
            }
            changes += plan.teams.map(\.summary)
        }

        /// Members: added, moved between teams, made or unmade judges; each must have an account.
        mutating func planPlacements() async throws {
            let memberNames = file.teams.flatMap { $0.members.map(\.username) }
            let known = Set(try await User.query(on: db).filter(\.$username ~~ memberNames).all(\.$username)).union(file.users.map(\.username))
            for (index, teamSpec) in file.teams.enumerated() {
                for (memberIndex, member) in teamSpec.members.enumerated() {
                    guard known.contains(member.username) else {
                        issue(
                            "teams[\(index)].members[\(memberIndex)].user",
                            "no user '\(member.username)': list them under users: or create them first")
                        continue
                    }
                    let current = memberships.first { $0.user.username == member.username }
                    if let current, current.team.slug == teamSpec.slug, current.judge == member.judge { continue }
                    let summary =
                        if let current {
                            current.team.slug == teamSpec.slug
                                ? "\(member.username) in \(teamSpec.slug): judge \(current.judge) → \(member.judge)"
                                : "moved \(member.username) from \(current.team.slug) to \(teamSpec.slug)"
                        } else {
                            "added \(member.username) to \(teamSpec.slug)\(member.judge ? " as judge" : "")"
                        }
                    plan.placements.append((member.username, teamSpec.slug, member.judge, summary))
                }
            }
            changes += plan.placements.map(\.summary)
        }

        /// Every feature's section, each planned by the feature that owns it.
        mutating func planSections(baseDirectory: URL?) async throws {
            let context = ExerciseFilePlanning(
                app: app, exercise: exercise, teamSlugs: Set(existingTeams.map(\.slug)).union(file.teams.map(\.slug)),
                baseDirectory: baseDirectory)
            for store in app.exerciseFileSectionStores {
                let section = try await store.plan(file, context)
                plan.sections.append(section)
                changes += section.changes
                issues += section.issues
                plan.report.untouched += section.untouched
            }
        }

        /// The plan, with what the file leaves alone; or every problem found.
        func finished() throws -> Plan {
            guard issues.isEmpty else { throw ExerciseFileError(issues: issues) }
            var plan = plan
            let fileTeams = Set(file.teams.map(\.slug))
            let placed = Set(file.teams.flatMap { $0.members.map(\.username) })
            plan.report.untouched += existingTeams.filter { !fileTeams.contains($0.slug) }.map { "team \($0.slug)" }
            plan.report.untouched += memberships.filter { !placed.contains($0.user.username) }.map { "member \($0.user.username) of \($0.team.slug)" }
            plan.report.changes = changes
            return plan
        }
    }

    /// Takes the plan's steps, each in short transactions with its audit record.
    private static func carryOut(_ plan: Plan, file: ExerciseFile, by actor: AuditActor, app: Application) async throws {
        var steps = Steps(plan: plan, spec: file.exercise, actor: actor, now: app.dependencies.now(), app: app)
        try await steps.saveExercise()
        try await steps.saveUsers()
        try await steps.saveTeams()
        try await steps.savePlacements()
        try await steps.saveSections()
    }

    private struct Steps: Sendable {
        let plan: Plan
        let spec: ExerciseSpec
        let actor: AuditActor
        let now: Date
        let app: Application
        /// Known once the exercise is saved, the first step.
        var exerciseID = UUID()

        /// The audit record of one step.
        func audit(_ summaries: [String], exerciseID: UUID?, on db: any Database) async throws {
            try await Audit.record(
                AuditEvent(
                    exerciseID: exerciseID, action: "exercise.apply", subjectType: "exercise", subject: spec.slug,
                    summary: "applied exercise file: " + summaries.joined(separator: "; ")),
                by: actor, at: now, on: db)
        }

        /// One transaction with the audit record of what it did.
        func step(_ summaries: [String], _ body: @escaping @Sendable (any Database) async throws -> Void) async throws {
            guard !summaries.isEmpty else { return }
            let exerciseID = exerciseID
            try await app.write(bulk: true) { db in
                try await body(db)
                try await audit(summaries, exerciseID: exerciseID, on: db)
            }
        }

        /// The exercise and its schedule; a new first-blood bonus re-prices under the scoring lock.
        mutating func saveExercise() async throws {
            let spec = spec
            let plan = plan
            let summaries = [plan.exercise.summary].compactMap { $0 } + (plan.windows == nil ? [] : ["replaced schedule windows"])
            let save: @Sendable (any Database) async throws -> Exercise = { db in
                let exercise = try await Exercise.query(on: db).filter(\.$slug == spec.slug).first() ?? Exercise(slug: spec.slug, name: spec.name)
                copy(spec, to: exercise)
                try await exercise.save(on: db)
                if let windows = plan.windows {
                    for window in try await Exercises.windows(of: exercise, on: db) { try await window.delete(on: db) }
                    for window in windows {
                        try await ScheduleWindow(
                            exerciseID: try exercise.requireID(), name: window.name, startsAt: window.startsAt, endsAt: window.endsAt
                        ).create(on: db)
                    }
                }
                return exercise
            }
            if plan.exercise.firstBloodChanged, let existing = try await Exercise.query(on: app.db).filter(\.$slug == spec.slug).first() {
                try await app.scores.write(try existing.requireID(), app: app, clearingCaches: true) { [self] db, state in
                    let exercise = try await save(db)
                    try await app.scores.reprice(try exercise.requireID(), into: &state, on: db)
                    try await audit(summaries, exerciseID: exercise.id, on: db)
                }
            } else if !summaries.isEmpty {
                try await app.write(bulk: true) { [self] db in
                    let exercise = try await save(db)
                    try await audit(summaries, exerciseID: exercise.id, on: db)
                }
            }
            exerciseID = try await Exercises.find(spec.slug, on: app.db).requireID()
        }

        func saveUsers() async throws {
            for batch in plan.users.chunked(into: batchSize) {
                try await step(batch.map(\.summary)) { db in
                    for (spec, exists, _) in batch {
                        if exists, let user = try await User.query(on: db).filter(\.$username == spec.username).first() {
                            user.displayName = spec.displayName
                            user.isAdmin = spec.admin
                            user.locale = spec.locale.rawValue
                            user.timeZone = spec.timeZone
                            try await user.save(on: db)
                        } else {
                            try await User(
                                username: spec.username, displayName: spec.displayName, isAdmin: spec.admin, locale: spec.locale,
                                timeZone: spec.timeZone
                            ).create(on: db)
                        }
                    }
                }
            }
        }

        func saveTeams() async throws {
            let (exerciseID, app) = (exerciseID, app)
            for batch in plan.teams.chunked(into: batchSize) {
                try await step(batch.map(\.summary)) { db in
                    for (teamSpec, number, exists, _) in batch {
                        if exists,
                            let team = try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).filter(\.$slug == teamSpec.slug).first()
                        {
                            team.kind = teamSpec.kind
                            team.name = teamSpec.name
                            team.nameKo = teamSpec.nameKo
                            team.nation = teamSpec.nation?.code
                            team.number = number
                            try await team.save(on: db)
                        } else {
                            try await Team(
                                exerciseID: exerciseID, slug: teamSpec.slug, kind: teamSpec.kind, name: teamSpec.name, nameKo: teamSpec.nameKo,
                                nation: teamSpec.nation?.code, number: number, joinCode: try await Teams.uniqueJoinCode(app: app, on: db)
                            ).create(on: db)
                        }
                    }
                }
            }
        }

        func savePlacements() async throws {
            let exerciseID = exerciseID
            for batch in plan.placements.chunked(into: batchSize) {
                try await step(batch.map(\.summary)) { db in
                    for (username, teamSlug, judge, _) in batch {
                        guard let user = try await User.query(on: db).filter(\.$username == username).first(),
                            let team = try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).filter(\.$slug == teamSlug).first()
                        else { continue }
                        _ = try await Teams.place(user, in: team, judge: judge, exerciseID: exerciseID, on: db)
                    }
                }
            }
        }

        func saveSections() async throws {
            let applying = ExerciseFileApplying(app: app, exerciseID: exerciseID, actor: actor, now: now)
            for section in plan.sections { try await section.apply(applying) }
        }
    }

    private static func copy(_ spec: ExerciseSpec, to exercise: Exercise) {
        exercise.name = spec.name
        exercise.nameKo = spec.nameKo
        exercise.description = spec.description
        exercise.timeZone = spec.timeZone
        exercise.startsAt = spec.schedule.startsAt
        exercise.endsAt = spec.schedule.endsAt
        exercise.freezeAt = spec.schedule.freezeAt
        exercise.firstBlood = spec.firstBlood
        exercise.attemptsPerMinute = spec.attemptsPerMinute
        exercise.publicScoreboard = spec.publicScoreboard
        exercise.tickSeconds = spec.tickSeconds
        exercise.jitterSeconds = spec.jitterSeconds
    }

    /// Compared to the second: databases may keep sub-second digits a file does not.
    private static func sameWindows(_ lhs: [WindowSpec], _ rhs: [WindowSpec]) -> Bool {
        func key(_ window: WindowSpec) -> String {
            "\(window.name)|\(Int(window.startsAt.timeIntervalSince1970.rounded()))|\(Int(window.endsAt.timeIntervalSince1970.rounded()))"
        }
        return lhs.map(key) == rhs.map(key)
    }

    /// The exercise as a file: its settings, schedule, teams, members and the members' accounts, and
    /// every feature's section.
    static func export(_ slug: String, app: Application) async throws -> ExerciseFile {
        let db = app.db
        let exercise = try await Exercises.find(slug, on: db)
        let windows = try await Exercises.windows(of: exercise, on: db)
        let teams = try await Teams.all(in: exercise, on: db)
        let members = try await Teams.members(of: teams, on: db)
        let schedule = ScheduleSpec(
            startsAt: exercise.startsAt, endsAt: exercise.endsAt, freezeAt: exercise.freezeAt,
            windows: windows.map { WindowSpec(name: $0.name, startsAt: $0.startsAt, endsAt: $0.endsAt) })
        let spec = ExerciseSpec(
            slug: exercise.slug, name: exercise.name, nameKo: exercise.nameKo, description: exercise.description,
            timeZone: exercise.timeZone, schedule: schedule, firstBlood: exercise.firstBlood, attemptsPerMinute: exercise.attemptsPerMinute,
            publicScoreboard: exercise.publicScoreboard, tickSeconds: exercise.tickSeconds, jitterSeconds: exercise.jitterSeconds)
        let teamSpecs = teams.map { team in
            TeamSpec(
                slug: team.slug, kind: team.kind, name: team.name, nameKo: team.nameKo, nation: team.nation.flatMap(Nation.init),
                number: team.number,
                members: (members[team.id!] ?? []).map { MemberSpec(username: $0.user.username, judge: $0.judge) })
        }
        let users = members.values.flatMap { $0 }.map(\.user).sorted { $0.username < $1.username }.map {
            UserSpec(username: $0.username, displayName: $0.displayName, admin: $0.isAdmin, locale: $0.uiLocale, timeZone: $0.timeZone)
        }
        var sections: [any ExerciseFileSection] = []
        for store in app.exerciseFileSectionStores {
            if let section = try await store.export(exercise, on: db) { sections.append(section) }
        }
        return ExerciseFile(exercise: spec, teams: teamSpecs, users: users, sections: sections)
    }
}
