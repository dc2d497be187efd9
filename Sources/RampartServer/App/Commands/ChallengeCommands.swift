import Fluent
import RampartCore
import Vapor

/// `rampart challenge import --exercise SLUG DIR`
struct ChallengeCommands: AsyncCommandGroup {
    var help: String { "Import ctfcli challenges" }
    var commands: [String: any AnyAsyncCommand] { ["import": Import()] }

    struct Import: AsyncCommand {
        struct Signature: CommandSignature {
            @Option(name: "exercise", help: "The exercise's short name")
            var exercise: String?
            @Argument(name: "dir", help: "Folder holding challenge.yml files (ctfcli's layout: category/name/challenge.yml)")
            var dir: String
            @Flag(name: "dry-run", help: "Report what would change without changing anything")
            var dryRun: Bool
            init() {}
        }

        var help: String { "Create or update challenges from every challenge.yml below DIR; importing again updates, never duplicates" }

        private struct RolledBack: Error {}

        func run(using context: CommandContext, signature: Signature) async throws {
            guard let slug = signature.exercise else { throw ConfigurationError("--exercise SLUG is required") }
            let app = context.application
            let console = context.console
            var tree = try ChallengeTree.read(root: URL(fileURLWithPath: signature.dir))
            let exercise = try await Exercises.find(slug, on: app.db)
            let exerciseID = try exercise.requireID()
            // Attachments first, then references: a challenge whose files cannot be read is dropped,
            // and so is any challenge that needs it; the rest import.
            let maxBytes = app.rampart.maxUploadBytes
            var files: [String: [(name: String, data: Data)]] = [:]
            var unreadable: [ChallengeTree.Failure] = []
            for entry in tree.entries {
                do {
                    files[entry.path] = try entry.challenge.files.map { path in
                        let url = try tree.attachment(path, of: entry.folder).url
                        let data = try Data(contentsOf: url)
                        guard data.count <= maxBytes else {
                            throw ConfigurationError("'\(path)' is \(data.count) bytes, over the \(maxBytes)-byte limit (RAMPART_MAX_UPLOAD_BYTES)")
                        }
                        return (try Challenges.validateFileName(URL(fileURLWithPath: path).lastPathComponent), data)
                    }
                } catch {
                    let message = (error as? AppError).map { "\($0.message)" } ?? "\(error)"
                    unreadable.append(.init(path: entry.path, issues: [ExerciseFileIssue(line: nil, field: "files", message: message)]))
                }
            }
            tree.failures += unreadable
            tree.entries.removeAll { files[$0.path] == nil }
            let existing = try await Challenge.query(on: app.db).filter(\.$exercise.$id == exerciseID).all(\.$name)
            tree.dropUnresolvedReferences(existing: Set(existing))
            let batch = tree.entries.map { (spec: $0.challenge, files: files[$0.path] ?? []) }
            for failure in tree.failures { console.error(failure.description) }
            for entry in tree.entries {
                for warning in entry.warnings { console.warning("\(entry.path): warning: \(warning)") }
            }
            let actor = AuditActor.commandLine("challenge import")
            let now = app.dependencies.now()
            let dryRun = signature.dryRun
            var results: [(name: String, outcome: Challenges.Outcome)] = []
            do {
                results = try await app.write { [batch] db in
                    let results = try await Challenges.saveAll(batch, exerciseID: exerciseID, by: actor, at: now, on: db)
                    if dryRun { throw RolledBack() }
                    return results
                }
            } catch is RolledBack {
                console.print("(dry run: nothing was changed)")
            } catch let error as AppError {
                throw ConfigurationError("import stopped, nothing was changed: \(error.message)")
            }
            for (name, outcome) in results { console.print("  \(outcome.rawValue): \(name)") }
            let counts = Dictionary(grouping: results, by: \.outcome).mapValues(\.count)
            console.print(
                "\(slug): \(counts[.created] ?? 0) created, \(counts[.updated] ?? 0) updated, \(counts[.unchanged] ?? 0) unchanged, \(tree.failures.count) failed"
            )
            if !tree.failures.isEmpty {
                throw ConfigurationError("\(tree.failures.count) challenge file(s) could not be read; the others were imported")
            }
        }
    }
}

/// `rampart scores rebuild [--exercise SLUG]`
struct ScoreCommands: AsyncCommandGroup {
    var help: String { "Maintain the scoreboard projection" }
    var commands: [String: any AnyAsyncCommand] { ["rebuild": Rebuild()] }

    struct Rebuild: AsyncCommand {
        struct Signature: CommandSignature {
            @Option(name: "exercise", help: "Only this exercise (default: every exercise)")
            var exercise: String?
            init() {}
        }

        var help: String { "Recompute every team's score from the score facts and rewrite the stored standings" }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            let exercises =
                if let slug = signature.exercise { [try await Exercises.find(slug, on: app.db)] } else {
                    try await Exercise.query(on: app.db).sort(\.$slug).all()
                }
            for exercise in exercises {
                let differences = try await app.scores.rebuild(try exercise.requireID(), app: app)
                context.console.print(
                    "\(exercise.slug): rebuilt; \(differences == 0 ? "the stored standings already agreed" : "\(differences) team score(s) differed and were corrected")"
                )
            }
        }
    }
}
