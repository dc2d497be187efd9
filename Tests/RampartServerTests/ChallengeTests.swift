import Fluent
import Foundation
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

enum TestChallenges {
    static let decaying = """
        name: "Ransom note"
        category: "ransomware"
        description: "Find the **affiliate**."
        type: dynamic
        extra: {initial: 500, decay: 2, minimum: 100, function: linear}
        flags:
          - {type: static, content: "RAMPART{affiliate-17}", data: case_insensitive}
        hints:
          - {key: "family", title: "Family", content: "LOCKWAVE", cost: 50}
          - {title: "Free", content: "look closer", cost: 0}
        files: [notes.txt]
        """

    /// A visible challenge with a file and hints, solved by nobody; returns its id.
    static func add(_ app: Application, _ fixture: Fixture) async throws -> UUID {
        let id = try await save(app, try fixture.exercise.requireID(), try Challenges.parse(decaying).spec)
        try await attach(app, id, "notes.txt", Data("notes".utf8))
        return id
    }

    /// Saves a challenge as the editor does; returns its id.
    static func save(_ app: Application, _ exerciseID: UUID, _ spec: ChallengeSpec) async throws -> UUID {
        try await app.scores.changeCatalog(exerciseID, app: app) { write in
            try await Challenges.save(spec, by: .commandLine("test"), at: Date(), in: write).challenge.requireID()
        }
    }

    /// Attaches bytes as an upload does: stored as a blob, then linked.
    static func attach(_ app: Application, _ challengeID: UUID, _ name: String, _ data: Data) async throws {
        let blob = try await Blobs.store([ByteBuffer(data: data)].async, maxBytes: 1 << 20, app: app)
        let challenge = try #require(try await Challenge.find(challengeID, on: app.db))
        try await app.write { db in
            try await Challenges.attach(blob, named: name, to: challenge, by: .commandLine("test"), at: Date(), on: db)
        }
    }
}

/// Challenges, flags, hints and the scoreboard, through the API as participants use them.
@Suite struct ChallengeTests {
    func attempt(_ app: Application, _ id: UUID, _ flag: String, _ headers: HTTPHeaders) async throws -> (HTTPStatus, [String: Any]) {
        let response = try await app.testing().sendRequest(
            .POST, "/api/v1/exercises/ex/challenges/\(id)/attempts", headers: .json(headers), body: .json(["flag": flag]))
        return (response.status, (try? response.json() as? [String: Any]) ?? [:])
    }

    /// The page tells a flag's answer in the reader's language (the API's message stays English).
    @Test(arguments: TestDatabase.all)
    func aFlagsAnswerOnThePageIsInTheReadersLanguage(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            let fixture = try await Fixture.make(app)
            let id = try await TestChallenges.add(app, fixture)
            let white = Browser(app)
            _ = try await white.logIn("white")
            try await white.get("/exercises/ex")
            _ = try await white.post("/exercises/ex/state", ["state": "running"])
            let blue = Browser(app)
            _ = try await blue.logIn("blue")
            try await blue.get("/exercises/ex")
            _ = try await blue.post("/language", ["locale": "ko", "next": "/exercises/ex"])
            // act
            try await blue.get("/exercises/ex")
            let wrong = try await blue.post(AppRoute.challengeAttempt("ex", id.uuidString).path, ["flag": "RAMPART{guess}"])
            let right = try await blue.post(AppRoute.challengeAttempt("ex", id.uuidString).path, ["flag": "RAMPART{affiliate-17}"])
            // check
            #expect(wrong.body.string.contains(#"data-result="incorrect">오답</p>"#), "\(wrong.body.string)")
            #expect(right.body.string.contains("정답 — 500점 획득"))
            #expect(!wrong.body.string.contains("Incorrect") && !right.body.string.contains("solved for"))
            // the system's score categories are named in the reader's language too; an author's stay as written
            try await white.get("/exercises/ex/teams/blue/score")
            _ = try await white.post("/exercises/ex/teams/blue/adjust", ["points": "5", "reason": "good report"])
            let board = try await blue.get("/exercises/ex/scoreboard").body.string
            #expect(board.contains(#"<th class="num">조정</th>"#) && board.contains(#"<th class="num">ransomware</th>"#))
            // a fact's reason and its writer are in the reader's language too; a reason a person typed stays as typed
            let facts = try await blue.get("/exercises/ex/teams/blue/score").body.string
            #expect(facts.contains("Ransom note 풀이; 현재 500점(풀이 1팀)"), "\(facts)")
            #expect(facts.contains("good report") && !facts.contains("Solved Ransom note") && !facts.contains("worth"))
            // as a timeline, newest first, each fact with the total it brought the team to
            let adjustment = try #require(facts.range(of: "good report")), solve = try #require(facts.range(of: "Ransom note 풀이"))
            #expect(adjustment.lowerBound < solve.lowerBound && facts.contains("누계 505점") && facts.contains(#"<li class="gain">"#))
            // the white team's trail names each action and its subject in Korean, and says what changed
            _ = try await white.post("/language", ["locale": "ko", "next": "/exercises/ex"])
            let trail = try await white.get("/exercises/ex/audit").body.string
            #expect(trail.contains("점수 조정") && trail.contains("훈련 상태 변경") && trail.contains("팀 blue"), "\(trail)")
            #expect(trail.contains("변경: state: draft → running") && !trail.contains("+5 adjustments"))
        }
    }

    /// A challenge's page model says what the value is and how it moves, what the challenge needs first,
    /// and how many wrong flags the team may still send; the page draws it, and drops the answer field
    /// once the attempts are used up.
    @Test(arguments: TestDatabase.all)
    func aChallengePageShowsItsValueWhatItNeedsAndTheAttemptsLeft(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            let fixture = try await Fixture.make(app)
            let exerciseID = try fixture.exercise.requireID()
            let ransom = try await TestChallenges.add(app, fixture)
            let after = try await TestChallenges.save(
                app, exerciseID,
                try Challenges.parse("name: After\ncategory: misc\nvalue: 10\nflags: [a]\nrequirements: {prerequisites: [Ransom note], anonymize: true}\n").spec)
            let limited = try await TestChallenges.save(
                app, exerciseID, try Challenges.parse("name: Limited\ncategory: misc\nvalue: 50\nflags: [right]\nattempts: 2\n").spec)
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            let exercise = try await Exercises.find("ex", on: app.db)
            let team = try #require(fixture.teams[.blue])
            let context = ExerciseContext(exercise: exercise, role: .blue, team: team, judge: false)
            let white = ExerciseContext(exercise: exercise, role: .white, team: nil, judge: false)
            let blue = Browser(app)
            _ = try await blue.logIn("blue")

            // check: before any solve the value is the initial one and the first solver keeps it; a
            // prerequisite not yet solved keeps the next challenge locked
            var model = try await ChallengePageModel.build(ransom.uuidString, context, app: app)
            #expect(model.challenge?.value == 500 && model.decay == .init(minimum: 100, next: 500) && model.attemptsLeft == nil)
            #expect(try await ChallengePageModel.build(after.uuidString, context, app: app).challenge == nil)

            // act: solve it; send a wrong flag to the limited one
            _ = try await Attempts.submit("RAMPART{affiliate-17}", challengeID: ransom, context: context, user: UUID(), source: nil, app: app)
            _ = try await Attempts.submit("wrong", challengeID: limited, context: context, user: UUID(), source: nil, app: app)

            // check
            model = try await ChallengePageModel.build(ransom.uuidString, context, app: app)
            #expect(model.challenge?.solved == true && model.decay?.next == 498 && !model.canSubmit)
            model = try await ChallengePageModel.build(after.uuidString, context, app: app)
            #expect(model.prerequisites == [.init(name: "Ransom note", solved: true)] && model.canSubmit)
            model = try await ChallengePageModel.build(limited.uuidString, context, app: app)
            #expect(model.attemptsLeft == 1 && model.challenge?.attempts == 1 && model.decay == nil)
            #expect(try await ChallengePageModel.build(limited.uuidString, white, app: app).attemptsLeft == nil, "the white team has no limit")
            var html = try await blue.get(AppRoute.challenge("ex", limited.uuidString).path).body.string
            #expect(html.contains("1 of 2 attempts left") && html.contains(#"name="flag""#))
            html = try await blue.get(AppRoute.challenge("ex", after.uuidString).path).body.string
            #expect(html.contains("✓ Ransom note"), "\(html)")

            // act + check: the last attempt used, the page says so and offers no answer field
            _ = try await Attempts.submit("wrong again", challengeID: limited, context: context, user: UUID(), source: nil, app: app)
            html = try await blue.get(AppRoute.challenge("ex", limited.uuidString).path).body.string
            #expect(html.contains("0 of 2 attempts left") && !html.contains(#"name="flag""#))
            let api = try await app.testing().sendRequest(
                .GET, "/api/v1/exercises/ex/challenges/\(limited)", headers: try await fixture.headers(.blue))
            #expect((try api.json() as? [String: Any])?["attempts"] as? Int == 2)
        }
    }

    @Test(arguments: TestDatabase.all)
    func flagsScoreAndEveryPointIsExplained(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            // setup
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.white)
            let blue = try await fixture.headers(.blue)
            _ = try await Teams.create(in: "ex", .init(slug: "blue2", kind: .blue, name: "Second blue"), by: .commandLine("test"), app: app)
            _ = try await Accounts.createUser(
                .init(username: "blue2", displayName: "Blue Two", password: Fixture.password, isAdmin: false), by: .commandLine("test"), app: app)
            try await Teams.addMember(in: "ex", team: "blue2", username: "blue2", judge: false, by: .commandLine("test"), app: app)
            let blue2 = try await fixture.headers(Fixture.Role(rawValue: "blue") ?? .blue).replacingBearer(app, username: "blue2")
            let created = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/challenges", headers: HTTPHeaders([("Content-Type", "application/yaml")]).merging(white),
                body: ByteBuffer(string: TestChallenges.decaying + "\nimage: nginx\n"))
            #expect(created.status == .created)
            let saved = try #require(try created.json() as? [String: Any])
            #expect((saved["warnings"] as? [String])?.contains { $0.contains("image") } == true)
            let ransom = try #require(UUID(uuidString: (saved["challenge"] as? [String: Any])?["id"] as? String ?? ""))
            let twoFlags = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/challenges", headers: .json(white),
                body: .json([
                    "name": "Two flags", "category": "crypto", "value": 100, "logic": "all",
                    "flags": ["RAMPART{one}", ["type": "regex", "content": "RAMPART\\{t[wW]o\\}"]],
                ]))
            #expect(twoFlags.status == .created, "\(twoFlags.body.string)")
            let both = try #require(
                UUID(uuidString: ((try twoFlags.json() as? [String: Any])?["challenge"] as? [String: Any])?["id"] as? String ?? ""))
            _ = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/challenges", headers: .json(white),
                body: .json(["name": "Secret", "category": "crypto", "value": 10, "flags": ["x"], "state": "hidden"]))
            _ = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/challenges", headers: .json(white),
                body: .json([
                    "name": "After ransom", "category": "crypto", "value": 10, "flags": ["y"], "files": [],
                    "requirements": ["prerequisites": ["Ransom note"], "anonymize": true],
                ]))

            // act + check: nothing scores before the exercise runs
            var (status, body) = try await attempt(app, ransom, "RAMPART{affiliate-17}", blue)
            #expect(status == .forbidden && body["status"] as? String == "not_running")
            _ = try await app.testing().sendRequest(.POST, "/api/v1/exercises/ex/state", headers: .json(white), body: .json(["state": "running"]))

            // the board hides what it must
            let board = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/challenges", headers: blue)
            let names = ((try board.json() as? [[String: Any]]) ?? []).map { $0["name"] as? String ?? "locked" }
            #expect(Set(names) == ["Ransom note", "Two flags", "locked"])
            #expect(!board.body.string.contains("RAMPART{"))
            let detail = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/challenges/\(ransom)", headers: blue)
            #expect(!detail.body.string.contains("affiliate-17") && !detail.body.string.contains("LOCKWAVE"))
            let whiteDetail = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/challenges/\(ransom)", headers: white)
            #expect(whiteDetail.body.string.contains("affiliate-17"))

            // incorrect, correct (trimmed, case-insensitive), already solved
            (status, body) = try await attempt(app, ransom, "RAMPART{nope}", blue)
            #expect(status == .ok && body["status"] as? String == "incorrect")
            (status, body) = try await attempt(app, ransom, "  rampart{AFFILIATE-17}\n", blue)
            #expect(status == .ok && body["status"] as? String == "correct" && body["points"] as? Int == 500)
            (status, body) = try await attempt(app, ransom, "RAMPART{affiliate-17}", blue)
            #expect(body["status"] as? String == "already_solved")

            // a second solve re-prices the first solver (linear decay 2 per solve)
            clock.advance(10)
            (status, body) = try await attempt(app, ransom, "RAMPART{affiliate-17}", blue2)
            #expect(body["points"] as? Int == 498)
            let facts = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/teams/blue/score-facts", headers: blue)
            let list = (try facts.json() as? [[String: Any]]) ?? []
            #expect(list.count == 1 && list.first?["points"] as? Int == 498 && list.first?["kind"] as? String == "solve")
            // other teams' facts are not there for the asking
            let other = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/teams/blue2/score-facts", headers: blue)
            #expect(other.status == .notFound)

            // `all` logic: partial progress, then solved
            (status, body) = try await attempt(app, both, "RAMPART{one}", blue)
            #expect(body["status"] as? String == "partial" && (body["progress"] as? [String: Any])?["found"] as? Int == 1)
            (status, body) = try await attempt(app, both, "RAMPART{tWo}", blue)
            #expect(body["status"] as? String == "correct")

            // hints: free ones cost nothing, costly ones need the points
            let hint = try await app.testing().sendRequest(.POST, "/api/v1/exercises/ex/challenges/\(both)/hints/1/unlock", headers: blue)
            #expect(hint.status == .notFound)
            let unlock = try await app.testing().sendRequest(.POST, "/api/v1/exercises/ex/challenges/\(ransom)/hints/family/unlock", headers: blue2)
            #expect(unlock.status == .ok && unlock.body.string.contains("LOCKWAVE"))

            // white team tests without scoring; rate limit after 10 wrong guesses a minute
            (status, body) = try await attempt(app, ransom, "RAMPART{affiliate-17}", white)
            #expect(body["status"] as? String == "correct" && body["points"] == nil)
            for _ in 0..<10 { _ = try await attempt(app, both, "wrong", blue2) }
            (status, body) = try await attempt(app, both, "wrong", blue2)
            #expect(status == .tooManyRequests && body["status"] as? String == "rate_limited")
            clock.advance(61)
            (status, body) = try await attempt(app, both, "wrong", blue2)
            #expect(body["status"] as? String == "incorrect")

            // adjustments and withdrawals are new facts
            let adjust = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams/blue2/adjustments", headers: .json(white), body: .json(["points": -20, "reason": "late report"]))
            #expect(adjust.status == .created)
            let withdraw = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/score-facts/1/withdraw", headers: .json(white), body: .json(["reason": "flag shared"]))
            #expect(withdraw.status == .created)
            clock.advance(2)
            let scoreboard = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/scoreboard", headers: blue)
            let standings = ((try scoreboard.json() as? [String: Any])?["standings"] as? [[String: Any]]) ?? []
            // blue: withdrawn ransom (0) + two flags 100; blue2: ransom alone now 500 − hint 50 − 20
            #expect(standings.map { $0["slug"] as? String } == ["blue2", "blue"])
            #expect(standings.map { $0["score"] as? Int } == [430, 100])
            // the page draws both teams' lines from their facts (blue2: 500, then −50 hint, then −20)
            let page = try await app.testing().sendRequest(.GET, "/exercises/ex/scoreboard", headers: white)
            #expect(page.body.string.components(separatedBy: "<polyline").count - 1 == 2)
            #expect(page.body.string.contains("Second blue"))
            let ctftime = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/ctftime.json", headers: blue)
            #expect(ctftime.body.string.contains("\"pos\":1") && ctftime.body.string.contains("Second blue"))

            // the stored projection agrees with a recomputation from the facts
            #expect(try await app.scores.rebuild(fixture.exercise.requireID(), app: app) == 0)
            // every attempt is on record
            #expect(try await Submission.query(on: app.db).count() >= 20)
        }
    }

    @Test(arguments: TestDatabase.all)
    func editingASolvedChallengeOrTheFirstBloodBonusRepricesTheStoredStandings(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup: a solve of a 100-point challenge
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.white)
            let blue = try await fixture.headers(.blue)
            let created = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/challenges", headers: .json(white),
                body: .json(["name": "Fixed", "category": "misc", "value": 100, "flags": ["F"]]))
            let id = try #require(((try created.json() as? [String: Any])?["challenge"] as? [String: Any])?["id"] as? String)
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            _ = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/challenges/\(id)/attempts", headers: .json(blue), body: .json(["flag": "F"]))
            // act: the white team changes its value
            let edited = try await app.testing().sendRequest(
                .PUT, "/api/v1/exercises/ex/challenges/\(id)", headers: .json(white),
                body: .json(["name": "Fixed", "category": "misc", "value": 300, "flags": ["F"]]))
            // check: the board follows at once and agrees with a rebuild
            #expect(edited.status == .ok)
            let board = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/scoreboard", headers: blue)
            let standings = ((try board.json() as? [String: Any])?["standings"] as? [[String: Any]]) ?? []
            #expect(standings.first?["score"] as? Int == 300)
            #expect(try await app.scores.rebuild(fixture.exercise.requireID(), app: app) == 0)

            // act: the exercise's first-blood bonus changes (settings go through scoring's hook)
            let bonus = try await app.testing().sendRequest(
                .PATCH, "/api/v1/exercises/ex", headers: .json(white), body: .json(["first_blood": [10]]))
            // check: the first solve earns it at once, and the board still agrees with a rebuild
            #expect(bonus.status == .ok)
            let repriced = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/scoreboard", headers: blue)
            let after = ((try repriced.json() as? [String: Any])?["standings"] as? [[String: Any]]) ?? []
            #expect(after.first?["score"] as? Int == 330)
            #expect(try await app.scores.rebuild(fixture.exercise.requireID(), app: app) == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func simultaneousSubmissionsShareCommitsYetScoreOnceAndLockOutExactly(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup: a fixed challenge, and one allowing three wrong flags; two members of one team
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.white)
            let blue = try await fixture.headers(.blue)
            _ = try await Accounts.createUser(
                .init(username: "blue-second", displayName: "Blue Second", password: Fixture.password, isAdmin: false), by: .commandLine("test"),
                app: app)
            try await Teams.addMember(in: "ex", team: "blue", username: "blue-second", judge: false, by: .commandLine("test"), app: app)
            let second = try await blue.replacingBearer(app, username: "blue-second")
            var ids: [String] = []
            for body: [String: Any] in [
                ["name": "Fixed", "category": "misc", "value": 100, "flags": ["F"]],
                ["name": "Guarded", "category": "misc", "value": 100, "flags": ["G"], "attempts": 3],
            ] {
                let created = try await app.testing().sendRequest(.POST, "/api/v1/exercises/ex/challenges", headers: .json(white), body: .json(body))
                ids.append(try #require(((try created.json() as? [String: Any])?["challenge"] as? [String: Any])?["id"] as? String))
            }
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)

            // act: 10 correct flags from both members and 8 wrong guesses, all at once
            let results = try await withThrowingTaskGroup(of: (String, String).self) { group in
                for index in 0..<18 {
                    let (challenge, flag) = index < 10 ? (ids[0], "F") : (ids[1], "wrong \(index)")
                    let headers = index.isMultiple(of: 2) ? blue : second
                    group.addTask {
                        let response = try await app.testing().sendRequest(
                            .POST, "/api/v1/exercises/ex/challenges/\(challenge)/attempts", headers: .json(headers), body: .json(["flag": flag]))
                        return (challenge, (try response.json() as? [String: Any])?["status"] as? String ?? "\(response.status)")
                    }
                }
                return try await group.reduce(into: [(String, String)]()) { $0.append($1) }
            }

            // check: one solve, exactly three wrong guesses counted, the rest refused; all on record
            let fixed = results.filter { $0.0 == ids[0] }.map(\.1)
            let guarded = results.filter { $0.0 == ids[1] }.map(\.1)
            #expect(fixed.filter { $0 == "correct" }.count == 1 && fixed.filter { $0 == "already_solved" }.count == 9, "\(fixed)")
            #expect(guarded.filter { $0 == "incorrect" }.count == 3 && guarded.filter { $0 == "locked" }.count == 5, "\(guarded)")
            #expect(try await Submission.query(on: app.db).count() == 18)
            #expect(try await ScoreFactRecord.query(on: app.db).count() == 1)
            #expect(try await app.scores.rebuild(fixture.exercise.requireID(), app: app) == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aPublicScoreboardIsReadableWithoutLoggingInAndNothingElseIs(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.white)
            let outsider = try await fixture.headers(.outsider)
            func status(_ path: String, _ headers: HTTPHeaders = [:]) async throws -> HTTPStatus {
                try await app.testing().sendRequest(.GET, path, headers: headers).status
            }
            #expect(try await status("/api/v1/exercises/ex/ctftime.json") == .unauthorized)
            // act: the white team makes the scoreboard public
            let patched = try await app.testing().sendRequest(
                .PATCH, "/api/v1/exercises/ex", headers: .json(white), body: .json(["public_scoreboard": true]))
            let exercise = try patched.json() as? [String: Any]
            #expect(patched.status == .ok && exercise?["public_scoreboard"] as? Bool == true)
            // check: board, feed and page for anyone; nothing else
            #expect(try await status("/api/v1/exercises/ex/scoreboard") == .ok)
            let feed = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/ctftime.json")
            #expect(feed.status == .ok && feed.body.string.contains("\"standings\""))
            #expect(try await status("/exercises/ex/scoreboard") == .ok)
            #expect(try await status("/api/v1/exercises/ex/scoreboard", outsider) == .ok)
            // an outside reader gets no exercise tabs: there is nowhere else for them to go; a member does
            for (who, headers) in [("anonymous", HTTPHeaders()), ("outsider", outsider), ("blue", try await fixture.headers(.blue))] {
                let page = try await app.testing().sendRequest(.GET, "/exercises/ex/scoreboard", headers: headers).body.string
                #expect(page.contains(#"class="tabs""#) == (who == "blue"), "\(who)")
            }
            #expect(try await status("/api/v1/exercises/ex/teams/blue/score-facts") == .unauthorized)
            #expect(try await status("/api/v1/exercises/ex/challenges") == .unauthorized)
            #expect(try await status("/api/v1/exercises/ex/challenges", outsider) == .notFound)
            #expect(try await status("/api/v1/exercises/nope/scoreboard") == .unauthorized)
            // the exercise file carries the switch, and turning it off takes effect at once
            #expect(try await ExerciseFileStore.export("ex", app: app).yaml().contains("public_scoreboard: true"))
            _ = try await app.testing().sendRequest(
                .PATCH, "/api/v1/exercises/ex", headers: .json(white), body: .json(["public_scoreboard": false]))
            #expect(try await status("/api/v1/exercises/ex/scoreboard") == .unauthorized)
            #expect(try await status("/api/v1/exercises/ex/scoreboard", outsider) == .notFound)
        }
    }

    @Test(arguments: TestDatabase.all)
    func randomHistoriesKeepTheStoredProjectionEqualToARebuild(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            // setup
            let fixture = try await Fixture.make(app)
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            let exerciseID = try fixture.exercise.requireID()
            var teams: [Team] = []
            for index in 0..<4 {
                teams.append(
                    try await Teams.create(in: "ex", .init(slug: "t\(index)", kind: .blue, name: "Team \(index)"), by: .commandLine("test"), app: app)
                )
            }
            var challenges: [UUID] = []
            for index in 0..<3 {
                let yaml =
                    index == 0
                    ? TestChallenges.decaying
                    : """
                    name: "C\(index)"
                    category: "cat\(index % 2)"
                    type: dynamic
                    extra: {initial: 300, decay: 3, minimum: 50, first_blood: [10, 5]}
                    flags: ["F\(index)"]
                    """
                let (spec, _) = try Challenges.parse(yaml)
                challenges.append(try await TestChallenges.save(app, exerciseID, spec))
            }
            let exercise = try await Exercises.find("ex", on: app.db)
            var generator = SystemRandomNumberGenerator()
            let actor = AuditActor.commandLine("test")
            // act: random solves, hints, adjustments, withdrawals, rebuilds
            for step in 0..<60 {
                clock.advance(Double.random(in: 0...5, using: &generator).rounded())
                let team = teams.randomElement(using: &generator)!
                let context = ExerciseContext(exercise: exercise, role: .blue, team: team, judge: false)
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<5:
                    let index = Int.random(in: 0..<challenges.count, using: &generator)
                    let flag = index == 0 ? "RAMPART{affiliate-17}" : "F\(index)"
                    _ = try await Attempts.submit(flag, challengeID: challenges[index], context: context, user: UUID(), source: nil, app: app)
                case 5:
                    _ = try? await Attempts.unlockHint("family", challengeID: challenges[0], context: context, user: UUID(), app: app)
                case 6, 7:
                    _ = try await ScoreFacts.adjust(
                        team: team, points: Int.random(in: -30...30, using: &generator) | 1, reason: "step \(step)", category: nil, context: context,
                        by: actor, app: app)
                case 8:
                    let solves = try await ScoreFactRecord.query(on: app.db).filter(\.$kind == "solve").all()
                    let withdrawn = Set(try await ScoreFactRecord.query(on: app.db).filter(\.$kind == "withdrawal").all().compactMap(\.withdraws))
                    if let solve = solves.filter({ !withdrawn.contains($0.seq) }).randomElement(using: &generator) {
                        _ = try await ScoreFacts.withdraw(seq: solve.seq, reason: "test", context: context, by: actor, app: app)
                    }
                default:
                    // check: a rebuild finds nothing to correct
                    #expect(try await app.scores.rebuild(exerciseID, app: app) == 0, "step \(step)")
                }
            }
            // check
            #expect(try await app.scores.rebuild(exerciseID, app: app) == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aCtfcliTreeImportsAndReimportsWithoutDuplicates(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup: ctfcli's layout, one broken file, one with deployment keys
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-ctfcli-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: root) }
            func write(_ path: String, _ text: String) throws {
                let url = root.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            }
            try write(
                "web/login/challenge.yml",
                """
                name: "Login bypass"
                author: someone
                category: web
                description: Get in.
                value: 200
                type: standard
                image: ./image
                host: null
                flags:
                  - flag{sql}
                files:
                  - dist/source.zip
                requirements:
                  - "Warmup"
                version: "0.1"
                """)
            try write("web/login/dist/source.zip", "zip bytes")
            try write("misc/warmup/challenge.yml", "name: Warmup\ncategory: misc\nvalue: 10\nflags: [\"flag{hi}\"]\n")
            try write("misc/broken/challenge.yml", "name: Broken\ncategory: misc\nvalue: [\n")
            // needs the broken one, and a third needs that: both are skipped, the others still import
            try write("misc/after/challenge.yml", "name: After\ncategory: misc\nvalue: 10\nflags: [a]\nrequirements: [Broken]\n")
            try write("misc/later/challenge.yml", "name: Later\ncategory: misc\nvalue: 10\nflags: [b]\nrequirements: [After]\n")
            // an attachment name no browser should save: skipped, not fatal
            try write("misc/dotfile/challenge.yml", "name: Dotfile\ncategory: misc\nvalue: 10\nflags: [c]\nfiles: [.env]\n")
            try write("misc/dotfile/.env", "SECRET=1")
            _ = try await Fixture.make(app)
            let commands = CommandTests()
            // act
            await #expect(throws: (any Error).self) { try await commands.run(app, "challenge", "import", "--exercise", "ex", root.path) }
            await #expect(throws: (any Error).self) { try await commands.run(app, "challenge", "import", "--exercise", "ex", root.path) }
            // check: two imported once each, the broken one and those needing it reported, the file attached
            let challenges = try await Challenge.query(on: app.db).all()
            #expect(Set(challenges.map(\.name)) == ["Login bypass", "Warmup"])
            let files = try await ChallengeFile.query(on: app.db).all()
            #expect(files.map(\.name) == ["source.zip"])
            let exported = try await ExerciseFileStore.export("ex", app: app)
            #expect(exported.challenges.map(\.name).sorted() == ["Login bypass", "Warmup"])
            // the exported file applies without changing anything
            let report = try await ExerciseFileStore.apply(try ExerciseFile.read(yaml: exported.yaml()), by: .commandLine("test"), app: app)
            #expect(report.changes.isEmpty, "\(report.changes)")
        }
    }
}

extension HTTPHeaders {
    /// Headers for another user, with a fresh token.
    func replacingBearer(_ app: Application, username: String) async throws -> HTTPHeaders {
        let user = try #require(try await User.query(on: app.db).filter(\.$username == username).first())
        let issued = try await Accounts.issueToken(
            userID: try user.requireID(), username: username, name: "test", lifetime: nil, by: .commandLine("test"), app: app)
        return ["Authorization": "Bearer \(issued.token)"]
    }

    func merging(_ other: HTTPHeaders) -> HTTPHeaders {
        var headers = self
        for (name, value) in other { headers.add(name: name, value: value) }
        return headers
    }
}
