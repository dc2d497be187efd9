import Testing
import Vapor
import VaporTesting

@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

/// Every registered route, called by every role: the answer must match the route's declared access.
@Suite struct RouteAccessTests {
    @Test(arguments: TestDatabase.all)
    func everyRouteAnswersEveryRoleAsDeclared(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            let fixture = try await Fixture.make(app)
            let challenge = try await TestChallenges.add(app, fixture)
            let routes = app.routes.all
            #expect(routes.count > 40)
            var checked = 0
            for route in routes {
                guard let access = route.access else {
                    Issue.record("\(route.method) \(route.description) declares no access")
                    continue
                }
                let path = route.concretePath([
                    "slug": "ex", "team": "blue", "username": "nobody", "challenge": challenge.uuidString, "hint": "1", "file": "notes.txt",
                    "seq": "1",
                ])
                for role in Fixture.Role.allCases {
                    // act
                    var headers = try await fixture.headers(role)
                    // Anonymous browsers carry the double-submit CSRF cookie, as a real one would after any page.
                    headers.add(name: "Cookie", value: "rampart_csrf=t")
                    headers.add(name: "X-CSRF-Token", value: "t")
                    let response = try await app.testing().sendRequest(route.method, path, headers: headers)
                    // check
                    let expected = Self.expectation(access, role: role, isAPI: path.hasPrefix("/api/"))
                    let status = response.status
                    let ok: Bool =
                        switch expected {
                        case .allowed where access == .anyone:
                            // Public routes may still refuse bad input (a wrong password is 401), never by role.
                            ![.forbidden, .internalServerError].contains(status)
                        case .allowed:
                            ![.unauthorized, .forbidden, .internalServerError].contains(status)
                                && !(status == .seeOther && response.headers.first(name: .location)?.hasPrefix("/login?") == true)
                        case .unauthenticated:
                            path.hasPrefix("/api/")
                                ? status == .unauthorized
                                : (status == .seeOther && response.headers.first(name: .location)?.hasPrefix("/login") == true)
                        case .forbidden: status == .forbidden
                        case .hidden: status == .notFound
                        }
                    #expect(
                        ok,
                        "\(route.method) \(path) as \(role.rawValue): expected \(expected), got \(status.code) \(response.body.string.prefix(200))")
                    checked += 1
                }
            }
            #expect(checked == routes.count * Fixture.Role.allCases.count)
        }
    }

    enum Expectation: CustomStringConvertible {
        case allowed, unauthenticated, forbidden, hidden
        var description: String {
            switch self {
            case .allowed: "allowed"
            case .unauthenticated: "unauthenticated"
            case .forbidden: "forbidden"
            case .hidden: "not found (non-member)"
            }
        }
    }

    static func expectation(_ access: Access, role: Fixture.Role, isAPI: Bool) -> Expectation {
        switch access {
        case .anyone:
            return .allowed
        case .signedIn:
            return role == .anonymous ? .unauthenticated : .allowed
        case .admin:
            if role == .anonymous { return .unauthenticated }
            return role == .admin ? .allowed : .forbidden
        case .scoreboard:
            // The fixture's scoreboard is not public: members only.
            return expectation(.everyMember, role: role, isAPI: isAPI)
        case .observers:
            return expectation(.exercise([.white, .yellow]), role: role, isAPI: isAPI)
        case .exercise(let kinds):
            switch role {
            case .anonymous: return .unauthenticated
            case .outsider: return .hidden
            case .admin: return kinds.contains(.white) ? .allowed : .forbidden
            default: return kinds.contains(role.kind!) ? .allowed : .forbidden
            }
        }
    }

    @Test func everyRouteDeclaresAccess() async throws {
        try await withRampart(.sqlite) { app, _ in
            let undeclared = app.routes.all.filter { $0.access == nil }.map { "\($0.method) \($0.description)" }
            #expect(undeclared.isEmpty)
        }
    }
}
