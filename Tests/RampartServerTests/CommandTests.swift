import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

/// The command-line tools, run as `rampart …` would run them.
@Suite struct CommandTests {
    func run(_ app: Application, _ arguments: String...) async throws {
        var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["rampart"] + arguments))
        context.application = app
        try await app.asyncCommands.group().run(using: &context)
    }

    @Test(arguments: TestDatabase.all)
    func exerciseFilesApplyAndExportFromTheCommandLine(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let input = directory.appendingPathComponent("in.yaml").path
            let output = directory.appendingPathComponent("out.yaml").path
            try DemoExercise.load().yaml().write(toFile: input, atomically: true, encoding: .utf8)
            try FileManager.default.copyItem(at: DemoExercise.folder().appendingPathComponent("files"), to: directory.appendingPathComponent("files"))
            // act
            try await run(app, "exercise", "apply", input, "--dry-run")
            let afterDryRun = try await Exercise.query(on: app.db).count()
            try await run(app, "exercise", "apply", input)
            try await run(app, "exercise", "apply", input)
            try await run(app, "exercise", "export", "marvel-demo", "--output", output)
            // check
            #expect(afterDryRun == 0)
            // The second apply changed nothing: only the first one's steps are in the trail.
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "exercise.apply").count() == 4)
            let exported = try ExerciseFile.read(yaml: String(contentsOfFile: output, encoding: .utf8))
            #expect(exported.exercise == (try DemoExercise.load()).exercise)
            await #expect(throws: (any Error).self) { try await run(app, "exercise", "apply", directory.appendingPathComponent("missing.yaml").path) }
        }
    }

    /// The demo's week starts on the day it runs (in Seoul), so its clocks and countdowns read as an
    /// exercise under way; a month's end is crossed correctly.
    @Test func theDemosWeekStartsTheDayItRuns() throws {
        let seoul = TimeZone(identifier: "Asia/Seoul")!
        func date(_ text: String) throws -> Date {
            let style = Date.ISO8601FormatStyle(timeZone: seoul).year().month().day().time(includingFractionalSeconds: false)
            return try Date(text, strategy: style)
        }
        // 08:30 on 31 December in Seoul (23:30 UTC the day before): day 1 is 31 December, day 5 is 4 January.
        let file = try DemoExercise.load(today: try date("2026-12-31T08:30:00"))
        #expect(file.exercise.schedule.startsAt == (try date("2026-12-31T09:00:00")))
        #expect(file.exercise.schedule.windows.map(\.startsAt).last == (try date("2027-01-04T09:00:00")))
        #expect(file.exercise.schedule.freezeAt == (try date("2027-01-04T16:00:00")))
        #expect(try DemoExercise.load(today: try date("2027-02-01T12:00:00")).exercise.schedule == (try DemoExercise.load(today: try date("2027-02-01T23:00:00"))).exercise.schedule)
    }

    /// A second demo on another port moves its targets with it, so both can run on one machine.
    @Test func theDemosTargetsMoveWithItsPort() throws {
        // setup
        let standard = try DemoExercise.load(targetOffset: DemoExercise.targetOffset(port: 8080)).services
        // act
        let moved = try DemoExercise.load(targetOffset: DemoExercise.targetOffset(port: 8081)).services
        // check
        #expect(standard.map(\.address) == ["127.0.{team.number}.1:18080", "127.0.{team.number}.1:18025", "127.0.{team.number}.1:18022", "127.0.{team.number}.1:18053"])
        #expect(moved.map(\.address) == ["127.0.{team.number}.1:18081", "127.0.{team.number}.1:18026", "127.0.{team.number}.1:18023", "127.0.{team.number}.1:18054"])
        for port in [1, 1024, 8079, 40_000, 65_535] {
            let offset = DemoExercise.targetOffset(port: port)
            #expect(DemoTargets.kinds.allSatisfy { (1024...65_535).contains($0.port + offset) }, "port \(port)")
        }
    }

    @Test(arguments: TestDatabase.all)
    func usersAreCreatedAndTheAuditChainVerifiedFromTheCommandLine(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            try await run(app, "user", "create", "chief", "--admin", "--display-name", "Chief of Staff")
            try await run(app, "user", "create", "deputy")
            try await run(app, "user", "create", "aide")
            let head = try #require(try await AuditRecord.query(on: app.db).sort(\.$seq, .descending).first())
            let anchor = "\(head.seq):\(head.hash)"
            try await run(app, "audit", "verify", "--anchor", anchor)
            let user = try #require(try await User.query(on: app.db).filter(\.$username == "chief").first())
            #expect(user.isAdmin && user.displayName == "Chief of Staff" && user.passwordHash != nil)
            // act: cut the newest record, which the chain alone cannot notice; then the oldest, which it can
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.raw("DELETE FROM audit_records WHERE seq = \(bind: head.seq)").run()
            try await run(app, "audit", "verify")
            await #expect(throws: ConfigurationError.self) { try await run(app, "audit", "verify", "--anchor", anchor) }
            try await sql.raw("DELETE FROM audit_records WHERE seq = 1").run()
            // check
            await #expect(throws: ConfigurationError.self) { try await run(app, "audit", "verify") }
        }
    }

    @Test(arguments: TestDatabase.all)
    func everyMigrationRevertsAndAppliesAgain(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            _ = try await Fixture.make(app)
            try await app.autoRevert()
            try await app.autoMigrate()
            #expect(try await User.query(on: app.db).count() == 0)
            _ = try await Fixture.make(app)
            #expect(try await Team.query(on: app.db).count() == TeamKind.allCases.count)
        }
    }

    @Test func checkRunsOneCheckByHandAndFailsUnlessUp() async throws {
        try await withRampart(.sqlite) { app, _ in
            // setup: a checker that says the shop is up, and one that says it is down
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-check-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            func checker(_ name: String, exit code: Int) throws -> String {
                let path = directory.appendingPathComponent(name).path
                try "#!/bin/sh\necho \"$1 $2\"\nexit \(code)\n".write(toFile: path, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
                return path
            }
            let up = try checker("up.sh", exit: 101)
            let down = try checker("down.sh", exit: 104)
            // act + check
            try await run(app, "check", "external", "--checker", up, "10.1.1.5")
            await #expect(throws: ConfigurationError.self) { try await run(app, "check", "external", "--checker", down, "10.1.1.5") }
            await #expect(throws: ConfigurationError.self) { try await run(app, "check", "tcp", "127.0.0.1:1", "--timeout", "2") }
            await #expect(throws: ConfigurationError.self) { try await run(app, "check", "tcp", "127.0.0.1:1", "--param", "banner=x") }
            await #expect(throws: ConfigurationError.self) { try await run(app, "check", "smtp", "127.0.0.1:25") }
            let parsed = try CheckCommand.parse(["tcp", "10.1.1.5:22", "--param", "expect=^SSH-", "-p", "send=a=b", "--timeout", "1.5"])
            #expect(
                parsed == .init(type: "tcp", target: "10.1.1.5:22", parameters: ["expect": "^SSH-", "send": "a=b"], timeout: .milliseconds(1500)))
            let result = try await CheckCommand.run(.init(type: "external", target: "10.1.1.5", checker: up)).result
            #expect(result.status == .up && result.publicMessage == "check 10.1.1.5")
            // --flags: the whole round; this checker's put prints "put 10.1.1.5", the id get receives
            try await run(app, "check", "external", "--checker", up, "10.1.1.5", "--flags", "stdout")
            let round = try await CheckCommand.run(try CheckCommand.parse(["external", "10.1.1.5", "--checker", up, "--flags", "stdout"]))
            #expect(round.placed?.privateID == "put 10.1.1.5" && round.result.privateDetail.hasPrefix("check up; put up; get up"))
            await #expect(throws: ConfigurationError.self) { try await run(app, "check", "external", "--checker", up, "x", "--flags", "json") }
            await #expect(throws: ConfigurationError.self) { try await run(app, "check", "tcp", "127.0.0.1:1", "--flags", "stdout") }
        }
    }
}
