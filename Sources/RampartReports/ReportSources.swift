import Fluent
import Foundation
import RampartCore
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

/// Compromise reports waiting for a judge, as the workbench lists them.
struct CompromiseSource: JudgedSource {
    static let kindName = "compromise"
    var kind: String { Self.kindName }
    var label: Phrase { .kindCompromise }
    var openStatuses: [String] { [CompromiseReport.Status.pending.rawValue, CompromiseReport.Status.needsEvidence.rawValue] }
    func statusLabel(_ status: String) -> Phrase { CompromiseReport.Status(rawValue: status).map(ReportWords.status) ?? .verbatim(status) }
    func url(exercise slug: String, id: UUID) -> String { AppRoute.compromiseReport(slug, id.uuidString).path }

    /// Read with SQL, only the columns a queue row shows: a queue of thousands of reports is read on
    /// every visit of every judge, and Fluent's models of 33 fields cost ten times as much.
    func items(_ exerciseID: UUID, team: UUID?, status: String?, limit: Int, on db: any Database) async throws -> [JudgingItem] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let statuses = status.map { [$0] } ?? openStatuses
        let query = sql.select()
            .columns("id", "team_id", "asset", "techniques", "access_level", "status", "created_at", "author_name", "duplicate_of")
            .from(CompromiseReport.schema).where("exercise_id", .equal, exerciseID).where("status", .in, statuses)
        if let team { query.where("team_id", .equal, team) }
        let rows = try await query.orderBy("created_at").limit(limit).all()
        let teams = try await ReportTeams.load(exerciseID, on: db)
        return try rows.map { row in
            let id = try row.decode(column: "id", as: UUID.self)
            let teamID = try row.decode(column: "team_id", as: UUID.self)
            let techniques = try row.decode(column: "techniques", as: String.self).replacingOccurrences(of: ",", with: ", ")
            return JudgingItem(
                kind: kind, id: id, team: teams.slug(teamID), teamName: teams.name(teamID),
                title: "\(try row.decode(column: "asset", as: String.self)) · \(techniques) · \(try row.decode(column: "access_level", as: String.self))",
                status: try row.decode(column: "status", as: String.self), submittedAt: try row.decode(column: "created_at", as: Date.self),
                by: try row.decode(column: "author_name", as: String.self), duplicateOf: try row.decode(column: "duplicate_of", as: UUID?.self),
                url: url(exercise: teams.exerciseSlug, id: id))
        }
    }

    func isOpen(_ exerciseID: UUID, id: UUID, on db: any Database) async throws -> Bool? {
        guard let report = try await CompromiseReport.query(on: db).filter(\.$id == id).filter(\.$exerciseID == exerciseID).first() else { return nil }
        return [.pending, .needsEvidence].contains(report.status)
    }
}

/// Open disputes of validated compromises.
struct DisputeSource: JudgedSource {
    static let kindName = "dispute"
    var kind: String { Self.kindName }
    var label: Phrase { .kindDispute }
    var openStatuses: [String] { [CompromiseReport.DisputeStatus.open.rawValue] }
    func statusLabel(_ status: String) -> Phrase { status == CompromiseReport.DisputeStatus.open.rawValue ? ReportWords.disputeOpen : ReportWords.verdict(status) }
    func url(exercise slug: String, id: UUID) -> String { AppRoute.compromiseReport(slug, id.uuidString).path }

    func items(_ exerciseID: UUID, team: UUID?, status: String?, limit: Int, on db: any Database) async throws -> [JudgingItem] {
        let statuses = (status.map { [$0] } ?? openStatuses).compactMap(CompromiseReport.DisputeStatus.init(rawValue:))
        guard !statuses.isEmpty else { return [] }
        var query = CompromiseReport.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$disputeStatus ~~ statuses).limit(limit)
        if let team { query = query.filter(\.$teamID == team) }
        let reports = try await query.all()
        let teams = try await ReportTeams.load(exerciseID, on: db)
        return reports.map { report in
            JudgingItem(
                kind: kind, id: report.id!, team: teams.slug(report.teamID), teamName: teams.name(report.teamID),
                title: "\(report.asset) · −\(report.penalty ?? 0) · \(report.disputeReason ?? "")",
                status: report.disputeStatus?.rawValue ?? "", submittedAt: report.disputedAt ?? report.createdAt, by: report.disputedByName ?? "",
                url: url(exercise: teams.exerciseSlug, id: report.id!))
        }
    }

    func isOpen(_ exerciseID: UUID, id: UUID, on db: any Database) async throws -> Bool? {
        guard let report = try await CompromiseReport.query(on: db).filter(\.$id == id).filter(\.$exerciseID == exerciseID).first() else { return nil }
        return report.disputeStatus == .open
    }
}

/// Incident reports waiting for a grade.
struct IncidentSource: JudgedSource {
    static let kindName = "incident"
    var kind: String { Self.kindName }
    var label: Phrase { .kindIncident }
    var openStatuses: [String] { [IncidentReport.Status.submitted.rawValue] }
    func statusLabel(_ status: String) -> Phrase { IncidentReport.Status(rawValue: status).map(ReportWords.incidentStatus) ?? .verbatim(status) }
    func url(exercise slug: String, id: UUID) -> String { AppRoute.incidentReport(slug, id.uuidString).path }

    func items(_ exerciseID: UUID, team: UUID?, status: String?, limit: Int, on db: any Database) async throws -> [JudgingItem] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let query = sql.select().columns("id", "team_id", "title", "status", "created_at", "author_name")
            .from(IncidentReport.schema).where("exercise_id", .equal, exerciseID).where("status", .in, status.map { [$0] } ?? openStatuses)
        if let team { query.where("team_id", .equal, team) }
        let rows = try await query.orderBy("created_at").limit(limit).all()
        let teams = try await ReportTeams.load(exerciseID, on: db)
        return try rows.map { row in
            let id = try row.decode(column: "id", as: UUID.self)
            let teamID = try row.decode(column: "team_id", as: UUID.self)
            return JudgingItem(
                kind: kind, id: id, team: teams.slug(teamID), teamName: teams.name(teamID), title: try row.decode(column: "title", as: String.self),
                status: try row.decode(column: "status", as: String.self), submittedAt: try row.decode(column: "created_at", as: Date.self),
                by: try row.decode(column: "author_name", as: String.self), url: url(exercise: teams.exerciseSlug, id: id))
        }
    }

    func isOpen(_ exerciseID: UUID, id: UUID, on db: any Database) async throws -> Bool? {
        guard let report = try await IncidentReport.query(on: db).filter(\.$id == id).filter(\.$exerciseID == exerciseID).first() else { return nil }
        return report.status == .submitted
    }
}

/// An exercise's teams by id, for lists that name them.
struct ReportTeams: Sendable {
    let exerciseSlug: String
    let byID: [UUID: (slug: String, name: String)]

    static func load(_ exerciseID: UUID, on db: any Database) async throws -> ReportTeams {
        let exercise = try await Exercise.find(exerciseID, on: db)
        let teams = try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).all()
        return ReportTeams(exerciseSlug: exercise?.slug ?? "", byID: Dictionary(uniqueKeysWithValues: teams.compactMap { team in team.id.map { ($0, (team.slug, team.name)) } }))
    }

    func slug(_ id: UUID) -> String { byID[id]?.slug ?? id.uuidString }
    func name(_ id: UUID) -> String { byID[id]?.name ?? id.uuidString }
}

/// A secret per blue team that the white team plants on its hosts: a red team that hands one in has
/// been there, so its report is validated without waiting for a judge.
package final class CompromiseToken: Model, @unchecked Sendable {
    package static let schema = "compromise_tokens"
    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "team_id") package var teamID: UUID
    @Field(key: "token") package var token: String
    package init() {}
}

enum CompromiseTokens {
    /// Every blue team's token, made for those that have none yet (white team only).
    static func all(_ exerciseID: UUID, app: Application) async throws -> [(team: Team, token: String)] {
        let teams = try await Team.query(on: app.db).filter(\.$exercise.$id == exerciseID).filter(\.$kind == .blue).sort(\.$number).all()
        var stored = try await CompromiseToken.query(on: app.db).filter(\.$exerciseID == exerciseID).all()
        let missing = teams.filter { team in !stored.contains { $0.teamID == team.id } }
        if !missing.isEmpty {
            let made = missing.map { team in
                let token = CompromiseToken()
                token.exerciseID = exerciseID
                token.teamID = team.id!
                token.token = "RAMPART{" + app.dependencies.token(bytes: 18) + "}"
                return token
            }
            try await app.write(clearingCaches: false) { db in
                for token in made { try await token.create(on: db) }
            }
            stored += made
        }
        return teams.compactMap { team in stored.first { $0.teamID == team.id }.map { (team, $0.token) } }
    }

    static func check(_ exerciseID: UUID, _ team: UUID, _ proof: String, _ db: any Database) async throws -> String? {
        let found = try await CompromiseToken.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$teamID == team).filter(\.$token == proof).first()
        return found == nil ? nil : "the team's compromise token"
    }
}
