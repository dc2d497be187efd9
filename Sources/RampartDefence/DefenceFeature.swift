import Fluent
import RampartChecks
import RampartCore
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
        app.judging.register(assets: Self.assets)
        app.judging.register(proofCheck: Self.flagProof)
    }

    /// Every blue team's services, and the hosts they run on, as reports name assets.
    @Sendable static func assets(_ exerciseID: UUID, on db: any Database) async throws -> [UUID: TeamAssets] {
        let specs = try await Services.all(exerciseID, on: db).compactMap { try? $0.spec }
        let teams = try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).filter(\.$kind == .blue).all()
        var assets: [UUID: TeamAssets] = [:]
        for team in teams {
            guard let id = team.id else { continue }
            let hosts = Set(specs.map { CheckTarget.host(of: $0.address(number: team.number, slug: team.slug)) })
            assets[id] = TeamAssets(services: specs.map(\.name), hosts: hosts.sorted())
        }
        return assets
    }

    /// A report's proof is valid when it is a flag Rampart planted in one of the team's services.
    @Sendable static func flagProof(_ exerciseID: UUID, _ team: UUID, _ proof: String, _ db: any Database) async throws -> String? {
        guard
            let flag = try await ServiceFlagRecord.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$teamID == team)
                .filter(\.$flag == proof).first()
        else { return nil }
        let name = try await Service.find(flag.serviceID, on: db)?.name ?? "a service"
        return "a flag of \(name), tick \(flag.tick)"
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
