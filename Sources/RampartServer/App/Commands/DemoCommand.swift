import Fluent
import RampartCore
import RampartChallenges
import RampartDefence
import RampartKernel
import RampartReports
import RampartScoring
import Vapor

/// `rampart demo [--port 8080] [--hostname 127.0.0.1]`: load the demo exercise file (the executable has
/// migrated already: `migrateBeforeServing`), give every demo account a password, print the URL and
/// the accounts, then serve.
struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "port", short: "p", help: "Port to listen on (default 8080)")
        var port: Int?
        @Option(name: "hostname", short: "H", help: "Address to listen on (default 127.0.0.1)")
        var hostname: String?
        @Flag(name: "no-serve", help: "Prepare the demo and exit without serving")
        var noServe: Bool
        @Flag(name: "no-play", help: "Do not play the demo scenario (the exercise stays a draft until you start it)")
        var noPlay: Bool
        init() {}
    }

    var help: String { "Start Rampart with a ready demo exercise (password from RAMPART_DEMO_PASSWORD or random)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let hostname = signature.hostname ?? "127.0.0.1"
        let port = signature.port ?? 8080

        // The demo's targets move with its port, so a second demo on another port finds its own.
        let targetOffset = DemoExercise.targetOffset(port: port)
        let file = try DemoExercise.load(targetOffset: targetOffset)
        let report = try await ExerciseFileStore.apply(file, baseDirectory: try DemoExercise.folder(), by: .commandLine("demo"), app: app)
        try await DemoExercise.seedScores(app: app)
        try await DemoExercise.seedReports(app: app)
        let passwords = try await DemoExercise.setPasswords(for: file, shared: Environment.get("RAMPART_DEMO_PASSWORD"), app: app)

        let console = context.console
        console.print("")
        console.output("Rampart demo: \(file.exercise.name)", style: .info)
        console.print(
            "Data: \(describe(app.rampart.database)) (\(report.changes.isEmpty ? "already loaded" : "\(report.changes.count) changes applied"))")
        console.print("")
        console.print(DemoExercise.accountTable(file, passwords: passwords))
        console.print("")
        let ports = DemoTargets.kinds.map { "\($0.service) :\($0.port + targetOffset)\($0.service == "dns" ? "/udp" : "")" }
        console.print("Demo services for each blue team on 127.0.N.1 (\(ports.joined(separator: ", "))): while the exercise runs")
        console.print("they are checked every \(file.exercise.tickSeconds) s (Services); take one down from a team's checks page.")
        if signature.noPlay {
            console.output("Open http://\(hostname):\(port)/ and log in (as 'admin' to run the exercise).", style: .success)
        } else {
            console.print("The exercise starts now and a short scenario plays through it (--no-play to turn it off).")
            console.output(
                "Open http://\(hostname):\(port)/ and log in; the command centre is at /exercises/marvel-demo/command.", style: .success)
        }
        console.print("")
        guard !signature.noServe else { return }
        let blueTeams = file.teams.filter { $0.kind == .blue }.compactMap { team in team.number.map { (team.slug, $0) } }
        let targets = DemoTargets(teams: Dictionary(uniqueKeysWithValues: blueTeams), portOffset: targetOffset)
        await targets.start(logger: app.logger)
        app.demoTargets = targets
        var serveContext = context
        serveContext.input = CommandInput(arguments: ["rampart", "--hostname", hostname, "--port", String(port)])
        try await app.servers.asyncCommand.run(using: &serveContext)
        // The server runs until the process is told to stop; the scenario plays beside it until then.
        if !signature.noPlay { Task { await DemoPlay.run(app: app, targets: targets) } }
    }

    private func describe(_ choice: RampartConfiguration.DatabaseChoice) -> String {
        switch choice {
        case .sqlite(let path): "SQLite at \(path)"
        case .sqliteMemory: "SQLite in memory"
        case .postgres: "PostgreSQL (DATABASE_URL)"
        }
    }
}

enum DemoExercise {
    /// The committed demo exercise file, shipped in the module's resources.
    /// The demo exercise file; its services' addresses moved by `targetOffset` ports (see `targetOffset(port:)`),
    /// and its week moved so that its first day is `today` in Seoul (the file is written for 1–5 February
    /// 2027): the clocks and countdowns of a demo that plays now read as an exercise under way.
    static func load(targetOffset: Int = 0, today: Date = Date()) throws -> ExerciseFile {
        let url = try folder().appendingPathComponent("demo-exercise.yaml")
        var yaml = try shiftWeek(try String(contentsOf: url, encoding: .utf8), to: today)
        if targetOffset != 0 {
            for kind in DemoTargets.kinds {
                yaml = yaml.replacingOccurrences(of: "}.1:\(kind.port)\"", with: "}.1:\(kind.port + targetOffset)\"")
            }
        }
        return try ExerciseFile.read(yaml: yaml, sections: Features.all.exerciseFileSections)
    }

    /// Every `2027-02-DD` in the file, moved by whole days so that 2027-02-01 is `today` in Seoul.
    static func shiftWeek(_ yaml: String, to today: Date) throws -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Seoul")!
        let first = calendar.date(from: DateComponents(year: 2027, month: 2, day: 1))!
        let days = calendar.dateComponents([.day], from: first, to: calendar.startOfDay(for: today)).day ?? 0
        let pattern = try Regex(#"2027-02-(\d\d)"#)
        return yaml.replacing(pattern) { match in
            let day = Int(match.output[1].substring ?? "1") ?? 1
            let date = calendar.date(byAdding: .day, value: days + day - 1, to: first)!
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        }
    }

    /// How far the demo targets move for a demo on `port`: not at all on 8080, otherwise by the
    /// distance from 8080, wrapped so every target port stays between 1024 and 65535.
    static func targetOffset(port: Int) -> Int {
        let span = 40_000
        return ((port - 8080) % span + span) % span
    }

    /// The folder of the demo exercise file and its challenges' files.
    static func folder() throws -> URL {
        guard let url = Bundle.module.url(forResource: "Resources/demo/demo-exercise", withExtension: "yaml") else {
            throw ConfigurationError("the demo exercise file is missing from the build")
        }
        return url.deletingLastPathComponent()
    }

    /// A few solves, a hint and an adjustment from the last hours, so the board is alive. Only once:
    /// an exercise that has any score fact is left alone.
    static func seedScores(app: Application) async throws {
        let exercise = try await Exercises.find("marvel-demo", on: app.db)
        let exerciseID = try exercise.requireID()
        guard try await ScoreFactRecord.query(on: app.db).filter(\.$exerciseID == exerciseID).count() == 0 else { return }
        let teams = try await Teams.all(in: exercise, on: app.db)
        let now = app.dependencies.now()
        let solves: [(team: String, challenge: String, minutesAgo: Double)] = [
            ("blue-kr", "Dialogue briefing", 300), ("blue-gb", "Dialogue briefing", 290), ("blue-gb", "Overdue invoice", 270),
            ("blue-ee", "Beaconing host", 250), ("blue-kr", "Ransom note", 220), ("blue-jp", "Overdue invoice", 200),
            ("blue-ee", "Command and control", 180), ("blue-gb", "Ransom note", 150), ("blue-au", "Too good to hire", 120),
            ("blue-kr", "Follow the ransom", 90), ("blue-ca", "Dialogue briefing", 60), ("blue-ee", "Ransom note", 30),
        ]
        try await app.scores.write(exerciseID, app: app) { db, state in
            func fact(
                _ slug: String, _ minutesAgo: Double, _ kind: FactKind, _ reason: Phrase, challenge: String? = nil,
                hintKey: String? = nil, points: Int = 0
            ) -> ScoreFactRecord? {
                guard let teamID = teams.first(where: { $0.slug == slug })?.id else { return nil }
                let challengeID = challenge.flatMap { state.catalog.idByName[$0] }
                if challenge != nil, challengeID == nil { return nil }
                let category =
                    switch kind {
                    case ChallengeFacts.hint: ScoreProjection.hintsCategory
                    case ScoreFacts.adjustment: ScoreFacts.adjustmentCategory
                    default: challengeID.flatMap { state.catalog.byID[$0]?.category } ?? ""
                    }
                return ScoreFactRecord(
                    team: teamID, at: now.addingTimeInterval(-minutesAgo * 60), kind: kind, points: points, category: category,
                    reason: reason, actorID: nil, actorName: "demo", source: challengeID.map(ChallengeFacts.source),
                    evidence: hintKey.map { FactRef("hint", $0) })
            }
            let seeded =
                solves.map { fact($0.team, $0.minutesAgo, ChallengeFacts.solve, .solvedReason($0.challenge), challenge: $0.challenge) } + [
                    fact(
                        "blue-jp", 25, ChallengeFacts.hint, .hintReason("'The family'", "Ransom note"), challenge: "Ransom note", hintKey: "family", points: 50),
                    fact("blue-au", 20, ScoreFacts.adjustment, .demoIncidentReport, points: 40),
                ]
            for record in seeded.compactMap({ $0 }) { state.append(record) }
        }
    }

    /// The red cell's campaign so far, through the same functions the API calls: reports in every state,
    /// a validated compromise on blue-kr's board, its incident report graded with credit, a dispute by
    /// blue-gb waiting for a judge. Only once: an exercise with any compromise report is left alone.
    static func seedReports(app: Application) async throws {
        let exercise = try await Exercises.find("marvel-demo", on: app.db)
        let exerciseID = try exercise.requireID()
        guard try await CompromiseReport.query(on: app.db).filter(\.$exerciseID == exerciseID).count() == 0 else { return }
        let teams = try await Teams.all(in: exercise, on: app.db)
        func actor(_ username: String) async throws -> AuditActor {
            let user = try await User.query(on: app.db).filter(\.$username == username).first()
            return AuditActor(id: user?.id, name: username)
        }
        func context(_ slug: String) -> ExerciseContext {
            let team = teams.first { $0.slug == slug }
            return ExerciseContext(exercise: exercise, role: team?.kind ?? .white, team: team, judge: team?.kind == .white)
        }
        let now = app.dependencies.now()
        let (red, judge, judgeKR) = (try await actor("red-lead"), try await actor("judge"), try await actor("judge-kr"))
        func file(_ team: String, _ asset: String, _ techniques: [String], _ access: String, minutesAgo: Double, persistence: Bool = false,
                  narrative: String) async throws -> UUID {
            let input = Reports.CompromiseInput(
                team: team, asset: asset, techniques: techniques, accessLevel: access, persistence: persistence, dataAccessed: ["credentials"],
                sourceAddress: "10.66.6.6", targetAddress: nil, compromisedAt: now.addingTimeInterval(-minutesAgo * 60), narrative: narrative)
            return try await Reports.fileCompromise(input, context: context("red"), by: red, app: app, seeding: true).requireID()
        }
        let control = context("control")
        // Validated, and covered by blue-kr's graded incident report.
        let shopKR = try await file(
            "blue-kr", "shop", ["T1190", "T1505.003"], "administrator", minutesAgo: 200, persistence: true,
            narrative: "Uploaded a web shell through the shop's **invoice upload** form, then read `/etc/shadow`.")
        _ = try await Reports.decide(shopKR, verdict: "validated", penalty: nil, note: "Screenshot and shell listing match the range logs", context: control, by: judge, app: app)
        let incident = try await Reports.fileIncident(
            .init(
                title: "Web shell on the shop", detectedAt: now.addingTimeInterval(-170 * 60), assets: ["shop"], techniques: ["T1505.003"],
                indicators: ["10.66.6.6", "uploads/inv-2027.php"], actions: "Took the shop offline, removed the shell, rotated the database password.",
                narrative: "The web server's file monitor flagged a PHP file in `uploads/`. We traced the request to 10.66.6.6."),
            context: context("blue-kr"), by: try await actor("kr-lead"), app: app, seeding: true)
        _ = try await Reports.grade(
            try incident.requireID(), levels: ["detection": "full", "accuracy": "accurate", "timeliness": "within_hour", "containment": "partial"],
            compromiseReports: [shopKR], note: "Clear timeline; containment took two hours", context: control, by: judgeKR, app: app)
        // Validated and disputed by blue-gb: the dispute waits for a judge other than the one who validated.
        let mailGB = try await file("blue-gb", "mail", ["T1078"], "user", minutesAgo: 150, narrative: "Logged in to webmail as `postmaster` with the default password.")
        _ = try await Reports.decide(mailGB, verdict: "validated", penalty: nil, note: "Login seen in the mail log", context: control, by: judge, app: app)
        _ = try await Reports.dispute(mailGB, reason: "The default password was the organisers' own, set after our change", context: context("blue-gb"), by: try await actor("gb-lead"), app: app)
        // Rejected, asked for evidence, and waiting (one a duplicate of a waiting one).
        let dnsEE = try await file("blue-ee", "dns", ["T1584.002"], "none", minutesAgo: 120, narrative: "Changed the zone's A record.")
        _ = try await Reports.decide(dnsEE, verdict: "rejected", penalty: nil, note: "The checks show the record unchanged all day", context: control, by: judgeKR, app: app)
        let sshJP = try await file("blue-jp", "ssh", ["T1110.001"], "root", minutesAgo: 90, narrative: "Guessed root's password.")
        _ = try await Reports.decide(sshJP, verdict: "needs_evidence", penalty: nil, note: "Attach the session log or a screenshot of the shell", context: control, by: judge, app: app)
        _ = try await file("blue-au", "shop", ["T1190"], "user", minutesAgo: 40, narrative: "SQL injection in the search box dumped the customer table.")
        _ = try await file("blue-au", "shop", ["T1190", "T1059.004"], "administrator", minutesAgo: 25, narrative: "Same injection, then a shell as www-data and sudo.")
        _ = try await file("blue-ca", "mail", ["T1566.001"], "user", minutesAgo: 10, narrative: "A clerk opened the invoice attachment; beacon calling home.")
    }

    /// Gives every user of the file a password: the shared one if set, else a fresh random one each.
    static func setPasswords(for file: ExerciseFile, shared: String?, app: Application) async throws -> [String: String] {
        if let shared, shared.count < TextLimit.password.min {
            throw ConfigurationError("RAMPART_DEMO_PASSWORD must be at least \(TextLimit.password.min) characters")
        }
        var passwords: [String: String] = [:]
        for user in file.users {
            passwords[user.username] = shared.flatMap { $0.isEmpty ? nil : $0 } ?? app.dependencies.token(bytes: 9)
        }
        // Bcrypt is slow by design; hash on every thread-pool thread at once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (username, password) in passwords {
                group.addTask {
                    try await Accounts.updateUser(username, .init(password: password), by: .commandLine("demo"), app: app)
                }
            }
            try await group.waitForAll()
        }
        return passwords
    }

    static func accountTable(_ file: ExerciseFile, passwords: [String: String]) -> String {
        var rows: [(String, String, String, String)] = [("USERNAME", "TEAM", "ROLE", "PASSWORD")]
        for team in file.teams {
            for member in team.members {
                let admin = file.users.first { $0.username == member.username }?.admin ?? false
                let role = team.kind.rawValue + (member.judge ? " (judge)" : "") + (admin ? " (admin)" : "")
                rows.append((member.username, team.name, role, passwords[member.username] ?? "-"))
            }
        }
        let widths = (0..<3).map { column in
            rows.map { row in [row.0, row.1, row.2][column].count }.max() ?? 0
        }
        return rows.map { row in
            [
                row.0.padding(toLength: widths[0], withPad: " ", startingAt: 0),
                row.1.padding(toLength: widths[1], withPad: " ", startingAt: 0),
                row.2.padding(toLength: widths[2], withPad: " ", startingAt: 0),
                row.3,
            ].joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
