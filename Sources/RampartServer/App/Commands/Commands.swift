import Fluent
import RampartCore
import RampartChallenges
import RampartDefence
import RampartKernel
import RampartScoring
import Vapor

/// `rampart user create USERNAME [--admin] [--display-name NAME] [--password-stdin]`
struct UserCommands: AsyncCommandGroup {
    var help: String { "Manage users" }
    var commands: [String: any AnyAsyncCommand] { ["create": CreateUser()] }

    struct CreateUser: AsyncCommand {
        struct Signature: CommandSignature {
            @Argument(name: "username", help: "Lower-case letters, digits, '.', '_' and '-'")
            var username: String
            @Flag(name: "admin", help: "Make the user a platform administrator")
            var admin: Bool
            @Option(name: "display-name", help: "The name shown in the UI (default: the username)")
            var displayName: String?
            @Flag(name: "password-stdin", help: "Read the password from standard input instead of generating one")
            var passwordStdin: Bool
            init() {}
        }

        var help: String { "Create a user; prints a generated password unless --password-stdin is given" }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            var password: String
            if signature.passwordStdin {
                password = readLine(strippingNewline: true) ?? ""
            } else {
                password = app.dependencies.token(bytes: 12)
            }
            let user = try await Accounts.createUser(
                .init(
                    username: signature.username, displayName: signature.displayName ?? signature.username,
                    password: password, isAdmin: signature.admin),
                by: .commandLine("user create"), app: app)
            context.console.print("Created \(user.isAdmin ? "administrator" : "user") \(user.username).")
            if !signature.passwordStdin { context.console.print("Password: \(password)") }
            password = ""
        }
    }
}

/// `rampart exercise apply FILE [--dry-run]` and `rampart exercise export SLUG [--output FILE]`
struct ExerciseCommands: AsyncCommandGroup {
    var help: String { "Apply and export exercise files (docs/exercise-file.md)" }
    var commands: [String: any AnyAsyncCommand] { ["apply": Apply(), "export": Export()] }

    struct Apply: AsyncCommand {
        struct Signature: CommandSignature {
            @Argument(name: "file", help: "Path to the exercise file (YAML)")
            var file: String
            @Flag(name: "dry-run", help: "Report what would change without changing anything")
            var dryRun: Bool
            init() {}
        }

        var help: String { "Make the database match an exercise file; applying twice changes nothing" }

        func run(using context: CommandContext, signature: Signature) async throws {
            let yaml: String
            do {
                yaml = try String(contentsOfFile: signature.file, encoding: .utf8)
            } catch {
                throw ConfigurationError("cannot read \(signature.file): \(error.localizedDescription)")
            }
            let file: ExerciseFile
            do {
                file = try ExerciseFile.read(yaml: yaml, sections: context.application.exerciseFileSections)
            } catch {
                for issue in error.issues { context.console.error("\(signature.file): \(issue)") }
                throw ConfigurationError("\(signature.file) has \(error.issues.count) problem(s); nothing was applied")
            }
            let report = try await ExerciseFileStore.apply(
                file, dryRun: signature.dryRun, baseDirectory: URL(fileURLWithPath: signature.file).deletingLastPathComponent(),
                by: .commandLine("exercise apply"), app: context.application)
            print(report, to: context.console)
        }

        func print(_ report: ExerciseFileStore.Report, to console: any Console) {
            let verb = report.dryRun ? "would change" : "changed"
            if report.changes.isEmpty {
                console.print("\(report.exercise): nothing to change")
            } else {
                console.print("\(report.exercise): \(verb) \(report.changes.count) thing(s)")
                for change in report.changes { console.print("  + \(change)") }
            }
            for item in report.untouched { console.print("  = \(item) (not in the file, left as it is)") }
        }
    }

    struct Export: AsyncCommand {
        struct Signature: CommandSignature {
            @Argument(name: "slug", help: "The exercise's short name")
            var slug: String
            @Option(name: "output", short: "o", help: "Write to this file instead of standard output")
            var output: String?
            init() {}
        }

        var help: String { "Write an exercise as a file that 'exercise apply' accepts" }

        func run(using context: CommandContext, signature: Signature) async throws {
            let yaml = try await ExerciseFileStore.export(signature.slug, app: context.application).yaml()
            if let output = signature.output {
                try yaml.write(toFile: output, atomically: true, encoding: .utf8)
                context.console.print("Wrote \(output)")
            } else {
                Swift.print(yaml, terminator: "")
            }
        }
    }
}

/// `rampart audit verify`
struct AuditCommands: AsyncCommandGroup {
    var help: String { "Check the audit trail" }
    var commands: [String: any AnyAsyncCommand] { ["verify": Verify()] }

    struct Verify: AsyncCommand {
        struct Signature: CommandSignature {
            @Option(name: "anchor", help: "SEQ:HASH printed by an earlier verify; fails unless that record is still in the chain")
            var anchor: String?
            init() {}
        }

        var help: String { "Recompute every hash of the audit chain; fails if any record was altered or removed" }

        func run(using context: CommandContext, signature: Signature) async throws {
            let db = context.application.db
            let result = try await Audit.verify(on: db)
            if !result.broken.isEmpty {
                for broken in result.broken { context.console.error("record \(broken.seq): \(broken.problem)") }
                let records = Set(result.broken.map(\.seq)).count
                throw ConfigurationError("audit trail BROKEN: \(records) record(s) wrong of \(result.checked) checked (listed above)")
            }
            // A hash chain cannot show records cut from its end; an anchor kept elsewhere can.
            if let anchor = signature.anchor {
                let parts = anchor.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2, let seq = Int(parts[0]) else { throw ConfigurationError("--anchor must be SEQ:HASH") }
                let record = try await AuditRecord.query(on: db).filter(\.$seq == seq).first()
                guard let record, record.hash == parts[1] else {
                    throw ConfigurationError("audit trail BROKEN: record \(seq) with hash \(parts[1]) is no longer in the chain")
                }
            }
            let head = try await AuditRecord.query(on: db).sort(\.$seq, .descending).first()
            context.console.print("audit trail intact: \(result.checked) records verified")
            if let head { context.console.print("anchor: \(head.seq):\(head.hash)") }
        }
    }
}
