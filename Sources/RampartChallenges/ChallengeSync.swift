import Fluent
import Foundation
import NIOCore
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// Challenges written outside Rampart — a ctfcli tree (`rampart challenge import`), an exercise file —
/// made to match their source, in short writes: a plan first, read only (what a dry run prints),
/// then each challenge's new attachments stored chunk by chunk and the challenge itself saved and
/// re-priced in one short transaction of its own. A long import thus never holds the database:
/// submissions and ticks go on between its steps.
package enum ChallengeSync {
    /// An attachment read from a file on this machine.
    package struct LocalFile: Sendable {
        package var name: String
        package var url: URL
        package var size: Int
        package var sha256: String
    }

    /// One challenge as its source has it.
    package struct Item: Sendable {
        package var spec: ChallengeSpec
        /// Nil: the source does not carry attachments (an exercise file sent over the API), so the
        /// stored ones are left as they are. Otherwise the complete list: stored ones it lacks go.
        package var files: [LocalFile]?
        /// Where an import found it (`import:web/login/challenge.yml`); nil for an exercise file.
        package var origin: String?
        /// The source's own name for it in messages (a path in the tree, `challenges[3]`).
        package var label: String

        package init(spec: ChallengeSpec, files: [LocalFile]?, origin: String?, label: String) {
            self.spec = spec
            self.files = files
            self.origin = origin
            self.label = label
        }
    }

    package enum FileChange: Sendable, Equatable {
        case add(String), replace(String), remove(String)
        package var description: String {
            switch self {
            case .add(let name): "+\(name)"
            case .replace(let name): "~\(name)"
            case .remove(let name): "-\(name)"
            }
        }
    }

    /// What saving an item does, decided from what is stored.
    package struct Plan: Sendable {
        package var item: Item
        package var outcome: Challenges.Outcome
        package var files: [FileChange]
        /// Why it is not saved (a challenge of that name came from elsewhere); nil when it is.
        package var conflict: String?
        package var exerciseID: UUID
        package var existing: UUID?

        package var line: String {
            if let conflict { return "conflict: \(item.spec.name): \(conflict)" }
            let changes = files.isEmpty ? "" : " (files \(files.map(\.description).joined(separator: " ")))"
            return "\(outcome.rawValue): \(item.spec.name)\(changes)"
        }
    }

    /// Reads a file's size and SHA-256 a chunk at a time.
    package static func localFile(named name: String, at url: URL) async throws -> LocalFile {
        let digest = try await Blobs.digest(FileChunks(url: url))
        return LocalFile(name: name, url: url, size: digest.size, sha256: digest.sha256)
    }

    /// The plan for every item against what the exercise holds now. `replace`: take over challenges
    /// of the same name that came from elsewhere instead of reporting a conflict.
    package static func plan(_ items: [Item], exerciseID: UUID, replace: Bool, on db: any Database) async throws -> [Plan] {
        let existing = try await Challenge.query(on: db).filter(\.$exercise.$id == exerciseID).all()
        let byName = Dictionary(existing.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let stored = try await ChallengeFile.query(on: db)
            .join(Challenge.self, on: \ChallengeFile.$challenge.$id == \Challenge.$id)
            .filter(Challenge.self, \.$exercise.$id == exerciseID)
            .field(\.$challenge.$id).field(\.$name).field(\.$sha256).all()
        var storedFiles: [UUID: [String: String]] = [:]
        for file in stored { storedFiles[file.$challenge.id, default: [:]][file.name] = file.sha256 }
        return items.map { item in
            // Attachments are known by their names alone, wherever the source kept them.
            var item = item
            item.spec.files = item.spec.files.map { URL(fileURLWithPath: $0).lastPathComponent }
            let spec = item.spec
            guard let challenge = byName[spec.name], let id = challenge.id else {
                return Plan(item: item, outcome: .created, files: (item.files ?? []).map { .add($0.name) }, exerciseID: exerciseID, existing: nil)
            }
            if !replace, let origin = item.origin, challenge.origin != origin {
                let from = challenge.origin.map { "it was imported from \($0.dropFirst("import:".count))" } ?? "it was written in Rampart"
                return Plan(
                    item: item, outcome: .unchanged, files: [], conflict: "\(from); import with --replace to overwrite it",
                    exerciseID: exerciseID, existing: id)
            }
            var changes: [FileChange] = []
            if let files = item.files {
                let have = storedFiles[id] ?? [:]
                for file in files {
                    if let digest = have[file.name] {
                        if digest != file.sha256 { changes.append(.replace(file.name)) }
                    } else {
                        changes.append(.add(file.name))
                    }
                }
                let listed = Set(files.map(\.name))
                changes += have.keys.filter { !listed.contains($0) }.sorted().map { .remove($0) }
            }
            let sameSource = challenge.source == spec.yaml() && (item.origin == nil || challenge.origin == item.origin)
            return Plan(
                item: item, outcome: sameSource && changes.isEmpty ? .unchanged : .updated, files: changes, exerciseID: exerciseID, existing: id)
        }
    }

    /// Carries out plans together: their new attachments are stored first (chunk by chunk, each a
    /// short write), then the challenges are saved, the attachments linked or removed and what they
    /// changed re-priced, in one short catalog write. An import passes one plan at a time (a failure
    /// is that challenge's alone); an exercise file passes `batchSize` at a time, so a file of
    /// thousands of challenges reloads the catalog once per batch, not once per challenge.
    /// `names`: every challenge the source brings, so references between them are accepted whatever
    /// the order.
    package static func apply(_ plans: [Plan], names: Set<String>, by actor: AuditActor, at now: Date, app: Application) async throws {
        let plans = plans.filter { $0.conflict == nil && $0.outcome != .unchanged }
        guard let exerciseID = plans.first?.exerciseID else { return }
        var blobs: [[(name: String, blob: Blobs.Stored)]] = []
        do {
            for plan in plans {
                var stored: [(name: String, blob: Blobs.Stored)] = []
                for change in plan.files {
                    switch change {
                    case .add(let name), .replace(let name):
                        guard let file = plan.item.files?.first(where: { $0.name == name }) else { continue }
                        stored.append((name, try await Blobs.store(FileChunks(url: file.url), maxBytes: app.rampart.maxUploadBytes, app: app)))
                    case .remove:
                        continue
                    }
                }
                blobs.append(stored)
            }
            try await app.scores.changeCatalog(exerciseID, app: app, bulk: true) { [blobs] write in
                for (plan, stored) in zip(plans, blobs) {
                    let (challenge, _) = try await Challenges.save(
                        plan.item.spec, id: plan.existing, alsoNamed: names, origin: plan.item.origin, by: actor, at: now, in: write)
                    for (name, blob) in stored {
                        try await Challenges.attach(blob, named: name, to: challenge, by: actor, at: now, on: write.db)
                    }
                    for change in plan.files {
                        if case .remove(let name) = change { try await Challenges.detach(name, from: challenge, by: actor, at: now, on: write.db) }
                    }
                }
            }
        } catch {
            for (_, blob) in blobs.joined() { try? await app.write(clearingCaches: false) { db in try await Blobs.delete(blob.id, on: db) } }
            throw error
        }
    }

    /// Challenges an exercise file saves in one catalog write.
    package static let batchSize = 25

    /// Orders plans so that a challenge comes after those it requires: an apply that stops half-way
    /// leaves no challenge pointing at one that is not there yet.
    package static func ordered(_ plans: [Plan]) -> [Plan] {
        var done: Set<String> = []
        var left = plans
        var result: [Plan] = []
        while !left.isEmpty {
            let names = Set(left.map(\.item.spec.name))
            let ready = left.filter { plan in plan.item.spec.prerequisites.allSatisfy { done.contains($0) || !names.contains($0) } }
            let next = ready.isEmpty ? left : ready  // a cycle: save the rest as they come
            result += next
            done.formUnion(next.map(\.item.spec.name))
            let taken = Set(next.map(\.item.spec.name))
            left.removeAll { taken.contains($0.item.spec.name) }
        }
        return result
    }
}

/// A local file read a chunk at a time (`Blobs.chunkSize`), as an async sequence of buffers.
package struct FileChunks: AsyncSequence, Sendable {
    package typealias Element = ByteBuffer
    package let url: URL

    package struct AsyncIterator: AsyncIteratorProtocol {
        package let handle: FileHandle?
        package let error: (any Error)?

        package mutating func next() async throws -> ByteBuffer? {
            if let error { throw error }
            guard let handle else { return nil }
            guard let data = try handle.read(upToCount: Blobs.chunkSize), !data.isEmpty else {
                try? handle.close()
                return nil
            }
            return ByteBuffer(data: data)
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        do {
            return AsyncIterator(handle: try FileHandle(forReadingFrom: url), error: nil)
        } catch {
            return AsyncIterator(handle: nil, error: error)
        }
    }
}
