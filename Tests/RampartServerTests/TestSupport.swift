import Fluent
import FluentPostgresDriver
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

extension ExerciseFile {
    /// Read with the sections of the features the server is assembled from.
    static func read(yaml: String) throws(ExerciseFileError) -> ExerciseFile {
        try read(yaml: yaml, sections: Features.all.exerciseFileSections)
    }
}

/// The databases every server test runs on: SQLite always, PostgreSQL when
/// `RAMPART_TEST_POSTGRES_URL` names a server (`.ci/run` and `scripts/test.sh` start one).
enum TestDatabase: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static var all: [TestDatabase] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["RAMPART_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    var testDescription: String { rawValue }
}

/// A clock the test moves by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(_ seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}

/// Test output shows warnings and errors only; the failed logins that tests make on purpose stay quiet.
private let quietLogging: Void = {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .warning
        return handler
    }
}()

/// Runs `body` against a fresh, migrated Rampart: an in-memory SQLite, or a PostgreSQL schema of its own
/// that is dropped afterwards.
func withRampart(
    _ database: TestDatabase, clock: TestClock = TestClock(),
    adjust: (inout RampartConfiguration) -> Void = { _ in },
    _ body: (Application, TestClock) async throws -> Void
) async throws {
    _ = quietLogging
    let app = try await Application.make(.testing)
    let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
    var configuration: RampartConfiguration
    switch database {
    case .sqlite:
        configuration = RampartConfiguration(database: .sqliteMemory, bcryptCost: 4)
    case .postgres:
        configuration = RampartConfiguration(database: .postgres(url: TestDatabase.postgresURL!, schema: String(schema)), bcryptCost: 4)
    }
    // The whole suite runs at once on a small machine: writes may queue far longer than in an
    // exercise. Tests about the bound set their own.
    configuration.writeWait = .seconds(60)
    adjust(&configuration)
    app.dependencies = Dependencies(now: { clock.now }, randomBytes: Dependencies.live.randomBytes)
    do {
        try await configure(app, configuration)
        try await app.autoMigrate()
        try await body(app, clock)
    } catch {
        try? await dropSchema(app, database, String(schema))
        try? await app.asyncShutdown()
        // PostgreSQL's errors describe themselves only when asked to.
        if let error = error as? PSQLError { Issue.record("\(String(reflecting: error))") }
        throw error
    }
    try await dropSchema(app, database, String(schema))
    try await app.asyncShutdown()
}

private func dropSchema(_ app: Application, _ database: TestDatabase, _ schema: String) async throws {
    guard database == .postgres, let sql = app.db(DatabaseID(string: "admin")) as? any SQLDatabase else { return }
    try await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
}

/// The cast of a typical exercise: one user per role, an exercise `ex` with a team of every kind.
struct Fixture {
    static let password = "correct horse battery"

    enum Role: String, CaseIterable, Sendable {
        case anonymous, outsider, admin, white, judge, red, blue, green, yellow

        var kind: TeamKind? {
            switch self {
            case .white, .judge: .white
            case .red: .red
            case .blue: .blue
            case .green: .green
            case .yellow: .yellow
            case .anonymous, .outsider, .admin: nil
            }
        }
    }

    let app: Application
    let exercise: Exercise
    var teams: [TeamKind: Team] = [:]
    static func make(_ app: Application) async throws -> Fixture {
        let exercise = try await Exercises.create(
            .init(slug: "ex", name: "Exercise", timeZone: "Asia/Seoul"), by: .commandLine("test"), app: app)
        var fixture = Fixture(app: app, exercise: exercise)
        for kind in TeamKind.allCases {
            fixture.teams[kind] = try await Teams.create(
                in: "ex", .init(slug: kind.rawValue, kind: kind, name: "\(kind.rawValue) team", nation: .some("GB")),
                by: .commandLine("test"), app: app)
        }
        for role in Role.allCases where role != .anonymous {
            _ = try await Accounts.createUser(
                .init(username: role.rawValue, displayName: role.rawValue.capitalized, password: password, isAdmin: role == .admin),
                by: .commandLine("test"), app: app)
            if let kind = role.kind {
                try await Teams.addMember(
                    in: "ex", team: kind.rawValue, username: role.rawValue, judge: role == .judge, by: .commandLine("test"), app: app)
            }
        }
        return fixture
    }

    /// A fresh API token for `role`, or no header for anonymous. Made as an API login makes them (not
    /// counted against the tokens a user may make an hour; the oldest retire past 20 live ones).
    func headers(_ role: Role) async throws -> HTTPHeaders {
        guard role != .anonymous else { return [:] }
        guard let user = try await User.query(on: app.db).filter(\.$username == role.rawValue).first() else { return [:] }
        let issued = try await Accounts.issueToken(
            userID: try user.requireID(), username: user.username, name: Accounts.loginTokenName, lifetime: nil, login: true,
            by: .commandLine("test"), app: app)
        return ["Authorization": "Bearer \(issued.token)"]
    }
}

extension Route {
    /// The route's path with each parameter replaced by `value(name)`.
    func concretePath(_ value: (String) -> String) -> String {
        "/"
            + path.map { component -> String in
                if case .parameter(let name) = component { return value(name) }
                return component.description
            }.joined(separator: "/")
    }

    /// The route's path with its parameters filled in from `values` (`slug` → `ex`).
    func concretePath(_ values: [String: String]) -> String {
        concretePath { values[$0] ?? "00000000-0000-0000-0000-000000000000" }
    }
}

extension HTTPHeaders {
    static func json(_ extra: HTTPHeaders = [:]) -> HTTPHeaders {
        var headers = extra
        headers.contentType = .json
        return headers
    }
}

extension ByteBuffer {
    static func json(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(data: try! JSONSerialization.data(withJSONObject: object))
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        var components = URLComponents()
        components.queryItems = fields.map { URLQueryItem(name: $0.key, value: $0.value) }
        let encoded = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        return ByteBuffer(string: encoded)
    }
}

extension TestingHTTPResponse {
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
    }

    var errorCode: String? {
        ((try? json()) as? [String: Any])
            .flatMap { $0["error"] as? [String: Any] }
            .flatMap { $0["code"] as? String }
    }
}

/// A browser: keeps cookies and sends the CSRF token with forms, like a person clicking.
final class Browser: @unchecked Sendable {
    let app: Application
    var cookies: [String: String] = [:]

    init(_ app: Application) { self.app = app }

    private var cookieHeader: HTTPHeaders {
        guard !cookies.isEmpty else { return [:] }
        return ["Cookie": cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
    }

    @discardableResult
    func get(_ path: String) async throws -> TestingHTTPResponse {
        let response = try await app.testing().sendRequest(.GET, path, headers: cookieHeader)
        keep(response)
        return response
    }

    /// Posts a form with the CSRF token from the last page (unless `csrf` says otherwise).
    @discardableResult
    func post(_ path: String, _ fields: [String: String], csrf: String? = nil) async throws -> TestingHTTPResponse {
        var fields = fields
        fields["_csrf"] = csrf ?? lastCSRF ?? ""
        var headers = cookieHeader
        headers.contentType = .urlEncodedForm
        let response = try await app.testing().sendRequest(.POST, path, headers: headers, body: .form(fields))
        keep(response)
        return response
    }

    var lastCSRF: String?

    private func keep(_ response: TestingHTTPResponse) {
        for (name, value) in response.headers.setCookie?.all ?? [:] {
            if value.maxAge == 0 { cookies[name] = nil } else { cookies[name] = value.string }
        }
        let html = response.body.string
        if let range = html.range(of: #"name="_csrf" value=""#) {
            let rest = html[range.upperBound...]
            lastCSRF = String(rest.prefix { $0 != "\"" })
        }
    }

    @discardableResult
    func logIn(_ username: String, password: String = Fixture.password) async throws -> TestingHTTPResponse {
        try await get("/login")
        return try await post("/login", ["username": username, "password": password])
    }
}

extension Array where Element: Sendable {
    /// The elements as an async sequence (a body or a file arriving in pieces).
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}

enum TestServices {
    /// Saves a service as the editor does (a TCP check of a closed port unless told otherwise).
    static func add(_ app: Application, _ exerciseID: UUID, _ source: String = "name: web\ncheck: tcp\naddress: \"127.0.0.1:1\"") async throws {
        _ = try await app.write { db in
            try await Services.save(try Services.parse(source), exerciseID: exerciseID, host: app.checkHost, by: .commandLine("test"), at: Date(), on: db)
        }
    }
}

extension ScoreFactRecord {
    /// The tick a defence fact rests on.
    var tick: Int? { evidence?.number("tick") }
    /// The fact a withdrawal takes back.
    var withdraws: Int? { evidence?.number("fact") }
}
