import Fluent
import RampartCore
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

/// A challenge as scoring and pages use it: parsed once from its stored source.
package struct ChallengeEntry: Sendable {
    package struct Attachment: Sendable {
        package var name: String
        package var size: Int
    }

    package let id: UUID
    package let spec: ChallengeSpec
    package let position: Int
    package let attachments: [Attachment]

    package var name: String { spec.name }
    package var category: String { spec.category }
}

/// What a participant may see of a challenge.
package enum ChallengeAvailability: Equatable, Sendable {
    /// Not shown at all: hidden, not yet released, or locked without CTFd's `anonymize`.
    case hidden
    /// Shown as a locked placeholder (prerequisites unsolved, `anonymize` set).
    case locked
    case open
}

/// Every challenge of one exercise, as of `version` (the exercise's `scoring_version`).
package struct ChallengeCatalog: Sendable {
    package let version: Int
    /// Board order: category, then position, then name.
    package let entries: [ChallengeEntry]
    package let byID: [UUID: ChallengeEntry]
    package let idByName: [String: UUID]
    package let defaultFirstBlood: FirstBloodBonus

    package init(version: Int, entries: [ChallengeEntry], defaultFirstBlood: FirstBloodBonus) {
        self.version = version
        self.entries = entries.sorted { ($0.category, $0.position, $0.name) < ($1.category, $1.position, $1.name) }
        self.byID = Dictionary(uniqueKeysWithValues: entries.map { ($0.id, $0) })
        self.idByName = Dictionary(entries.map { ($0.name, $0.id) }, uniquingKeysWith: { first, _ in first })
        self.defaultFirstBlood = defaultFirstBlood
    }

    package var categories: [String] { Array(Set(entries.map(\.category))).sorted() }

    package func scoring(_ entry: ChallengeEntry) -> ChallengeScoring {
        ChallengeScoring(
            category: entry.category, value: entry.spec.value,
            firstBlood: entry.spec.firstBlood.percents.isEmpty ? defaultFirstBlood : entry.spec.firstBlood)
    }

    package var scorings: [UUID: ChallengeScoring] {
        Dictionary(uniqueKeysWithValues: entries.map { ($0.id, scoring($0)) })
    }

    /// What a team that has solved `solved` may see of `entry` at `now`. The white team sees everything.
    package func availability(_ entry: ChallengeEntry, solved: (UUID) -> Bool, white: Bool, now: Date) -> ChallengeAvailability {
        if white { return .open }
        if entry.spec.state == .hidden { return .hidden }
        if let release = entry.spec.scheduledAt, release > now { return .hidden }
        let unmet = entry.spec.prerequisites.contains { name in idByName[name].map { !solved($0) } ?? false }
        if unmet { return entry.spec.anonymize ? .locked : .hidden }
        return .open
    }

    /// Loads the catalog from the database: one query for challenges, one for attachment names.
    package static func load(exerciseID: UUID, version: Int, firstBlood: FirstBloodBonus, on db: any Database) async throws -> ChallengeCatalog {
        let challenges = try await Challenge.query(on: db).filter(\.$exercise.$id == exerciseID).all()
        let files = try await ChallengeFile.query(on: db)
            .join(Challenge.self, on: \ChallengeFile.$challenge.$id == \Challenge.$id)
            .filter(Challenge.self, \.$exercise.$id == exerciseID)
            .field(\.$challenge.$id).field(\.$name).field(\.$size)
            .all()
        var attachments: [UUID: [ChallengeEntry.Attachment]] = [:]
        for file in files {
            attachments[file.$challenge.id, default: []].append(.init(name: file.name, size: file.size))
        }
        let entries = challenges.compactMap { challenge -> ChallengeEntry? in
            // A stored source was checked when it was saved; a row that no longer reads is skipped, not fatal.
            guard let id = challenge.id, let spec = try? ChallengeSpec.read(yaml: challenge.source).challenge else { return nil }
            return ChallengeEntry(
                id: id, spec: spec, position: challenge.position,
                attachments: (attachments[id] ?? []).sorted { $0.name < $1.name })
        }
        return ChallengeCatalog(version: version, entries: entries, defaultFirstBlood: firstBlood)
    }
}
