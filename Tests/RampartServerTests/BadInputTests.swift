import Fluent
import Testing
import Vapor
import VaporTesting

@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

@Suite struct BadInputTests {
    static let hostile = "<script>alert('x')</script> '; DROP TABLE teams; -- \u{202E}gnp.exe 🛡️🇰🇷 \"quoted\" &amp;"

    @Test(arguments: TestDatabase.all)
    func malformedOversizedAndUnknownInputGetsClearErrors(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            let admin = try await fixture.headers(.admin)
            let malformed = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises", headers: .json(admin), body: ByteBuffer(string: "{\"slug\": "))
            let notObject = try await app.testing().sendRequest(.POST, "/api/v1/exercises", headers: .json(admin), body: ByteBuffer(string: "[1,2]"))
            let wrongType = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises", headers: .json(admin), body: .json(["slug": 5, "name": "x"]))
            let unknown = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises", headers: .json(admin), body: .json(["slug": "a", "name": "A", "nmae": "typo"]))
            let notJSON = try await app.testing().sendRequest(.POST, "/api/v1/exercises", headers: admin, body: ByteBuffer(string: "slug=a"))
            let huge = try await app.testing(method: .running(port: 0)).sendRequest(
                .POST, "/api/v1/exercises", headers: .json(admin),
                body: ByteBuffer(string: "{\"name\": \"" + String(repeating: "A", count: 2 << 20) + "\"}"))
            let longName = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises", headers: .json(admin), body: .json(["slug": "long", "name": String(repeating: "x", count: 201)]))
            let badZone = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises", headers: .json(admin), body: .json(["slug": "zone", "name": "Z", "time_zone": "KST"]))
            let badDate = try await app.testing().sendRequest(
                .PATCH, "/api/v1/exercises/ex", headers: .json(admin), body: .json(["starts_at": "next tuesday"]))
            #expect(malformed.status == .badRequest && malformed.errorCode == "invalid_json")
            #expect(notObject.status == .badRequest)
            #expect(wrongType.status == .badRequest && wrongType.errorCode == "invalid_body")
            #expect(unknown.status == .badRequest && unknown.errorCode == "unknown_field")
            #expect(unknown.body.string.contains("nmae"))
            #expect(notJSON.status == .unsupportedMediaType)
            #expect(huge.status == .payloadTooLarge && huge.errorCode == "payload_too_large")
            #expect(longName.status == .unprocessableEntity)
            #expect(badZone.status == .unprocessableEntity)
            #expect(badDate.status == .badRequest)
            // Nothing was half-written by any of them.
            #expect(try await Exercise.query(on: app.db).count() == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func hostileStringsAreStoredExactlyAndShownEscaped(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.white)
            // act
            let created = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams", headers: .json(white), body: .json(["slug": "evil", "kind": "blue", "name": Self.hostile]))
            let api = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/teams/evil", headers: white)
            let page = try await app.testing().sendRequest(.GET, "/exercises/ex/teams", headers: white)
            let home = try await app.testing().sendRequest(.GET, "/exercises/ex", headers: try await fixture.headers(.blue))
            // check
            #expect(created.status == .created)
            #expect((try api.json() as? [String: Any])?["name"] as? String == Self.hostile)
            for html in [page.body.string, home.body.string] {
                #expect(!html.contains("<script>alert"))
                #expect(html.contains("&lt;script&gt;alert"))
            }
            #expect(try await Team.query(on: app.db).count() == 6)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aFailedApplyLeavesNothingBehind(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            let yaml = """
                exercise: {slug: partial, name: Partial}
                teams:
                  - slug: t
                    kind: blue
                    name: T
                    members: [ghost-user]
                users:
                  - {username: real-user, display_name: Real}
                """
            var headers = try await fixture.headers(.admin)
            headers.contentType = HTTPMediaType(type: "application", subType: "yaml")
            let response = try await app.testing().sendRequest(.PUT, "/api/v1/exercise-file", headers: headers, body: ByteBuffer(string: yaml))
            #expect(response.status == .unprocessableEntity)
            #expect(response.body.string.contains("line 6"))
            #expect(response.body.string.contains("ghost-user"))
            #expect(try await Exercise.query(on: app.db).filter(\.$slug == "partial").count() == 0)
            #expect(try await User.query(on: app.db).filter(\.$username == "real-user").count() == 0)
        }
    }
}
