import Fluent
import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting

@testable import RampartChecks
@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

/// Flag rounds with real checkers (Tests/Fixtures/flags) against a real note-keeping service: one
/// written with ForcAD's `checklib`, one with `enochecker3` served over its HTTP protocol. Flags made
/// with their tick, put and get run by the worker, flag ids stored and published, a wiped service
/// caught by the get of an older flag. `scripts/test.sh` installs checklib, enochecker3 and uvicorn
/// and requires these tests; a bare `swift test` skips them.
@Suite struct FlagRoundTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/flags")
    static let available: Bool = {
        if ProcessInfo.processInfo.environment["RAMPART_REQUIRE_PYTHON_CHECKERS"] != nil { return true }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import checklib, enochecker3, uvicorn"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// Runs the fixture `script` (which listens on a free port and writes it to the file named by its
    /// first argument) until `body` returns; `body` gets its port.
    static func serving(_ script: String, _ arguments: String..., body: (Int) async throws -> Void) async throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-port-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", fixtures.appendingPathComponent(script).path, portFile.path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: portFile)
        }
        for _ in 0..<300 where !FileManager.default.fileExists(atPath: portFile.path) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let port = try #require(Int(try String(contentsOf: portFile, encoding: .utf8)), "\(script) did not start")
        try await body(port)
    }

    @Test(.enabled(if: available), arguments: TestDatabase.all)
    func flagsArePlantedReadBackAndPublished(_ database: TestDatabase) async throws {
        try await Self.serving("notes_service.py") { port in
            try await Self.serving("notes_enochecker.py", String(port)) { enochecker in
                // The administrator's checker folder: the checker under two names (its `put` answers
                // the pfr way when its file name says so).
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-checkers-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                for name in ["notes_checker.py", "notes_checker_pfr.py"] {
                    try FileManager.default.createSymbolicLink(
                        atPath: folder.appendingPathComponent(name).path,
                        withDestinationPath: Self.fixtures.appendingPathComponent("notes_checker.py").path)
                }
                try await withRampart(database, adjust: { $0.checkerDirectory = folder.path }) { app, clock in
                    // setup: the note service for the blue team, a closed port for blue2; the checker
                    // returns ids the HackerDom way (stdout JSON) for one service and ForcAD's pfr way for another
                    let fixture = try await Fixture.make(app)
                    let white = try await fixture.headers(.white)
                    _ = try await Teams.create(in: "ex", .init(slug: "blue2", kind: .blue, name: "Second blue"), by: .commandLine("test"), app: app)
                    let blueTeam = try #require(fixture.teams[.blue])
                    for (name, checker, mode) in [("notes", "notes_checker.py", "stdout"), ("vault", "notes_checker_pfr.py", "pfr")] {
                        let source = """
                            name: \(name)
                            check: external
                            parameters: {checker: "\(checker)"}
                            address: "127.0.0.1:\(port)"
                            overrides: {blue2: "127.0.0.1:1"}
                            points: 5
                            timeout: 10
                            flags: {lifetime: 3, vulns: 1, flag_ids: \(mode)}
                            """
                        let created = try await app.testing().sendRequest(
                            .POST, "/api/v1/exercises/ex/services", headers: HTTPHeaders([("Content-Type", "application/yaml")]).merging(white),
                            body: ByteBuffer(string: source))
                        #expect(created.status == .created, "\(created.body.string)")
                    }
                    // the enochecker reaches the team's host on the service's port (blue2's host has no service)
                    let enoSource = """
                        name: enonotes
                        check: enochecker
                        parameters: {url: "http://127.0.0.1:\(enochecker)"}
                        address: "127.0.0.1"
                        overrides: {blue2: "127.0.0.2"}
                        points: 5
                        timeout: 10
                        flags: {lifetime: 3}
                        """
                    let enoCreated = try await app.testing().sendRequest(
                        .POST, "/api/v1/exercises/ex/services", headers: HTTPHeaders([("Content-Type", "application/yaml")]).merging(white),
                        body: ByteBuffer(string: enoSource))
                    #expect(enoCreated.status == .created, "\(enoCreated.body.string)")
                    // flags on a check that plants none are refused
                    let refused = try await app.testing().sendRequest(
                        .POST, "/api/v1/exercises/ex/services", headers: HTTPHeaders([("Content-Type", "application/yaml")]).merging(white),
                        body: ByteBuffer(string: "name: web\ncheck: tcp\naddress: \"127.0.0.1:\(port)\"\nflags: {lifetime: 2}"))
                    #expect(refused.status == .unprocessableEntity && refused.body.string.contains("flag rounds"), "\(refused.body.string)")
                    _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
                    let worker = CheckWorker(app: app, name: "test-worker", zones: ["default"])

                    // act: tick 1
                    #expect(try await Ticks.step(app: app, now: clock.now).created == [1])
                    let planted = try await ServiceFlagRecord.query(on: app.db).all()
                    #expect(planted.count == 6, "one flag per (service, blue team)")
                    #expect(planted.allSatisfy { $0.flag.range(of: "^\(ServiceFlag.pattern)$", options: .regularExpression) != nil })
                    #expect(Set(planted.map { $0.flag.first }) == ["N", "V", "E"])
                    #expect(try await worker.runDue(now: clock.now) == 6)
                    #expect(try await Ticks.step(app: app, now: clock.now).scored == [1])

                    // check: the blue team's flags are placed with the checker's ids; blue2's are not
                    let placed = try await ServiceFlagRecord.query(on: app.db).filter(\.$teamID == blueTeam.id!).all()
                    #expect(placed.allSatisfy { $0.placedAt != nil }, "\(placed.map(\.privateID))")
                    let notes = try #require(try await flag(of: "notes", team: blueTeam.id!, tick: 1, app: app))
                    #expect(notes.privateID.hasPrefix("{\"public_flag_id\""), "stdout replaced the id")
                    let vault = try #require(try await flag(of: "vault", team: blueTeam.id!, tick: 1, app: app))
                    #expect(
                        vault.privateID.contains(":") && vault.publicID.map { vault.privateID.hasPrefix($0 + ":") } == true, "pfr: stderr private")
                    let noteID = try #require(notes.publicID)
                    #expect(!notes.privateID.isEmpty && notes.privateID.contains(noteID))
                    let blue2 = try await ServiceFlagRecord.query(on: app.db).filter(\.$teamID != blueTeam.id!).all()
                    #expect(blue2.count == 3 && blue2.allSatisfy { $0.placedAt == nil })
                    let jobs = try await CheckJob.query(on: app.db).filter(\.$tick == 1).filter(\.$teamID == blueTeam.id!).all()
                    let external = jobs.filter { $0.checkType == "external" }
                    #expect(
                        external.count == 2 && external.allSatisfy { $0.status == .up && $0.message == "Notes are open" }, "\(jobs.map(\.detail))")
                    #expect(external.allSatisfy { ($0.detail ?? "").hasPrefix("check up; put up; get up") })
                    let eno = try #require(jobs.first { $0.checkType == "enochecker" })
                    #expect(eno.status == .up && (eno.detail ?? "").hasPrefix("havoc up; putflag up; getflag up"), "\(eno.detail ?? "")")
                    let enoFlag = try #require(try await flag(of: "enonotes", team: blueTeam.id!, tick: 1, app: app))
                    #expect(enoFlag.publicID?.count == 16, "the checker's attack info: the note's id")
                    let facts = try await ScoreFactRecord.query(on: app.db).filter(\.$kind == "availability").all()
                    #expect(facts.map(\.points) == [15])

                    // the public ids, for every member of the exercise, red team included
                    let red = try await fixture.headers(.red)
                    let data = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/attack-data", headers: red)
                    #expect(data.status == .ok)
                    let attack = try data.json() as? [String: [String: [String]]]
                    #expect(attack?["notes"] == ["127.0.0.1": [noteID]])
                    #expect(attack?["vault"] == ["127.0.0.1": [vault.publicID ?? ""]])
                    #expect(attack?["enonotes"] == ["127.0.0.1": [enoFlag.publicID ?? ""]])
                    #expect(!data.body.string.contains(notes.flag), "flags themselves are never published")
                    let page = try await app.testing().sendRequest(.GET, "/exercises/ex/attack-data", headers: red)
                    #expect(page.status == .ok && page.body.string.contains(noteID))
                    let anonymous = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/attack-data")
                    #expect(anonymous.status == .unauthorized)
                    let home = try await app.testing().sendRequest(.GET, "/exercises/ex", headers: red)
                    #expect(home.body.string.contains("/exercises/ex/attack-data"))
                    // the navigation every feature adds to, in its positions' order; services are not the red team's to see
                    func navigation(_ headers: HTTPHeaders) async throws -> [String] {
                        let body = try await app.testing().sendRequest(.GET, "/exercises/ex", headers: headers).body.string
                        let start = try #require(body.firstRange(of: #"class="tabs""#))
                        let end = try #require(body[start.upperBound...].firstRange(of: "</nav>"))
                        return body[start.lowerBound..<end.lowerBound].matches(of: /href="\/exercises\/ex\/([a-z-]+)/).map { String($0.1) }
                    }
                    #expect(try await navigation(red) == ["challenges", "scoreboard", "attack-data", "reports", "announcements", "teams"])
                    #expect(try await navigation(try await fixture.headers(.blue)) == ["challenges", "scoreboard", "services", "attack-data", "reports", "announcements", "teams"])

                    // act: tick 2 reads tick 1's flags back
                    clock.advance(60)
                    #expect(try await Ticks.step(app: app, now: clock.now).created == [2])
                    #expect(try await worker.runDue(now: clock.now) == 6)
                    #expect(try await Ticks.step(app: app, now: clock.now).scored == [2])
                    let second = try await CheckJob.query(on: app.db).filter(\.$tick == 2).filter(\.$teamID == blueTeam.id!).all()
                    #expect(second.allSatisfy { $0.status == .up && ($0.detail ?? "").contains("of tick 1's flag up") }, "\(second.map(\.detail))")

                    // act: the team restores a clean snapshot; tick 3's get of an older flag finds it gone
                    #expect(try await app.client.post("http://127.0.0.1:\(port)/wipe").status == .ok)
                    clock.advance(60)
                    #expect(try await Ticks.step(app: app, now: clock.now).created == [3])
                    #expect(try await worker.runDue(now: clock.now) == 6)
                    #expect(try await Ticks.step(app: app, now: clock.now).scored == [3])
                    let third = try await CheckJob.query(on: app.db).filter(\.$tick == 3).filter(\.$teamID == blueTeam.id!).all()
                    // checklib's CORRUPT (102) is corrupt; enochecker has no such answer and says MUMBLE
                    #expect(third.allSatisfy { $0.status == ($0.checkType == "external" ? .corrupt : .mumble) }, "\(third.map(\.detail))")
                    #expect(third.allSatisfy { $0.message == "A note is gone" })
                    #expect(third.allSatisfy { ($0.detail ?? "").contains("up; get of tick") || ($0.detail ?? "").contains("up; getflag of tick") })
                    let status = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/services/status", headers: white)
                    #expect(status.body.string.contains("\"status\":\"corrupt\""))
                    let tick3Facts = try await ScoreFactRecord.query(on: app.db).filter(\.$kind == "availability").filter(\.$evidenceText == "tick:3").count()
                    #expect(tick3Facts == 0, "corrupt earns nothing")
                    // tick 3's new flag was placed (its put and get worked): three live ids per service now
                    let live = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/attack-data", headers: white)
                    #expect((try live.json() as? [String: [String: [String]]])?["notes"]?["127.0.0.1"]?.count == 3)
                }
            }
        }
    }

    private func flag(of service: String, team: UUID, tick: Int, app: Application) async throws -> ServiceFlagRecord? {
        let id = try await Services.find(service, in: try #require(try await Exercise.query(on: app.db).first()?.id), on: app.db).requireID()
        return try await ServiceFlagRecord.query(on: app.db).filter(\.$serviceID == id).filter(\.$teamID == team).filter(\.$tick == tick).first()
    }
}
