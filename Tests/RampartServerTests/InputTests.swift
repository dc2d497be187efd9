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

/// Bad input is refused where it enters, with a clear error, and nothing of it is stored.
@Suite struct InputTests {
    @Test(arguments: TestDatabase.all)
    func controlCharactersAreRefusedAtTheEdgeWhereverTheyAreSent(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            let fixture = try await Fixture.make(app)
            let admin = try await fixture.headers(.admin)
            let browser = Browser(app)
            try await browser.logIn("blue")
            try await browser.get("/account")
            let records = try await AuditRecord.query(on: app.db).count()
            // act
            var answers: [(String, TestingHTTPResponse)] = []
            for name in ["ci\u{0}token", "ci\u{1B}[31mtoken", "ci\u{85}token", "ci\u{7F}token"] {
                answers.append(
                    (
                        "token \(name.debugDescription)",
                        try await app.testing().sendRequest(.POST, "/api/v1/me/tokens", headers: .json(admin), body: .json(["name": name]))
                    ))
            }
            answers.append(("raw NUL in JSON", try await app.testing().sendRequest(
                .POST, "/api/v1/me/tokens", headers: .json(admin), body: ByteBuffer(bytes: Array(#"{"name":"ci"#.utf8) + [0] + Array(#"token"}"#.utf8)))))
            answers.append(("form", try await browser.post("/account", ["display_name": "Park\u{0}Jin"])))
            answers.append(("query", try await app.testing().sendRequest(.GET, "/api/v1/audit?actor=a%00b", headers: admin)))
            answers.append(("path", try await app.testing().sendRequest(.GET, "/api/v1/users/blue%00x", headers: admin)))
            answers.append(("not UTF-8", try await app.testing().sendRequest(.GET, "/api/v1/audit?actor=%FF%FE", headers: admin)))
            answers.append(("YAML body", try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/challenges", headers: admin, body: ByteBuffer(string: "name: a\u{0}b\ncategory: c\nvalue: 1\n"))))
            let escaped = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/challenges", headers: admin, body: ByteBuffer(string: "name: \"a\\0b\"\ncategory: c\nvalue: 1\n"))
            // check
            for (what, response) in answers {
                #expect(response.status == .badRequest, "\(what): \(response.status) \(response.body.string.prefix(200))")
            }
            #expect(answers[0].1.errorCode == "invalid_text")
            #expect(answers[0].1.body.string.contains("U+0000"))
            #expect(escaped.status == .unprocessableEntity && escaped.body.string.contains("U+0000"), "\(escaped.body.string)")
            #expect(try await APIToken.query(on: app.db).all().allSatisfy { !$0.name.hasPrefix("ci") })
            #expect(try await Challenge.query(on: app.db).count() == 0)
            #expect(try await User.query(on: app.db).filter(\.$username == "blue").first()?.displayName == "Blue")
            #expect(try await AuditRecord.query(on: app.db).count() == records)
            #expect(try await Audit.verify(on: app.db).broken.isEmpty)
            // Tabs and line breaks are text; a name is still one line.
            let multiline = try await browser.post("/account", ["display_name": "Park\nJin"])
            #expect(multiline.body.string.contains("must be one line"), "\(multiline.status)")
            let description = try await app.testing().sendRequest(
                .PATCH, "/api/v1/exercises/ex", headers: .json(admin), body: .json(["description": "Line one\n\tLine two\r\n"]))
            #expect(description.status == .ok)
        }
    }

    @Test(arguments: TestDatabase.all)
    func theAuditChainHoldsAnyTextAndVerifyReportsEveryBrokenRecord(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup: text that came in some other way than a request (a file, the command line)
            _ = try await Fixture.make(app)
            try await app.write { db in
                try await Audit.record(
                    AuditEvent(action: "test", subjectType: "user", subject: "ci\u{0}token", summary: "made ci\u{0}token\u{85}"),
                    by: AuditActor(id: nil, name: "cli\u{0}", sourceAddress: "x\u{0}"), at: Date(), on: db)
            }
            let intact = try await Audit.verify(on: app.db)
            // act: alter two records and remove a third, behind the application's back
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.raw("UPDATE audit_records SET summary = 'nothing happened' WHERE seq IN (3, 7)").run()
            try await sql.raw("DELETE FROM audit_records WHERE seq = 10").run()
            let tampered = try await Audit.verify(on: app.db)
            // check
            #expect(intact.broken.isEmpty)
            #expect(tampered.broken.map(\.seq) == [3, 7, 10], "\(tampered.broken)")
            #expect(tampered.broken.last?.problem == "record 10 is missing")
        }
    }

    @Test func yamlCannotStandForMoreThanItsSize() throws {
        // A billion laughs in the tags: ten levels of ten aliases.
        var laughs = "name: x\ncategory: c\nvalue: 1\nextra_tags:\n  - &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
        for level in 1..<10 {
            laughs += "  - &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        laughs += "tags: *a9\n"
        let cases: [(String, String)] = [
            (laughs, "aliases are expanded"),
            ("name: x\ncategory: c\nvalue: 1\ntags: [" + Array(repeating: "t", count: 101).joined(separator: ", ") + "]\n", "at most 100"),
            ("name: x\ncategory: c\nvalue: 1\ntags: [" + String(repeating: "t", count: 101) + "]\n", "longer than 100"),
            ("name: x\ncategory: c\nvalue: 1\nhints: [" + Array(repeating: "h", count: 101).joined(separator: ", ") + "]\n", "at most 100"),
            ("name: x\ncategory: c\nvalue: 1\nflags: [" + String(repeating: "f", count: 1001) + "]\n", "longer than 1000"),
            ("a: &a [1, 2]\n*a : 3\n", "alias cannot be a key"),
            ("? [1, 2]\n: 3\n", "explicit"),
            ("[1, 2]: 3\n", "cannot be a key"),
            (String(repeating: "[", count: 100_000), "levels deep"),
            (String(repeating: "- ", count: 100_000) + "x", "levels deep"),
            ((0..<100).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " x", "levels deep"),
            ("name: \"a\\u0085b\"\ncategory: c\nvalue: 1\n", "U+0085"),
        ]
        for (yaml, expected) in cases {
            do {
                _ = try ChallengeSpec.read(yaml: yaml)
                Issue.record("accepted: \(yaml.prefix(80))")
            } catch {
                #expect(error.issues.contains { $0.description.contains(expected) }, "\(yaml.prefix(60)): \(error.issues)")
            }
        }
        // What organisers write still reads: anchors for values, text that looks like indicators.
        let ordinary = """
            name: "It's a 'test' *not* an alias"
            category: web
            description: |
              [ref]: https://example.org
              - not a list: *really*
              ? not a key
            value: 100
            tags: &t [web, easy]
            topics: *t
            flags: ["a*b", "x: y"]
            """
        let spec = try ChallengeSpec.read(yaml: ordinary).challenge
        #expect(spec.topics == ["web", "easy"] && spec.name == "It's a 'test' *not* an alias")
    }
}
