import Fluent
import Foundation
import RampartChallenges
import RampartCore
import RampartDefence
import RampartKernel
import RampartReports
import RampartScoring
import Vapor

/// `rampart demo` plays a short scenario in compressed time, so a newcomer sees the command centre
/// move within a minute: the exercise starts, blue teams solve challenges (a first blood among them),
/// a service goes down and comes back, the red cell files a compromise that a judge validates, the
/// blue team reports the incident and a judge grades it, announcements go out. Every step goes through
/// the functions a person's request calls, with that person's team and name; nothing here scores.
/// Afterwards a service of some team fails and recovers every half minute. `--no-play` turns it off.
enum DemoPlay {
    /// Seconds between steps (`RAMPART_DEMO_STEP_SECONDS`, default 5).
    static var stepSeconds: Double {
        Environment.get("RAMPART_DEMO_STEP_SECONDS").flatMap(Double.init).map { min(max($0, 0.2), 600) } ?? 5
    }

    static func run(app: Application, targets: DemoTargets?) async {
        let logger = Logger(label: "rampart.demo")
        do {
            let player = try await Player(app: app, targets: targets)
            try await player.play(logger: logger)
        } catch is CancellationError {
        } catch {
            logger.warning("demo: the scenario stopped: \(String(reflecting: error))")
        }
    }

    struct Player {
        let app: Application
        let targets: DemoTargets?
        let exercise: Exercise
        let teams: [Team]

        init(app: Application, targets: DemoTargets?) async throws {
            self.app = app
            self.targets = targets
            exercise = try await Exercises.find("marvel-demo", on: app.db)
            teams = try await Teams.all(in: exercise, on: app.db)
        }

        func context(_ slug: String) async throws -> ExerciseContext {
            // The exercise as it is now (running), as a request would load it.
            let current = try await Exercises.find("marvel-demo", on: app.db)
            let team = teams.first { $0.slug == slug }
            return ExerciseContext(exercise: current, role: team?.kind ?? .white, team: team, judge: team?.kind == .white)
        }

        func actor(_ username: String) async throws -> AuditActor {
            let user = try await User.query(on: app.db).filter(\.$username == username).first()
            return AuditActor(id: user?.id, name: username)
        }

        func pause() async throws { try await Task.sleep(for: .milliseconds(Int(DemoPlay.stepSeconds * 1000))) }

        func play(logger: Logger) async throws {
            guard [.draft, .running].contains(exercise.state) else {
                logger.info("demo: the exercise is \(exercise.state.rawValue); nothing to play")
                return
            }
            let admin = try await actor("admin")
            if exercise.state == .draft { _ = try await Exercises.move("marvel-demo", to: .running, by: admin, app: app) }
            logger.info("demo: playing the scenario (--no-play to turn it off); watch /exercises/marvel-demo/command")
            try await announce("welcome", .demoWelcomeTitle, .demoWelcomeBody, level: .info)
            try await pause()
            try await solve("blue-kr", "kr-lead", "Overdue invoice", "RAMPART{phish_kit_0203}")
            try await pause()
            try await solve("blue-kr", "kr-analyst", "Sender infrastructure", "RAMPART{203.0.113.77}")
            try await pause()
            try await service("blue-gb", "shop", up: false)
            try await pause()
            let compromise = try await compromise()
            try await pause()
            try await solve("blue-jp", "jp-lead", "Beaconing host", "RAMPART{10.1.1.15}")
            try await pause()
            if let compromise { try await incident(covering: compromise) }
            try await pause()
            try await announce("patch-shop", .demoPatchTitle, .demoPatchBody, level: .warning, roles: [.blue])
            try await pause()
            try await service("blue-gb", "shop", up: true)
            try await pause()
            try await solve("blue-ca", "ca-lead", "Overdue invoice", "RAMPART{phish_kit_0203}")
            try await pause()
            try await solve("blue-au", "au-lead", "Ransom note", "RAMPART{affiliate-17}")
            logger.info("demo: scenario played; a service now fails and recovers every 30 s")
            // Afterwards the matrix keeps moving: one team's service down for a while, then back.
            let blue = teams.filter { $0.kind == .blue }.map(\.slug).sorted()
            var round = 0
            while !Task.isCancelled, !blue.isEmpty {
                let team = blue[round % blue.count]
                let name = ["mail", "ssh", "shop", "dns"][round % 4]
                try await Task.sleep(for: .seconds(30))
                try await service(team, name, up: false)
                try await Task.sleep(for: .seconds(30))
                try await service(team, name, up: true)
                round += 1
            }
        }

        func solve(_ team: String, _ username: String, _ challenge: String, _ flag: String) async throws {
            let context = try await context(team)
            let state = try await app.scores.state(context.exerciseID, on: app.db, now: app.dependencies.now())
            guard let id = state.catalog.idByName[challenge], let user = try await actor(username).id else { return }
            _ = try await Attempts.submit(flag, challengeID: id, context: context, user: user, source: "demo", app: app)
        }

        func service(_ team: String, _ name: String, up: Bool) async throws {
            guard let targets else { return }
            let state = try await targets.set(team, name, up: up)
            let now = app.dependencies.now()
            let actor = try await actor("range-op")
            let exerciseID = try exercise.requireID()
            try await app.write { db in
                try await Audit.record(
                    AuditEvent(
                        exerciseID: exerciseID, action: "demo.target", subjectType: "team", subject: team,
                        summary: "\(up ? "brought up" : "took down") demo \(state.service) at \(state.address)"),
                    by: actor, at: now, on: db)
            }
        }

        func announce(_ key: String, _ title: Phrase, _ body: Phrase, level: AnnouncementLevel, roles: [TeamKind] = []) async throws {
            let spec = AnnouncementSpec(key: key, title: title.en, titleKo: title.ko, body: body.en, bodyKo: body.ko, level: level, roles: roles)
            try await Announcements.post(
                spec, teamIDs: [], exerciseID: try exercise.requireID(), by: try await actor("admin"), now: app.dependencies.now(), app: app)
        }

        /// The red cell reports a web shell on blue-ee's shop; a judge validates it.
        func compromise() async throws -> UUID? {
            let now = app.dependencies.now()
            let input = Reports.CompromiseInput(
                team: "blue-ee", asset: "shop", techniques: ["T1190", "T1505.003"], accessLevel: "administrator", persistence: false,
                dataAccessed: ["personal_data"], sourceAddress: "10.66.6.7", targetAddress: nil, compromisedAt: now.addingTimeInterval(-30),
                narrative: "Web shell through the shop's invoice upload; listed the customer table.")
            let filed = try await Reports.fileCompromise(input, context: try await context("red"), by: try await actor("red-op"), app: app)
            try await pause()
            let id = try filed.requireID()
            _ = try await Reports.decide(
                id, verdict: "validated", penalty: nil, note: "Matches the shop's access log", context: try await context("control"),
                by: try await actor("judge"), app: app)
            return id
        }

        /// blue-ee reports the incident; another judge grades it, crediting the compromise it covers.
        func incident(covering compromise: UUID) async throws {
            let now = app.dependencies.now()
            let report = try await Reports.fileIncident(
                .init(
                    title: "Web shell on the shop", detectedAt: now.addingTimeInterval(-10), assets: ["shop"], techniques: ["T1505.003"],
                    indicators: ["10.66.6.7"], actions: "Removed the shell and closed the upload form.",
                    narrative: "File integrity monitoring flagged a new PHP file in `uploads/`."),
                context: try await context("blue-ee"), by: try await actor("ee-lead"), app: app)
            try await pause()
            _ = try await Reports.grade(
                try report.requireID(), levels: ["detection": "full", "accuracy": "accurate", "timeliness": "within_hour", "containment": "contained"],
                compromiseReports: [compromise], note: "Fast and complete", context: try await context("control"), by: try await actor("judge-kr"),
                app: app)
        }
    }
}
