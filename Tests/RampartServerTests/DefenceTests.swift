import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

/// Services checked every tick against real loopback services, scored as facts; password change
/// requests; the status API and pages; and a worker process killed mid-tick (PostgreSQL).
@Suite struct DefenceTests {
    /// Services against the demo targets of the fixture's blue team (and a second blue team whose
    /// shop is overridden to a port nobody listens on).
    static func services(offset: Int) -> [String] {
        [
            """
            name: shop
            check: http
            address: "127.0.{team.number}.1:\(18080 + offset)"
            parameters: {contains: "Port Authority Shop"}
            points: 10
            timeout: 3
            credit: {mumble: 0.5}
            sla: {after: 2, penalty: 7, mode: flat}
            overrides: {blue2: "127.0.0.1:1"}
            """,
            """
            name: mail
            check: tcp
            address: "127.0.{team.number}.1:\(18025 + offset)"
            parameters: {expect: "^220 "}
            points: 4
            timeout: 3
            credentials: [{username: postmaster, password: initial}]
            """,
        ]
    }

    static func json(_ response: TestingHTTPResponse) throws -> [String: Any] {
        (try response.json() as? [String: Any]) ?? [:]
    }

    @Test(arguments: TestDatabase.all)
    func servicesAreCheckedEveryTickAndScoredOnce(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            // setup: two blue teams, real targets for the first, services from the API
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.white)
            let blue = try await fixture.headers(.blue)
            let blue2 = try await Teams.create(in: "ex", .init(slug: "blue2", kind: .blue, name: "Second blue"), by: .commandLine("test"), app: app)
            let blueTeam = try #require(fixture.teams[.blue])
            let offset = (database == .sqlite ? 100 : 200) + Int.random(in: 0..<50) * 300
            let targets = DemoTargets(teams: [blueTeam.slug: blueTeam.number], portOffset: offset)
            await targets.start(logger: app.logger)
            app.demoTargets = targets
            defer { Task { await targets.stop() } }
            for source in Self.services(offset: offset) {
                let created = try await app.testing().sendRequest(
                    .POST, "/api/v1/exercises/ex/services", headers: HTTPHeaders([("Content-Type", "application/yaml")]).merging(white),
                    body: ByteBuffer(string: source))
                #expect(created.status == .created, "\(created.body.string)")
            }
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            let worker = CheckWorker(app: app, name: "test-worker", zones: ["default"])

            // act: tick 1 — made once however often asked, run, scored once
            let first = try await Ticks.step(app: app, now: clock.now)
            #expect(first.created == [1])
            app.defence.forget(fixture.exercise.id!)
            #expect(try await Ticks.step(app: app, now: clock.now).created == [])
            #expect(try await CheckJob.query(on: app.db).count() == 4)
            #expect(try await worker.runDue(now: clock.now) == 4)
            #expect(try await Ticks.step(app: app, now: clock.now).scored == [1])
            #expect(try await Ticks.scoreNext(fixture.exercise.id!, app: app, now: clock.now) == nil)

            // check: up earns points; the overridden, closed shop earns none
            let facts = try await ScoreFactRecord.query(on: app.db).sort(\.$seq).all()
            #expect(facts.map(\.kind) == ["availability"], "blue2 earned nothing, so it has no fact")
            #expect(facts.first?.points == 14 && facts.first?.teamID == blueTeam.id && facts.first?.tick == 1)
            #expect(facts.first?.reason == "Tick 1: shop up +10, mail up +4")
            #expect(facts.first?.reasonKo == "틱 1: shop 정상 +10, mail 정상 +4" && facts.first?.actorName == ScoreFacts.scoringActor)
            let status = try Self.json(try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/services/status", headers: white))
            #expect(status["tick"] as? Int == 1)
            let rows = status["teams"] as? [[String: Any]] ?? []
            #expect(rows.map { $0["team"] as? String } == [blueTeam.slug, "blue2"])
            let blue2Shop = (rows.last?["services"] as? [[String: Any]])?.first
            #expect(blue2Shop?["status"] as? String == "down" && blue2Shop?["message"] as? String == "Connection refused")
            let own = try Self.json(try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/services/status", headers: blue))
            #expect((own["teams"] as? [[String: Any]])?.count == 1, "a blue team sees its own services only")
            let red = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/services/status", headers: try await fixture.headers(.red))
            #expect(red.status == .forbidden)

            // act: the blue team changes the mail password; the white team takes the shop down
            let changed = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams/\(blueTeam.slug)/password-changes", headers: .json(blue),
                body: .json(["service": "mail", "username": "postmaster", "password": "n3w-Secret"]))
            #expect(changed.status == .created)
            #expect(try Self.json(changed)["password"] == nil, "the team's own view does not echo passwords")
            let history = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/teams/\(blueTeam.slug)/password-changes", headers: white)
            let requests = (try history.json() as? [[String: Any]]) ?? []
            #expect(requests.first?["team"] as? String == blueTeam.slug && requests.first?["password"] as? String == "n3w-Secret")
            let wrongAccount = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams/\(blueTeam.slug)/password-changes", headers: .json(blue),
                body: .json(["service": "mail", "username": "root", "password": "x"]))
            #expect(wrongAccount.status == .unprocessableEntity)
            let otherTeam = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams/blue2/password-changes", headers: .json(blue),
                body: .json(["service": "mail", "username": "postmaster", "password": "x"]))
            #expect(otherTeam.status == .notFound)
            let down = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams/\(blueTeam.slug)/services/shop/demo-target", headers: .json(white), body: .json(["up": false]))
            let downState = try Self.json(down)
            #expect(down.status == .ok && downState["up"] as? Bool == false)
            // while something else holds its address, the target cannot come back: a clear 409, not a 500
            let address = try #require(downState["address"] as? String)
            let squatter = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)  // past the checks' TIME_WAITs
                .bind(host: String(address.split(separator: ":")[0]), port: Int(address.split(separator: ":")[1])!).get()
            let blocked = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams/\(blueTeam.slug)/services/shop/demo-target", headers: .json(white), body: .json(["up": true]))
            #expect(blocked.status == .conflict && blocked.body.string.contains("cannot listen on \(address)"), "\(blocked.body.string)")
            try await squatter.close()

            // ticks 2 and 3: the shop is down twice in a row → one flat SLA penalty; blue2 too
            for tick in 2...3 {
                clock.advance(60)
                #expect(try await Ticks.step(app: app, now: clock.now).created == [tick])
                try await worker.runDue(now: clock.now)
                #expect(try await Ticks.step(app: app, now: clock.now).scored == [tick])
            }
            let job = try await CheckJob.query(on: app.db).filter(\.$tick == 2).filter(\.$teamID == blueTeam.id!).filter(\.$username != nil).first()
            #expect(job?.password == "n3w-Secret", "the tick after the request logs in with the new password")
            let penalties = try await ScoreFactRecord.query(on: app.db).filter(\.$kind == "sla").all()
            // blue2's shop was down from tick 1 (its penalty falls in tick 2), the blue team's from tick 2
            #expect(penalties.map(\.tick) == [2, 3] && penalties.allSatisfy { $0.points == -7 && $0.category == "penalties" })
            #expect(penalties.map(\.teamID) == [blue2.id, blueTeam.id])
            let board = try Self.json(try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/scoreboard", headers: white))
            let boardText = String(data: try JSONSerialization.data(withJSONObject: board), encoding: .utf8) ?? ""
            #expect(boardText.contains("availability"), "the scoreboard has an availability category")

            // check: the status change is an event and a timeline row, with since = the tick it changed
            let seen = try await LiveEvents.read(after: 0, limit: 1000, on: app.db).filter { $0.kind == "service.status" }
            #expect(seen.filter { $0.payload["tick"] == "2" }.map { $0.payload["to"] } == ["down"])
            #expect(seen.allSatisfy { $0.audience == LiveAudience(kinds: [.green, .yellow], ownTeam: true) && $0.teamID != nil })
            let timeline = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/teams/\(blueTeam.slug)/service-events", headers: blue)
            let changes = (try timeline.json() as? [[String: Any]]) ?? []
            #expect(
                changes.first?["service"] as? String == "shop" && changes.first?["from"] as? String == "up"
                    && changes.first?["to"] as? String == "down")
            let checks =
                (try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/teams/\(blueTeam.slug)/checks", headers: blue).json()
                    as? [[String: Any]]) ?? []
            #expect(checks.count == 6 && checks.allSatisfy { $0["detail"] == nil }, "private details stay with the white and green teams")
            let whiteChecks =
                (try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/teams/\(blueTeam.slug)/checks", headers: white).json()
                    as? [[String: Any]]) ?? []
            #expect(whiteChecks.contains { ($0["detail"] as? String)?.isEmpty == false })
            let peek = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/teams/blue2/checks", headers: blue)
            #expect(peek.status == .notFound)
            // a limit is kept or refused, never quietly changed
            let two = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/teams/\(blueTeam.slug)/checks?limit=2", headers: blue)
            #expect((try two.json() as? [[String: Any]])?.count == 2)
            for limit in ["0", "2001", "many", "", "2&limit=3"] {
                let refused = try await app.testing().sendRequest(
                    .GET, "/api/v1/exercises/ex/teams/\(blueTeam.slug)/checks?limit=\(limit)", headers: blue)
                #expect(refused.status == .unprocessableEntity, "limit=\(limit)")
                #expect(refused.body.string.contains("limit: expected a number from 1 to 2000"), "limit=\(limit)")
            }

            // a pause stops ticks; running time, not wall time, numbers them
            _ = try await Exercises.move("ex", to: .paused, by: .commandLine("test"), app: app)
            clock.advance(600)
            #expect(try await Ticks.step(app: app, now: clock.now).created == [])
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            clock.advance(30)
            #expect(try await Ticks.step(app: app, now: clock.now).created == [], "150 s of running time is still tick 3")
            clock.advance(30)
            #expect(try await Ticks.step(app: app, now: clock.now).created == [4])

            // a job nobody runs becomes an error (no points, no SLA) so its tick can still be scored
            clock.advance(Ticks.abandonAfter + 10)
            let late = try await Ticks.step(app: app, now: clock.now)
            #expect(late.abandoned == 4 && late.scored.contains(4))
            #expect(try await ScoreFactRecord.query(on: app.db).filter(\.$evidenceText == "tick:4").count() == 0)

            // the projection agrees with the facts; try-a-check runs now and records nothing
            #expect(try await app.scores.rebuild(fixture.exercise.id!, app: app) == 0)
            let tried = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/services/mail/try", headers: .json(white), body: .json(["team": blueTeam.slug]))
            #expect(try Self.json(tried)["status"] as? String == "up")
        }
    }

    @Test(arguments: TestDatabase.all)
    func badServicesAreRefusedWithReasons(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.white)
            let cases: [(String, String)] = [
                ("name: web\ncheck: smoke-signal\naddress: x:1", "unknown check type"),
                ("name: status\ncheck: tcp\naddress: x:1", "reserved"),
                ("name: web\ncheck: tcp\naddress: x:1\nparameters: {colour: red}", "unknown parameter"),
                ("name: web\ncheck: tcp\naddress: x:1\noverrides: {nobody: 'y:2'}", "no team is called"),
                ("name: web\ncheck: tcp\naddress: \"10.{team.id}.1.1:22\"", "unknown placeholder"),
                ("{{{", "not valid YAML"),
            ]
            for (source, expected) in cases {
                let response = try await app.testing().sendRequest(
                    .POST, "/api/v1/exercises/ex/services", headers: HTTPHeaders([("Content-Type", "application/yaml")]).merging(white),
                    body: ByteBuffer(string: source))
                #expect(response.status == .unprocessableEntity, "\(source)")
                #expect(response.body.string.contains(expected), "\(source): \(response.body.string)")
            }
            let blue = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/services",
                headers: HTTPHeaders([("Content-Type", "application/yaml")]).merging(try await fixture.headers(.blue)),
                body: ByteBuffer(string: "name: web\ncheck: tcp\naddress: x:1"))
            #expect(blue.status == .forbidden)
            #expect(try await Service.query(on: app.db).count() == 0)

            // the tick settings: jitter must be shorter than the tick
            let tooMuch = try await app.testing().sendRequest(
                .PATCH, "/api/v1/exercises/ex", headers: .json(white), body: .json(["tick_seconds": 30, "jitter_seconds": 30]))
            #expect(tooMuch.status == .unprocessableEntity && tooMuch.body.string.contains("jitter_seconds"))
            let fine = try await app.testing().sendRequest(
                .PATCH, "/api/v1/exercises/ex", headers: .json(white), body: .json(["tick_seconds": 30, "jitter_seconds": 5]))
            let settings = try Self.json(fine)
            #expect(settings["tick_seconds"] as? Int == 30 && settings["jitter_seconds"] as? Int == 5)
        }
    }

    @Test(arguments: TestDatabase.all)
    func thePagesShowTheMatrixTheTeamsChecksAndTheEditor(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            let fixture = try await Fixture.make(app)
            let browser = Browser(app)
            try await browser.logIn("white")
            try await browser.get("/exercises/ex/services/new")
            let created = try await browser.post(
                "/exercises/ex/services/new", ["source": "name: ssh\ncheck: tcp\naddress: \"127.0.0.1:1\"\npoints: 3"])
            #expect(created.status == .seeOther)
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            try await Ticks.step(app: app, now: clock.now)
            try await CheckWorker(app: app, zones: ["default"]).runDue(now: clock.now)
            try await Ticks.step(app: app, now: clock.now)
            let matrix = try await browser.get("/exercises/ex/services")
            #expect(matrix.status == .ok && matrix.body.string.contains("check-down") && matrix.body.string.contains("test-worker") == false)
            let service = try await browser.get("/exercises/ex/services/ssh")
            #expect(service.body.string.contains("Try it now"))
            let tried = try await browser.post("/exercises/ex/services/ssh/try", ["team": "blue"])
            #expect(tried.body.string.contains("Connection refused"))
            let team = try await browser.get("/exercises/ex/teams/blue/checks")
            #expect(team.status == .ok && team.body.string.contains("Connection refused"))
            // its status changes read as a timeline: the service, what it became, in which tick
            #expect(team.body.string.contains(#"<li class="loss">"#) && team.body.string.contains("ssh: ✕ down"), "\(team.body.string)")
            // the matrix cell: a word and its age, the whole status and the message on hover and focus
            #expect(matrix.body.string.contains(#"<span class="word">down</span>"#))
            #expect(matrix.body.string.contains(#"tabindex="0" data-tip="✕ down for 0s — Connection refused""#), "\(matrix.body.string)")

            // the blue team is sent to its own page and cannot open another's or the editor
            let blue = Browser(app)
            try await blue.logIn("blue")
            #expect(try await blue.get("/exercises/ex/services").status == .seeOther)
            #expect(try await blue.get("/exercises/ex/teams/blue/checks").status == .ok)
            #expect(try await blue.get("/exercises/ex/teams/white/checks").status == .notFound)
            #expect(try await blue.get("/exercises/ex/services/ssh").status == .forbidden)
            _ = fixture
        }
    }
}

/// A TCP service that greets at once, or — while `open` is false — accepts and says nothing, so a
/// check against it hangs until its timeout.
final class GatedService: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let gate: NIOLockedValueBox<Bool>

    init(gate: NIOLockedValueBox<Bool>) { self.gate = gate }

    func channelActive(context: ChannelHandlerContext) {
        if gate.withLockedValue({ $0 }) { context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "READY\r\n")), promise: nil) }
    }

    static func start(gate: NIOLockedValueBox<Bool>) async throws -> (any Channel, Int) {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(GatedService(gate: gate)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return (server, server.localAddress?.port ?? 0)
    }
}

@Suite struct WorkerProcessTests {
    /// The `rampart` executable next to the test bundle's build products.
    static var binary: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/rampart")
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil, "needs PostgreSQL: rampart worker runs only against it"))
    func aWorkerKilledMidTickLosesNothingAndNothingIsScoredTwice() async throws {
        let binary = Self.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the executable first: swift build --product rampart")
        // The worker process runs on the real clock, so the test's clock starts at real time.
        try await withRampart(.postgres, clock: TestClock(Date())) { app, clock in
            // setup: three blue teams; a fast service and one that hangs until the gate opens, in zone range-a
            let fixture = try await Fixture.make(app)
            for slug in ["blue2", "blue3"] {
                _ = try await Teams.create(in: "ex", .init(slug: slug, kind: .blue, name: slug), by: .commandLine("test"), app: app)
            }
            let always = NIOLockedValueBox(true)
            let gate = NIOLockedValueBox(false)
            let (fastServer, fastPort) = try await GatedService.start(gate: always)
            let (slowServer, slowPort) = try await GatedService.start(gate: gate)
            defer {
                fastServer.close(promise: nil)
                slowServer.close(promise: nil)
            }
            for (name, port, points) in [("fast", fastPort, 2), ("slow", slowPort, 5)] {
                _ = try await app.write { db in
                    try await Services.save(
                        try Services.parse(
                            "name: \(name)\ncheck: tcp\naddress: \"127.0.0.1:\(port)\"\nparameters: {expect: \"^READY\"}\npoints: \(points)\ntimeout: 60\nzone: range-a"
                        ), exerciseID: fixture.exercise.id!, host: app.checkHost, by: .commandLine("test"), at: Date(), on: db)
                }
            }
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            #expect(try await Ticks.step(app: app, now: clock.now).created == [1])
            let sql = try #require(app.db as? any SQLDatabase)
            let schema = try #require(try await sql.raw("SELECT current_schema() AS s").first()?.decode(column: "s", as: String.self))

            // act: a worker process takes the zone's jobs, finishes the fast ones, hangs on the slow ones, and is killed
            let process = Process()
            process.executableURL = binary
            process.arguments = ["worker", "--zone", "range-a", "--name", "doomed"]
            process.environment = [
                "DATABASE_URL": TestDatabase.postgresURL!, "RAMPART_DATABASE_SCHEMA": schema, "RAMPART_LOG_FORMAT": "text",
                "RAMPART_BCRYPT_COST": "4",
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            var settled = false
            for _ in 0..<1200 where !settled {
                let done = try await CheckJob.query(on: app.db).filter(\.$state == .done).filter(\.$worker == "doomed").count()
                let held = try await CheckJob.query(on: app.db).filter(\.$state == .claimed).filter(\.$worker == "doomed").count()
                settled = done == 3 && held == 3
                if !settled { try await Task.sleep(for: .milliseconds(100)) }
            }
            try #require(settled, "the worker process never held the slow checks")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(try await Ticks.step(app: app, now: clock.now).scored == [], "a tick with checks still out is not scored")

            // its leases lapse; another worker takes exactly those jobs, the gate now open
            gate.withLockedValue { $0 = true }
            // The dead worker renewed its leases until it died: they lapse a lease after the kill.
            clock.advance(Date().timeIntervalSince(clock.now) + Ticks.lease + 1)
            let survivor = CheckWorker(app: app, name: "survivor", zones: ["range-a"])
            #expect(try await survivor.runDue(now: clock.now) == 3)
            #expect(try await Ticks.step(app: app, now: clock.now).scored == [1])
            #expect(try await Ticks.step(app: app, now: clock.now).scored == [])

            // check: six jobs, each done once with one result; three facts, each team 2 + 5
            let jobs = try await CheckJob.query(on: app.db).filter(\.$tick == 1).all()
            #expect(jobs.count == 6 && jobs.allSatisfy { $0.state == .done && $0.status == .up })
            #expect(jobs.filter { $0.worker == "doomed" }.map(\.attempts) == [1, 1, 1])
            #expect(jobs.filter { $0.worker == "survivor" }.map(\.attempts) == [2, 2, 2])
            let facts = try await ScoreFactRecord.query(on: app.db).all()
            #expect(facts.count == 3 && facts.allSatisfy { $0.points == 7 && $0.tick == 1 })
            #expect(Set(facts.map(\.teamID)).count == 3)
            #expect(try await app.scores.rebuild(fixture.exercise.id!, app: app) == 0)
            let workers = try await Defence.workers(now: clock.now, on: app.db)
            #expect(workers.first { $0.name == "doomed" }?.alive == false, "the command centre shows the dead worker as stopped")
        }
    }
}

@Suite struct DemoProcessTests {
    /// `rampart demo` on a fresh data directory: the tables exist before the tick loop and the worker
    /// start, so a new user's first screen has no warning in it.
    @Test func aFreshDemoIsPreparedWithoutAWarning() async throws {
        let binary = WorkerProcessTests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the executable first: swift build --product rampart")
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["demo", "--no-serve"]
        var environment = ProcessInfo.processInfo.environment
        environment["RAMPART_DATA_DIR"] = data.path
        environment["RAMPART_DEMO_PASSWORD"] = "demo-test-password"
        environment["RAMPART_BCRYPT_COST"] = "4"
        environment["DATABASE_URL"] = nil
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("demo-test-password") && output.contains("Open http://127.0.0.1:8080/"))
        #expect(!output.contains("WARNING") && !output.contains("no such table"), "\(output)")
    }
}
