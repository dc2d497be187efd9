import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import RampartCore
@testable import RampartKernel
@testable import RampartServer

/// Announcements through the API and the exercise file: who reads them, what is refused, withdrawal,
/// and a file applied again posting nothing twice yet taking a changed audience.
@Suite struct AnnouncementTests {
    static func list(_ app: Application, _ headers: HTTPHeaders, _ query: String = "") async throws -> [[String: Any]] {
        let response = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/announcements" + query, headers: headers)
        return try #require(try response.json() as? [[String: Any]], "\(response.status): \(response.body.string)")
    }

    @Test(arguments: TestDatabase.all)
    func theWhiteTeamPostsToChosenTeamsAndWithdraws(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.white)
            let post = { (body: [String: Any], headers: HTTPHeaders) in
                try await app.testing().sendRequest(.POST, "/api/v1/exercises/ex/announcements", headers: .json(headers), body: .json(body))
            }
            // Refused, each naming its field, and nothing stored.
            let bad: [([String: Any], String)] = [
                (["title": "x", "body": "y", "level": "loud"], "level"),
                (["title": "", "body": "y"], "title"),
                (["title": "x", "body": String(repeating: "y", count: 10_001)], "body"),
                (["title": "x", "body": "y", "teams": ["nobody"]], "teams"),
                (["title": "x", "body": "y", "roles": ["god"]], "roles"),
                (["title": "x", "body": "y", "key": "Not A Slug"], "key"),
            ]
            for (body, field) in bad {
                let response = try await post(body, white)
                #expect(response.status == .unprocessableEntity, "\(body): \(response.status) \(response.body.string)")
                #expect(response.body.string.contains("\"\(field)"), "\(field): \(response.body.string)")
            }
            #expect(try await post(["title": "x", "body": "y"], try await fixture.headers(.blue)).status == .forbidden)
            #expect(try await Announcement.query(on: app.db).count() == 0)

            // One to the blue team, one to the red role, one to everyone.
            let toBlue = try await post(["title": "Patch KB-1", "title_ko": "KB-1 패치", "body": "**Now**", "level": "critical", "teams": ["blue"]], white)
            #expect(toBlue.status == .created)
            let blueID = try #require((try toBlue.json() as? [String: Any])?["id"] as? String)
            #expect(try await post(["title": "Red rules", "body": "No DoS", "roles": ["red"]], white).status == .created)
            #expect(try await post(["title": "Lunch", "body": "At noon"], white).status == .created)

            let titles = { (role: Fixture.Role) in try await Self.list(app, try await fixture.headers(role)).compactMap { $0["title"] as? String } }
            #expect(Set(try await titles(.blue)) == ["Patch KB-1", "Lunch"])
            #expect(Set(try await titles(.red)) == ["Red rules", "Lunch"])
            #expect(Set(try await titles(.green)) == ["Lunch"])
            #expect(Set(try await titles(.white)) == ["Patch KB-1", "Red rules", "Lunch"])

            // Withdrawn: gone for its readers, still listed for the white team when asked.
            let withdrawn = try await app.testing().sendRequest(.DELETE, "/api/v1/exercises/ex/announcements/\(blueID)", headers: white)
            #expect(withdrawn.status == .ok)
            #expect(try await titles(.blue) == ["Lunch"])
            #expect(try await titles(.white).count == 2)
            let all = try await Self.list(app, white, "?withdrawn=true")
            #expect(all.count == 3 && all.contains { $0["title"] as? String == "Patch KB-1" && $0["withdrawn_at"] is String })
            #expect(try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/announcements?withdrawn=maybe", headers: white).status == .unprocessableEntity)
            #expect(try await app.testing().sendRequest(.DELETE, "/api/v1/exercises/ex/announcements/\(UUID())", headers: white).status == .notFound)
            #expect(try await app.testing().sendRequest(.DELETE, "/api/v1/exercises/ex/announcements/\(blueID)", headers: try await fixture.headers(.blue)).status == .forbidden)

            // Every change is audited and has its live event, stored with it.
            let actions = try await AuditRecord.query(on: app.db).all().map(\.action)
            #expect(actions.filter { $0 == "announcement.post" }.count == 3 && actions.contains("announcement.withdraw"))
            let kinds = try await LiveEvents.read(after: 0, exercise: try fixture.exercise.requireID(), limit: 100, on: app.db).map(\.kind)
            #expect(kinds.filter { $0 == "announcement.posted" }.count == 3 && kinds.filter { $0 == "announcement.withdrawn" }.count == 1)
        }
    }

    /// Warning and critical announcements stay as banners on every page of their readers until
    /// withdrawn; info ones are toasts only; another team's is not shown.
    @Test(arguments: TestDatabase.all)
    func warningsAndCriticalsAreBannersOnEveryPageUntilWithdrawn(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            let white = try await fixture.headers(.white)
            func post(_ body: [String: Any]) async throws -> String {
                let response = try await app.testing().sendRequest(.POST, "/api/v1/exercises/ex/announcements", headers: .json(white), body: .json(body))
                return try #require((try response.json() as? [String: Any])?["id"] as? String)
            }
            let critical = try await post(["title": "Stop all scans", "body": "The **range** is down.", "level": "critical", "teams": ["blue"]])
            _ = try await post(["title": "Lunch is served", "body": "Now.", "level": "info"])
            _ = try await post(["title": "Red only", "body": "x", "level": "warning", "roles": ["red"]])
            func page(_ role: Fixture.Role, _ path: String = "/exercises/ex/challenges") async throws -> String {
                try await app.testing().sendRequest(.GET, path, headers: try await fixture.headers(role)).body.string
            }
            let blue = try await page(.blue)
            #expect(blue.contains(#"class="banner level-critical""#) && blue.contains("Stop all scans") && blue.contains("<strong>range</strong>"))
            #expect(!blue.contains("Lunch is served") && !blue.contains("Red only"))
            #expect(try await page(.blue, "/exercises/ex/scoreboard").contains("Stop all scans"))
            let red = try await page(.red)
            #expect(red.contains("Red only") && !red.contains("Stop all scans"))
            #expect(!(try await page(.white)).contains(#"class="banner"#), "the white team's pages carry only banners addressed to it")
            // Not in the API's answers, and gone once withdrawn.
            let api = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex/challenges", headers: try await fixture.headers(.blue)).body.string
            #expect(!api.contains("Stop all scans"))
            _ = try await app.testing().sendRequest(.DELETE, "/api/v1/exercises/ex/announcements/\(critical)", headers: white)
            #expect(!(try await page(.blue)).contains("Stop all scans"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func theExerciseFilePostsOnceAndTakesAChangedAudience(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            func file(teams: String) throws -> ExerciseFile {
                try ExerciseFile.read(
                    yaml: """
                        rampart: 1
                        exercise: {slug: ex, name: Exercise}
                        announcements:
                          - key: welcome
                            title: Welcome
                            title_ko: 환영합니다
                            body: "Read the **rules**."
                            level: info
                          - key: blue-brief
                            title: Blue brief
                            body: Your network is 10.1.0.0/16.
                            level: warning
                            teams: \(teams)
                        """)
            }
            let first = try await ExerciseFileStore.apply(try file(teams: "[blue]"), by: .commandLine("test"), app: app)
            #expect(first.changes.contains("posted announcement welcome") && first.changes.contains("posted announcement blue-brief"))
            let second = try await ExerciseFileStore.apply(try file(teams: "[blue]"), by: .commandLine("test"), app: app)
            #expect(!second.changes.contains { $0.contains("announcement") }, "\(second.changes)")
            #expect(try await Announcement.query(on: app.db).count() == 2)

            // The brief now goes to the green team too: updated in place, posted again to its new audience.
            let third = try await ExerciseFileStore.apply(try file(teams: "[blue, green]"), by: .commandLine("test"), app: app)
            #expect(third.changes.contains("updated announcement blue-brief") && !third.changes.contains("updated announcement welcome"), "\(third.changes)")
            #expect(try await Announcement.query(on: app.db).count() == 2)
            let green = try await Self.list(app, try await fixture.headers(.green)).compactMap { $0["title"] as? String }
            #expect(Set(green) == ["Welcome", "Blue brief"])
            let kinds = try await LiveEvents.read(after: 0, exercise: try fixture.exercise.requireID(), limit: 100, on: app.db).map(\.kind)
            #expect(kinds.filter { $0 == "announcement.posted" }.count == 3)

            // Exported as applied.
            let exported = try await ExerciseFileStore.export("ex", app: app).yaml()
            let back = try #require(try ExerciseFile.read(yaml: exported).section(AnnouncementsSection.self)?.announcements)
            #expect(back.map(\.key).sorted() == ["blue-brief", "welcome"])
            let brief = try #require(back.first { $0.key == "blue-brief" })
            #expect(brief.teams == ["blue", "green"] && brief.level == .warning)
            #expect(back.first { $0.key == "welcome" }?.titleKo == "환영합니다")
        }
    }
}
