import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import RampartCore
@testable import RampartKernel
@testable import RampartServer

/// The command centre's wall: who may open it, and its feed — notable events only, newest first by when
/// they happened, a withdrawn announcement gone, nothing the viewer may not see.
@Suite struct CommandCentreTests {
    static func feed(_ html: String) -> [String] {
        guard let start = html.range(of: "wall-feed") else { return [] }
        let section = html[start.upperBound...].prefix { _ in true }
        let end = section.range(of: "</section>").map { section[..<$0.lowerBound] } ?? section
        return end.components(separatedBy: "<li").dropFirst().map { item in
            item.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
                .replacingOccurrences(of: "&nbsp;", with: " ").trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test(arguments: TestDatabase.all)
    func theWallShowsNotableEventsInTheOrderTheyHappened(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            let fixture = try await Fixture.make(app)
            let exerciseID = try fixture.exercise.requireID()
            let blue = try #require(fixture.teams[.blue]?.id)
            let t0 = clock.now
            try await app.write(clearingCaches: false) { _ in
                LiveEvents.stage([
                    LiveEvent(
                        kind: "challenge.solved", exerciseID: exerciseID, teamID: blue, at: t0.addingTimeInterval(10), scored: true,
                        payload: ["challenge": "Overdue invoice", "first_blood": "true"]),
                    // A tick that started before the solve, scored after it.
                    LiveEvent(
                        kind: "service.status", exerciseID: exerciseID, teamID: blue, at: t0.addingTimeInterval(5),
                        audience: LiveAudience(kinds: [.green, .yellow], ownTeam: true), payload: ["service": "shop", "from": "up", "to": "down"]),
                    // A first status is not news.
                    LiveEvent(
                        kind: "service.status", exerciseID: exerciseID, teamID: blue, at: t0.addingTimeInterval(5),
                        audience: LiveAudience(kinds: [.green, .yellow], ownTeam: true), payload: ["service": "mail", "from": "", "to": "up"]),
                    LiveEvent(
                        kind: "report.compromise.filed", exerciseID: exerciseID, teamID: blue, at: t0.addingTimeInterval(20), audience: .everyone,
                        scored: true, payload: ["status": "validated", "points": "150"]),
                    LiveEvent(
                        kind: "report.compromise.filed", exerciseID: exerciseID, teamID: blue, at: t0.addingTimeInterval(21),
                        audience: LiveAudience(kinds: [.red]), payload: ["status": "pending"]),
                    LiveEvent(
                        kind: "announcement.posted", exerciseID: exerciseID, at: t0.addingTimeInterval(30), payload: ["id": "a1", "title": "Lunch at noon"]),
                    LiveEvent(
                        kind: "announcement.posted", exerciseID: exerciseID, at: t0.addingTimeInterval(31), payload: ["id": "a2", "title": "Wrong room"]),
                    LiveEvent(kind: "announcement.withdrawn", exerciseID: exerciseID, at: t0.addingTimeInterval(32), payload: ["id": "a2"]),
                ])
            }
            let page = try await app.testing().sendRequest(.GET, "/exercises/ex/command", headers: try await fixture.headers(.yellow))
            #expect(page.status == .ok)
            let feed = Self.feed(page.body.string)
            #expect(feed.count == 4, "\(feed)")
            #expect(feed.first?.hasSuffix("Lunch at noon") == true, "\(feed)")
            #expect(feed.dropFirst().first?.contains("Compromise validated against blue team (−150)") == true, "\(feed)")
            #expect(feed.dropFirst(2).first?.contains("First blood: blue team solved Overdue invoice") == true, "\(feed)")
            #expect(feed.last?.contains("blue team: shop is down") == true, "\(feed)")
            #expect(!page.body.string.contains("Wrong room"))

            // The white and yellow teams; not blue, red or green; the public only when the board is public.
            for (role, status) in [(Fixture.Role.white, HTTPStatus.ok), (.blue, .forbidden), (.red, .forbidden), (.green, .forbidden)] {
                let response = try await app.testing().sendRequest(.GET, "/exercises/ex/command", headers: try await fixture.headers(role))
                #expect(response.status == status, "\(role): \(response.status)")
            }
            #expect(try await app.testing().sendRequest(.GET, "/exercises/ex/command").status != .ok)
            let patched = try await app.testing().sendRequest(
                .PATCH, "/api/v1/exercises/ex", headers: .json(try await fixture.headers(.white)), body: .json(["public_scoreboard": true]))
            #expect(patched.status == .ok)
            let outside = try await app.testing().sendRequest(.GET, "/exercises/ex/command")
            #expect(outside.status == .ok)
            // An outside reader sees what an observer sees: the same feed, the red team's report not in it.
            #expect(Self.feed(outside.body.string).count == 4)
        }
    }
}
