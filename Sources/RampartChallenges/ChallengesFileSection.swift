import Fluent
import Foundation
import RampartCore
import RampartKernel
import Vapor

/// The exercise file's `challenges:` in the database: created or updated by name (never deleted), with
/// their attachments when the file came with its folder, saved `ChallengeSync.batchSize` to a write.
struct ChallengesFileSection: ExerciseFileSectionStore {
    var section: any ExerciseFileSection.Type { ChallengesSection.self }

    func plan(_ file: ExerciseFile, _ context: ExerciseFilePlanning) async throws -> ExerciseFileSectionPlan {
        let attachments = try await Self.readAttachments(
            file, baseDirectory: context.baseDirectory, maxBytes: context.app.rampart.maxUploadBytes)
        let db = context.app.db
        let exercise = context.exercise
        let exerciseID = try exercise?.requireID() ?? UUID()
        let items = file.challenges.enumerated().map { index, challenge in
            ChallengeSync.Item(spec: challenge, files: attachments[challenge.name], origin: nil, label: "challenges[\(index)]")
        }
        let plans = ChallengeSync.ordered(try await ChallengeSync.plan(items, exerciseID: exerciseID, replace: true, on: db))
        var plan = ExerciseFileSectionPlan()
        plan.changes = plans.filter { $0.outcome != .unchanged }.map { plan in
            "\(plan.outcome.rawValue) challenge \(plan.item.spec.name)"
                + (plan.files.isEmpty ? "" : " (files \(plan.files.map(\.description).joined(separator: " ")))")
        }
        let storedChallenges =
            if let exercise { try await Challenge.query(on: db).filter(\.$exercise.$id == exercise.requireID()).all() } else { [Challenge]() }
        let storedFiles = try await ChallengeFile.query(on: db).filter(\.$challenge.$id ~~ storedChallenges.compactMap(\.id)).all()
        for challenge in file.challenges where attachments[challenge.name] == nil {
            let id = storedChallenges.first { $0.name == challenge.name }?.id
            for name in challenge.files.map({ URL(fileURLWithPath: $0).lastPathComponent })
            where !storedFiles.contains(where: { $0.name == name && $0.$challenge.id == id }) {
                plan.untouched.append("file \(name) of challenge \(challenge.name) is not uploaded yet")
            }
        }
        let fileChallenges = Set(file.challenges.map(\.name))
        plan.untouched += storedChallenges.filter { !fileChallenges.contains($0.name) }.map { "challenge \($0.name)" }
        plan.apply = { applying in
            let names = Set(plans.map(\.item.spec.name))
            for batch in plans.chunked(into: ChallengeSync.batchSize) {
                let batch = batch.map { challenge in
                    var challenge = challenge
                    challenge.exerciseID = applying.exerciseID
                    return challenge
                }
                try await ChallengeSync.apply(batch, names: names, by: applying.actor, at: applying.now, app: applying.app)
            }
        }
        return plan
    }

    func export(_ exercise: Exercise, on db: any Database) async throws -> (any ExerciseFileSection)? {
        let catalog = try await ChallengeCatalog.load(
            exerciseID: try exercise.requireID(), version: exercise.scoringVersion, firstBlood: exercise.firstBlood, on: db)
        return ChallengesSection(catalog.entries.sorted { ($0.position, $0.name) < ($1.position, $1.name) }.map(\.spec))
    }

    /// The attachments of every challenge, each a regular file inside the file's folder, hashed a
    /// chunk at a time; a missing or escaping path is reported with its line, before anything else is
    /// planned.
    private static func readAttachments(
        _ file: ExerciseFile, baseDirectory: URL?, maxBytes: Int
    ) async throws -> [String: [ChallengeSync.LocalFile]] {
        guard let baseDirectory else { return [:] }
        var result: [String: [ChallengeSync.LocalFile]] = [:]
        var issues: [ExerciseFileIssue] = []
        for (index, challenge) in file.challenges.enumerated() {
            var names: Set<String> = []
            for (fileIndex, path) in challenge.files.enumerated() {
                let field = "challenges[\(index)].files[\(fileIndex)]"
                func issue(_ message: String) { issues.append(ExerciseFileIssue(line: file.lines[field], field: field, message: message)) }
                let name = URL(fileURLWithPath: path).lastPathComponent
                guard names.insert(name).inserted else {
                    issue("another file of this challenge is also called \(name)")
                    continue
                }
                do {
                    let target = try TreeFile.resolve(path, in: baseDirectory)
                    guard target.size <= maxBytes else {
                        issue("'\(path)' is \(target.size) bytes, over the \(maxBytes)-byte limit (RAMPART_MAX_UPLOAD_BYTES)")
                        continue
                    }
                    result[challenge.name, default: []].append(try await ChallengeSync.localFile(named: name, at: target.url))
                } catch let refusal as TreeFile.Refusal {
                    issue(refusal.message)
                } catch {
                    issue("'\(path)' cannot be read")
                }
            }
        }
        guard issues.isEmpty else { throw ExerciseFileError(issues: issues) }
        return result
    }
}
