import Foundation
import Vapor

/// Every path Rampart serves. The same case registers the route (with `AppRoute.param` placeholders)
/// and builds links to it (with real values), so a route and the links to it cannot drift apart.
package enum AppRoute: Sendable {
    // operations
    case livez, healthz, metrics, openAPI, stylesheet, script, icon

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

    // pages: challenges and scores
    case challenges(String), challengeNew(String), challenge(String, String), challengeEdit(String, String)
    case challengeDelete(String, String), challengeAttempt(String, String), challengeHint(String, String, String)
    case challengeFiles(String, String), challengeFileDelete(String, String, String)
    case scoreboard(String), teamScore(String, String), teamAdjust(String, String), scoreWithdraw(String, String)
    case submissions(String)

    // pages: defence
    case services(String), serviceNew(String), service(String, String), serviceDelete(String, String), serviceTry(String, String)
    case teamChecks(String, String), teamPasswordChange(String, String), demoTarget(String, String, String)

    // pages: attack
    case attackData(String)

    // Reports and judging
    case reports(String), compromiseNew(String), compromiseReport(String, String), compromiseDecision(String, String)
    case compromiseEvidence(String, String), compromiseEvidenceFile(String, String, String), compromiseDispute(String, String)
    case compromiseDisputeDecision(String, String)
    case incidentNew(String), incidentReport(String, String), incidentGrade(String, String), incidentEvidence(String, String)
    case incidentEvidenceFile(String, String, String)
    case judging(String), judgingClaim(String, String, String)

    // Live: the command centre's wall and announcements
    case command(String), announcements(String), announcementWithdraw(String, String)

    // API
    case apiLogin, apiLogout, apiMe, apiTokens, apiToken(String), apiJoin
    case apiUsers, apiUser(String)
    case apiExercises, apiExerciseFile
    case apiExercise(String), apiExerciseState(String), apiExerciseExport(String)
    case apiTeams(String), apiTeam(String, String), apiTeamMembers(String, String), apiTeamMember(String, String, String)
    case apiAudit(String), apiAuditAll
    case apiChallenges(String), apiChallenge(String, String), apiChallengeAttempts(String, String)
    case apiChallengeHint(String, String, String), apiChallengeFiles(String, String), apiChallengeFile(String, String, String)
    case apiScoreboard(String), apiCTFtime(String), apiScoreFacts(String, String), apiAdjustments(String, String)
    case apiWithdraw(String, String), apiSubmissions(String)
    case apiServices(String), apiService(String, String), apiServicesStatus(String), apiServiceTry(String, String)
    case apiTeamChecks(String, String), apiTeamServiceEvents(String, String), apiPasswordChanges(String, String), apiWorkers(String)
    case apiDemoTarget(String, String, String), apiAttackData(String)
    case apiCompromiseReports(String), apiCompromiseReport(String, String), apiCompromiseEvidence(String, String)
    case apiCompromiseEvidenceFile(String, String, String), apiCompromiseDecision(String, String), apiCompromiseDispute(String, String)
    case apiCompromiseDisputeDecision(String, String)
    case apiIncidentReports(String), apiIncidentReport(String, String), apiIncidentGrade(String, String), apiIncidentEvidence(String, String)
    case apiIncidentEvidenceFile(String, String, String)
    case apiJudgingQueue(String), apiJudgingClaim(String, String, String), apiReportRules(String), apiReportsExport(String)
    case apiLive(String), apiAnnouncements(String), apiAnnouncement(String, String)

    /// Placeholders for registering routes: `AppRoute.exercise(AppRoute.param.slug)`.
    package enum param {
        package static let slug = ":slug"
        package static let team = ":team"
        package static let username = ":username"
        package static let window = ":window"
        package static let token = ":token"
        package static let challenge = ":challenge"
        package static let hint = ":hint"
        package static let file = ":file"
        package static let seq = ":seq"
        package static let service = ":service"
        package static let report = ":report"
        package static let kind = ":kind"
        package static let announcement = ":announcement"
    }

    package var path: String {
        switch self {
        case .livez: "/livez"
        case .healthz: "/healthz"
        case .metrics: "/metrics"
        case .openAPI: "/api/openapi.yaml"
        case .stylesheet: "/static/rampart.css"
        case .script: "/static/rampart.js"
        case .icon: "/static/rampart.svg"

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
        case .challenges(let slug): "/exercises/\(e(slug))/challenges"
        case .challengeNew(let slug): "/exercises/\(e(slug))/challenges/new"
        case .challenge(let slug, let id): "/exercises/\(e(slug))/challenges/\(e(id))"
        case .challengeEdit(let slug, let id): "/exercises/\(e(slug))/challenges/\(e(id))/edit"
        case .challengeDelete(let slug, let id): "/exercises/\(e(slug))/challenges/\(e(id))/delete"
        case .challengeAttempt(let slug, let id): "/exercises/\(e(slug))/challenges/\(e(id))/attempt"
        case .challengeHint(let slug, let id, let key): "/exercises/\(e(slug))/challenges/\(e(id))/hints/\(e(key))/unlock"
        case .challengeFiles(let slug, let id): "/exercises/\(e(slug))/challenges/\(e(id))/files"
        case .challengeFileDelete(let slug, let id, let name): "/exercises/\(e(slug))/challenges/\(e(id))/files/\(e(name))/delete"
        case .scoreboard(let slug): "/exercises/\(e(slug))/scoreboard"
        case .teamScore(let slug, let team): "/exercises/\(e(slug))/teams/\(e(team))/score"
        case .teamAdjust(let slug, let team): "/exercises/\(e(slug))/teams/\(e(team))/adjust"
        case .scoreWithdraw(let slug, let seq): "/exercises/\(e(slug))/score-facts/\(e(seq))/withdraw"
        case .submissions(let slug): "/exercises/\(e(slug))/submissions"
        case .services(let slug): "/exercises/\(e(slug))/services"
        case .serviceNew(let slug): "/exercises/\(e(slug))/services/new"
        case .service(let slug, let name): "/exercises/\(e(slug))/services/\(e(name))"
        case .serviceDelete(let slug, let name): "/exercises/\(e(slug))/services/\(e(name))/delete"
        case .serviceTry(let slug, let name): "/exercises/\(e(slug))/services/\(e(name))/try"
        case .teamChecks(let slug, let team): "/exercises/\(e(slug))/teams/\(e(team))/checks"
        case .teamPasswordChange(let slug, let team): "/exercises/\(e(slug))/teams/\(e(team))/password-changes"
        case .demoTarget(let slug, let team, let name): "/exercises/\(e(slug))/teams/\(e(team))/services/\(e(name))/demo-target"
        case .attackData(let slug): "/exercises/\(e(slug))/attack-data"
        case .reports(let slug): "/exercises/\(e(slug))/reports"
        case .compromiseNew(let slug): "/exercises/\(e(slug))/compromise-reports/new"
        case .compromiseReport(let slug, let id): "/exercises/\(e(slug))/compromise-reports/\(e(id))"
        case .compromiseDecision(let slug, let id): "/exercises/\(e(slug))/compromise-reports/\(e(id))/decision"
        case .compromiseEvidence(let slug, let id): "/exercises/\(e(slug))/compromise-reports/\(e(id))/evidence"
        case .compromiseEvidenceFile(let slug, let id, let file): "/exercises/\(e(slug))/compromise-reports/\(e(id))/evidence/\(e(file))"
        case .compromiseDispute(let slug, let id): "/exercises/\(e(slug))/compromise-reports/\(e(id))/dispute"
        case .compromiseDisputeDecision(let slug, let id): "/exercises/\(e(slug))/compromise-reports/\(e(id))/dispute/decision"
        case .incidentNew(let slug): "/exercises/\(e(slug))/incident-reports/new"
        case .incidentReport(let slug, let id): "/exercises/\(e(slug))/incident-reports/\(e(id))"
        case .incidentGrade(let slug, let id): "/exercises/\(e(slug))/incident-reports/\(e(id))/grade"
        case .incidentEvidence(let slug, let id): "/exercises/\(e(slug))/incident-reports/\(e(id))/evidence"
        case .incidentEvidenceFile(let slug, let id, let file): "/exercises/\(e(slug))/incident-reports/\(e(id))/evidence/\(e(file))"
        case .judging(let slug): "/exercises/\(e(slug))/judging"
        case .judgingClaim(let slug, let kind, let id): "/exercises/\(e(slug))/judging/\(e(kind))/\(e(id))/claim"

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
        case .apiChallenges(let slug): "/api/v1/exercises/\(e(slug))/challenges"
        case .apiChallenge(let slug, let id): "/api/v1/exercises/\(e(slug))/challenges/\(e(id))"
        case .apiChallengeAttempts(let slug, let id): "/api/v1/exercises/\(e(slug))/challenges/\(e(id))/attempts"
        case .apiChallengeHint(let slug, let id, let key): "/api/v1/exercises/\(e(slug))/challenges/\(e(id))/hints/\(e(key))/unlock"
        case .apiChallengeFiles(let slug, let id): "/api/v1/exercises/\(e(slug))/challenges/\(e(id))/files"
        case .apiChallengeFile(let slug, let id, let name): "/api/v1/exercises/\(e(slug))/challenges/\(e(id))/files/\(e(name))"
        case .apiScoreboard(let slug): "/api/v1/exercises/\(e(slug))/scoreboard"
        case .apiCTFtime(let slug): "/api/v1/exercises/\(e(slug))/ctftime.json"
        case .apiScoreFacts(let slug, let team): "/api/v1/exercises/\(e(slug))/teams/\(e(team))/score-facts"
        case .apiAdjustments(let slug, let team): "/api/v1/exercises/\(e(slug))/teams/\(e(team))/adjustments"
        case .apiWithdraw(let slug, let seq): "/api/v1/exercises/\(e(slug))/score-facts/\(e(seq))/withdraw"
        case .apiSubmissions(let slug): "/api/v1/exercises/\(e(slug))/submissions"
        case .apiServices(let slug): "/api/v1/exercises/\(e(slug))/services"
        case .apiService(let slug, let name): "/api/v1/exercises/\(e(slug))/services/\(e(name))"
        case .apiServicesStatus(let slug): "/api/v1/exercises/\(e(slug))/services/status"
        case .apiServiceTry(let slug, let name): "/api/v1/exercises/\(e(slug))/services/\(e(name))/try"
        case .apiTeamChecks(let slug, let team): "/api/v1/exercises/\(e(slug))/teams/\(e(team))/checks"
        case .apiTeamServiceEvents(let slug, let team): "/api/v1/exercises/\(e(slug))/teams/\(e(team))/service-events"
        case .apiPasswordChanges(let slug, let team): "/api/v1/exercises/\(e(slug))/teams/\(e(team))/password-changes"
        case .apiWorkers(let slug): "/api/v1/exercises/\(e(slug))/workers"
        case .apiDemoTarget(let slug, let team, let name): "/api/v1/exercises/\(e(slug))/teams/\(e(team))/services/\(e(name))/demo-target"
        case .apiAttackData(let slug): "/api/v1/exercises/\(e(slug))/attack-data"
        case .apiCompromiseReports(let slug): "/api/v1/exercises/\(e(slug))/compromise-reports"
        case .apiCompromiseReport(let slug, let id): "/api/v1/exercises/\(e(slug))/compromise-reports/\(e(id))"
        case .apiCompromiseEvidence(let slug, let id): "/api/v1/exercises/\(e(slug))/compromise-reports/\(e(id))/evidence"
        case .apiCompromiseEvidenceFile(let slug, let id, let file): "/api/v1/exercises/\(e(slug))/compromise-reports/\(e(id))/evidence/\(e(file))"
        case .apiCompromiseDecision(let slug, let id): "/api/v1/exercises/\(e(slug))/compromise-reports/\(e(id))/decision"
        case .apiCompromiseDispute(let slug, let id): "/api/v1/exercises/\(e(slug))/compromise-reports/\(e(id))/dispute"
        case .apiCompromiseDisputeDecision(let slug, let id): "/api/v1/exercises/\(e(slug))/compromise-reports/\(e(id))/dispute/decision"
        case .apiIncidentReports(let slug): "/api/v1/exercises/\(e(slug))/incident-reports"
        case .apiIncidentReport(let slug, let id): "/api/v1/exercises/\(e(slug))/incident-reports/\(e(id))"
        case .apiIncidentGrade(let slug, let id): "/api/v1/exercises/\(e(slug))/incident-reports/\(e(id))/grade"
        case .apiIncidentEvidence(let slug, let id): "/api/v1/exercises/\(e(slug))/incident-reports/\(e(id))/evidence"
        case .apiIncidentEvidenceFile(let slug, let id, let file): "/api/v1/exercises/\(e(slug))/incident-reports/\(e(id))/evidence/\(e(file))"
        case .apiJudgingQueue(let slug): "/api/v1/exercises/\(e(slug))/judging/queue"
        case .apiLive(let slug): "/api/v1/exercises/\(e(slug))/live"
        case .apiAnnouncements(let slug): "/api/v1/exercises/\(e(slug))/announcements"
        case .apiAnnouncement(let slug, let id): "/api/v1/exercises/\(e(slug))/announcements/\(e(id))"
        case .command(let slug): "/exercises/\(e(slug))/command"
        case .announcements(let slug): "/exercises/\(e(slug))/announcements"
        case .announcementWithdraw(let slug, let id): "/exercises/\(e(slug))/announcements/\(e(id))/withdraw"
        case .apiJudgingClaim(let slug, let kind, let id): "/api/v1/exercises/\(e(slug))/judging/\(e(kind))/\(e(id))/claim"
        case .apiReportRules(let slug): "/api/v1/exercises/\(e(slug))/report-rules"
        case .apiReportsExport(let slug): "/api/v1/exercises/\(e(slug))/reports/export"
        }
    }

    package var pathComponents: [PathComponent] { path.pathComponents }

    /// A route of the JSON API (`/api/…`), as against a page.
    package var isAPI: Bool { path.hasPrefix("/api/") }

    /// Placeholders pass through untouched; values are percent-encoded.
    private func e(_ value: String) -> String {
        value.hasPrefix(":") ? value : (value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? value)
    }
}
