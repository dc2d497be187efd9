import Fluent
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// `rampart challenge import --exercise SLUG DIR [--dry-run] [--replace]`
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
            @Flag(name: "replace", help: "Overwrite challenges of the same name that were not imported from this tree")
            var replace: Bool
            init() {}
        }

        var help: String {
            "Create or update challenges from every challenge.yml below DIR, with their files; importing again updates, never duplicates"
        }

        /// Times a challenge is tried again when the database stays busy past the write wait.
        static let attempts = 3

        func run(using context: CommandContext, signature: Signature) async throws {
            guard let slug = signature.exercise else { throw ConfigurationError("--exercise SLUG is required") }
            let app = context.application
            let console = context.console
            var tree = try ChallengeTree.read(root: URL(fileURLWithPath: signature.dir))
            let exercise = try await Exercises.find(slug, on: app.db)
            let exerciseID = try exercise.requireID()
            // Attachments first, then references: a challenge whose files cannot be used is dropped,
            // and so is any challenge that needs it; the rest import.
            var items: [String: ChallengeSync.Item] = [:]
            for entry in tree.entries {
                do {
                    items[entry.path] = ChallengeSync.Item(
                        spec: entry.challenge, files: try await files(of: entry, in: tree, maxBytes: app.rampart.maxUploadBytes),
                        origin: "import:" + entry.path, label: entry.path)
                } catch {
                    let message = (error as? AppError)?.message ?? (error as? TreeFile.Refusal)?.message ?? "\(error)"
                    tree.failures.append(.init(path: entry.path, issues: [ExerciseFileIssue(line: nil, field: "files", message: message)]))
                }
            }
            tree.entries.removeAll { items[$0.path] == nil }
            let existing = try await Challenge.query(on: app.db).filter(\.$exercise.$id == exerciseID).all(\.$name)
            tree.dropUnresolvedReferences(existing: Set(existing))
            for failure in tree.failures { console.error(failure.description) }
            for entry in tree.entries {
                for warning in entry.warnings { console.warning("\(entry.path): warning: \(warning)") }
            }
            let plans = ChallengeSync.ordered(
                try await ChallengeSync.plan(
                    tree.entries.compactMap { items[$0.path] }, exerciseID: exerciseID, replace: signature.replace, on: app.db))
            let names = Set(plans.map(\.item.spec.name))
            let actor = AuditActor.commandLine("challenge import")
            var failed = tree.failures.count
            var counts: [Challenges.Outcome: Int] = [:]
            for plan in plans {
                if plan.conflict != nil {
                    console.error("  " + plan.line)
                    continue
                }
                do {
                    if !signature.dryRun { try await apply(plan, names: names, actor: actor, app: app) }
                    console.print("  " + plan.line)
                    counts[plan.outcome, default: 0] += 1
                } catch {
                    failed += 1
                    console.error("  failed: \(plan.item.spec.name) (\(plan.item.label)): \((error as? AppError)?.message ?? "\(error)")")
                }
            }
            let conflicts = plans.filter { $0.conflict != nil }.count
            let verb = signature.dryRun ? "would be " : ""
            console.print(
                "\(slug): \(counts[.created] ?? 0) \(verb)created, \(counts[.updated] ?? 0) \(verb)updated, \(counts[.unchanged] ?? 0) unchanged, "
                    + "\(conflicts) conflict(s), \(failed) failed" + (signature.dryRun ? " (dry run: nothing was changed)" : ""))
            if failed > 0 || conflicts > 0 {
                let total = plans.count + tree.failures.count
                throw ConfigurationError(
                    "\(failed + conflicts) of \(total) challenge(s) were not imported (listed above)"
                        + (failed + conflicts < total ? "; the others were" + (signature.dryRun ? " checked" : "") : ""))
            }
        }

        /// Saves one challenge, trying again a few times while the database stays busy (a server
        /// beside the import keeps writing; the import waits its turn rather than fail).
        private func apply(_ plan: ChallengeSync.Plan, names: Set<String>, actor: AuditActor, app: Application) async throws {
            for attempt in 1...Self.attempts {
                do {
                    return try await ChallengeSync.apply([plan], names: names, by: actor, at: app.dependencies.now(), app: app)
                } catch where AppError.isBusy(error) && attempt < Self.attempts {
                    try await Task.sleep(for: .seconds(attempt))
                }
            }
        }

        /// The challenge's attachments, each a file inside the tree, at most `maxBytes`, their names
        /// distinct (two files called notes.txt in different folders would be one attachment).
        private func files(of entry: ChallengeTree.Entry, in tree: ChallengeTree, maxBytes: Int) async throws -> [ChallengeSync.LocalFile] {
            var seen: [String: String] = [:]
            var files: [ChallengeSync.LocalFile] = []
            for path in entry.challenge.files {
                let name = try Challenges.validateFileName(URL(fileURLWithPath: path).lastPathComponent)
                if let other = seen[name] {
                    throw ConfigurationError("'\(other)' and '\(path)' would both be attached as \(name); rename one")
                }
                seen[name] = path
                let file = try tree.attachment(path, of: entry.folder)
                guard file.size <= maxBytes else {
                    throw ConfigurationError("'\(path)' is \(file.size) bytes, over the \(maxBytes)-byte limit (RAMPART_MAX_UPLOAD_BYTES)")
                }
                files.append(try await ChallengeSync.localFile(named: name, at: file.url))
            }
            return files
        }
    }
}
