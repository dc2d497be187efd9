import Fluent
import RampartCore
import RampartKernel
import Vapor

/// The exercise file's `services:` in the database: each created or updated by name (never deleted),
/// checked while planning, so a service that cannot run stops the apply before anything is written.
struct ServicesFileSection: ExerciseFileSectionStore {
    var section: any ExerciseFileSection.Type { ServicesSection.self }

    func plan(_ file: ExerciseFile, _ context: ExerciseFilePlanning) async throws -> ExerciseFileSectionPlan {
        let host = context.app.checkHost
        let stored = if let exercise = context.exercise { try await Services.all(exercise.requireID(), on: context.app.db) } else { [Service]() }
        var plan = ExerciseFileSectionPlan()
        var changed: [ServiceSpec] = []
        for (index, service) in file.services.enumerated() {
            do {
                _ = try Services.check(service, host: host)
                if let unknown = service.overrides.keys.sorted().first(where: { !context.teamSlugs.contains($0) }) {
                    throw AppError.invalid("overrides", .noTeamCalled(unknown))
                }
            } catch let error as AppError {
                let field = "services[\(index)]"
                plan.issues.append(ExerciseFileIssue(line: file.lines[field], field: field, message: error.message))
                continue
            }
            let existing = stored.first { $0.name == service.name }
            let outcome: Services.Outcome = existing == nil ? .created : (existing?.source == service.yaml() ? .unchanged : .updated)
            if outcome != .unchanged {
                changed.append(service)
                plan.changes.append("\(outcome.rawValue) service \(service.name)")
            }
        }
        let named = Set(file.services.map(\.name))
        plan.untouched = stored.filter { !named.contains($0.name) }.map { "service \($0.name)" }
        plan.apply = { [changed] applying in
            // One short write each: a service's save also plans its checks.
            for service in changed {
                _ = try await applying.app.write(bulk: true) { db in
                    try await Services.save(
                        service, exerciseID: applying.exerciseID, host: host, by: applying.actor, at: applying.now, on: db)
                }
            }
        }
        return plan
    }

    func export(_ exercise: Exercise, on db: any Database) async throws -> (any ExerciseFileSection)? {
        ServicesSection(try await Services.all(try exercise.requireID(), on: db).compactMap { try? $0.spec })
    }
}
