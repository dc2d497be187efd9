import Fluent
import RampartKernel
import Vapor

extension ScoreEngine {
    /// What scoring adds to exercises and teams: a settings change that re-prices does so under the
    /// exercise's scoring lock, and a team with score facts is never deleted (facts never are).
    package static func installHooks(_ app: Application) {
        app.exerciseHooks.writeSettings = { exerciseID, app, change in
            try await app.scores.write(exerciseID, app: app, clearingCaches: true) { db, state in
                let (exercise, repricing) = try await change(db)
                if repricing { try await app.scores.reprice(exerciseID, into: &state, on: db) }
                return exercise
            }
        }
        app.exerciseHooks.teamDeletionChecks.append { team, db in
            let facts = try await ScoreFactRecord.query(on: db)
                .filter(\.$exerciseID == team.$exercise.id).filter(\.$teamID == team.requireID()).count()
            guard facts == 0 else {
                throw AppError.conflict("team_has_score_facts", .teamHasScoreFacts(team.slug, facts))
            }
        }
    }
}
