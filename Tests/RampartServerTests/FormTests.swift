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

/// The HTML forms, driven like a browser: cookies, CSRF tokens, redirects and form messages.
@Suite struct FormTests {
    @Test(arguments: TestDatabase.all)
    func whiteTeamSetsUpTeamsScheduleAndStateThroughForms(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            _ = try await Fixture.make(app)
            let browser = Browser(app)
            try await browser.logIn("white")
            // act
            try await browser.get("/exercises/ex/teams")
            let created = try await browser.post("/exercises/ex/teams", ["slug": "blue-ee", "kind": "blue", "name": "Estonia", "nation": "ee"])
            try await browser.get("/exercises/ex/teams/blue-ee")
            let added = try await browser.post("/exercises/ex/teams/blue-ee/members", ["username": "blue"])
            let missing = try await browser.post("/exercises/ex/teams/blue-ee/members", ["username": "ghost"])
            try await browser.get("/exercises/ex/settings")
            let settings = try await browser.post(
                "/exercises/ex/settings",
                ["name": "Exercise", "time_zone": "Asia/Seoul", "starts_at": "2027-02-01T09:00", "ends_at": "2027-02-05T18:00", "freeze_at": ""])
            try await browser.get("/exercises/ex/settings")
            let window = try await browser.post(
                "/exercises/ex/windows", ["name": "Day 1", "starts_at": "2027-02-01T09:00", "ends_at": "2027-02-01T18:00"])
            let badWindow = try await browser.post(
                "/exercises/ex/windows", ["name": "Day 0", "starts_at": "2027-01-01T09:00", "ends_at": "2027-01-01T18:00"])
            try await browser.get("/exercises/ex")
            let started = try await browser.post("/exercises/ex/state", ["state": "running"])
            // check
            #expect(created.status == .seeOther && created.headers.first(name: .location)?.hasPrefix("/exercises/ex/teams/blue-ee") == true)
            #expect(added.status == .seeOther)
            #expect(missing.status == .ok && missing.body.string.contains("ghost"))
            #expect(settings.status == .seeOther)
            #expect(window.status == .seeOther)
            #expect(badWindow.status == .ok && badWindow.body.string.contains("notice error"))
            #expect(started.status == .seeOther)
            let exercise = try await Exercises.find("ex", on: app.db)
            #expect(exercise.state == .running)
            #expect(ExerciseTime.format(exercise.startsAt!, timeZone: .gmt) == "2027-02-01T00:00:00Z")
            let team = try await Teams.find("blue-ee", in: exercise, on: app.db)
            #expect(team.nation == "EE")
            let members = try await Teams.members(of: [team], on: app.db)[team.id!] ?? []
            #expect(members.map(\.user.username) == ["blue"])
            #expect(try await Exercises.windows(of: exercise, on: app.db).map(\.name) == ["Day 1"])
        }
    }

    @Test(arguments: TestDatabase.all)
    func administratorsImportFilesAndManageUsersThroughForms(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            _ = try await Fixture.make(app)
            let browser = Browser(app)
            try await browser.logIn("admin")
            try await browser.get("/admin/import")
            let broken = try await browser.post("/admin/import", ["file": "exercise:\n  slug: x\n  nme: y\n"])
            let dryRun = try await browser.post("/admin/import", ["file": "exercise: {slug: drill, name: Drill}\n", "dry_run": "true"])
            let applied = try await browser.post("/admin/import", ["file": "exercise: {slug: drill, name: Drill}\n"])
            try await browser.get("/admin/users")
            let user = try await browser.post(
                "/admin/users", ["username": "new-judge", "display_name": "New Judge", "password": "long enough password"])
            try await browser.get("/admin/users/new-judge")
            let disabled = try await browser.post("/admin/users/new-judge", ["display_name": "New Judge", "disabled": "true", "locale": "ko"])
            #expect(broken.status == .ok && broken.body.string.contains("line 3"))
            #expect(dryRun.body.string.contains("created exercise drill"))
            #expect(applied.status == .ok)
            #expect(user.status == .seeOther)
            #expect(disabled.status == .seeOther)
            let stored = try #require(try await User.query(on: app.db).filter(\.$username == "new-judge").first())
            #expect(stored.disabledAt != nil && stored.locale == "ko")
            #expect(try await Exercise.query(on: app.db).filter(\.$slug == "drill").count() == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func usersManageTheirAccountTokensAndJoinTeams(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            let browser = Browser(app)
            try await browser.logIn("outsider")
            try await browser.get("/account")
            let token = try await browser.post("/account/tokens", ["name": "laptop", "days": "7"])
            let shown = token.body.string
            let wrongPassword = try await browser.post("/account/password", ["current_password": "nope", "new_password": "another long password"])
            let changed = try await browser.post(
                "/account/password", ["current_password": Fixture.password, "new_password": "another long password"])
            try await browser.get("/join")
            let joined = try await browser.post("/join", ["code": fixture.teams[.yellow]!.joinCode])
            let home = try await browser.get("/exercises/ex")
            let loggedOut = try await browser.post("/logout", [:])
            let after = try await browser.get("/account")
            #expect(shown.contains("rpt_"))
            #expect(wrongPassword.body.string.contains("notice error"))
            #expect(changed.status == .seeOther)
            #expect(joined.status == .seeOther)
            #expect(home.status == .ok && home.body.string.contains("yellow team"))
            #expect(loggedOut.status == .seeOther)
            #expect(after.status == .seeOther && after.headers.first(name: .location)?.hasPrefix("/login") == true)
        }
    }

    @Test func formErrorsAreShownInTheViewersLanguage() async throws {
        try await withRampart(.sqlite) { app, _ in
            _ = try await Fixture.make(app)
            let browser = Browser(app)
            try await browser.logIn("white")
            try await browser.get("/exercises/ex/teams")
            try await browser.post("/language", ["locale": "ko", "next": "/exercises/ex/teams"])
            try await browser.get("/exercises/ex/teams")
            let badNation = try await browser.post("/exercises/ex/teams", ["slug": "x", "kind": "blue", "name": "X", "nation": "UK"])
            let emptyName = try await browser.post("/exercises/ex/teams", ["slug": "y", "kind": "blue", "name": ""])
            let forbidden = try await browser.get("/admin/users")
            #expect(badNation.body.string.contains("ISO 3166-1 두 글자 코드"))
            #expect(badNation.body.string.contains("국가: "))
            #expect(emptyName.body.string.contains("이름: 필수입니다"))
            #expect(forbidden.status == .forbidden && forbidden.body.string.contains("허용되지 않음"))
            #expect(forbidden.body.string.contains("관리자만 할 수 있습니다"))
        }
    }
}
