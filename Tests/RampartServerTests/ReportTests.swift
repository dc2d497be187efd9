import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import RampartCore
@testable import RampartKernel
@testable import RampartDefence
@testable import RampartReports
@testable import RampartScoring
@testable import RampartServer

/// Red reports a compromise, a judge validates it, blue sees the penalty, reports the incident, is
/// graded and wins credit back, disputes, and another judge upholds the dispute: the whole loop
/// through the API, with the board agreeing with a recompute at every step.
@Suite struct ReportTests {
    struct World {
        let app: Application
        let fixture: Fixture
        let clock: TestClock

        func send(
            _ method: HTTPMethod, _ path: String, as role: Fixture.Role, json: [String: Any]? = nil, body: ByteBuffer? = nil
        ) async throws -> TestingHTTPResponse {
            var headers = try await fixture.headers(role)
            if let json {
                headers.contentType = .json
                return try await app.testing().sendRequest(method, "/api/v1/exercises/ex" + path, headers: headers, body: .json(json))
            }
            return try await app.testing().sendRequest(method, "/api/v1/exercises/ex" + path, headers: headers, body: body)
        }

        func object(_ response: TestingHTTPResponse) throws -> [String: Any] {
            try #require(try response.json() as? [String: Any], "\(response.status): \(response.body.string)")
        }

        func list(_ response: TestingHTTPResponse) throws -> [[String: Any]] {
            try #require(try response.json() as? [[String: Any]], "\(response.status): \(response.body.string)")
        }

        func total(_ team: String) async throws -> Int {
            let board = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/scoreboard", headers: try await fixture.headers(.white))
            let standings = try #require(try (board.json() as? [String: Any])?["standings"] as? [[String: Any]])
            return standings.first { $0["slug"] as? String == team }?["score"] as? Int ?? 0
        }

        func rebuildAgrees() async throws -> Bool {
            try await app.scores.rebuild(try fixture.exercise.requireID(), app: app) == 0
        }

        var iso: (Date) -> String { { $0.formatted(.iso8601) } }

        func compromise(_ extra: [String: Any] = [:]) -> [String: Any] {
            var body: [String: Any] = [
                "team": "blue", "asset": "web", "techniques": ["t1190", "T1059.001"], "access_level": "administrator", "persistence": true,
                "data_accessed": ["credentials"], "source_address": "10.66.0.5", "target_address": "127.0.0.1",
                "compromised_at": iso(clock.now.addingTimeInterval(-30)), "narrative": "Exploited the **shop** upload form.",
            ]
            for (key, value) in extra { body[key] = value }
            return body
        }
    }

    static func world(_ app: Application, _ clock: TestClock) async throws -> World {
        let fixture = try await Fixture.make(app)
        try await TestServices.add(app, try fixture.exercise.requireID())
        _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
        clock.advance(600)
        return World(app: app, fixture: fixture, clock: clock)
    }

    @Test(arguments: TestDatabase.all)
    func theWholeLoopScoresAsFactsAndTheBoardAgrees(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            let world = try await Self.world(app, clock)
            // Red files; nobody but white and red sees it while it waits.
            let filed = try await world.send(.POST, "/compromise-reports", as: .red, json: world.compromise())
            #expect(filed.status == .created, "\(filed.body.string)")
            let report = try world.object(filed)
            let id = try #require(report["id"] as? String)
            #expect(report["status"] as? String == "pending")
            #expect((report["techniques"] as? [[String: Any]])?.first?["name"] as? String == "Exploit Public-Facing Application")
            #expect(try world.list(try await world.send(.GET, "/compromise-reports", as: .blue)).isEmpty)
            #expect(try await world.send(.GET, "/compromise-reports/\(id)", as: .blue).status == .notFound)
            #expect(try world.list(try await world.send(.GET, "/compromise-reports", as: .yellow)).isEmpty)
            #expect(try await world.send(.GET, "/compromise-reports", as: .green).status == .forbidden)
            // The queue holds it; a claim keeps a second judge off it.
            let queue = try world.list(try await world.send(.GET, "/judging/queue", as: .white))
            #expect(queue.map { $0["kind"] as? String } == ["compromise"])
            let page = try await app.testing().sendRequest(.GET, "/exercises/ex/judging", headers: try await world.fixture.headers(.white))
            #expect(page.status == .ok && page.body.string.contains("waiting for a judge") && page.body.string.contains("/judging/compromise/\(id)/claim"))
            #expect(try await world.send(.POST, "/judging/compromise/\(id)/claim", as: .judge).status == .created)
            let taken = try await world.send(.POST, "/compromise-reports/\(id)/decision", as: .white, json: ["verdict": "validated"])
            #expect(taken.status == .conflict && taken.errorCode == "claimed")
            // The judge validates at the table's price: (administrator 100 + persistence 25) × weight 1.
            let decided = try world.object(try await world.send(.POST, "/compromise-reports/\(id)/decision", as: .judge, json: ["verdict": "validated"]))
            #expect(decided["status"] as? String == "validated" && decided["penalty"] as? Int == 125)
            let again = try await world.send(.POST, "/compromise-reports/\(id)/decision", as: .admin, json: ["verdict": "rejected", "note": "no"])
            #expect(again.status == .conflict && again.errorCode == "already_decided")
            #expect(try await world.total("blue") == -125)
            #expect(try await world.rebuildAgrees())
            // Blue sees it, without the narrative until the exercise ends (no windows: `after_window` waits for the end).
            let seen = try world.list(try await world.send(.GET, "/compromise-reports", as: .blue))
            #expect(seen.count == 1 && seen.first?["penalty"] as? Int == 125 && seen.first?["narrative"] == nil && seen.first?["filed_by"] == nil)
            let facts = try world.list(try await world.send(.GET, "/teams/blue/score-facts", as: .blue))
            #expect(facts.contains { $0["kind"] as? String == "compromise" && $0["points"] as? Int == -125 })
            // Blue reports the incident; red may not read it.
            let incident = try world.object(
                try await world.send(
                    .POST, "/incident-reports", as: .blue,
                    json: [
                        "detected_at": world.iso(clock.now), "assets": ["web"], "techniques": ["T1190"], "indicators": ["10.66.0.5"],
                        "actions": "Blocked the address", "narrative": "Webshell found in uploads/",
                    ]))
            let incidentID = try #require(incident["id"] as? String)
            #expect(try await world.send(.GET, "/incident-reports", as: .red).status == .forbidden)
            let forJudge = try world.object(try await world.send(.GET, "/incident-reports/\(incidentID)", as: .white))
            #expect((forJudge["rubric"] as? [[String: Any]])?.count == 4)
            #expect((forJudge["suggestions"] as? [String]) == [id])
            // Graded at the top of every level (20 + 15 + 10 + 20) with half the penalty back (63 of 125).
            let graded = try world.object(
                try await world.send(
                    .POST, "/incident-reports/\(incidentID)/grade", as: .judge,
                    json: [
                        "levels": ["detection": "full", "accuracy": "accurate", "timeliness": "within_hour", "containment": "contained"],
                        "compromise_reports": [id], "note": "Good",
                    ]))
            let grade = try #require(graded["grade"] as? [String: Any])
            #expect(grade["rubric_points"] as? Int == 65 && grade["credit_points"] as? Int == 63)
            #expect(try await world.total("blue") == -125 + 65 + 63)
            #expect(try await world.rebuildAgrees())
            // Blue disputes once; the judge who validated may not decide it; another judge upholds it.
            #expect(try await world.send(.POST, "/compromise-reports/\(id)/dispute", as: .blue, json: ["reason": "That host was out of scope"]).status == .ok)
            #expect(try await world.send(.POST, "/compromise-reports/\(id)/dispute", as: .blue, json: ["reason": "again"]).errorCode == "already_disputed")
            #expect(try world.list(try await world.send(.GET, "/judging/queue?kind=dispute", as: .white)).count == 1)
            let same = try await world.send(.POST, "/compromise-reports/\(id)/dispute/decision", as: .judge, json: ["verdict": "upheld", "note": "x"])
            #expect(same.errorCode == "same_judge")
            let upheld = try world.object(
                try await world.send(.POST, "/compromise-reports/\(id)/dispute/decision", as: .white, json: ["verdict": "upheld", "note": "Out of scope"]))
            #expect(upheld["status"] as? String == "withdrawn")
            // The penalty and the credit written on it are withdrawn; the rubric's points stay.
            #expect(try await world.total("blue") == 65)
            #expect(try await world.rebuildAgrees())
            let actions = try await AuditRecord.query(on: app.db).all().map(\.action)
            for action in ["report.compromise.file", "report.compromise.decide", "report.incident.grade", "report.compromise.dispute_decide", "judging.claim"] {
                #expect(actions.contains(action), "\(action)")
            }
            // Each change's live event was stored in its own write (refused ones left none), with its audience.
            let events = try await LiveEvents.read(after: 0, exercise: try world.fixture.exercise.requireID(), limit: 1000, on: app.db)
                .filter { $0.kind.hasPrefix("report.") }
            let kinds = events.map(\.kind)
            for kind in ["report.compromise.filed", "report.compromise.decided", "report.incident.filed", "report.incident.graded"] {
                #expect(kinds.contains(kind), "\(kind) in \(kinds)")
            }
            #expect(kinds.filter { $0 == "report.compromise.disputed" }.count == 1, "\(kinds)")
            #expect(kinds.filter { $0 == "report.compromise.dispute_decided" }.count == 1, "\(kinds)")
            #expect(events.first { $0.kind == "report.compromise.disputed" }?.audience == .ownTeam)
            #expect(events.first { $0.kind == "report.compromise.dispute_decided" }?.audience == .everyone)
            #expect(events.first { $0.kind == "report.incident.graded" }?.payload["points"] == "128")
        }
    }

    @Test(arguments: TestDatabase.all)
    func badReportsAreRefusedWithTheirFieldAndNothingIsStored(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            let world = try await Self.world(app, clock)
            let cases: [([String: Any], String)] = [
                (["techniques": ["T9999"]], "techniques"),
                (["techniques": []], "techniques"),
                (["team": "red"], "team"),
                (["access_level": "god"], "access_level"),
                (["compromised_at": world.iso(clock.now.addingTimeInterval(-3600))], "compromised_at"),
                (["compromised_at": world.iso(clock.now.addingTimeInterval(3600))], "compromised_at"),
                (["narrative": "  "], "narrative"),
                (["narrative": String(repeating: "x", count: 20_001)], "narrative"),
                (["source_address": "10.0.0.1<script>"], "source_address"),
                (["data_accessed": ["everything"]], "data_accessed"),
            ]
            for (change, field) in cases {
                let response = try await world.send(.POST, "/compromise-reports", as: .red, json: world.compromise(change))
                #expect(response.status == .unprocessableEntity, "\(change): \(response.body.string)")
                #expect(response.body.string.contains(field), "\(change)")
            }
            let unknown = try await world.send(.POST, "/compromise-reports", as: .red, json: world.compromise(["severity": 1]))
            #expect(unknown.status == .badRequest && unknown.errorCode == "unknown_field")
            #expect(try await world.send(.POST, "/compromise-reports", as: .blue, json: world.compromise()).status == .forbidden)
            // Another team's host: a second blue team on 127.0.9.1.
            _ = try await Teams.create(in: "ex", .init(slug: "blue2", kind: .blue, name: "Blue 2", number: 9), by: .commandLine("test"), app: app)
            try await TestServices.add(app, try world.fixture.exercise.requireID(), "name: mail\ncheck: tcp\naddress: \"127.0.{team.number}.1:25\"")
            let foreign = try await world.send(.POST, "/compromise-reports", as: .red, json: world.compromise(["asset": "127.0.9.1"]))
            #expect(foreign.status == .unprocessableEntity && foreign.body.string.contains("another team"), "\(foreign.body.string)")
            #expect(try await CompromiseReport.query(on: app.db).count() == 0)
            // Decisions: an unknown verdict, a penalty off the table without a note, a rejection without one.
            let id = try #require(try world.object(try await world.send(.POST, "/compromise-reports", as: .red, json: world.compromise()))["id"] as? String)
            for body: [String: Any] in [["verdict": "maybe"], ["verdict": "validated", "penalty": 10], ["verdict": "rejected"], ["verdict": "validated", "penalty": -5, "note": "x"]] {
                let response = try await world.send(.POST, "/compromise-reports/\(id)/decision", as: .white, json: body)
                #expect(response.status == .unprocessableEntity, "\(body): \(response.body.string)")
            }
            #expect(try await world.send(.POST, "/compromise-reports/\(id)/decision", as: .red, json: ["verdict": "validated"]).status == .forbidden)
            // A finished exercise takes no more reports.
            _ = try await Exercises.move("ex", to: .finished, by: .commandLine("test"), app: app)
            let late = try await world.send(.POST, "/compromise-reports", as: .red, json: world.compromise())
            #expect(late.status == .conflict && late.errorCode == "not_running")
        }
    }

    @Test(arguments: TestDatabase.all)
    func duplicatesAreFlaggedAndPricedNothingUnlessAJudgeSaysOtherwise(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            let world = try await Self.world(app, clock)
            let first = try #require(try world.object(try await world.send(.POST, "/compromise-reports", as: .red, json: world.compromise()))["id"] as? String)
            let second = try world.object(try await world.send(.POST, "/compromise-reports", as: .red, json: world.compromise(["techniques": ["T1190"]])))
            #expect(second["duplicate_of"] as? String == first)
            let queue = try world.list(try await world.send(.GET, "/judging/queue", as: .white))
            let secondID = try #require(second["id"] as? String)
            #expect(queue.count == 2 && queue.first { $0["id"] as? String == secondID }?["duplicate_of"] as? String == first)
            let zero = try world.object(try await world.send(.POST, "/compromise-reports/\(secondID)/decision", as: .white, json: ["verdict": "validated"]))
            #expect(zero["penalty"] as? Int == 0)
            let fact = try await ScoreFactRecord.query(on: app.db).filter(\.$kind == "compromise").count()
            #expect(fact == 0, "a duplicate costs nothing")
            let firstDecided = try world.object(
                try await world.send(.POST, "/compromise-reports/\(first)/decision", as: .white, json: ["verdict": "validated", "penalty": 300, "note": "Crown jewels"]))
            #expect(firstDecided["penalty"] as? Int == 300)
            let facts = try world.list(try await world.send(.GET, "/teams/blue/score-facts", as: .blue))
            #expect(facts.contains { ($0["reason"] as? String)?.hasSuffix("validated: Crown jewels") == true }, "the judge's note is the team's to read")
            // The report's page says to each viewer only what its API record does: blue reads the note but not
            // which red operator filed it; an observer reads neither.
            func page(_ role: Fixture.Role) async throws -> String {
                try await app.testing().sendRequest(.GET, "/exercises/ex/compromise-reports/\(first)", headers: try await world.fixture.headers(role)).body.string
            }
            let (white, blue, yellow) = (try await page(.white), try await page(.blue), try await page(.yellow))
            #expect(white.contains("Crown jewels") && white.contains("timeline-details\">red<"))
            #expect(blue.contains("Crown jewels") && !blue.contains("timeline-details\">red<"))
            #expect(!yellow.contains("Crown jewels") && !yellow.contains("timeline-details\">red<") && yellow.contains("−300"))
            #expect(try await world.total("blue") == -300)
        }
    }

    @Test(arguments: TestDatabase.all)
    func evidenceIsSniffedStoredAndShownOnlyToThoseWhoMayReadTheReport(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            let world = try await Self.world(app, clock)
            let id = try #require(try world.object(try await world.send(.POST, "/compromise-reports", as: .red, json: world.compromise()))["id"] as? String)
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 100)
            let stored = try await world.send(.POST, "/compromise-reports/\(id)/evidence?name=shell.png", as: .red, body: ByteBuffer(bytes: png))
            #expect(stored.status == .created, "\(stored.body.string)")
            let evidence = try #require(try world.object(stored)["evidence"] as? [[String: Any]])
            #expect(evidence.first?["content_type"] as? String == "image/png")
            for (name, bytes) in [("shot.png", Array("just text".utf8)), ("tool.txt", Array("MZ\u{90}\u{0}".utf8)), ("a/b.txt", Array("x".utf8)), ("blob.bin", [0, 1, 2, 3] as [UInt8])] {
                let refused = try await world.send(.POST, "/compromise-reports/\(id)/evidence?name=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", as: .red, body: ByteBuffer(bytes: bytes))
                #expect(refused.status == .unprocessableEntity, "\(name): \(refused.body.string)")
            }
            #expect(try await ReportEvidence.query(on: app.db).count() == 1)
            #expect(try await FileBlob.query(on: app.db).count() == 1, "refused files leave no blob")
            let download = try await world.send(.GET, "/compromise-reports/\(id)/evidence/shell.png", as: .white)
            #expect(download.status == .ok && Array(download.body.readableBytesView) == png)
            #expect(download.headers.contentType?.description == "application/octet-stream")
            // Validated: blue sees the report but not the evidence before the exercise ends.
            _ = try await world.send(.POST, "/compromise-reports/\(id)/decision", as: .white, json: ["verdict": "validated"])
            #expect(try await world.send(.GET, "/compromise-reports/\(id)", as: .blue).status == .ok)
            #expect(try await world.send(.GET, "/compromise-reports/\(id)/evidence/shell.png", as: .blue).status == .notFound)
            #expect(try await world.send(.GET, "/compromise-reports/\(id)/evidence/shell.png", as: .yellow).status == .notFound)
            #expect(try await world.send(.POST, "/compromise-reports/\(id)/evidence?name=late.png", as: .red, body: ByteBuffer(bytes: png)).status == .conflict)
            _ = try await Exercises.move("ex", to: .finished, by: .commandLine("test"), app: app)
            #expect(try await world.send(.GET, "/compromise-reports/\(id)/evidence/shell.png", as: .blue).status == .ok)
            // The export carries every report and decision.
            let csv = try await world.send(.GET, "/reports/export?format=csv&kind=compromise", as: .white)
            #expect(csv.status == .ok && csv.body.string.hasPrefix("id,team,asset") && csv.body.string.contains(id))
            let json = try world.object(try await world.send(.GET, "/reports/export?format=json", as: .white))
            #expect((json["compromise_reports"] as? [[String: Any]])?.count == 1)
            #expect(try await world.send(.GET, "/reports/export", as: .red).status == .forbidden)
            for query in ["?kind=AAA", "?format=xml", "?format=csv&kind=x"] {
                #expect(try await world.send(.GET, "/reports/export" + query, as: .white).status == .unprocessableEntity, "\(query)")
            }
        }
    }

    @Test(arguments: TestDatabase.all)
    func aPlantedTokenOrAServiceFlagValidatesAReportAtOnce(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            let world = try await Self.world(app, clock)
            let rules = try world.object(try await world.send(.GET, "/report-rules", as: .white))
            let tokens = try #require(rules["compromise_tokens"] as? [[String: Any]])
            let token = try #require(tokens.first { $0["team"] as? String == "blue" }?["token"] as? String)
            #expect(try world.object(try await world.send(.GET, "/report-rules", as: .red))["compromise_tokens"] == nil)
            let wrong = try world.object(try await world.send(.POST, "/compromise-reports", as: .red, json: world.compromise(["proof": "RAMPART{guess}"])))
            #expect(wrong["status"] as? String == "pending")
            let proved = try world.object(
                try await world.send(.POST, "/compromise-reports", as: .red, json: world.compromise(["proof": token, "asset": "db01", "access_level": "root"])))
            #expect(proved["status"] as? String == "validated" && proved["penalty"] as? Int == 175 && proved["proof_found"] as? String == "the team's compromise token")
            #expect(try await world.total("blue") == -175)
        }
    }

    @Test func theRedTeamSectionRoundTripsThroughTheExerciseFile() async throws {
        try await withRampart(.sqlite) { app, _ in
            let fixture = try await Fixture.make(app)
            let yaml = """
                rampart: 1
                exercise: {slug: ex, name: Exercise, time_zone: Asia/Seoul}
                red_team:
                  severity: {none: 10, user: 40, administrator: 80, root: 120}
                  asset_weights: {web: 2}
                  credit_share: 0.25
                  evidence_visibility: immediately
                  rubric:
                    - criterion: detection
                      levels: [{id: missed, points: 0}, {id: full, points: 30}]
                """
            let file = try ExerciseFile.read(yaml: yaml, sections: Features.all.exerciseFileSections)
            _ = try await ExerciseFileStore.apply(file, baseDirectory: nil, by: .commandLine("test"), app: app)
            let rules = try await Reports.rules(try fixture.exercise.requireID(), on: app.db)
            #expect(rules.severity[.root] == 120 && rules.weight("web") == 2 && rules.creditShare == 0.25 && rules.evidence == .immediately)
            #expect(rules.penalty(access: .administrator, persistence: false, asset: "web") == 160)
            let exported = try await ExerciseFileStore.export("ex", app: app)
            #expect(exported.reportRules == rules)
        }
    }
}
