import Fluent
import RampartCore
import RampartKernel
import SQLKit
import Vapor

/// The judging workbench's one queue: every item a judge decides (compromise reports, incident
/// reports, disputes today; inject responses later), whichever feature owns it. A feature registers
/// a `JudgedSource` per kind at boot; the queue, the claims and the queue's page and API are here,
/// so a new judged kind needs no second workbench.
package protocol JudgedSource: Sendable {
    /// The kind's word in paths and filters (`compromise`, `incident`, `dispute`).
    var kind: String { get }
    var label: Phrase { get }
    /// The statuses an item waits for a judge in (the queue's default view).
    var openStatuses: [String] { get }
    /// Items of the exercise, newest last, narrowed by the filter's team and status (nil: the open statuses).
    func items(_ exerciseID: UUID, team: UUID?, status: String?, limit: Int, on db: any Database) async throws -> [JudgingItem]
    /// Whether the item exists in the exercise and still waits for a judge.
    func isOpen(_ exerciseID: UUID, id: UUID, on db: any Database) async throws -> Bool?
    /// A status as the queue's page says it (`needs_evidence` → "needs evidence").
    func statusLabel(_ status: String) -> Phrase
    /// The page where a judge works on the item.
    func url(exercise slug: String, id: UUID) -> String
}

extension JudgedSource {
    package func statusLabel(_ status: String) -> Phrase { .verbatim(status) }
}

/// One row of the queue.
package struct JudgingItem: Content, Sendable {
    package var kind: String
    package var id: UUID
    package var team: String
    package var teamName: String
    package var title: String
    package var status: String
    package var submittedAt: Date
    package var by: String
    /// The judge holding it, while the claim lasts.
    package var claimedBy: String?
    package var claimedAt: Date?
    /// Another item this one repeats (one compromise per team, asset and technique in a window).
    package var duplicateOf: UUID?
    /// Where a judge works on it.
    package var url: String
    /// The status in the reader's words, for the page (the API carries `status`).
    package var statusLabel: Phrase?

    package init(kind: String, id: UUID, team: String, teamName: String, title: String, status: String, submittedAt: Date, by: String,
                 duplicateOf: UUID? = nil, url: String) {
        self.kind = kind
        self.id = id
        self.team = team
        self.teamName = teamName
        self.title = title
        self.status = status
        self.submittedAt = submittedAt
        self.by = by
        self.duplicateOf = duplicateOf
        self.url = url
    }

    enum CodingKeys: String, CodingKey {
        case kind, id, team, title, status, by, url
        case teamName = "team_name", submittedAt = "submitted_at", claimedBy = "claimed_by", claimedAt = "claimed_at"
        case duplicateOf = "duplicate_of"
    }
}

/// A judge's hold on an item, so that two judges do not grade one. It lapses after `Judging.claimLifetime`.
package final class JudgingClaim: Model, @unchecked Sendable {
    package static let schema = "judging_claims"
    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "kind") package var kind: String
    @Field(key: "item_id") package var itemID: UUID
    @Field(key: "judge_id") package var judgeID: UUID
    @Field(key: "judge_name") package var judgeName: String
    @Field(key: "claimed_at") package var claimedAt: Date
    package init() {}
}

/// Claims and the queue's order: what a judge sees first.
package struct M014CreateJudgingClaims: AsyncMigration {
    package var name: String { "RampartScoring.M014CreateJudgingClaims" }
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(JudgingClaim.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references("exercises", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("item_id", .uuid, .required)
            .field("judge_id", .uuid, .required)
            .field("judge_name", .string, .required)
            .field("claimed_at", .datetime, .required)
            .unique(on: "kind", "item_id")
            .create()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(JudgingClaim.schema).delete()
    }
}

package enum Judging {
    /// A claim nobody renews lapses after this, so a judge who walked away does not block an item.
    package static let claimLifetime: TimeInterval = 30 * 60

    /// The queue, filtered: kinds, team (slug), status, and items older than `olderThanMinutes`;
    /// oldest first (the longest wait is decided first). Claims are attached.
    package static func queue(
        _ context: ExerciseContext, kind: String?, team: String?, status: String?, olderThanMinutes: Int?, limit: Int, app: Application
    ) async throws -> [JudgingItem] {
        let sources = app.judging.sources.filter { kind == nil || $0.kind == kind }
        if let kind, sources.isEmpty { throw AppError.invalid("kind", .expectedOneOf(app.judging.sources.map(\.kind).joined(separator: ", "))) }
        var teamID: UUID?
        if let team { teamID = try await Teams.find(team, in: context.exercise, on: app.db).id }
        let now = app.dependencies.now()
        var items: [JudgingItem] = []
        for source in sources {
            items += try await source.items(context.exerciseID, team: teamID, status: status, limit: limit, on: app.db)
        }
        if let minutes = olderThanMinutes {
            let cutoff = now.addingTimeInterval(-Double(minutes) * 60)
            items = items.filter { $0.submittedAt <= cutoff }
        }
        for index in items.indices {
            items[index].statusLabel = sources.first { $0.kind == items[index].kind }?.statusLabel(items[index].status)
        }
        items.sort { ($0.submittedAt, $0.id.uuidString) < ($1.submittedAt, $1.id.uuidString) }
        items = Array(items.prefix(limit))
        let claims = try await JudgingClaim.query(on: app.db).filter(\.$exerciseID == context.exerciseID)
            .filter(\.$claimedAt > now.addingTimeInterval(-claimLifetime)).all()
        let byItem = Dictionary(claims.map { ($0.itemID, $0) }, uniquingKeysWith: { first, _ in first })
        for index in items.indices {
            if let claim = byItem[items[index].id], claim.kind == items[index].kind {
                items[index].claimedBy = claim.judgeName
                items[index].claimedAt = claim.claimedAt
            }
        }
        return items
    }

    /// Claims an item for the caller; renews the caller's own claim. Another judge's live claim is a 409
    /// that names them; a lapsed one is taken over.
    package static func claim(kind: String, id: UUID, context: ExerciseContext, by actor: AuditActor, app: Application) async throws -> JudgingClaim {
        guard let source = app.judging.sources.first(where: { $0.kind == kind }) else { throw AppError.notFound(.judgedItem) }
        guard let judge = actor.id else { throw AppError.forbidden() }
        let now = app.dependencies.now()
        // Under the exercise's scoring lock, like the decisions: two judges claiming at once are taken in
        // turn (the second is told who holds it), and a claim never lands on an item just decided.
        return try await app.scores.write(context.exerciseID, app: app) { db, _ in
            guard try await source.isOpen(context.exerciseID, id: id, on: db) == true else {
                throw AppError.conflict("already_decided", .itemNotWaiting)
            }
            let existing = try await JudgingClaim.query(on: db).filter(\.$kind == kind).filter(\.$itemID == id).first()
            if let existing, existing.judgeID != judge, existing.claimedAt > now.addingTimeInterval(-claimLifetime) {
                throw AppError.conflict("claimed", .claimedBy(existing.judgeName))
            }
            let claim = existing ?? JudgingClaim()
            claim.exerciseID = context.exerciseID
            claim.kind = kind
            claim.itemID = id
            claim.judgeID = judge
            claim.judgeName = actor.name
            claim.claimedAt = now
            try await claim.save(on: db)
            try await Audit.record(
                AuditEvent(exerciseID: context.exerciseID, action: "judging.claim", subjectType: kind, subject: id.uuidString, summary: "claimed \(kind) \(id.uuidString.prefix(8))"),
                by: actor, at: now, on: db)
            LiveEvents.stage(
                LiveEvent(
                    kind: "judging.claimed", exerciseID: context.exerciseID, at: now, audience: .whiteTeam,
                    payload: ["kind": kind, "id": id.uuidString.lowercased(), "judge": actor.name]))
            return claim
        }
    }

    /// In a decision's transaction: refuses when another judge holds a live claim, and ends any claim.
    package static func settleClaim(kind: String, id: UUID, by actor: AuditActor, now: Date, on db: any Database) async throws {
        if let claim = try await JudgingClaim.query(on: db).filter(\.$kind == kind).filter(\.$itemID == id).first() {
            if claim.judgeID != actor.id, claim.claimedAt > now.addingTimeInterval(-claimLifetime) {
                throw AppError.conflict("claimed", .claimedBy(claim.judgeName))
            }
            try await claim.delete(on: db)
        }
    }
}

/// What features give the workbench: their judged kinds, and the proofs they can check (a service
/// flag, a planted compromise token) for reports that carry one.
package final class JudgingRegistry: @unchecked Sendable {
    package private(set) var sources: [any JudgedSource] = []
    /// Each check says what the proof is (`"a flag of shop, tick 12"`) when it is valid for the team; nil otherwise.
    package private(set) var proofChecks: [@Sendable (_ exerciseID: UUID, _ team: UUID, _ proof: String, _ db: any Database) async throws -> String?] = []

    /// Each provider names the assets of every team it knows (Defence: its services and their hosts).
    package private(set) var assetProviders: [@Sendable (_ exerciseID: UUID, _ db: any Database) async throws -> [UUID: TeamAssets]] = []

    package init() {}

    /// At boot only.
    package func register(assets provider: @escaping @Sendable (UUID, any Database) async throws -> [UUID: TeamAssets]) {
        assetProviders.append(provider)
    }

    /// Every team's declared assets, from every provider.
    package func assets(_ exerciseID: UUID, on db: any Database) async throws -> [UUID: TeamAssets] {
        var all: [UUID: TeamAssets] = [:]
        for provider in assetProviders {
            for (team, assets) in try await provider(exerciseID, db) {
                all[team, default: TeamAssets()].services += assets.services
                all[team, default: TeamAssets()].hosts += assets.hosts
            }
        }
        return all
    }

    /// At boot only.
    package func register(_ source: any JudgedSource) {
        precondition(!sources.contains { $0.kind == source.kind }, "judged kind '\(source.kind)' registered twice")
        sources.append(source)
    }

    /// At boot only.
    package func register(proofCheck: @escaping @Sendable (UUID, UUID, String, any Database) async throws -> String?) {
        proofChecks.append(proofCheck)
    }

    /// What the first check that knows the proof says of it; nil when none does.
    package func check(proof: String, team: UUID, exerciseID: UUID, on db: any Database) async throws -> String? {
        for check in proofChecks {
            if let found = try await check(exerciseID, team, proof, db) { return found }
        }
        return nil
    }
}

/// What a team defends, by name (its services) and by address (their hosts), so a report names an
/// asset of the team it is about and never another team's.
package struct TeamAssets: Sendable, Equatable {
    package var services: [String] = []
    package var hosts: [String] = []

    package init(services: [String] = [], hosts: [String] = []) {
        self.services = services
        self.hosts = hosts
    }
}

extension Application {
    private struct JudgingKey: StorageKey {
        typealias Value = JudgingRegistry
    }

    package var judging: JudgingRegistry {
        get { storage.configured(JudgingKey.self) }
        set { storage[JudgingKey.self] = newValue }
    }
}
