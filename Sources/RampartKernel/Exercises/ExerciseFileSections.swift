import Fluent
import Foundation
import RampartCore
import Vapor

/// How a feature's section of the exercise file (`challenges:`, `services:`, …) meets the database: what
/// applying it would change, the steps that make the change, and the section as the database has it.
/// A feature lists its stores in `Feature.exerciseFileSections`; the assembly's exercise-file store
/// plans and applies the file's own part (the exercise, users, teams, members) and then every
/// feature's section, in their positions' order.
package protocol ExerciseFileSectionStore: Sendable {
    /// The section's type, which reads and writes it.
    var section: any ExerciseFileSection.Type { get }

    /// Decides what applying the file's section would do, reading only. Problems a person must fix go
    /// in the plan's `issues` (the assembly reports them with every other part's, and applies nothing);
    /// throwing stops the apply at once.
    func plan(_ file: ExerciseFile, _ context: ExerciseFilePlanning) async throws -> ExerciseFileSectionPlan

    /// The section as the exercise has it now, for `rampart exercise export`; nil or empty to leave it out.
    func export(_ exercise: Exercise, on db: any Database) async throws -> (any ExerciseFileSection)?
}

/// What a section's plan is given.
package struct ExerciseFilePlanning: Sendable {
    package let app: Application
    /// The exercise the file names, when it exists already.
    package let exercise: Exercise?
    /// The slugs of the exercise's teams once the file is applied: those stored and those it adds.
    package let teamSlugs: Set<String>
    /// The file's folder, for attachments named relative to it (`rampart exercise apply`); nil when the
    /// file came alone (the API), and attachments are uploaded separately.
    package let baseDirectory: URL?

    package init(app: Application, exercise: Exercise?, teamSlugs: Set<String>, baseDirectory: URL?) {
        self.app = app
        self.exercise = exercise
        self.teamSlugs = teamSlugs
        self.baseDirectory = baseDirectory
    }
}

/// What applying one section would do, and how to do it.
package struct ExerciseFileSectionPlan: Sendable {
    /// One line per change, in the order made (`created challenge Warmup`).
    package var changes: [String] = []
    /// What the exercise has that the section does not mention; applying never deletes it.
    package var untouched: [String] = []
    /// Problems to fix before anything is applied, each with its line in the file.
    package var issues: [ExerciseFileIssue] = []
    /// Makes the changes, after the exercise, users, teams and members are saved: in short
    /// transactions of its own, each with its audit record, so an apply never holds up play.
    package var apply: @Sendable (ExerciseFileApplying) async throws -> Void = { _ in }

    package init() {}
}

/// What a section's steps are given.
package struct ExerciseFileApplying: Sendable {
    package let app: Application
    /// The exercise, saved by then.
    package let exerciseID: UUID
    package let actor: AuditActor
    package let now: Date

    package init(app: Application, exerciseID: UUID, actor: AuditActor, now: Date) {
        self.app = app
        self.exerciseID = exerciseID
        self.actor = actor
        self.now = now
    }
}

extension [any Feature] {
    /// Every feature's exercise-file section, in the order they are applied and written.
    /// Two features claiming one key, or a key of the file's own part, is a programming error caught at
    /// boot (and by every test that reads a file), never a silent choice.
    package var exerciseFileSectionStores: [any ExerciseFileSectionStore] {
        let stores = flatMap(\.exerciseFileSections).sorted { ($0.section.position, $0.section.key) < ($1.section.position, $1.section.key) }
        var keys = Set(ExerciseFile.ownKeys)
        for store in stores {
            precondition(keys.insert(store.section.key).inserted, "exercise-file key '\(store.section.key)' is claimed twice")
        }
        return stores
    }

    /// The section types an exercise file is read with.
    package var exerciseFileSections: [any ExerciseFileSection.Type] {
        exerciseFileSectionStores.map(\.section)
    }
}

extension Application {
    package var exerciseFileSectionStores: [any ExerciseFileSectionStore] { features.exerciseFileSectionStores }
    package var exerciseFileSections: [any ExerciseFileSection.Type] { features.exerciseFileSections }
}
