import Fluent
import FluentPostgresDriver
import RampartKernel
import SQLKit

/// From here on the facts table is Scoring's alone: a fact says what it is about (`source`) and what
/// it rests on (`evidence`) as references the owning feature writes, instead of a column per feature.
/// The per-feature columns of M006 and M008 are copied into the references and dropped.
package struct M012ScoreFactReferences: AsyncMigration {
    package var name: String { "RampartScoring.M012ScoreFactReferences" }
    package init() {}

    /// The old column that each kind's references came from, as (reference kind, column).
    private static let sources = [("solve", "challenge", "challenge_id"), ("hint", "challenge", "challenge_id"),
        ("withdrawal", "challenge", "challenge_id"), ("availability", "service", "service_id"), ("sla", "service", "service_id")]
    private static let evidence = [("solve", "submission", "submission_id"), ("hint", "hint", "hint_key"),
        ("withdrawal", "fact", "withdraws"), ("availability", "tick", "tick"), ("sla", "tick", "tick")]
    private static let legacy = ["challenge_id", "hint_key", "withdraws", "submission_id", "tick", "service_id"]

    package func prepare(on database: any Database) async throws {
        // One column per statement: SQLite alters a table one column at a time.
        try await database.schema(ScoreFactRecord.schema).field("source", .string).update()
        try await database.schema(ScoreFactRecord.schema).field("evidence", .string).update()
        guard let sql = database as? any SQLDatabase else { return }
        let postgres = database is any PostgresDatabase
        // Stored UUIDs read as upper-case text on both databases, as `UUID.uuidString` writes them.
        func text(_ column: String) -> String {
            postgres && column.hasSuffix("_id") ? "upper(CAST(\(column) AS TEXT))" : "CAST(\(column) AS TEXT)"
        }
        func cases(_ map: [(String, String, String)]) -> String {
            "CASE kind " + map.map { kind, prefix, column in "WHEN '\(kind)' THEN '\(prefix):' || \(text(column))" }.joined(separator: " ")
                + " END"
        }
        try await sql.raw("UPDATE score_facts SET source = \(unsafeRaw: cases(Self.sources)), evidence = \(unsafeRaw: cases(Self.evidence))")
            .run()
        for column in Self.legacy {
            try await database.schema(ScoreFactRecord.schema).deleteField(.key(.init(stringLiteral: column))).update()
        }
        try await sql.raw("CREATE INDEX score_facts_source ON score_facts (exercise_id, source)").run()
    }

    package func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        let postgres = database is any PostgresDatabase
        try await sql.raw("DROP INDEX score_facts_source").run()
        let columns: [(String, DatabaseSchema.DataType)] = [
            ("challenge_id", .uuid), ("hint_key", .string), ("withdraws", .int64), ("submission_id", .uuid), ("tick", .int), ("service_id", .uuid),
        ]
        for (column, type) in columns {
            try await database.schema(ScoreFactRecord.schema).field(FieldKey(stringLiteral: column), type).update()
        }
        func value(_ column: String, _ prefix: String, _ type: String) -> String {
            let rest = "substr(\(column), \(prefix.count + 2))"
            let cast = type == "uuid" ? (postgres ? "CAST(\(rest) AS UUID)" : rest) : type == "int" ? "CAST(\(rest) AS INTEGER)" : rest
            return "CASE WHEN \(column) LIKE '\(prefix):%' THEN \(cast) END"
        }
        try await sql.raw(
            """
            UPDATE score_facts SET
              challenge_id = \(unsafeRaw: value("source", "challenge", "uuid")), service_id = \(unsafeRaw: value("source", "service", "uuid")),
              submission_id = \(unsafeRaw: value("evidence", "submission", "uuid")), hint_key = \(unsafeRaw: value("evidence", "hint", "text")),
              withdraws = \(unsafeRaw: value("evidence", "fact", "int")), tick = \(unsafeRaw: value("evidence", "tick", "int"))
            """
        ).run()
        try await database.schema(ScoreFactRecord.schema).deleteField("source").update()
        try await database.schema(ScoreFactRecord.schema).deleteField("evidence").update()
    }
}

/// A fact's reason in Korean beside the English one, written by the feature that makes the fact from
/// its phrase, so a Korean team reads why it scored in Korean. Facts written before keep only English.
package struct M013ScoreFactReasonKo: AsyncMigration {
    package var name: String { "RampartScoring.M013ScoreFactReasonKo" }
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(ScoreFactRecord.schema).field("reason_ko", .string).update()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(ScoreFactRecord.schema).deleteField("reason_ko").update()
    }
}
