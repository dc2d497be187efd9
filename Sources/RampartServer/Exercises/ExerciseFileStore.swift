import Fluent
import RampartCore
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

    private struct RolledBack: Error {
        let report: Report
    }

    /// Makes the database match the file (never deleting), in one transaction; with `dryRun` the
    /// transaction is rolled back and the report says what would have changed.
    ///
    /// Challenge attachments (`files:`) are read relative to `baseDirectory` (the file's folder, for
    /// `rampart exercise apply`); without one (the API) they must be uploaded separately.
    static func apply(
        _ file: ExerciseFile, dryRun: Bool = false, baseDirectory: URL? = nil, by actor: AuditActor, app: Application
    ) async throws -> Report {
        let now = app.dependencies.now()
        let attachments = try readAttachments(file, baseDirectory: baseDirectory)
        do {
            let report = try await app.write { db in
                var report = try await applyInTransaction(file, attachments: attachments, actor: actor, app: app, now: now, on: db)
                report.dryRun = dryRun
                if dryRun { throw RolledBack(report: report) }
                return report
            }
            // Users' names and roles may have changed.
            if !file.users.isEmpty { app.credentialCache.forgetAll() }
            return report
        } catch let rolledBack as RolledBack {
            return rolledBack.report
        }
    }

    /// The attachments of every challenge, read before the transaction; a missing or escaping path is
    /// reported with its line.
    private static func readAttachments(_ file: ExerciseFile, baseDirectory: URL?) throws -> [String: [(name: String, data: Data)]] {
        guard let baseDirectory else { return [:] }
        var result: [String: [(name: String, data: Data)]] = [:]
        var issues: [ExerciseFileIssue] = []
        for (index, challenge) in file.challenges.enumerated() {
            for (fileIndex, path) in challenge.files.enumerated() {
                let field = "challenges[\(index)].files[\(fileIndex)]"
                do {
                    let target = try TreeFile.resolve(path, in: baseDirectory)
                    result[challenge.name, default: []].append((URL(fileURLWithPath: path).lastPathComponent, try Data(contentsOf: target.url)))
                } catch {
                    let message = (error as? TreeFile.Refusal)?.message ?? "'\(path)' cannot be read"
                    issues.append(ExerciseFileIssue(line: file.lines[field], field: field, message: message))
                }
            }
        }
        guard issues.isEmpty else { throw ExerciseFileError(issues: issues) }
        return result
    }

    private static func applyInTransaction(
        _ file: ExerciseFile, attachments: [String: [(name: String, data: Data)]], actor: AuditActor, app: Application, now: Date,
        on db: any Database
    ) async throws -> Report {
        var report = Report(exercise: file.exercise.slug)
        // Users first: teams refer to them.
        for spec in file.users {
            if let user = try await User.query(on: db).filter(\.$username == spec.username).first() {
                var changes = ChangeSet()
                changes.note("display_name", user.displayName, spec.displayName)
                changes.note("admin", String(user.isAdmin), String(spec.admin))
                changes.note("locale", user.locale, spec.locale.rawValue)
                changes.note("time_zone", user.timeZone, spec.timeZone)
                guard !changes.isEmpty else { continue }
                user.displayName = spec.displayName
                user.isAdmin = spec.admin
                user.locale = spec.locale.rawValue
                user.timeZone = spec.timeZone
                try await user.save(on: db)
                report.changes.append("updated user \(spec.username): \(changes.summary)")
            } else {
                try await User(
                    username: spec.username, displayName: spec.displayName, isAdmin: spec.admin, locale: spec.locale, timeZone: spec.timeZone
                ).create(on: db)
                report.changes.append("created user \(spec.username) (no password yet: set one with 'rampart user create' or in Users)")
            }
        }

        // The exercise itself.
        let spec = file.exercise
        let exercise: Exercise
        if let existing = try await Exercise.query(on: db).filter(\.$slug == spec.slug).first() {
            exercise = existing
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
            if !changes.isEmpty {
                copy(spec, to: exercise)
                try await exercise.save(on: db)
                if changes.changes["first_blood"] != nil { try await Challenges.scoringChanged(try exercise.requireID(), on: db) }
                report.changes.append("updated exercise \(spec.slug): \(changes.summary)")
            }
        } else {
            exercise = Exercise(slug: spec.slug, name: spec.name)
            copy(spec, to: exercise)
            try await exercise.create(on: db)
            report.changes.append("created exercise \(spec.slug)")
        }
        let exerciseID = try exercise.requireID()

        // Windows: the file's list replaces the stored one when they differ.
        let stored = try await Exercises.windows(of: exercise, on: db)
        let storedSpecs = stored.map { WindowSpec(name: $0.name, startsAt: $0.startsAt, endsAt: $0.endsAt) }
        if !sameWindows(storedSpecs, spec.schedule.windows) {
            for window in stored { try await window.delete(on: db) }
            for window in spec.schedule.windows {
                try await ScheduleWindow(exerciseID: exerciseID, name: window.name, startsAt: window.startsAt, endsAt: window.endsAt).create(on: db)
            }
            report.changes.append("replaced schedule windows: \(spec.schedule.windows.map(\.name).joined(separator: ", "))")
        }

        // Teams, then their members.
        var issues: [ExerciseFileIssue] = []
        let existingTeams = try await Teams.all(in: exercise, on: db)
        var usedNumbers = Set(existingTeams.map(\.number)).union(file.teams.compactMap(\.number))
        var teamsBySlug = Dictionary(uniqueKeysWithValues: existingTeams.map { ($0.slug, $0) })
        for (index, teamSpec) in file.teams.enumerated() {
            let path = "teams[\(index)]"
            if let number = teamSpec.number, let holder = existingTeams.first(where: { $0.number == number && $0.slug != teamSpec.slug }),
                !file.teams.contains(where: { $0.slug == holder.slug && $0.number != number })
            {
                issues.append(
                    ExerciseFileIssue(
                        line: file.lines["\(path).number"], field: "\(path).number",
                        message: "number \(number) is held by team '\(holder.slug)', which the file does not renumber"))
                continue
            }
            if let team = teamsBySlug[teamSpec.slug] {
                var changes = ChangeSet()
                changes.note("kind", team.kind.rawValue, teamSpec.kind.rawValue)
                changes.note("name", team.name, teamSpec.name)
                changes.note("name_ko", team.nameKo, teamSpec.nameKo)
                changes.note("nation", team.nation, teamSpec.nation?.code)
                if let number = teamSpec.number { changes.note("number", String(team.number), String(number)) }
                guard !changes.isEmpty else { continue }
                team.kind = teamSpec.kind
                team.name = teamSpec.name
                team.nameKo = teamSpec.nameKo
                team.nation = teamSpec.nation?.code
                if let number = teamSpec.number { team.number = number }
                try await team.save(on: db)
                report.changes.append("updated team \(teamSpec.slug): \(changes.summary)")
            } else {
                var number = teamSpec.number ?? 1
                if teamSpec.number == nil {
                    while usedNumbers.contains(number) { number += 1 }
                    usedNumbers.insert(number)
                }
                let team = Team(
                    exerciseID: exerciseID, slug: teamSpec.slug, kind: teamSpec.kind, name: teamSpec.name,
                    nameKo: teamSpec.nameKo, nation: teamSpec.nation?.code, number: number,
                    joinCode: try await Teams.uniqueJoinCode(app: app, on: db))
                try await team.create(on: db)
                teamsBySlug[teamSpec.slug] = team
                report.changes.append("created \(teamSpec.kind.rawValue) team \(teamSpec.slug) (number \(number))")
            }
        }
        guard issues.isEmpty else { throw ExerciseFileError(issues: issues) }

        let memberships = try await Membership.query(on: db).filter(\.$exercise.$id == exerciseID).with(\.$user).with(\.$team).all()
        var placed: Set<String> = []
        for (index, teamSpec) in file.teams.enumerated() {
            guard let team = teamsBySlug[teamSpec.slug] else { continue }
            for (memberIndex, member) in teamSpec.members.enumerated() {
                placed.insert(member.username)
                let current = memberships.first { $0.user.username == member.username }
                if let current, current.team.slug == teamSpec.slug, current.judge == member.judge { continue }
                guard let user = try await User.query(on: db).filter(\.$username == member.username).first() else {
                    let path = "teams[\(index)].members[\(memberIndex)].user"
                    issues.append(
                        ExerciseFileIssue(
                            line: file.lines[path], field: path, message: "no user '\(member.username)': list them under users: or create them first")
                    )
                    continue
                }
                if let change = try await Teams.place(user, in: team, judge: member.judge, exerciseID: exerciseID, on: db) {
                    report.changes.append(change)
                }
            }
        }
        guard issues.isEmpty else { throw ExerciseFileError(issues: issues) }

        let results = try await Challenges.saveAll(
            file.challenges.map { ($0, attachments[$0.name] ?? []) }, exerciseID: exerciseID, by: actor, at: now, on: db)
        for (name, outcome) in results where outcome != .unchanged {
            report.changes.append("\(outcome.rawValue) challenge \(name)")
        }
        // Names only: the attachments' bytes stay in the database.
        let challenges = try await Challenge.query(on: db).filter(\.$exercise.$id == exerciseID).all()
        let challengeIDs = Dictionary(
            challenges.compactMap { challenge in challenge.id.map { (challenge.name, $0) } }, uniquingKeysWith: { a, _ in a })
        let storedFiles = try await ChallengeFile.query(on: db)
            .join(Challenge.self, on: \ChallengeFile.$challenge.$id == \Challenge.$id)
            .filter(Challenge.self, \.$exercise.$id == exerciseID)
            .field(\.$challenge.$id).field(\.$name).all()
        for challenge in file.challenges where attachments[challenge.name] == nil {
            for name in challenge.files.map({ URL(fileURLWithPath: $0).lastPathComponent })
            where !storedFiles.contains(where: { $0.name == name && $0.$challenge.id == challengeIDs[challenge.name] }) {
                report.untouched.append("file \(name) of challenge \(challenge.name) is not uploaded yet")
            }
        }
        let fileChallenges = Set(file.challenges.map(\.name))
        report.untouched += challenges.filter { !fileChallenges.contains($0.name) }.map { "challenge \($0.name)" }

        for (index, service) in file.services.enumerated() {
            do {
                let outcome = try await Services.save(service, exerciseID: exerciseID, host: app.checkHost, by: actor, at: now, on: db).outcome
                if outcome != .unchanged { report.changes.append("\(outcome.rawValue) service \(service.name)") }
            } catch let error as AppError {
                let path = "services[\(index)]"
                throw ExerciseFileError(issues: [ExerciseFileIssue(line: file.lines[path], field: path, message: error.message)])
            }
        }
        let fileServices = Set(file.services.map(\.name))
        report.untouched += try await Services.all(exerciseID, on: db).filter { !fileServices.contains($0.name) }.map { "service \($0.name)" }

        let fileTeams = Set(file.teams.map(\.slug))
        report.untouched += existingTeams.filter { !fileTeams.contains($0.slug) }.map { "team \($0.slug)" }
        report.untouched += memberships.filter { !placed.contains($0.user.username) }.map { "member \($0.user.username) of \($0.team.slug)" }

        if !report.changes.isEmpty {
            try await Audit.record(
                AuditEvent(
                    exerciseID: exerciseID, action: "exercise.apply", subjectType: "exercise", subject: spec.slug,
                    summary: "applied exercise file: " + report.changes.joined(separator: "; ")),
                by: actor, at: now, on: db)
        }
        return report
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

    /// The exercise as a file: its settings, schedule, teams, members and the members' accounts.
    static func export(_ slug: String, on db: any Database) async throws -> ExerciseFile {
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
        let catalog = try await ChallengeCatalog.load(
            exerciseID: try exercise.requireID(), version: exercise.scoringVersion, firstBlood: exercise.firstBlood, on: db)
        let challenges = catalog.entries.sorted { ($0.position, $0.name) < ($1.position, $1.name) }.map(\.spec)
        let services = try await Services.all(try exercise.requireID(), on: db).compactMap { try? $0.spec }
        return ExerciseFile(exercise: spec, teams: teamSpecs, users: users, challenges: challenges, services: services)
    }
}
