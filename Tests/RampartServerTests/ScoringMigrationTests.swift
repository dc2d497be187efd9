import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

/// Facts written before M012 kept what they were about in one column per feature; the migration
/// turns those into references and back, on both databases.
@Suite struct ScoringMigrationTests {
    @Test(arguments: TestDatabase.all)
    func factsWrittenBeforeReferencesKeepWhatTheyWereAbout(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            // setup: the table as it was before M012, holding one fact of every kind
            let fixture = try await Fixture.make(app)
            let exerciseID = try fixture.exercise.requireID()
            let team = try #require(fixture.teams[.blue]?.id)
            let (challenge, submission, service) = (UUID(), UUID(), UUID())
            let migration = M012ScoreFactReferences()
            let legacy: [(kind: String, challenge: UUID?, hint: String?, withdraws: Int?, submission: UUID?, tick: Int?, service: UUID?)] = [
                ("solve", challenge, nil, nil, submission, nil, nil), ("hint", challenge, "family", nil, nil, nil, nil),
                ("withdrawal", challenge, nil, 1, nil, nil, nil), ("adjustment", nil, nil, nil, nil, nil, nil),
                ("availability", nil, nil, nil, nil, 12, nil), ("sla", nil, nil, nil, nil, 13, service),
            ]
            // One connection throughout: an in-memory SQLite's other connections may still hold the old table.
            try await app.db.withConnection { db in
                try await migration.revert(on: db)
                let sql = try #require(db as? any SQLDatabase)
                for (index, fact) in legacy.enumerated() {
                    try await sql.insert(into: "score_facts")
                        .columns(
                            "id", "exercise_id", "seq", "team_id", "at", "kind", "points", "category", "reason", "actor_name", "challenge_id",
                            "hint_key", "withdraws", "submission_id", "tick", "service_id")
                        .values(
                            UUID(), exerciseID, index + 1, team, clock.now, fact.kind, ["adjustment": 5, "availability": 7, "sla": -3][fact.kind] ?? 0,
                            "c", "r", "test", fact.challenge, fact.hint, fact.withdraws, fact.submission, fact.tick, fact.service)
                        .run()
                }

                // act
                try await migration.prepare(on: db)
            }

            // check: every kind says what it was about, with the ids written as the server writes them
            let facts = try await ScoreFactRecord.query(on: app.db).sort(\.$seq).all()
            #expect(
                facts.map { [$0.sourceText ?? "-", $0.evidenceText ?? "-"] } == [
                    ["challenge:\(challenge.uuidString)", "submission:\(submission.uuidString)"],
                    ["challenge:\(challenge.uuidString)", "hint:family"], ["challenge:\(challenge.uuidString)", "fact:1"], ["-", "-"],
                    ["-", "tick:12"], ["service:\(service.uuidString)", "tick:13"],
                ])
            #expect(facts.compactMap { app.scores.fact($0.stored)?.kind }.count == 6, "every kind is registered and reads its references")
            // the rows were written without their projection: a rebuild counts them, and then agrees
            #expect(try await app.scores.rebuild(exerciseID, app: app) == 1)
            #expect(try await app.scores.rebuild(exerciseID, app: app) == 0)
            let stored = try await TeamScoreRecord.query(on: app.db).filter(\.$teamID == team).first()
            #expect(stored?.total == 5 + 7 - 3)

            // act: and back
            let rows = try await app.db.withConnection { db in
                try await migration.revert(on: db)
                let sql = try #require(db as? any SQLDatabase)
                return try await sql.select()
                    .columns("challenge_id", "hint_key", "withdraws", "submission_id", "tick", "service_id")
                    .from("score_facts").orderBy("seq").all()
            }
            let restored = try rows.map { row in
                [
                    try row.decode(column: "challenge_id", as: UUID?.self)?.uuidString, try row.decode(column: "hint_key", as: String?.self),
                    try row.decode(column: "withdraws", as: Int?.self).map(String.init),
                    try row.decode(column: "submission_id", as: UUID?.self)?.uuidString,
                    try row.decode(column: "tick", as: Int?.self).map(String.init), try row.decode(column: "service_id", as: UUID?.self)?.uuidString,
                ]
            }
            #expect(
                restored
                    == legacy.map {
                        [
                            $0.challenge?.uuidString, $0.hint, $0.withdraws.map(String.init), $0.submission?.uuidString, $0.tick.map(String.init),
                            $0.service?.uuidString,
                        ]
                    })
        }
    }
}
