import Fluent
import Vapor

/// Where the layers above exercises and teams (scoring, features) take part in their changes, so that
/// exercises and teams need not know them. Installed at boot, before any request.
package struct ExerciseHooks: Sendable {
    /// A settings change that also says whether it changed how scores are priced (first-blood bonuses).
    package typealias SettingsChange = @Sendable (any Database) async throws -> (exercise: Exercise, repricing: Bool)

    /// Writes a change to an exercise's settings. Scoring installs one that takes the exercise's
    /// scoring lock and re-prices the standings when the change asks for it; alone, a plain write.
    package var writeSettings: @Sendable (_ exerciseID: UUID, _ app: Application, _ change: @escaping SettingsChange) async throws -> Exercise = {
        _, app, change in
        try await app.write { db in try await change(db).exercise }
    }

    /// Checks run before a team is deleted, inside the deleting transaction; one throws to refuse
    /// (scoring: a team that has score facts stays, since facts are never deleted).
    package var teamDeletionChecks: [@Sendable (_ team: Team, _ db: any Database) async throws -> Void] = []
}

extension Application {
    private struct ExerciseHooksKey: StorageKey {
        typealias Value = ExerciseHooks
    }

    package var exerciseHooks: ExerciseHooks {
        get { storage[ExerciseHooksKey.self] ?? ExerciseHooks() }
        set { storage[ExerciseHooksKey.self] = newValue }
    }
}
