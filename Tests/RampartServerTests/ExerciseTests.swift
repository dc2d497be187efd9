import Fluent
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

@Suite struct ExerciseTests {
    @Test(arguments: TestDatabase.all)
    func whiteTeamRunsTheExerciseClockThroughItsStates(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            // setup
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.judge)
            let blue = try await fixture.headers(.blue)
            func move(_ state: String, _ headers: HTTPHeaders) async throws -> TestingHTTPResponse {
                try await app.testing().sendRequest(.POST, "/api/v1/exercises/ex/state", headers: .json(headers), body: .json(["state": state]))
            }
            // act
            let byBlue = try await move("running", blue)
            let start = try await move("running", white)
            clock.advance(60)
            let pause = try await move("paused", white)
            clock.advance(300)
            let pausedView = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex", headers: blue)
            let resume = try await move("running", white)
            clock.advance(10)
            let finish = try await move("finished", white)
            let restart = try await move("running", white)
            let nonsense = try await move("exploded", white)
            // check
            #expect(byBlue.status == .forbidden)
            #expect([start, pause, resume, finish].allSatisfy { $0.status == .ok })
            #expect((try pausedView.json() as? [String: Any])?["elapsed_seconds"] as? Double == 60)
            #expect((try finish.json() as? [String: Any])?["elapsed_seconds"] as? Double == 70)
            #expect(restart.status == .conflict)
            #expect(restart.errorCode == "invalid_transition")
            #expect(nonsense.status == .badRequest)
            let states = try await AuditRecord.query(on: app.db).filter(\.$action == "exercise.state").sort(\.$seq).all()
            #expect(
                states.map(\.summary) == [
                    "state: draft → running", "state: running → paused", "state: paused → running", "state: running → finished",
                ])
            #expect(states.allSatisfy { $0.actorName == "judge" })
        }
    }

    /// Every page inside an exercise counts down to its next scheduled moment: start, freeze, end.
    @Test(arguments: TestDatabase.all)
    func theExerciseBarCountsDownToTheNextScheduledMoment(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            // setup
            let fixture = try await Fixture.make(app)
            let iso = ISO8601DateFormatter()
            let patched = try await app.testing().sendRequest(
                .PATCH, "/api/v1/exercises/ex", headers: .json(try await fixture.headers(.white)),
                body: .json([
                    "starts_at": iso.string(from: clock.now.addingTimeInterval(3600)),
                    "freeze_at": iso.string(from: clock.now.addingTimeInterval(7200)),
                    "ends_at": iso.string(from: clock.now.addingTimeInterval(10800)),
                ]))
            #expect(patched.status == .ok, "\(patched.body.string)")
            let blue = try await fixture.headers(.blue)
            func countdown() async throws -> String? {
                let page = try await app.testing().sendRequest(.GET, "/exercises/ex/scoreboard", headers: blue).body.string
                return page.firstMatch(of: /<span class="countdown" data-remaining="(\d+)">([^<]*)</).map { "\($0.2)\($0.1)" }
            }
            // act + check
            #expect(try await countdown() == "Starts in 3600")
            let white = Browser(app)
            _ = try await white.logIn("white")
            try await white.get("/exercises/ex")
            _ = try await white.post("/exercises/ex/state", ["state": "running"])
            #expect(try await countdown() == "Scoreboard freezes in 7200", "started early: the start is no longer ahead")
            clock.advance(5400)
            #expect(try await countdown() == "Scoreboard freezes in 1800")
            clock.advance(5400)
            #expect(try await countdown() == nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func schedulesAreValidatedAndEditable(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.white)
            let good = try await app.testing().sendRequest(
                .PATCH, "/api/v1/exercises/ex", headers: .json(white),
                body: .json([
                    "starts_at": "2027-02-01T09:00:00+09:00", "ends_at": "2027-02-05T18:00:00+09:00", "freeze_at": "2027-02-05T16:00:00+09:00",
                    "name_ko": "훈련",
                ]))
            let backwards = try await app.testing().sendRequest(
                .PATCH, "/api/v1/exercises/ex", headers: .json(white), body: .json(["ends_at": "2027-01-01T00:00:00Z"]))
            let cleared = try await app.testing().sendRequest(
                .PATCH, "/api/v1/exercises/ex", headers: .json(white), body: .json(["freeze_at": NSNull()]))
            let slug = try await app.testing().sendRequest(.PATCH, "/api/v1/exercises/ex", headers: .json(white), body: .json(["slug": "other"]))
            let utc = TimeZone.gmt
            try await Exercises.addWindow(
                "ex", name: "Day 1", startsAt: ExerciseTime.parse("2027-02-01T00:00:00Z", timeZone: utc)!,
                endsAt: ExerciseTime.parse("2027-02-01T09:00:00Z", timeZone: utc)!, by: .commandLine("test"), app: app)
            await #expect(throws: AppError.self) {
                // Outside the exercise's start and end.
                try await Exercises.addWindow(
                    "ex", name: "Too early", startsAt: Date(timeIntervalSince1970: 1_700_000_000), endsAt: Date(timeIntervalSince1970: 1_700_003_600),
                    by: .commandLine("test"), app: app)
            }
            let detail = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex", headers: white)
            #expect(good.status == .ok)
            #expect(backwards.status == .unprocessableEntity)
            #expect(cleared.status == .ok)
            #expect((try cleared.json() as? [String: Any])?["freeze_at"] == nil)
            #expect(slug.status == .unprocessableEntity)
            let windows = (try detail.json() as? [String: Any])?["windows"] as? [[String: Any]]
            #expect(windows?.map { $0["name"] as? String } == ["Day 1"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func theAuditTrailIsAChainThatDetectsTampering(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            let fixture = try await Fixture.make(app)
            try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            let intact = try await Audit.verify(on: app.db)
            let white = try await fixture.headers(.white)
            let filtered = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/audit?action=team", headers: white)
            let csv = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/audit?format=csv", headers: white)
            // act: edit one record behind the application's back
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.raw("UPDATE audit_records SET summary = 'nothing happened' WHERE seq = 3").run()
            let tampered = try await Audit.verify(on: app.db)
            // check
            #expect(intact.broken.isEmpty)
            #expect(intact.checked > 10)
            let actions = (try filtered.json() as? [[String: Any]])?.compactMap { $0["action"] as? String } ?? []
            #expect(!actions.isEmpty && actions.allSatisfy { $0.hasPrefix("team.") })
            #expect(csv.headers.contentType?.subType == "csv")
            #expect(csv.body.string.hasPrefix("seq,at,actor,action"))
            #expect(tampered.broken.map(\.seq) == [3])
        }
    }

    @Test func csvCellsCannotRunAsFormulas() {
        #expect(AuditExport.cell("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(AuditExport.cell("plain") == "plain")
        #expect(AuditExport.cell("a,b") == "\"a,b\"")
    }

    @Test(arguments: TestDatabase.all)
    func teamsShowMembersAndJoinCodesOnlyToTheirOwnTeamAndWhite(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            let asBlue = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/teams", headers: try await fixture.headers(.blue))
            let asWhite = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/teams", headers: try await fixture.headers(.white))
            let blueView = try #require(try asBlue.json() as? [[String: Any]])
            let whiteView = try #require(try asWhite.json() as? [[String: Any]])
            for team in blueView {
                let own = team["slug"] as? String == "blue"
                #expect((team["members"] != nil) == own)
                #expect((team["join_code"] != nil) == own)
            }
            #expect(whiteView.allSatisfy { $0["members"] != nil })
            #expect(!asBlue.body.string.contains(fixture.teams[.red]!.joinCode))
        }
    }

    @Test(arguments: TestDatabase.all)
    func whiteTeamCreatesTeamsAndMovesMembers(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.white)
            let created = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams", headers: .json(white),
                body: .json(["slug": "blue-kr", "kind": "blue", "name": "Korea", "name_ko": "대한민국", "nation": "kr"]))
            let duplicate = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams", headers: .json(white), body: .json(["slug": "blue-kr", "kind": "blue", "name": "Again"]))
            let badNation = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams", headers: .json(white), body: .json(["slug": "x", "kind": "blue", "name": "X", "nation": "UK"]))
            let moved = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams/blue-kr/members", headers: .json(white), body: .json(["username": "blue"]))
            let judgeOnBlue = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams/blue-kr/members", headers: .json(white), body: .json(["username": "red", "judge": true]))
            let team = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/teams/blue-kr", headers: white)
            #expect(created.status == .created)
            #expect((try created.json() as? [String: Any])?["nation"] as? String == "KR")
            #expect(duplicate.status == .conflict)
            #expect(badNation.status == .unprocessableEntity)
            #expect(moved.status == .noContent)
            #expect(judgeOnBlue.status == .unprocessableEntity)
            let members = (try team.json() as? [String: Any])?["members"] as? [[String: Any]]
            #expect(members?.map { $0["username"] as? String } == ["blue"])
            let count = try await Membership.query(on: app.db).filter(
                \.$user.$id == User.query(on: app.db).filter(\.$username == "blue").first()!.requireID()
            ).count()
            #expect(count == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func onlyEmptyTeamsWithoutScoreFactsCanBeDeleted(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.white)
            for slug in ["typo", "scored"] {
                _ = try await app.testing().sendRequest(
                    .POST, "/api/v1/exercises/ex/teams", headers: .json(white), body: .json(["slug": slug, "kind": "blue", "name": slug]))
            }
            _ = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams/scored/adjustments", headers: .json(white), body: .json(["points": 5, "reason": "report"]))
            let occupied = try await app.testing().sendRequest(.DELETE, "/api/v1/exercises/ex/teams/blue", headers: white)
            let scored = try await app.testing().sendRequest(.DELETE, "/api/v1/exercises/ex/teams/scored", headers: white)
            let deleted = try await app.testing().sendRequest(.DELETE, "/api/v1/exercises/ex/teams/typo", headers: white)
            let again = try await app.testing().sendRequest(.DELETE, "/api/v1/exercises/ex/teams/typo", headers: white)
            #expect(occupied.status == .conflict && occupied.errorCode == "team_not_empty")
            #expect(scored.status == .conflict && scored.errorCode == "team_has_score_facts")
            #expect(deleted.status == .noContent)
            #expect(again.status == .notFound)
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "team.delete").count() == 1)
        }
    }
}
