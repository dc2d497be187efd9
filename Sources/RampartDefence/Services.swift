import Fluent
import RampartChecks
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// Writing services and password change requests: shared by the pages, the API and the exercise file.
package enum Services {
    package enum Outcome: String, Sendable {
        case created, updated, unchanged
    }

    /// Names the API uses for itself under `/services/…`.
    package static let reservedNames: Set<String> = ["status", "new"]

    /// Reads a service written as YAML or JSON, or throws every problem.
    package static func parse(_ text: String) throws -> ServiceSpec {
        do {
            return try ServiceSpec.read(yaml: text)
        } catch {
            let list = error.issues.map(\.description)
            throw AppError(status: .unprocessableEntity, code: "invalid_service", .serviceHasProblems(list.joined(separator: "; ")), details: list)
        }
    }

    /// The check a service runs (with one team's `parameters`, when given). An external checker must
    /// exist here only when this node's own worker runs it (zone `default`); another zone's checker
    /// lives on that zone's worker machines. Checkers and files must be in `host`'s folders.
    package static func check(_ spec: ServiceSpec, parameters: [String: String]? = nil, host: CheckHost) throws -> Check {
        let check: Check
        do {
            check = try Check(
                type: spec.check, parameters: parameters ?? spec.parameters, local: spec.zone == ServiceSpec.defaultZone, host: host)
        } catch {
            throw AppError.invalid("check", .checkSettings(error.message))
        }
        if spec.flags != nil, !check.runsFlagRounds {
            let types = Check.flagTypes.joined(separator: ", ")
            throw AppError.invalid(
                "flags", .flagRoundsNeedAPlantingCheck(types, spec.check))
        }
        return check
    }

    /// Creates the service, or updates the one with the same name (`id` nil) or with `id`.
    package static func save(
        _ spec: ServiceSpec, exerciseID: UUID, id: UUID? = nil, host: CheckHost, by actor: AuditActor, at now: Date, on db: any Database
    ) async throws -> (service: Service, outcome: Outcome) {
        guard !reservedNames.contains(spec.name) else {
            throw AppError.invalid("name", .reservedName(spec.name))
        }
        _ = try check(spec, host: host)
        if !spec.overrides.isEmpty {
            let slugs = Set(try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).all().map(\.slug))
            if let unknown = spec.overrides.keys.sorted().first(where: { !slugs.contains($0) }) {
                throw AppError.invalid("overrides", .noTeamCalled(unknown))
            }
        }
        let existing = try await Service.query(on: db).filter(\.$exerciseID == exerciseID).all()
        let service: Service
        var outcome = Outcome.updated
        if let id {
            guard let found = existing.first(where: { $0.id == id }) else { throw AppError.notFound(.service) }
            if found.name != spec.name, existing.contains(where: { $0.name == spec.name }) {
                throw AppError.conflict("name_taken", .serviceNameTaken(spec.name))
            }
            service = found
        } else if let found = existing.first(where: { $0.name == spec.name }) {
            service = found
        } else {
            service = Service()
            service.exerciseID = exerciseID
            service.position = (existing.map(\.position).max() ?? 0) + 1
            outcome = .created
        }
        let source = spec.yaml()
        if outcome == .updated, service.source == source { return (service, .unchanged) }
        let before = outcome == .created ? nil : service.source
        service.name = spec.name
        service.zone = spec.zone
        service.source = source
        try await service.save(on: db)
        var changes = ChangeSet()
        changes.note("source", before.map(redacted), redacted(source))
        try await Audit.record(
            AuditEvent(
                exerciseID: exerciseID, action: "service.\(outcome == .created ? "create" : "update")", subjectType: "service",
                subject: spec.name, summary: "\(outcome.rawValue) service \(spec.name) (\(spec.check) \(spec.address))", changes: changes.changes),
            by: actor, at: now, on: db)
        return (service, outcome)
    }

    /// Passwords stay out of the audit trail, which more people read than the service editor.
    private static func redacted(_ source: String) -> String {
        guard var spec = try? ServiceSpec.read(yaml: source) else { return source }
        spec.credentials = spec.credentials.map { ServiceCredential(username: $0.username, password: "•••") }
        return spec.yaml()
    }

    package static func delete(_ service: Service, by actor: AuditActor, at now: Date, on db: any Database) async throws {
        let name = service.name
        let exerciseID = service.exerciseID
        try await service.delete(on: db)
        try await Audit.record(
            AuditEvent(exerciseID: exerciseID, action: "service.delete", subjectType: "service", subject: name, summary: "deleted service \(name)"),
            by: actor, at: now, on: db)
    }

    package static func all(_ exerciseID: UUID, on db: any Database) async throws -> [Service] {
        try await Service.query(on: db).filter(\.$exerciseID == exerciseID).sort(\.$position).sort(\.$name).all()
    }

    package static func find(_ name: String, in exerciseID: UUID, on db: any Database) async throws -> Service {
        guard let service = try await Service.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$name == name).first() else {
            throw AppError.notFound(.service(name))
        }
        return service
    }

    // MARK: password change requests

    /// Records a team's new password for one of a service's accounts; ticks created from now on log in with it.
    package static func changePassword(
        team: Team, service: Service, username: String, password: String, by actor: AuditActor, at now: Date, on db: any Database
    ) async throws -> PasswordChange {
        let spec = try service.spec
        guard spec.credentials.contains(where: { $0.username == username }) else {
            let known = spec.credentials.map(\.username).joined(separator: ", ")
            throw AppError.invalid("username", spec.credentials.isEmpty ? .checksNoAccount(service.name) : .expectedOneOf(known))
        }
        guard !password.isEmpty, password.count <= 1_000, !password.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) else {
            throw AppError.invalid("password", .passwordOneLine)
        }
        let change = PasswordChange()
        change.exerciseID = service.exerciseID
        change.teamID = try team.requireID()
        change.serviceID = try service.requireID()
        change.username = username
        change.password = password
        change.at = now
        change.actorID = actor.id
        change.actorName = actor.name
        try await change.save(on: db)
        try await Audit.record(
            AuditEvent(
                exerciseID: service.exerciseID, action: "service.password_change", subjectType: "team", subject: team.slug,
                summary: "new password for \(username) on \(service.name)"),
            by: actor, at: now, on: db)
        return change
    }

    /// The accounts each (team, service) logs in with now: the service's list with the team's latest changes.
    package static func accounts(
        _ services: [(id: UUID, spec: ServiceSpec)], teams: [UUID], exerciseID: UUID, on db: any Database
    ) async throws -> [String: [ServiceCredential]] {
        let changes = try await PasswordChange.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$teamID ~~ teams).sort(\.$at).all()
        var latest: [String: String] = [:]
        for change in changes { latest["\(change.teamID)|\(change.serviceID)|\(change.username)"] = change.password }
        var result: [String: [ServiceCredential]] = [:]
        for service in services where !service.spec.credentials.isEmpty {
            for team in teams {
                result["\(team)|\(service.id)"] = service.spec.credentials.map { account in
                    ServiceCredential(username: account.username, password: latest["\(team)|\(service.id)|\(account.username)"] ?? account.password)
                }
            }
        }
        return result
    }
}
