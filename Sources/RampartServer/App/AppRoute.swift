import Foundation
import Vapor

/// Every path Rampart serves. The same case registers the route (with `AppRoute.param` placeholders)
/// and builds links to it (with real values), so a route and the links to it cannot drift apart.
enum AppRoute: Sendable {
    // operations
    case healthz, metrics, openAPI, stylesheet, script

    // pages: accounts
    case home, login, logout, language, account, accountPassword, accountTokens
    case accountTokenRevoke(String)
    case join
    case users, user(String), adminAudit, importFile

    // pages: exercises
    case exercises
    case exercise(String), exerciseSettings(String), exerciseState(String), exerciseWindows(String)
    case exerciseWindowDelete(String, String), exerciseFile(String)
    case teams(String), team(String, String), teamMembers(String, String), teamMemberRemove(String, String, String)
    case teamJoinCode(String, String)
    case teamDelete(String, String)
    case audit(String)

    // API
    case apiLogin, apiLogout, apiMe, apiTokens, apiToken(String), apiJoin
    case apiUsers, apiUser(String)
    case apiExercises, apiExerciseFile
    case apiExercise(String), apiExerciseState(String), apiExerciseExport(String)
    case apiTeams(String), apiTeam(String, String), apiTeamMembers(String, String), apiTeamMember(String, String, String)
    case apiAudit(String), apiAuditAll

    /// Placeholders for registering routes: `AppRoute.exercise(AppRoute.param.slug)`.
    enum param {
        static let slug = ":slug"
        static let team = ":team"
        static let username = ":username"
        static let window = ":window"
        static let token = ":token"
    }

    var path: String {
        switch self {
        case .healthz: "/healthz"
        case .metrics: "/metrics"
        case .openAPI: "/api/openapi.yaml"
        case .stylesheet: "/static/rampart.css"
        case .script: "/static/rampart.js"

        case .home: "/"
        case .login: "/login"
        case .logout: "/logout"
        case .language: "/language"
        case .account: "/account"
        case .accountPassword: "/account/password"
        case .accountTokens: "/account/tokens"
        case .accountTokenRevoke(let id): "/account/tokens/\(e(id))/revoke"
        case .join: "/join"
        case .users: "/admin/users"
        case .user(let username): "/admin/users/\(e(username))"
        case .adminAudit: "/admin/audit"
        case .importFile: "/admin/import"

        case .exercises: "/exercises"
        case .exercise(let slug): "/exercises/\(e(slug))"
        case .exerciseSettings(let slug): "/exercises/\(e(slug))/settings"
        case .exerciseState(let slug): "/exercises/\(e(slug))/state"
        case .exerciseWindows(let slug): "/exercises/\(e(slug))/windows"
        case .exerciseWindowDelete(let slug, let window): "/exercises/\(e(slug))/windows/\(e(window))/delete"
        case .exerciseFile(let slug): "/exercises/\(e(slug))/exercise-file"
        case .teams(let slug): "/exercises/\(e(slug))/teams"
        case .team(let slug, let team): "/exercises/\(e(slug))/teams/\(e(team))"
        case .teamMembers(let slug, let team): "/exercises/\(e(slug))/teams/\(e(team))/members"
        case .teamMemberRemove(let slug, let team, let username): "/exercises/\(e(slug))/teams/\(e(team))/members/\(e(username))/delete"
        case .teamJoinCode(let slug, let team): "/exercises/\(e(slug))/teams/\(e(team))/join-code"
        case .teamDelete(let slug, let team): "/exercises/\(e(slug))/teams/\(e(team))/delete"
        case .audit(let slug): "/exercises/\(e(slug))/audit"

        case .apiLogin: "/api/v1/auth/login"
        case .apiLogout: "/api/v1/auth/logout"
        case .apiMe: "/api/v1/me"
        case .apiTokens: "/api/v1/me/tokens"
        case .apiToken(let id): "/api/v1/me/tokens/\(e(id))"
        case .apiJoin: "/api/v1/join"
        case .apiUsers: "/api/v1/users"
        case .apiUser(let username): "/api/v1/users/\(e(username))"
        case .apiExercises: "/api/v1/exercises"
        case .apiExerciseFile: "/api/v1/exercise-file"
        case .apiExercise(let slug): "/api/v1/exercises/\(e(slug))"
        case .apiExerciseState(let slug): "/api/v1/exercises/\(e(slug))/state"
        case .apiExerciseExport(let slug): "/api/v1/exercises/\(e(slug))/exercise-file"
        case .apiTeams(let slug): "/api/v1/exercises/\(e(slug))/teams"
        case .apiTeam(let slug, let team): "/api/v1/exercises/\(e(slug))/teams/\(e(team))"
        case .apiTeamMembers(let slug, let team): "/api/v1/exercises/\(e(slug))/teams/\(e(team))/members"
        case .apiTeamMember(let slug, let team, let username): "/api/v1/exercises/\(e(slug))/teams/\(e(team))/members/\(e(username))"
        case .apiAudit(let slug): "/api/v1/exercises/\(e(slug))/audit"
        case .apiAuditAll: "/api/v1/audit"
        }
    }

    var pathComponents: [PathComponent] { path.pathComponents }

    /// Placeholders pass through untouched; values are percent-encoded.
    private func e(_ value: String) -> String {
        value.hasPrefix(":") ? value : (value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? value)
    }
}
