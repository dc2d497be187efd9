import Fluent
import RampartCore
import RampartKernel
import SQLKit
import Vapor

/// What a fact is about or rests on, as stored: `challenge:<id>`, `service:<id>`, `submission:<id>`,
/// `tick:12`, `fact:7`… The prefix is the owning feature's word; Scoring never reads inside it.
package struct FactRef: Hashable, Sendable, CustomStringConvertible {
    package let kind: String
    package let id: String

    package init(_ kind: String, _ id: String) {
        self.kind = kind
        self.id = id
    }

    package init(_ kind: String, _ id: UUID) { self.init(kind, id.uuidString) }

    /// Reads `kind:id`; nil for anything else.
    package init?(_ text: String?) {
        guard let text, let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return nil }
        self.init(String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    package var description: String { "\(kind):\(id)" }

    /// The id, when it is a UUID and the reference is of `kind`.
    package func uuid(_ kind: String) -> UUID? { self.kind == kind ? UUID(uuidString: id) : nil }
    /// The id, when it is a whole number and the reference is of `kind`.
    package func number(_ kind: String) -> Int? { self.kind == kind ? Int(id) : nil }
}

/// A score fact as stored: immutable once written. `seq` orders an exercise's facts. Which kinds
/// exist is not Scoring's to know: each feature registers its own (`FactKind`) at boot.
package final class ScoreFactRecord: Model, @unchecked Sendable {
    package static let schema = "score_facts"

    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "seq") package var seq: Int
    @Field(key: "team_id") package var teamID: UUID
    @Field(key: "at") package var at: Date
    /// A registered `FactKind`'s name.
    @Field(key: "kind") package var kind: String
    /// What the kind makes of them: an adjustment's or an award's points, a hint's cost (positive);
    /// a solve stores 0 and is priced by the projection.
    @Field(key: "points") package var points: Int
    @Field(key: "category") package var category: String
    /// Why, in English (what the API and exports carry)…
    @Field(key: "reason") package var reason: String
    /// …and in Korean, when the fact's feature wrote it from a phrase (nil for the white team's own words).
    @OptionalField(key: "reason_ko") package var reasonKo: String?
    @OptionalField(key: "actor_id") package var actorID: UUID?
    @Field(key: "actor_name") package var actorName: String
    /// What earned or cost the points (a challenge, a service, a report).
    @OptionalField(key: "source") package var sourceText: String?
    /// What the fact rests on (a submission, a tick, a hint, the fact a withdrawal takes back).
    @OptionalField(key: "evidence") package var evidenceText: String?

    package init() {}

    /// A new fact; `exerciseID` and `seq` are set when it is appended (`ScoreEngine.State.append`).
    package init(
        team: UUID, at: Date, kind: FactKind, points: Int = 0, category: String, reason: Phrase, actorID: UUID?, actorName: String,
        source: FactRef? = nil, evidence: FactRef? = nil
    ) {
        teamID = team
        self.at = at
        self.kind = kind.name
        self.points = points
        self.category = category
        self.reason = reason.en
        reasonKo = reason.ko == reason.en ? nil : reason.ko
        self.actorID = actorID
        self.actorName = actorName
        sourceText = source?.description
        evidenceText = evidence?.description
    }

    package var source: FactRef? { FactRef(sourceText) }
    package var evidence: FactRef? { FactRef(evidenceText) }

    /// The fact as a kind reads it.
    package var stored: StoredFact {
        StoredFact(seq: seq, team: teamID, at: at, kind: kind, points: points, category: category, source: source, evidence: evidence)
    }

    static let columns = [
        "id", "exercise_id", "seq", "team_id", "at", "kind", "points", "category", "reason", "reason_ko", "actor_id", "actor_name", "source", "evidence",
    ]
    var values: [any Encodable & Sendable] {
        [id, exerciseID, seq, teamID, at, kind, points, category, reason, reasonKo, actorID, actorName, sourceText, evidenceText]
    }
}

/// The columns of a fact that scoring reads, whatever its kind.
package struct StoredFact: Sendable {
    package var seq: Int
    package var team: UUID
    package var at: Date
    package var kind: String
    package var points: Int
    package var category: String
    package var source: FactRef?
    package var evidence: FactRef?
}

/// One kind of score fact, registered by the feature that makes it (`ScoredFeature.factKinds`).
package struct FactKind: Sendable, Hashable {
    /// Stored in `kind`; never renamed once facts of it exist.
    package let name: String
    /// How the kind is named on pages.
    package let label: Phrase
    /// What the projection makes of a stored fact of this kind; nil leaves it out of every total.
    package let projected: @Sendable (StoredFact) -> ScoreFact.Kind?
    /// The name of what the fact is about as a team reads it (a challenge's name), from the priced
    /// catalogue; nil when there is none to show.
    package let subject: @Sendable (StoredFact, any PriceList) -> String?
    /// What a team's list adds to the stored reason (a solve's current value and solve count).
    package let explain: @Sendable (StoredFact, _ points: Int, ScoreProjection, any PriceList) -> Phrase?
    /// Whether the white team may take a standing fact of this kind back (`ScoreFacts.withdraw`).
    package let withdrawable: Bool

    package init(
        name: String, label: Phrase, withdrawable: Bool = false, projected: @escaping @Sendable (StoredFact) -> ScoreFact.Kind?,
        subject: @escaping @Sendable (StoredFact, any PriceList) -> String? = { _, _ in nil },
        explain: @escaping @Sendable (StoredFact, Int, ScoreProjection, any PriceList) -> Phrase? = { _, _, _, _ in nil }
    ) {
        self.name = name
        self.label = label
        self.withdrawable = withdrawable
        self.projected = projected
        self.subject = subject
        self.explain = explain
    }

    package static func == (lhs: FactKind, rhs: FactKind) -> Bool { lhs.name == rhs.name }
    package func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// How the items a feature prices (challenges: value, decay, first blood) score, as Scoring needs
/// them. The feature's own catalogue conforms, and the feature reads it back from the state.
package protocol PriceList: Sendable {
    /// The exercise's `scoring_version` this was loaded at.
    var version: Int { get }
    var scorings: [UUID: ChallengeScoring] { get }
    /// The categories the board shows even before anyone scores in them.
    var categories: [String] { get }
}

/// Loads a feature's price list inside the transaction that needs it (`ScoreEngine.pricing`).
package protocol ScorePricing: Sendable {
    func load(exerciseID: UUID, version: Int, on db: any Database) async throws -> any PriceList
}

/// No priced items: an exercise without challenges, or a build without the feature.
package struct NoPrices: PriceList {
    package let version: Int
    package var scorings: [UUID: ChallengeScoring] { [:] }
    package var categories: [String] { [] }
}

/// Rows a feature stores in the same group commit as its facts (`ScoreEngine.State.stage`):
/// flag submissions, written without Fluent's per-model reflection.
package protocol StagedRow: Sendable {
    static var table: String { get }
    static var columns: [String] { get }
    var values: [any Encodable & Sendable] { get }
}

/// The projection as stored: one row per team, rewritten only for the teams a fact changed.
package final class TeamScoreRecord: Model, @unchecked Sendable {
    package static let schema = "team_scores"

    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "team_id") package var teamID: UUID
    @Field(key: "total") package var total: Int
    /// JSON object of points by category.
    @Field(key: "categories") package var categories: String
    @OptionalField(key: "last_scored_at") package var lastScoredAt: Date?

    package init() {}

    /// `categories` decoded (written by `ScoreEngine.store`).
    package var points: [String: Int] {
        (try? JSONDecoder().decode([String: Int].self, from: Data(categories.utf8))) ?? [:]
    }
}
