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

/// Every limit on guessing holds with hundreds of guesses in flight at once, and none can be used to
/// lock someone out from elsewhere.
@Suite struct LimitTests {
    /// Sends `count` requests at once and returns their statuses.
    static func burst(
        _ count: Int, _ request: @escaping @Sendable (Int) async throws -> TestingHTTPResponse
    ) async throws -> [HTTPStatus] {
        try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
            for index in 0..<count { group.addTask { try await request(index).status } }
            var statuses: [HTTPStatus] = []
            for try await status in group { statuses.append(status) }
            return statuses
        }
    }

    static func from(_ address: String, _ headers: HTTPHeaders = [:]) -> HTTPHeaders {
        var headers = HTTPHeaders.json(headers)
        headers.replaceOrAdd(name: "X-Forwarded-For", value: address)
        return headers
    }

    @Test(arguments: TestDatabase.all)
    func twoHundredFlagGuessesInFlightAreJudgedAgainstTheLimit(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup: a running exercise allowing 10 wrong flags a minute
            let fixture = try await Fixture.make(app)
            let challenge = try await TestChallenges.add(app, fixture)
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            let blue = try await fixture.headers(.blue)
            // act: 200 guesses from one team at once, the right flag among them
            let statuses = try await Self.burst(200) { index in
                try await app.testing().sendRequest(
                    .POST, "/api/v1/exercises/ex/challenges/\(challenge)/attempts", headers: .json(blue),
                    body: .json(["flag": index == 150 ? "RAMPART{affiliate-17}" : "RAMPART{affiliate-\(index)}"]))
            }
            // check: at most 10 wrong guesses were judged; everything else was refused before judging
            let stored = try await Submission.query(on: app.db).all()
            let judgedWrong = stored.filter { $0.result == "incorrect" }.count
            #expect(judgedWrong <= 10)
            #expect(statuses.filter { $0 == .tooManyRequests }.count >= 189)
            #expect(!statuses.contains(.internalServerError))
            #expect(stored.count == 200, "every guess is stored: \(Dictionary(grouping: statuses, by: \.code).mapValues(\.count)) \(Dictionary(grouping: stored, by: \.result).mapValues(\.count))")
            #expect(stored.filter { $0.result == "rate_limited" }.allSatisfy { !$0.scored })
        }
    }

    @Test(arguments: TestDatabase.all)
    func aCatastrophicRegexFlagCostsNoMoreThanAnyOther(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup: the pattern that cost 1.2 s a submission with a backtracking engine
            let fixture = try await Fixture.make(app)
            _ = try await Teams.create(in: "ex", .init(slug: "blue2", kind: .blue, name: "Second blue"), by: .commandLine("test"), app: app)
            let (spec, _) = try Challenges.parse(
                "name: Backtrack\ncategory: web\nvalue: 100\nflags: [{type: regex, content: 'RAMPART\\{(a+)+\\}'}]")
            let exerciseID = try fixture.exercise.requireID()
            let challenge = try await TestChallenges.save(app, exerciseID, spec)
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            let blue = try await fixture.headers(.blue)
            try await Teams.addMember(in: "ex", team: "blue2", username: "outsider", judge: false, by: .commandLine("test"), app: app)
            let blue2 = try await fixture.headers(.outsider)
            let evil = "RAMPART{" + String(repeating: "a", count: Attempts.maxFlagLength - 10) + "!}"
            // act: 50 such guesses at once from one team, while another team solves it
            async let attack = Self.burst(50) { _ in
                try await app.testing().sendRequest(
                    .POST, "/api/v1/exercises/ex/challenges/\(challenge)/attempts", headers: .json(blue), body: .json(["flag": evil]))
            }
            let solve = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/challenges/\(challenge)/attempts", headers: .json(blue2),
                body: .json(["flag": "RAMPART{aaaaaaaaaa}"]))
            let statuses = try await attack
            // check
            #expect(statuses.allSatisfy { $0 == .ok || $0 == .tooManyRequests })
            let answer = try solve.json() as? [String: Any]
            #expect(solve.status == .ok && answer?["status"] as? String == "correct")
        }
    }

    @Test(arguments: TestDatabase.all)
    func loginGuessesInFlightAreCountedAndCannotLockTheRealUserOut(_ database: TestDatabase) async throws {
        try await withRampart(database, adjust: { $0.trustProxy = true }) { app, _ in
            // setup
            _ = try await Fixture.make(app)
            // act: 40 wrong passwords for one user at once from one address
            let forUser = try await Self.burst(40) { _ in
                try await app.testing().sendRequest(
                    .POST, "/api/v1/auth/login", headers: Self.from("10.9.9.9"), body: .json(["username": "judge", "password": "wrong password!"]))
            }
            // act: 60 wrong passwords for many users at once from another address
            let fromAddress = try await Self.burst(60) { index in
                try await app.testing().sendRequest(
                    .POST, "/api/v1/auth/login", headers: Self.from("10.8.8.8"),
                    body: .json(["username": "user\(index)", "password": "wrong password!"]))
            }
            // act: the real judge, from their own address, with the right password
            let judge = try await app.testing().sendRequest(
                .POST, "/api/v1/auth/login", headers: Self.from("10.1.1.1"), body: .json(["username": "judge", "password": Fixture.password]))
            let stillRefused = try await app.testing().sendRequest(
                .POST, "/api/v1/auth/login", headers: Self.from("10.9.9.9"), body: .json(["username": "judge", "password": Fixture.password]))
            // check
            #expect(forUser.filter { $0 == .unauthorized }.count == 10, "\(forUser)")
            #expect(forUser.filter { $0 == .tooManyRequests }.count == 30)
            #expect(fromAddress.filter { $0 == .unauthorized }.count == 30)
            #expect(fromAddress.filter { $0 == .tooManyRequests }.count == 30)
            #expect(judge.status == .ok, "the judge is not locked out by guesses from elsewhere")
            #expect(stillRefused.status == .tooManyRequests && stillRefused.headers.first(name: .retryAfter) != nil)
        }
    }

    @Test(arguments: TestDatabase.all)
    func joinCodeGuessesInFlightAreCounted(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup: a user in no team
            let fixture = try await Fixture.make(app)
            let outsider = try await fixture.headers(.outsider)
            // act
            let statuses = try await Self.burst(50) { index in
                try await app.testing().sendRequest(
                    .POST, "/api/v1/join", headers: .json(outsider), body: .json(["code": "WRONG\(index)"]))
            }
            // check
            #expect(statuses.filter { $0 == .notFound }.count == 10)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 40)
        }
    }

    @Test(arguments: TestDatabase.all)
    func unknownTokensInFlightAreCountedPerAddressAndTokenCreationIsCapped(_ database: TestDatabase) async throws {
        try await withRampart(database, adjust: { $0.trustProxy = true }) { app, _ in
            // setup
            let fixture = try await Fixture.make(app)
            let blue = try await fixture.headers(.blue)
            // act: 100 made-up tokens at once from one address
            let guesses = try await Self.burst(100) { index in
                try await app.testing().sendRequest(
                    .GET, "/api/v1/me", headers: Self.from("10.7.7.7", ["Authorization": "Bearer rpt_guess\(index)"]))
            }
            var fromElsewhere = blue
            fromElsewhere.replaceOrAdd(name: "X-Forwarded-For", value: "10.2.2.2")
            let real = try await app.testing().sendRequest(.GET, "/api/v1/me", headers: fromElsewhere)
            // act: 30 tokens made at once by one user
            let made = try await Self.burst(30) { index in
                try await app.testing().sendRequest(
                    .POST, "/api/v1/me/tokens", headers: .json(blue), body: .json(["name": "bot \(index)"]))
            }
            // check
            #expect(guesses.filter { $0 == .unauthorized }.count == 60)
            #expect(guesses.filter { $0 == .tooManyRequests }.count == 40)
            #expect(real.status == .ok)
            #expect(made.filter { $0 == .created }.count == 20)
            #expect(made.filter { $0 == .tooManyRequests }.count == 10)
            #expect(try await APIToken.query(on: app.db).filter(\.$name ~~ (0..<30).map { "bot \($0)" }).count() == 20)
        }
    }

    @Test(arguments: TestDatabase.all)
    func apiLoginsRetireTheOldestLoginTokensInsteadOfPilingUp(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            _ = try await Fixture.make(app)
            // act: a bot logs in five times more than the bound
            var tokens: [String] = []
            for _ in 0..<(Accounts.maxLoginTokens + 5) {
                let response = try await app.testing().sendRequest(
                    .POST, "/api/v1/auth/login", headers: .json(), body: .json(["username": "blue", "password": Fixture.password]))
                tokens.append(try #require((try response.json() as? [String: Any])?["token"] as? String))
            }
            // check: the newest ones work, the oldest five were retired
            let newest = try await app.testing().sendRequest(.GET, "/api/v1/me", headers: ["Authorization": "Bearer \(tokens.last!)"])
            let oldest = try await app.testing().sendRequest(.GET, "/api/v1/me", headers: ["Authorization": "Bearer \(tokens[0])"])
            #expect(newest.status == .ok)
            #expect(oldest.status == .unauthorized)
            let live = try await APIToken.query(on: app.db).filter(\.$name == Accounts.loginTokenName).filter(\.$revokedAt == nil).count()
            #expect(live == Accounts.maxLoginTokens)
            // and the table stays bounded: only the one retired by the last login is still kept
            #expect(try await APIToken.query(on: app.db).filter(\.$name == Accounts.loginTokenName).count() == Accounts.maxLoginTokens + 1)
        }
    }
}
