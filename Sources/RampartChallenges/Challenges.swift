import Fluent
import RampartCore
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

/// Writing challenges: shared by the pages, the API, the exercise file and `rampart challenge import`.
package enum Challenges {
    package enum Outcome: String, Sendable {
        case created, updated, unchanged
    }

    /// Reads a challenge written as ctfcli YAML or JSON (JSON is YAML), or throws every problem.
    package static func parse(_ text: String) throws -> (spec: ChallengeSpec, warnings: [String]) {
        do {
            let (spec, warnings) = try ChallengeSpec.read(yaml: text)
            return (spec, warnings.map(\.description))
        } catch {
            let list = error.issues.map(\.description)
            throw AppError(
                status: .unprocessableEntity, code: "invalid_challenge", .challengeHasProblems(list.joined(separator: "; ")), details: list)
        }
    }

    /// Creates the challenge, or updates the one with the same name (`id` nil) or with `id`.
    /// References to other challenges must resolve, in the exercise or in `alsoNamed` (a batch being
    /// saved together). Inside `ScoreEngine.changeCatalog`, which re-prices what the change moves.
    package static func save(
        _ spec: ChallengeSpec, id: UUID? = nil, alsoNamed: Set<String> = [], origin: String? = nil, by actor: AuditActor, at now: Date,
        in write: CatalogWrite
    ) async throws -> (challenge: Challenge, outcome: Outcome) {
        let (db, exerciseID) = (write.db, write.exerciseID)
        let existing = try await Challenge.query(on: db).filter(\.$exercise.$id == exerciseID).all()
        let names = Set(existing.map(\.name)).union(alsoNamed).union([spec.name])
        for missing in spec.prerequisites where !names.contains(missing) {
            throw AppError.invalid("requirements", .noChallengeCalled(missing))
        }
        if let next = spec.next, !names.contains(next) {
            throw AppError.invalid("next", .noChallengeCalled(next))
        }
        let challenge: Challenge
        var outcome = Outcome.updated
        if let id {
            guard let found = existing.first(where: { $0.id == id }) else { throw AppError.notFound(.challenge) }
            if found.name != spec.name, existing.contains(where: { $0.name == spec.name }) {
                throw AppError.conflict("name_taken", .challengeNameTaken(spec.name))
            }
            challenge = found
        } else if let found = existing.first(where: { $0.name == spec.name }) {
            challenge = found
        } else {
            challenge = Challenge()
            challenge.$exercise.id = exerciseID
            challenge.position = (existing.map(\.position).max() ?? 0) + 1
            outcome = .created
        }
        let source = spec.yaml()
        if outcome == .updated, challenge.source == source, origin == nil || challenge.origin == origin { return (challenge, .unchanged) }
        let before = outcome == .created ? nil : challenge.source
        if let origin { challenge.origin = origin }
        challenge.name = spec.name
        challenge.category = spec.category
        challenge.state = spec.state.rawValue
        challenge.releaseAt = spec.scheduledAt
        challenge.source = source
        try await challenge.save(on: db)
        var changes = ChangeSet()
        changes.note("source", before, source)
        try await Audit.record(
            AuditEvent(
                exerciseID: exerciseID, action: "challenge.\(outcome == .created ? "create" : "update")", subjectType: "challenge",
                subject: spec.name, summary: "\(outcome.rawValue) challenge \(spec.name)", changes: changes.changes),
            by: actor, at: now, on: db)
        return (challenge, outcome)
    }

    /// The catalog changed (a challenge or an attachment): every node reloads it on its next use.
    package static func catalogChanged(_ exerciseID: UUID, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("UPDATE exercises SET scoring_version = scoring_version + 1 WHERE id = \(bind: exerciseID)").run()
    }

    /// Deletes a challenge nobody has scored on; one with score facts can only be hidden, since facts
    /// are never deleted.
    package static func delete(_ challenge: Challenge, by actor: AuditActor, at now: Date, in write: CatalogWrite) async throws {
        let db = write.db
        let id = try challenge.requireID()
        let facts = try await ScoreFactRecord.query(on: db)
            .filter(\.$exerciseID == challenge.$exercise.id).filter(\.$sourceText == ChallengeFacts.source(id).description).count()
        guard facts == 0 else {
            throw AppError.conflict(
                "has_score_facts", .hasScoreFactsHideInstead(challenge.name))
        }
        try await challenge.delete(on: db)
        try await Audit.record(
            AuditEvent(
                exerciseID: challenge.$exercise.id, action: "challenge.delete", subjectType: "challenge", subject: challenge.name,
                summary: "deleted challenge \(challenge.name)"),
            by: actor, at: now, on: db)
    }

    /// A safe attachment name: what a participant's browser saves the file as.
    package static func validateFileName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.unicodeScalars.count <= 200, !trimmed.hasPrefix("."),
            trimmed.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) && !"/\\\"".unicodeScalars.contains($0) })
        else {
            throw AppError.invalid(
                "name", .fileNameRules)
        }
        return trimmed
    }

    /// Links a stored blob as the attachment `name` (replacing one of that name, whose blob goes) and
    /// lists it in the challenge's `files`. Returns false, and drops the new blob, when the same bytes
    /// were stored under that name already.
    @discardableResult
    package static func attach(
        _ blob: Blobs.Stored, named name: String, to challenge: Challenge, by actor: AuditActor, at now: Date, on db: any Database
    ) async throws -> Bool {
        let name = try validateFileName(name)
        let id = try challenge.requireID()
        let file = try await ChallengeFile.query(on: db).filter(\.$challenge.$id == id).filter(\.$name == name).first() ?? ChallengeFile()
        if file.id != nil, file.sha256 == blob.sha256 {
            try await Blobs.delete(blob.id, on: db)
            return false
        }
        let replaced = file.blobID
        file.$challenge.id = id
        file.name = name
        file.size = blob.size
        file.sha256 = blob.sha256
        file.blobID = blob.id
        file.data = Data()
        try await file.save(on: db)
        if let replaced { try await Blobs.delete(replaced, on: db) }
        try await filesChanged(
            challenge, name: name, listed: true, action: "challenge.file",
            summary: "attached \(name) (\(blob.size) bytes, sha256 \(blob.sha256.prefix(12)))", by: actor, at: now, on: db)
        return true
    }

    package static func detach(_ name: String, from challenge: Challenge, by actor: AuditActor, at now: Date, on db: any Database) async throws {
        let id = try challenge.requireID()
        guard let file = try await ChallengeFile.query(on: db).filter(\.$challenge.$id == id).filter(\.$name == name).first() else {
            throw AppError.notFound(.file(name))
        }
        try await file.delete(on: db)
        if let blob = file.blobID { try await Blobs.delete(blob, on: db) }
        try await filesChanged(
            challenge, name: name, listed: false, action: "challenge.file.delete", summary: "removed \(name)", by: actor, at: now, on: db)
    }

    /// After an attachment was stored or removed: the challenge's `files` list follows, every node
    /// reloads the catalog, and the trail records it.
    private static func filesChanged(
        _ challenge: Challenge, name: String, listed: Bool, action: String, summary: String, by actor: AuditActor, at now: Date,
        on db: any Database
    ) async throws {
        if var spec = try? ChallengeSpec.read(yaml: challenge.source).challenge, spec.files.contains(name) != listed {
            if listed { spec.files.append(name) } else { spec.files.removeAll { $0 == name } }
            challenge.source = spec.yaml()
            try await challenge.save(on: db)
        }
        try await catalogChanged(challenge.$exercise.id, on: db)
        try await Audit.record(
            AuditEvent(exerciseID: challenge.$exercise.id, action: action, subjectType: "challenge", subject: challenge.name, summary: summary),
            by: actor, at: now, on: db)
    }
}
