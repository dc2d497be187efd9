import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer
import Yams

/// A section no Rampart feature has, kept in the audit trail: what a new feature's section goes through.
private struct WatchwordsSection: ExerciseFileSection {
    static let key = "watchwords"
    static let position = 30
    var words: [String]
    var isEmpty: Bool { words.isEmpty }
    func node() -> Node { Node(words.map { Node($0, .implicit, .doubleQuoted) }) }
    static func read(_ node: Node, at path: String, _ reading: ExerciseFileReading) -> WatchwordsSection {
        WatchwordsSection(words: reading.items(node, at: path, max: 10).compactMap { $0.node.scalar?.string })
    }
}

private struct WatchwordsStore: ExerciseFileSectionStore {
    var section: any ExerciseFileSection.Type { WatchwordsSection.self }

    static func stored(_ exerciseID: UUID?, on db: any Database) async throws -> [String] {
        guard let exerciseID else { return [] }
        return try await AuditRecord.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$action == "watchword.add").sort(\.$seq)
            .all().map(\.subject)
    }

    func plan(_ file: ExerciseFile, _ context: ExerciseFilePlanning) async throws -> ExerciseFileSectionPlan {
        let stored = try await Self.stored(context.exercise?.id, on: context.app.db)
        let words = file.section(WatchwordsSection.self)?.words ?? []
        var plan = ExerciseFileSectionPlan()
        for (index, word) in words.enumerated() where word.contains(" ") {
            plan.issues.append(ExerciseFileIssue(line: nil, field: "watchwords[\(index)]", message: "one word"))
        }
        let new = words.filter { !stored.contains($0) }
        plan.changes = new.map { "added watchword \($0)" }
        plan.untouched = stored.filter { !words.contains($0) }.map { "watchword \($0)" }
        plan.apply = { applying in
            for word in new {
                try await applying.app.write { db in
                    _ = try await Audit.record(
                        AuditEvent(exerciseID: applying.exerciseID, action: "watchword.add", subjectType: "watchword", subject: word, summary: word),
                        by: applying.actor, at: applying.now, on: db)
                }
            }
        }
        return plan
    }

    func export(_ exercise: Exercise, on db: any Database) async throws -> (any ExerciseFileSection)? {
        WatchwordsSection(words: try await Self.stored(exercise.id, on: db))
    }
}

private struct WatchwordsFeature: Feature {
    var exerciseFileSections: [any ExerciseFileSectionStore] { [WatchwordsStore()] }
}

@Suite struct ExerciseFileStoreTests {
    /// A feature's section goes through the dry run, the apply (after the exercise it belongs to is
    /// saved), a second apply and the export, with no edit to the store or the reader: the feature's
    /// registration is all.
    @Test(arguments: TestDatabase.all)
    func aFeaturesSectionIsPlannedAppliedAndExported(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            app.features.append(WatchwordsFeature())
            let yaml = """
                exercise: {slug: words, name: Words}
                challenges: [{name: Warmup, category: web, value: 100, flags: ["flag{w}"]}]
                watchwords: [alpha, bravo]
                """
            #expect(throws: ExerciseFileError.self) { try ExerciseFile.read(yaml: yaml) }  // not a section of the assembly's features
            let file = try ExerciseFile.read(yaml: yaml, sections: app.exerciseFileSections)
            let dry = try await ExerciseFileStore.apply(file, dryRun: true, by: .commandLine("test"), app: app)
            #expect(dry.changes.suffix(2) == ["added watchword alpha", "added watchword bravo"])
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "watchword.add").count() == 0)
            let first = try await ExerciseFileStore.apply(file, by: .commandLine("test"), app: app)
            #expect(first.changes.contains("created challenge Warmup") && first.changes.contains("added watchword bravo"))
            var fewer = file
            fewer.set(WatchwordsSection(words: ["alpha"]))
            let second = try await ExerciseFileStore.apply(fewer, by: .commandLine("test"), app: app)
            #expect(second.changes.isEmpty)
            #expect(second.untouched == ["watchword bravo"])
            let exported = try await ExerciseFileStore.export("words", app: app)
            #expect(exported.section(WatchwordsSection.self)?.words == ["alpha", "bravo"])
            #expect(exported.challenges.map(\.name) == ["Warmup"])
            #expect(try ExerciseFile.read(yaml: exported.yaml(), sections: app.exerciseFileSections) == exported)
            // A section's problem stops the whole apply before anything is written.
            var bad = file
            bad.exercise.slug = "other"
            bad.set(WatchwordsSection(words: ["two words"]))
            await #expect(throws: ExerciseFileError.self) { try await ExerciseFileStore.apply(bad, by: .commandLine("test"), app: app) }
            #expect(try await Exercise.query(on: app.db).filter(\.$slug == "other").count() == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func applyingTwiceChangesNothingAndExportRoundTrips(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            let file = try DemoExercise.load()
            // act
            let first = try await ExerciseFileStore.apply(file, by: .commandLine("test"), app: app)
            let audits = try await AuditRecord.query(on: app.db).filter(\.$action == "exercise.apply").count()
            let second = try await ExerciseFileStore.apply(file, by: .commandLine("test"), app: app)
            let exported = try await ExerciseFileStore.export(file.exercise.slug, app: app)
            let reread = try ExerciseFile.read(yaml: exported.yaml())
            let third = try await ExerciseFileStore.apply(reread, by: .commandLine("test"), app: app)
            // check
            #expect(first.changes.count > 20)
            #expect(second.changes.isEmpty)
            #expect(third.changes.isEmpty)
            #expect(reread.exercise == file.exercise)
            #expect(reread.teams.map(\.slug).sorted() == file.teams.map(\.slug).sorted())
            #expect(Set(reread.users.map(\.username)) == Set(file.users.map(\.username)))
            for team in file.teams {
                let back = try #require(reread.teams.first { $0.slug == team.slug })
                #expect(back.members.map(\.username).sorted() == team.members.map(\.username).sorted())
                #expect(
                    back
                        == TeamSpec(
                            slug: team.slug, kind: team.kind, name: team.name, nameKo: team.nameKo, nation: team.nation, number: team.number,
                            members: back.members))
            }
            // One record per step that changed something (users, the exercise, teams, members); none from the others.
            #expect(audits == 4)
            #expect(try await AuditRecord.query(on: app.db).filter(\.$action == "exercise.apply").count() == audits)
        }
    }

    @Test(arguments: TestDatabase.all)
    func manyChallengesAreSavedInBatchesWithPrerequisitesAcrossThem(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup: 60 challenges, each requiring the next one in the file (so the order is reversed)
            var lines = ["rampart: 1", "exercise:", "  slug: many", "  name: Many", "challenges:"]
            for index in 0..<60 {
                lines += ["  - name: \"C\(index)\"", "    category: c", "    value: 100", "    flags: [\"F\(index)\"]"]
                if index < 59 { lines.append("    requirements: [\"C\(index + 1)\"]") }
            }
            let file = try ExerciseFile.read(yaml: lines.joined(separator: "\n"))
            // act
            _ = try await ExerciseFileStore.apply(file, by: .commandLine("test"), app: app)
            let again = try await ExerciseFileStore.apply(file, by: .commandLine("test"), app: app)
            // check: every challenge and link is there, and the catalog moved once per batch of 25, not per challenge
            let exercise = try await Exercises.find("many", on: app.db)
            let catalog = try await ChallengeCatalog.load(
                exerciseID: exercise.requireID(), version: exercise.scoringVersion, firstBlood: exercise.firstBlood, on: app.db)
            #expect(catalog.entries.count == 60)
            #expect(catalog.entries.first { $0.name == "C0" }?.spec.prerequisites == ["C1"])
            #expect(exercise.scoringVersion == 3, "\(exercise.scoringVersion) catalog writes")
            #expect(again.changes.isEmpty)
        }
    }

    @Test(arguments: TestDatabase.all)
    func theDemoMeetsTheIssuesCast(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let file = try DemoExercise.load()
            _ = try await ExerciseFileStore.apply(file, by: .commandLine("test"), app: app)
            let passwords = try await DemoExercise.setPasswords(for: file, shared: "a shared demo password", app: app)
            let kinds = file.teams.map(\.kind)
            #expect(kinds.filter { $0 == .blue }.count >= 6)
            #expect(Set(file.teams.filter { $0.kind == .blue }.compactMap(\.nation)).count >= 6)
            for kind in TeamKind.allCases { #expect(kinds.contains(kind)) }
            #expect(file.teams.allSatisfy { !$0.members.isEmpty })
            #expect(file.users.contains { $0.username == "admin" && $0.admin })
            #expect(file.teams.first { $0.kind == .white }?.members.contains { $0.judge } == true)
            #expect(passwords.count == file.users.count)
            let login = try await app.testing().sendRequest(
                .POST, "/api/v1/auth/login", headers: .json(), body: .json(["username": "kr-lead", "password": "a shared demo password"]))
            #expect(login.status == .ok)
            #expect(DemoExercise.accountTable(file, passwords: passwords).contains("judge-kr"))
        }
    }

    /// `rampart demo` run again a day later on the same data moves the week with it.
    @Test(arguments: TestDatabase.all)
    func theDemoAppliedADayLaterMovesItsWeek(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let today = Date()
            _ = try await ExerciseFileStore.apply(try DemoExercise.load(today: today), by: .commandLine("test"), app: app)
            let later = try DemoExercise.load(today: today.addingTimeInterval(86_400))
            let report = try await ExerciseFileStore.apply(later, by: .commandLine("test"), app: app)
            #expect(!report.changes.isEmpty)
            let exercise = try await Exercises.find("marvel-demo", on: app.db)
            #expect(exercise.startsAt == later.exercise.schedule.startsAt)
            let windows = try await Exercises.windows(of: exercise, on: app.db)
            #expect(windows.map(\.startsAt) == later.exercise.schedule.windows.map(\.startsAt))
        }
    }

    @Test(arguments: TestDatabase.all)
    func dryRunsReportWithoutWriting(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let file = try DemoExercise.load()
            let report = try await ExerciseFileStore.apply(file, dryRun: true, by: .commandLine("test"), app: app)
            #expect(report.dryRun && !report.changes.isEmpty)
            #expect(try await Exercise.query(on: app.db).count() == 0)
            #expect(try await AuditRecord.query(on: app.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func applyMovesMembersAndReportsWhatItLeaves(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            var file = try DemoExercise.load()
            _ = try await ExerciseFileStore.apply(file, by: .commandLine("test"), app: app)
            // Move gb-analyst to Korea and rename a team; drop the observers from the file.
            let gb = file.teams.firstIndex { $0.slug == "blue-gb" }!
            let kr = file.teams.firstIndex { $0.slug == "blue-kr" }!
            file.teams[gb].members.removeAll { $0.username == "gb-analyst" }
            file.teams[kr].members.append(MemberSpec(username: "gb-analyst"))
            file.teams[kr].name = "Korea"
            file.teams.removeAll { $0.slug == "observers" }
            let report = try await ExerciseFileStore.apply(file, by: .commandLine("test"), app: app)
            #expect(report.changes.contains("moved gb-analyst from blue-gb to blue-kr"))
            #expect(report.changes.contains { $0.hasPrefix("updated team blue-kr: name") })
            #expect(report.untouched.contains("team observers"))
            #expect(report.untouched.contains("member observer of observers"))
        }
    }
}
