import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

/// After the scoreboard freezes, nothing a participant can read tells them what other teams did since.
@Suite struct FreezeTests {
    @Test(arguments: TestDatabase.all)
    func afterTheFreezeParticipantsSeeOtherTeamsAsTheyStoodAtIt(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            // setup: a decaying challenge; blue2 solves before the freeze, blue3 after it
            let fixture = try await Fixture.make(app)
            let challenge = try await TestChallenges.add(app, fixture)
            for (slug, user) in [("blue2", "green"), ("blue3", "yellow")] {
                _ = try await Teams.create(in: "ex", .init(slug: slug, kind: .blue, name: slug), by: .commandLine("test"), app: app)
                try await Teams.addMember(in: "ex", team: slug, username: user, judge: false, by: .commandLine("test"), app: app)
            }
            _ = try await Exercises.update("ex", .init(freezeAt: .some(clock.now.addingTimeInterval(60))), by: .commandLine("test"), app: app)
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            func attempt(_ role: Fixture.Role) async throws -> [String: Any] {
                let response = try await app.testing().sendRequest(
                    .POST, "/api/v1/exercises/ex/challenges/\(challenge)/attempts", headers: .json(try await fixture.headers(role)),
                    body: .json(["flag": "RAMPART{affiliate-17}"]))
                return try #require(try response.json() as? [String: Any])
            }
            func view(_ role: Fixture.Role) async throws -> [String: Any] {
                let response = try await app.testing().sendRequest(
                    .GET, "/api/v1/exercises/ex/challenges/\(challenge)", headers: try await fixture.headers(role))
                return try #require(try response.json() as? [String: Any])
            }
            let before = try await attempt(.green)
            clock.advance(120)
            // act
            let after = try await attempt(.yellow)
            let blue = try await view(.blue)
            let blue2 = try await view(.green)
            let blue3 = try await view(.yellow)
            let white = try await view(.white)
            let board = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/challenges", headers: try await fixture.headers(.blue))
            let page = try await app.testing().sendRequest(.GET, "/exercises/ex/challenges", headers: try await fixture.headers(.blue))
            let facts = try await app.testing().sendRequest(
                .GET, "/api/v1/exercises/ex/teams/blue2/score-facts", headers: try await fixture.headers(.green))
            // check: the challenge is worth 500 with one solve and 498 with two (CTFd's linear decay of 2)
            #expect(before["points"] as? Int == 500)
            #expect(after["status"] as? String == "correct" && after["points"] == nil, "the price would tell")
            for (who, seen) in [("blue", blue), ("blue2", blue2), ("blue3", blue3)] {
                #expect(seen["solves"] as? Int == 1 && seen["value"] as? Int == 500, "\(who): \(seen)")
            }
            #expect(blue3["solved"] as? Bool == true, "a team sees its own solve")
            #expect(white["solves"] as? Int == 2 && white["value"] as? Int == 498)
            let listed = try #require(try board.json() as? [[String: Any]]).first { $0["id"] as? String == challenge.uuidString }
            #expect(listed?["solves"] as? Int == 1 && listed?["value"] as? Int == 500)
            // (the card's value: the page's random tokens and ids may hold any digits)
            #expect(page.body.string.contains(#"class="card-value">500 "#) && !page.body.string.contains(#"class="card-value">498 "#))
            #expect(page.body.string.contains(#"class="card-solves">1 solve<"#), "one solve, in the singular")
            let solve = try #require(try facts.json() as? [[String: Any]]).first { $0["kind"] as? String == "solve" }
            #expect(solve?["points"] as? Int == 500, "\(String(describing: solve))")
            #expect((solve?["reason"] as? String)?.contains("1 solve") == true)
            // the scoreboard page's model: participants get the frozen board and open only their own facts;
            // the white team the live board, every team's facts, and a word that participants see it frozen
            let exercise = try await Exercises.find("ex", on: app.db)
            let blueTeam = try #require(fixture.teams[.blue])
            let participant = try await ScoreboardPageModel.build(
                ExerciseContext(exercise: exercise, role: .blue, team: blueTeam, judge: false), app: app, on: app.db)
            let control = try await ScoreboardPageModel.build(
                ExerciseContext(exercise: exercise, role: .white, team: nil, judge: false), app: app, on: app.db)
            #expect(participant.board.frozen && !participant.liveWhileFrozen && participant.ownTeam == blueTeam.id)
            #expect(participant.board.rows.filter(participant.opens).map(\.slug) == [blueTeam.slug])
            #expect(!control.board.frozen && control.liveWhileFrozen && control.board.rows.allSatisfy(control.opens))
            #expect(participant.board.rows.first { $0.slug == "blue3" }?.score.total == 0, "blue3 solved after the freeze")
            #expect(control.board.rows.first { $0.slug == "blue3" }?.score.total == 498)
        }
    }
}
