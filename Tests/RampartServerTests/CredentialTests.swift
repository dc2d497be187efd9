import Fluent
import Foundation
import Logging
import Testing
import Vapor
import VaporTesting

@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

/// A new password ends every other way in, and what users type cannot forge a line of the log.
@Suite struct CredentialTests {
    @Test(arguments: TestDatabase.all)
    func changingOrResettingAPasswordEndsTheOtherSessionsAndTokens(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            // setup: blue is signed in on two browsers and has a token
            let fixture = try await Fixture.make(app)
            let laptop = Browser(app)
            let phone = Browser(app)
            try await laptop.logIn("blue")
            try await phone.logIn("blue")
            let token = try await fixture.headers(.blue)
            // act: the laptop changes the password
            try await laptop.get("/account")
            let changed = try await laptop.post(
                "/account/password", ["current_password": Fixture.password, "new_password": "a brand new password"])
            clock.advance(CredentialCache.lifetime + 1)
            let laptopAfter = try await laptop.get("/account")
            let phoneAfter = try await phone.get("/account")
            let tokenAfter = try await app.testing().sendRequest(.GET, "/api/v1/me", headers: token)
            // act: an administrator resets it; the laptop's session ends too
            let newToken = try await app.testing().sendRequest(
                .POST, "/api/v1/auth/login", headers: .json(), body: .json(["username": "blue", "password": "a brand new password"]))
            let reset = try await app.testing().sendRequest(
                .PATCH, "/api/v1/users/blue", headers: .json(try await fixture.headers(.admin)), body: .json(["password": "reset by the admin"]))
            clock.advance(CredentialCache.lifetime + 1)
            let laptopReset = try await laptop.get("/account")
            let newTokenAfter = try await app.testing().sendRequest(
                .GET, "/api/v1/me", headers: ["Authorization": "Bearer \((try newToken.json() as? [String: Any])?["token"] as? String ?? "")"])
            // check
            #expect(changed.status == .seeOther)
            #expect(laptopAfter.status == .ok, "the session that changed it stays")
            #expect(phoneAfter.status == .seeOther && phoneAfter.headers.first(name: .location)?.hasPrefix("/login") == true)
            #expect(tokenAfter.status == .unauthorized)
            #expect(newToken.status == .ok && reset.status == .ok)
            #expect(laptopReset.status == .seeOther)
            #expect(newTokenAfter.status == .unauthorized)
            let blue = try #require(try await User.query(on: app.db).filter(\.$username == "blue").first())
            #expect(try await WebSession.query(on: app.db).filter(\.$user.$id == blue.requireID()).count() == 0)
        }
    }

    @Test func userTextCannotStartALineOfTheLog() {
        let forged = "bob\n2026-12-03T09:00:00Z INFO logged in username=admin\r\u{1B}[2K\u{2028}x"
        let event = LogEvent(
            level: .notice, message: "failed login for \(forged)", metadata: ["username": .string(forged), "address": "10.1.1.5"],
            source: "test", file: #file, function: #function, line: #line)
        let line = TextLogHandler.line(event, metadata: [:], at: Date(timeIntervalSince1970: 0))
        #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{1B}") && !line.contains("\u{2028}"))
        #expect(line.hasPrefix("1970-01-01T00:00:00Z NOTICE failed login for bob\\n2026"))
        #expect(line.contains("address=10.1.1.5"))
        #expect(line.contains(#"username="bob\n2026-12-03T09:00:00Z INFO logged in username=admin\r\u{1B}[2K\u{2028}x""#))
    }
}
