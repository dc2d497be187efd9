import Fluent
import RampartKernel
import Vapor

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
