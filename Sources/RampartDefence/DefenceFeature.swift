import Fluent
import RampartKernel
import RampartScoring
import Vapor

/// Defence as the assembly plugs it in: services and their checks, ticks, the check workers and the
/// flag rounds that ticks plant, their pages and API, `rampart check` and `rampart worker`, the
/// availability and SLA facts, and the tick loop that runs while the server serves.
package struct DefenceFeature: ScoredFeature {
    package init() {}

    package var factKinds: [FactKind] { DefenceFacts.kinds }
    package var categoryLabels: [String: Phrase] {
        [DefenceFacts.availabilityCategory: .categoryAvailability, DefenceFacts.penaltiesCategory: .categoryPenalties]
    }
    package var migrations: [any Migration] { [M008CreateDefence(), M009CreateServiceFlags()] }
    package var commands: [String: any AnyAsyncCommand] { ["check": CheckCommand(), "worker": WorkerCommand()] }
    package var lifecycle: [any LifecycleHandler] { [DefenceBackground()] }
    package var exerciseFileSections: [any ExerciseFileSectionStore] { [ServicesFileSection()] }

    package func boot(_ app: Application) throws {
        app.defence = DefenceNode()
    }

    package func routes(_ app: Application) throws {
        DefenceAPI.register(app)
        DefencePages.register(app)
        ServiceFlags.register(app)
    }

    package var auditActions: [String: Phrase] { Phrase.defenceAuditActions }

    package func navigation(_ req: Request, _ context: ExerciseContext) async throws -> [NavigationLink] {
        let slug = context.exercise.slug
        var links: [NavigationLink] = []
        if context.role != .red { links.append(NavigationLink(S.services.phrase, .services(slug), position: 30)) }
        let plantsFlags = try await ServiceFlagRecord.query(on: req.db).filter(\.$exerciseID == context.exerciseID).first() != nil
        if plantsFlags { links.append(NavigationLink(.flagIDs, .attackData(slug), position: 40)) }
        return links
    }
}
