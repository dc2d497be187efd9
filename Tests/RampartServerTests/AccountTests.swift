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

@Suite struct AccountTests {
    @Test(arguments: TestDatabase.all)
    func apiLoginIssuesATokenThatLogoutRevokes(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            _ = try await Fixture.make(app)
            // act
            let login = try await app.testing().sendRequest(
                .POST, "/api/v1/auth/login", headers: .json(), body: .json(["username": "blue", "password": Fixture.password]))
            let token = try #require((try login.json() as? [String: Any])?["token"] as? String)
            let me = try await app.testing().sendRequest(.GET, "/api/v1/me", headers: ["Authorization": "Bearer \(token)"])
            let logout = try await app.testing().sendRequest(.POST, "/api/v1/auth/logout", headers: ["Authorization": "Bearer \(token)"])
            let after = try await app.testing().sendRequest(.GET, "/api/v1/me", headers: ["Authorization": "Bearer \(token)"])
            // check
            #expect(login.status == .ok)
            #expect(me.status == .ok)
            let memberships = (try me.json() as? [String: Any])?["memberships"] as? [[String: Any]]
            #expect(memberships?.first?["team"] as? String == "blue")
            #expect(logout.status == .noContent)
            #expect(after.status == .unauthorized)
            #expect(after.errorCode == "invalid_token")
            let stored = try await APIToken.query(on: app.db).all()
            #expect(stored.allSatisfy { !$0.tokenHash.contains(token) && $0.tokenHash.count == 64 })
        }
    }

    @Test(arguments: TestDatabase.all)
    func wrongPasswordsAreRateLimited(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            _ = try await Fixture.make(app)
            var statuses: [HTTPStatus] = []
            for _ in 0..<11 {
                let response = try await app.testing().sendRequest(
                    .POST, "/api/v1/auth/login", headers: .json(), body: .json(["username": "blue", "password": "wrong password!"]))
                statuses.append(response.status)
            }
            let right = try await app.testing().sendRequest(
                .POST, "/api/v1/auth/login", headers: .json(), body: .json(["username": "blue", "password": Fixture.password]))
            let unknown = try await app.testing().sendRequest(
                .POST, "/api/v1/auth/login", headers: .json(), body: .json(["username": "nobody", "password": "x"]))
            #expect(statuses.prefix(10).allSatisfy { $0 == .unauthorized })
            #expect(statuses.last == .tooManyRequests)
            // Even the right password waits out the window: the limit protects the account, not the guess.
            #expect(right.status == .tooManyRequests)
            #expect(right.headers.first(name: "Retry-After") != nil)
            #expect(unknown.status == .unauthorized)
            #expect(unknown.errorCode == "invalid_credentials")
        }
    }

    @Test(arguments: TestDatabase.all)
    func browserLoginUsesASecureSessionAndCSRF(_ database: TestDatabase) async throws {
        try await withRampart(database, adjust: { $0.publicURL = "https://rampart.example.org" }) { app, _ in
            // setup
            _ = try await Fixture.make(app)
            let browser = Browser(app)
            // act
            let loginPage = try await browser.get("/login")
            let login = try await browser.post("/login", ["username": "white", "password": Fixture.password, "next": "/exercises/ex"])
            let home = try await browser.get("/exercises/ex")
            let forged = try await browser.post("/exercises/ex/state", ["state": "running"], csrf: "forged")
            let real = try await browser.post("/exercises/ex/state", ["state": "running"])
            // check
            #expect(loginPage.status == .ok)
            // The page's script waits for the page (a boolean attribute Plot once dropped).
            let script = try #require(loginPage.body.string.firstRange(of: #/<script [^>]*src="/static/rampart.js"[^>]*>/#))
            #expect(loginPage.body.string[script].contains(#"defer="defer""#))
            #expect(login.status == .seeOther)
            #expect(login.headers.first(name: .location) == "/exercises/ex")
            let cookie = try #require(login.headers.setCookie?["rampart_session"])
            #expect(cookie.isHTTPOnly && cookie.isSecure && cookie.sameSite == .lax)
            #expect(home.status == .ok)
            #expect(forged.status == .forbidden)
            #expect(real.status == .seeOther)
            let exercise = try await Exercises.find("ex", on: app.db)
            #expect(exercise.state == .running)
        }
    }

    @Test func loginFormRejectsAMissingCSRFTokenAndForeignRedirects() async throws {
        try await withRampart(.sqlite) { app, _ in
            _ = try await Fixture.make(app)
            let browser = Browser(app)
            try await browser.get("/login")
            let noToken = try await browser.post("/login", ["username": "white", "password": Fixture.password], csrf: "")
            let offsite = try await browser.post("/login", ["username": "white", "password": Fixture.password, "next": "//evil.example/x"])
            #expect(noToken.status == .forbidden)
            #expect(offsite.headers.first(name: .location) == "/exercises")
        }
    }

    @Test(arguments: TestDatabase.all)
    func tokensAreCreatedShownOnceAndRevoked(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            let headers = try await fixture.headers(.red)
            let created = try await app.testing().sendRequest(
                .POST, "/api/v1/me/tokens", headers: .json(headers), body: .json(["name": "exploit farm", "expires_in_days": 3]))
            let body = try #require(try created.json() as? [String: Any])
            let token = try #require(body["token"] as? String)
            let id = try #require((body["info"] as? [String: Any])?["id"] as? String)
            let list = try await app.testing().sendRequest(.GET, "/api/v1/me/tokens", headers: headers)
            let otherUser = try await fixture.headers(.blue)
            let stolen = try await app.testing().sendRequest(.DELETE, "/api/v1/me/tokens/\(id)", headers: otherUser)
            let revoked = try await app.testing().sendRequest(.DELETE, "/api/v1/me/tokens/\(id)", headers: headers)
            let use = try await app.testing().sendRequest(.GET, "/api/v1/me", headers: ["Authorization": "Bearer \(token)"])
            #expect(created.status == .created)
            #expect(!list.body.string.contains(token))
            #expect(stolen.status == .notFound)
            #expect(revoked.status == .noContent)
            #expect(use.status == .unauthorized)
        }
    }

    @Test(arguments: TestDatabase.all)
    func administratorsManageUsers(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            let admin = try await fixture.headers(.admin)
            let created = try await app.testing().sendRequest(
                .POST, "/api/v1/users", headers: .json(admin),
                body: .json(["username": "kim", "display_name": "김 <b>", "password": "a long enough password", "locale": "ko"]))
            let duplicate = try await app.testing().sendRequest(.POST, "/api/v1/users", headers: .json(admin), body: .json(["username": "kim"]))
            let weak = try await app.testing().sendRequest(
                .POST, "/api/v1/users", headers: .json(admin), body: .json(["username": "lee", "password": "short"]))
            let bad = try await app.testing().sendRequest(.POST, "/api/v1/users", headers: .json(admin), body: .json(["username": "Bad Name"]))
            let disable = try await app.testing().sendRequest(.PATCH, "/api/v1/users/kim", headers: .json(admin), body: .json(["disabled": true]))
            let login = try await app.testing().sendRequest(
                .POST, "/api/v1/auth/login", headers: .json(), body: .json(["username": "kim", "password": "a long enough password"]))
            let selfDemote = try await app.testing().sendRequest(.PATCH, "/api/v1/users/admin", headers: .json(admin), body: .json(["admin": false]))
            #expect(created.status == .created)
            #expect(duplicate.status == .conflict)
            #expect(weak.status == .unprocessableEntity)
            #expect(bad.status == .unprocessableEntity)
            #expect(disable.status == .ok)
            #expect(login.status == .unauthorized)
            #expect(selfDemote.status == .conflict)
            let user = try #require(try await User.query(on: app.db).filter(\.$username == "kim").first())
            #expect(user.passwordHash?.hasPrefix("$2") == true)
            #expect(user.passwordHash?.contains("a long enough password") == false)
        }
    }

    @Test(arguments: TestDatabase.all)
    func joinCodesPutUsersInTeams(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            _ = try await Accounts.createUser(
                .init(username: "newbie", displayName: "New", password: Fixture.password), by: .commandLine("test"), app: app)
            let issued = try await Accounts.issueToken(
                userID: try await User.query(on: app.db).filter(\.$username == "newbie").first()!.requireID(),
                username: "newbie", name: "t", lifetime: nil, by: .commandLine("test"), app: app)
            let headers: HTTPHeaders = ["Authorization": "Bearer \(issued.token)"]
            let blueCode = fixture.teams[.blue]!.joinCode
            let whiteCode = fixture.teams[.white]!.joinCode
            let white = try await app.testing().sendRequest(.POST, "/api/v1/join", headers: .json(headers), body: .json(["code": whiteCode]))
            let wrong = try await app.testing().sendRequest(.POST, "/api/v1/join", headers: .json(headers), body: .json(["code": "NOPE"]))
            let joined = try await app.testing().sendRequest(
                .POST, "/api/v1/join", headers: .json(headers), body: .json(["code": blueCode.lowercased()]))
            let again = try await app.testing().sendRequest(
                .POST, "/api/v1/join", headers: .json(headers), body: .json(["code": fixture.teams[.red]!.joinCode]))
            let exercise = try await app.testing().sendRequest(.GET, "/api/v1/exercises/ex", headers: headers)
            #expect(white.status == .notFound)
            #expect(wrong.status == .notFound)
            #expect(joined.status == .ok)
            #expect(again.status == .conflict)
            #expect(exercise.status == .ok)
        }
    }

    @Test(arguments: TestDatabase.all)
    func changesToAUserTakeEffectAtOnceDespiteCachedCredentials(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup: two administrators, both having just made a request (so their credentials are cached)
            let fixture = try await Fixture.make(app)
            let admin = try await fixture.headers(.admin)
            _ = try await Accounts.createUser(
                .init(username: "second", displayName: "Second", password: Fixture.password, isAdmin: true), by: .commandLine("test"), app: app)
            let login = try await app.testing().sendRequest(
                .POST, "/api/v1/auth/login", headers: .json(), body: .json(["username": "second", "password": Fixture.password]))
            let second: HTTPHeaders = ["Authorization": "Bearer \((try login.json() as? [String: Any])?["token"] as? String ?? "")"]
            let before = try await app.testing().sendRequest(.GET, "/api/v1/users", headers: second)
            // act: demote, then disable
            _ = try await app.testing().sendRequest(.PATCH, "/api/v1/users/second", headers: .json(admin), body: .json(["admin": false]))
            let demoted = try await app.testing().sendRequest(.GET, "/api/v1/users", headers: second)
            _ = try await app.testing().sendRequest(.PATCH, "/api/v1/users/second", headers: .json(admin), body: .json(["disabled": true]))
            let disabled = try await app.testing().sendRequest(.GET, "/api/v1/me", headers: second)
            // check
            #expect(before.status == .ok)
            #expect(demoted.status == .forbidden)
            #expect(disabled.status == .unauthorized)
        }
    }
}
