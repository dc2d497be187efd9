import Foundation
import Yams

extension ExerciseFile {
    /// Reads an exercise file whose features' sections are of the given types (the server's come from
    /// its features), or throws `ExerciseFileError` listing every problem with its line. A top-level
    /// key that is neither the file's own nor one of `sections` is a problem.
    public static func read(yaml: String, sections: [any ExerciseFileSection.Type]) throws(ExerciseFileError) -> ExerciseFile {
        let root = try YAMLGuard.compose(yaml)
        guard let root else {
            throw ExerciseFileError(issues: [ExerciseFileIssue(line: 1, field: "", message: "the file is empty")])
        }
        let issues = YAMLIssues()
        let file = read(root, sections: sections, issues: issues)
        guard issues.list.isEmpty, var file else { throw ExerciseFileError(issues: issues.list) }
        file.lines = issues.lines
        return file
    }

    private static func read(_ root: Node, sections: [any ExerciseFileSection.Type], issues: YAMLIssues) -> ExerciseFile? {
        guard let top = issues.fields(root, at: "") else { return nil }
        let sections = sections.sorted { ($0.position, $0.key) < ($1.position, $1.key) }
        top.rejectUnknown(ownKeys + sections.map { $0.key })
        if let version = top.int("rampart", in: 1...Int.max), version > currentVersion {
            issues.report(
                top.node("rampart"), "rampart", "this file needs a newer Rampart (file version \(version), this one reads \(currentVersion))")
        }
        guard let exerciseFields = top.fields("exercise") else {
            if top.node("exercise") == nil { issues.report(root, "exercise", "is required") }
            return nil
        }
        let exercise = readExercise(exerciseFields)
        // Kept positional (nil for an unreadable entry) so later checks name the right index.
        let users = top.list("users", max: TextLimit.users).map { readUser($0.node, path: $0.path, issues: issues) }
        let teams = top.list("teams", max: TextLimit.teams).map { readTeam($0.node, path: $0.path, issues: issues) }
        checkConsistency(teams: teams, users: users, issues: issues)
        let reading = ExerciseFileReading(issues: issues, teams: teams)
        var read: [any ExerciseFileSection] = []
        for type in sections {
            guard let node = top.node(type.key) else { continue }
            read.append(type.erasedRead(node, reading))
        }
        guard let exercise else { return nil }
        return ExerciseFile(exercise: exercise, teams: teams.compactMap { $0 }, users: users.compactMap { $0 }, sections: read)
    }

    private static func readExercise(_ fields: YAMLFields) -> ExerciseSpec? {
        fields.rejectUnknown([
            "slug", "name", "name_ko", "description", "time_zone", "schedule", "first_blood", "attempts_per_minute", "public_scoreboard",
            "tick_seconds", "jitter_seconds",
        ])
        let slug = fields.required("slug")
        if let slug, !Identifier.isValidSlug(slug) {
            fields.issues.report(fields.node("slug"), fields.field("slug"), "must use \(Identifier.slugRule)")
        }
        let name = fields.required("name")
        var timeZone = TimeZone.gmt
        let zoneName = fields.string("time_zone") ?? "UTC"
        if let zone = TimeZone.iana(zoneName) {
            timeZone = zone
        } else {
            fields.issues.report(
                fields.node("time_zone"), fields.field("time_zone"),
                "unknown time zone '\(zoneName)'; use an IANA name such as Europe/London or Asia/Seoul")
        }
        let schedule = fields.fields("schedule").map { readSchedule($0, timeZone: timeZone) } ?? ScheduleSpec()
        let tickSeconds = fields.int("tick_seconds", in: 5...86_400) ?? ExerciseSpec.defaultTickSeconds
        let jitterSeconds = fields.int("jitter_seconds", in: 0...86_400) ?? 0
        if jitterSeconds >= tickSeconds {
            fields.issues.report(fields.node("jitter_seconds"), fields.field("jitter_seconds"), "must be shorter than tick_seconds")
        }
        guard let slug, let name else { return nil }
        return ExerciseSpec(
            slug: slug, name: name, nameKo: fields.string("name_ko"),
            description: fields.string("description", maxLength: TextLimit.description) ?? "",
            timeZone: zoneName, schedule: schedule,
            firstBlood: FirstBloodBonus(
                percents: fields.list("first_blood").compactMap { item in
                    guard let number = item.node.scalar.flatMap({ Double($0.string) }), (0...1000).contains(number) else {
                        fields.issues.report(item.node, item.path, "expected a percentage")
                        return nil
                    }
                    return number
                }),
            attemptsPerMinute: fields.int("attempts_per_minute", in: 1...1_000_000) ?? ExerciseSpec.defaultAttemptsPerMinute,
            publicScoreboard: fields.bool("public_scoreboard") ?? false,
            tickSeconds: tickSeconds, jitterSeconds: jitterSeconds
        )
    }

    private static func readSchedule(_ fields: YAMLFields, timeZone: TimeZone) -> ScheduleSpec {
        fields.rejectUnknown(["starts_at", "ends_at", "freeze_at", "windows"])
        var schedule = ScheduleSpec(
            startsAt: fields.date("starts_at", timeZone: timeZone),
            endsAt: fields.date("ends_at", timeZone: timeZone),
            freezeAt: fields.date("freeze_at", timeZone: timeZone)
        )
        for (node, path) in fields.list("windows") {
            guard let window = fields.issues.fields(node, at: path) else { continue }
            window.rejectUnknown(["name", "starts_at", "ends_at"])
            let name = window.required("name")
            let startsAt = window.date("starts_at", timeZone: timeZone)
            let endsAt = window.date("ends_at", timeZone: timeZone)
            if window.node("starts_at") == nil { fields.issues.report(node, window.field("starts_at"), "is required") }
            if window.node("ends_at") == nil { fields.issues.report(node, window.field("ends_at"), "is required") }
            if let name, let startsAt, let endsAt {
                schedule.windows.append(WindowSpec(name: name, startsAt: startsAt, endsAt: endsAt))
            }
        }
        for problem in schedule.problems() {
            let path = fields.field(problem.field)
            fields.issues.report(line: fields.issues.lines[path] ?? fields.node.mark?.line, path, problem.message)
        }
        return schedule
    }

    private static func readUser(_ node: Node, path: String, issues: YAMLIssues) -> UserSpec? {
        guard let fields = issues.fields(node, at: path) else { return nil }
        fields.rejectUnknown(["username", "display_name", "admin", "locale", "time_zone"])
        let username = fields.required("username")
        if let username, !Identifier.isValidUsername(username) {
            issues.report(fields.node("username"), fields.field("username"), "must use \(Identifier.usernameRule)")
        }
        let displayName = fields.string("display_name") ?? username
        let locale = fields.choice("locale") ?? UILocale.en
        let timeZone = fields.string("time_zone")
        if let timeZone, TimeZone.iana(timeZone) == nil {
            issues.report(
                fields.node("time_zone"), fields.field("time_zone"), "unknown time zone '\(timeZone)'; use an IANA name such as Europe/London")
        }
        guard let username, let displayName else { return nil }
        return UserSpec(username: username, displayName: displayName, admin: fields.bool("admin") ?? false, locale: locale, timeZone: timeZone)
    }

    private static func readTeam(_ node: Node, path: String, issues: YAMLIssues) -> TeamSpec? {
        guard let fields = issues.fields(node, at: path) else { return nil }
        fields.rejectUnknown(["slug", "kind", "name", "name_ko", "nation", "number", "members"])
        let slug = fields.required("slug")
        if let slug, !Identifier.isValidSlug(slug) {
            issues.report(fields.node("slug"), fields.field("slug"), "must use \(Identifier.slugRule)")
        }
        let name = fields.required("name")
        let kind: TeamKind? = fields.choice("kind", required: true)
        var nation: Nation?
        if let raw = fields.string("nation") {
            nation = Nation(raw)
            if nation == nil {
                issues.report(fields.node("nation"), fields.field("nation"), "'\(raw)' is not an ISO 3166-1 alpha-2 code (such as GB, KR, EE) or XX")
            }
        }
        var members: [MemberSpec] = []
        for (memberNode, memberPath) in fields.list("members", max: TextLimit.members) {
            // `- alice` is shorthand for `- user: alice`.
            if case .scalar(let scalar) = memberNode {
                issues.remember(memberNode, at: join(memberPath, "user"))
                members.append(MemberSpec(username: scalar.string))
                continue
            }
            guard let member = issues.fields(memberNode, at: memberPath) else { continue }
            member.rejectUnknown(["user", "judge"])
            if let username = member.required("user") {
                members.append(MemberSpec(username: username, judge: member.bool("judge") ?? false))
            }
        }
        guard let slug, let name, let kind else { return nil }
        if kind != .white, members.contains(where: \.judge) {
            issues.report(fields.node("members"), fields.field("members"), "only white-team members can be judges")
        }
        return TeamSpec(
            slug: slug, kind: kind, name: name, nameKo: fields.string("name_ko"), nation: nation,
            number: fields.int("number", in: 1...65_535), members: members
        )
    }

    private static func checkConsistency(teams: [TeamSpec?], users: [UserSpec?], issues: YAMLIssues) {
        var seenUsers: Set<String> = []
        for (index, user) in users.enumerated() {
            guard let user, !seenUsers.insert(user.username).inserted else { continue }
            let path = "users[\(index)].username"
            issues.report(line: issues.lines[path], path, "user '\(user.username)' is listed twice")
        }
        var slugs: Set<String> = []
        var numbers: Set<Int> = []
        var teamOfUser: [String: String] = [:]
        for (index, team) in teams.enumerated() {
            guard let team else { continue }
            let path = "teams[\(index)]"
            if !slugs.insert(team.slug).inserted {
                issues.report(line: issues.lines["\(path).slug"], "\(path).slug", "team '\(team.slug)' is listed twice")
            }
            if let number = team.number, !numbers.insert(number).inserted {
                issues.report(line: issues.lines["\(path).number"], "\(path).number", "number \(number) is used by another team")
            }
            for (memberIndex, member) in team.members.enumerated() {
                let memberPath = "\(path).members[\(memberIndex)].user"
                if let other = teamOfUser[member.username] {
                    issues.report(
                        line: issues.lines[memberPath], memberPath,
                        "'\(member.username)' is already a member of team '\(other)'; a user belongs to one team per exercise")
                } else {
                    teamOfUser[member.username] = team.slug
                }
            }
        }
    }

    static func issue(from error: any Error) -> ExerciseFileIssue {
        guard let error = error as? YamlError else {
            return ExerciseFileIssue(line: nil, field: "", message: "not valid YAML: \(error)")
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return ExerciseFileIssue(line: mark.line, column: mark.column, field: "", message: "not valid YAML: \(prefix)\(problem)")
        default:
            return ExerciseFileIssue(line: nil, field: "", message: "not valid YAML: \(error)")
        }
    }
}
