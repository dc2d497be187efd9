import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import Testing
import Vapor
import VaporTesting

@testable import RampartChallenges
@testable import RampartCore
@testable import RampartKernel
@testable import RampartScoring
@testable import RampartServer

/// Live delivery over a real WebSocket on a real port: who receives what, freezes, resuming, the limits.
@Suite struct LiveTests {
    /// A live client: every message it receives, in order.
    final class Client: Sendable {
        let socket: WebSocket
        private let received = NIOLockedValueBox<[String]>([])

        init(_ socket: WebSocket) { self.socket = socket }

        func add(_ text: String) { received.withLockedValue { $0.append(text) } }

        var messages: [[String: Any]] {
            received.withLockedValue { $0 }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        var events: [[String: Any]] { messages.filter { ($0["type"] as? String) != "hello" } }
        var types: [String] { events.compactMap { $0["type"] as? String } }
        var seqs: [Int] { events.compactMap { $0["seq"] as? Int } }

        /// Waits (polling, bounded) until `condition` holds; false if it never did.
        func wait(for condition: @Sendable (Client) -> Bool) async -> Bool {
            for _ in 0..<200 {
                if condition(self) { return true }
                try? await Task.sleep(for: .milliseconds(25))
            }
            return condition(self)
        }

        func close() async { try? await socket.close() }
    }

    static func start(_ app: Application) async throws -> Int {
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        return try #require(app.http.server.shared.localAddress?.port)
    }

    static func connect(_ port: Int, _ headers: HTTPHeaders, since: Int? = nil, exercise: String = "ex") async throws -> Client {
        let holder = NIOLockedValueBox<Client?>(nil)
        let query = since.map { "?since=\($0)" } ?? ""
        // WebSocketKit's own connect: Vapor's async one drops the URL's query.
        try await WebSocket.connect(
            to: "ws://127.0.0.1:\(port)/api/v1/exercises/\(exercise)/live\(query)", headers: headers, proxy: nil,
            on: MultiThreadedEventLoopGroup.singleton
        ) { socket in
            let client = Client(socket)
            socket.onText { _, text in client.add(text) }
            holder.withLockedValue { $0 = client }
        }.get()
        // The connect future can complete just before WebSocketKit calls `onUpgrade`.
        for _ in 0..<500 where holder.withLockedValue({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        let client = try #require(holder.withLockedValue { $0 })
        #expect(await client.wait { !$0.messages.isEmpty }, "no hello")
        return client
    }

    static func stage(_ app: Application, _ events: [LiveEvent]) async throws {
        try await app.write(clearingCaches: false) { _ in LiveEvents.stage(events) }
    }

    @Test(arguments: TestDatabase.all)
    func eachViewerReceivesWhatTheRESTAPIWouldShowIt(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            // setup: clients for every kind of team, a second blue team
            let fixture = try await Fixture.make(app)
            let other = try await Teams.create(in: "ex", .init(slug: "blue2", kind: .blue, name: "Blue 2"), by: .commandLine("test"), app: app)
            let blue = try #require(fixture.teams[.blue]?.id)
            let exerciseID = try fixture.exercise.requireID()
            let port = try await Self.start(app)
            var clients: [Fixture.Role: Client] = [:]
            for role in [Fixture.Role.white, .red, .blue, .green, .yellow] {
                clients[role] = try await Self.connect(port, try await fixture.headers(role))
            }

            // act: an event for everyone, one for the blue team's own eyes, one for another blue team's,
            // a red-team one, a white-only one, then an announcement to the blue team through the API
            let now = clock.now
            try await Self.stage(
                app,
                [
                    LiveEvent(kind: "t.everyone", exerciseID: exerciseID, at: now),
                    LiveEvent(kind: "t.own", exerciseID: exerciseID, teamID: blue, at: now, audience: .ownTeam),
                    LiveEvent(kind: "t.other", exerciseID: exerciseID, teamID: other.id, at: now, audience: .ownTeam),
                    LiveEvent(kind: "t.red", exerciseID: exerciseID, at: now, audience: LiveAudience(kinds: [.red])),
                    LiveEvent(kind: "t.white", exerciseID: exerciseID, at: now, audience: .whiteTeam),
                ])
            let posted = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/announcements", headers: .json(try await fixture.headers(.white)),
                body: .json(["title": "Patch now", "body": "Apply **KB-1**", "level": "warning", "teams": ["blue"]]))
            #expect(posted.status == .created)

            // check
            let white = try #require(clients[.white])
            #expect(await white.wait { $0.types.count == 6 })
            #expect(white.types == ["t.everyone", "t.own", "t.other", "t.red", "t.white", "announcement.posted"])
            #expect(white.seqs == white.seqs.sorted() && Set(white.seqs).count == 6)
            let expected: [Fixture.Role: [String]] = [
                .red: ["t.everyone", "t.red"], .blue: ["t.everyone", "t.own", "announcement.posted"], .green: ["t.everyone"],
                .yellow: ["t.everyone"],
            ]
            for (role, types) in expected {
                let client = try #require(clients[role])
                #expect(await client.wait { $0.types.count >= types.count })
                try await Task.sleep(for: .milliseconds(100))
                #expect(client.types == types, "\(role)")
            }
            let toast = try #require(clients[.blue]?.events.last?["data"] as? [String: String])
            #expect(toast["title"] == "Patch now" && toast["level"] == "warning")
            #expect(toast["html"]?.contains("<strong>KB-1</strong>") == true)
            for client in clients.values { await client.close() }
            await app.server.shutdown()
        }
    }

    @Test(arguments: TestDatabase.all)
    func duringTheFreezeAViewerReceivesNoOtherTeamsScores(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            // setup: a freeze a minute ago; a challenge; another blue team with a member
            let fixture = try await Fixture.make(app)
            let challenge = try await TestChallenges.add(app, fixture)
            let other = try await Teams.create(in: "ex", .init(slug: "blue2", kind: .blue, name: "Blue 2"), by: .commandLine("test"), app: app)
            try await Teams.addMember(in: "ex", team: "blue2", username: "green", judge: false, by: .commandLine("test"), app: app)
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            _ = try await Exercises.update("ex", .init(freezeAt: .some(clock.now.addingTimeInterval(60))), by: .commandLine("test"), app: app)
            clock.advance(120)
            let port = try await Self.start(app)
            let white = try await Self.connect(port, try await fixture.headers(.white))
            let blue = try await Self.connect(port, try await fixture.headers(.blue))
            let yellow = try await Self.connect(port, try await fixture.headers(.yellow))

            // act: the other blue team (the `green` user is its member) solves, then the blue team does
            for role in [Fixture.Role.green, .blue] {
                let response = try await app.testing().sendRequest(
                    .POST, "/api/v1/exercises/ex/challenges/\(challenge)/attempts", headers: .json(try await fixture.headers(role)),
                    body: .json(["flag": "RAMPART{affiliate-17}"]))
                #expect(response.status == .ok)
            }

            // check: white sees both solves and both score changes; blue only its own; observers nothing
            #expect(await white.wait { $0.types.filter { $0 == "challenge.solved" }.count == 2 })
            #expect(await blue.wait { $0.types.contains("challenge.solved") })
            try await Task.sleep(for: .milliseconds(200))
            let blueTeam = try #require(fixture.teams[.blue]?.id).uuidString.lowercased()
            #expect(blue.events.allSatisfy { ($0["team"] as? String) == blueTeam || ($0["team"] == nil && $0["type"] as? String != "challenge.solved") })
            #expect(blue.types.filter { $0 == "challenge.solved" }.count == 1)
            let otherID = try #require(other.id).uuidString.lowercased()
            #expect(!blue.events.contains { "\($0)".contains(otherID) }, "blue learnt of the other team during the freeze")
            #expect(yellow.types.filter { $0.hasPrefix("challenge.") || $0.hasPrefix("score.") }.isEmpty)
            let firstBlood = white.events.first { ($0["type"] as? String) == "challenge.solved" }?["data"] as? [String: String]
            #expect(firstBlood?["first_blood"] == "true")
            for client in [white, blue, yellow] { await client.close() }
            await app.server.shutdown()
        }
    }

    @Test(arguments: TestDatabase.all)
    func aClientThatResumesGetsWhatItMissedExactlyOnce(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            // setup
            let fixture = try await Fixture.make(app)
            let exerciseID = try fixture.exercise.requireID()
            let port = try await Self.start(app)
            let headers = try await fixture.headers(.blue)
            let first = try await Self.connect(port, headers)
            try await Self.stage(app, (1...3).map { LiveEvent(kind: "t.before-\($0)", exerciseID: exerciseID, at: clock.now) })
            #expect(await first.wait { $0.events.count == 3 })
            let last = try #require(first.seqs.last)
            await first.close()

            // act: events while it is away (some not for it), then it comes back with `since`
            try await Self.stage(
                app,
                (1...5).map { LiveEvent(kind: "t.missed-\($0)", exerciseID: exerciseID, at: clock.now) }
                    + [LiveEvent(kind: "t.white", exerciseID: exerciseID, at: clock.now, audience: .whiteTeam)])
            let again = try await Self.connect(port, headers, since: last)
            try await Self.stage(app, [LiveEvent(kind: "t.after", exerciseID: exerciseID, at: clock.now)])

            // check
            #expect(await again.wait { $0.types.contains("t.after") })
            #expect(again.types == (1...5).map { "t.missed-\($0)" } + ["t.after"], "\(again.messages) since \(last)")
            #expect(again.seqs == again.seqs.sorted() && Set(again.seqs).count == again.seqs.count && again.seqs.first! > last)
            await again.close()
            await app.server.shutdown()
        }
    }

    /// An idle node reads `live_events` about once a second, not in a loop: the pump once waited on an
    /// AsyncStream whose losing `next()` was cancelled each round, which finished the stream and left
    /// the pump reading as fast as the database answered (0.6 of a core per idle node). A wake reads at
    /// once and many wakes make one read.
    /// (On SQLite: on PostgreSQL the other tests' notifications, on the same channel, wake it too.)
    @Test func anIdleNodeReadsTheEventsAboutOnceASecond() async throws {
        try await withRampart(.sqlite) { app, _ in
            let hub = try #require(app.liveHub)
            try await hub.start(app)
            let before = hub.stats.reads.current
            try await Task.sleep(for: .seconds(3))
            let idle = hub.stats.reads.current - before
            #expect((1...6).contains(idle), "\(idle) reads in 3 s")
            for _ in 0..<100 { hub.wake() }
            try await Task.sleep(for: .milliseconds(300))
            #expect(hub.stats.reads.current - before - idle <= 3, "a hundred wakes at once make one read, not a hundred")
            await hub.stop()
        }
    }

    @Test func badRequestsToTheLiveEndpointGetClearAnswers() async throws {
        try await withRampart(.sqlite, adjust: { $0.liveMaxPerViewer = 2 }) { app, _ in
            let fixture = try await Fixture.make(app)
            // A plain GET is told it is a WebSocket; a bad `since` and an unknown exercise are refused.
            let plain = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/live", headers: try await fixture.headers(.blue))
            #expect(plain.status == .upgradeRequired)
            let port = try await Self.start(app)
            let headers = try await fixture.headers(.blue)
            await #expect(throws: (any Error).self) { _ = try await Self.connect(port, headers, exercise: "nope") }
            await #expect(throws: (any Error).self) { _ = try await Self.connect(port, [:]) }
            var refused = headers
            refused.add(name: .origin, value: "http://evil.example")
            // A cross-site page with a session cookie is refused; a bearer token has no ambient authority.
            let kept = try await Self.connect(port, refused)
            // Past the per-user limit the upgrade is refused.
            let second = try await Self.connect(port, headers)
            await #expect(throws: (any Error).self) { _ = try await Self.connect(port, headers) }
            await kept.close()
            await second.close()
            await app.server.shutdown()
        }
    }
}
