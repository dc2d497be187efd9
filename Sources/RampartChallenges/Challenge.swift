import Fluent
import RampartCore
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

/// A challenge. Its whole definition is kept as the ctfcli `challenge.yml` text it was written in
/// (`source`), so the UI, the API, the exercise file and `rampart challenge import` share one reader
/// and one format; the columns beside it are what queries filter and sort on.
package final class Challenge: Model, @unchecked Sendable {
    package static let schema = "challenges"

    @ID(key: .id) package var id: UUID?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) package var updatedAt: Date?
    @Parent(key: "exercise_id") package var exercise: Exercise
    @Field(key: "name") package var name: String
    @Field(key: "category") package var category: String
    @Field(key: "state") package var state: String
    @OptionalField(key: "release_at") package var releaseAt: Date?
    @Field(key: "position") package var position: Int
    @Field(key: "source") package var source: String
    /// Where `rampart challenge import` found it (`import:web/login/challenge.yml`); nil for one
    /// written in Rampart or in an exercise file. An import does not overwrite a challenge of the same
    /// name from elsewhere unless told to (`--replace`).
    @OptionalField(key: "origin") package var origin: String?

    package init() {}
}

package struct M011ChallengeOrigins: AsyncMigration {
    /// The name databases know it by, from before it moved out of RampartServer.
    package var name: String { "RampartServer.M011ChallengeOrigins" }
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(Challenge.schema).field("origin", .string).update()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(Challenge.schema).deleteField("origin").update()
    }
}

/// An attachment. The bytes live in the database (`Blobs`), outside any web root, so every node of a
/// PostgreSQL deployment serves the same files and a backup holds them.
package final class ChallengeFile: Model, @unchecked Sendable {
    package static let schema = "challenge_files"

    @ID(key: .id) package var id: UUID?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?
    @Parent(key: "challenge_id") package var challenge: Challenge
    @Field(key: "name") package var name: String
    @Field(key: "size") package var size: Int
    @Field(key: "sha256") package var sha256: String
    /// The bytes, in chunks (`Blobs`).
    @OptionalField(key: "blob_id") package var blobID: UUID?
    /// Where the bytes were kept before `M010ChunkedFiles`; now always empty.
    @Field(key: "data") package var data: Data

    package init() {}
}

/// One flag submission, whatever its result: the record of who tried what, when and from where.
package final class Submission: Model, @unchecked Sendable {
    package static let schema = "submissions"

    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "challenge_id") package var challengeID: UUID
    @OptionalField(key: "team_id") package var teamID: UUID?
    @Field(key: "user_id") package var userID: UUID
    @Field(key: "at") package var at: Date
    @OptionalField(key: "source_address") package var sourceAddress: String?
    @Field(key: "result") package var result: String
    /// Index of the flag the submission matched, for `all` logic's progress.
    @OptionalField(key: "matched") package var matched: Int?
    @Field(key: "provided") package var provided: String
    /// False for a white-team test and for attempts outside a running exercise.
    @Field(key: "scored") package var scored: Bool

    package init() {}
}

/// A submission about to be stored by a group commit (`ScoreEngine.batched`), written without
/// Fluent's per-model reflection: flag submission is the hottest write there is.
package struct SubmissionRow: StagedRow {
    package var id = UUID()
    package var exerciseID: UUID
    package var challengeID: UUID
    package var teamID: UUID?
    package var userID: UUID
    package var at: Date
    package var sourceAddress: String?
    package var result: AttemptResult.Status
    package var matched: Int?
    package var provided: String
    package var scored: Bool

    package static let table = Submission.schema
    package static let columns = [
        "id", "exercise_id", "challenge_id", "team_id", "user_id", "at", "source_address", "result", "matched", "provided", "scored",
    ]
    package var values: [any Encodable & Sendable] {
        [id, exerciseID, challengeID, teamID, userID, at, sourceAddress, result.rawValue, matched, provided, scored]
    }
}

package struct M007AddPublicScoreboard: AsyncMigration {
    /// The name databases know it by, from before it moved out of RampartServer.
    package var name: String { "RampartServer.M007AddPublicScoreboard" }
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(Exercise.schema).field("public_scoreboard", .bool, .required, .sql(.default(false))).update()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(Exercise.schema).deleteField("public_scoreboard").update()
    }
}

package struct M006CreateChallengesAndScores: AsyncMigration {
    /// The name databases know it by, from before it moved out of RampartServer.
    package var name: String { "RampartServer.M006CreateChallengesAndScores" }
    package init() {}

    package func prepare(on database: any Database) async throws {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        try await database.schema(Exercise.schema).field("first_blood", .string, .required, .sql(.default(""))).update()
        try await database.schema(Exercise.schema)
            .field("attempts_per_minute", .int, .required, .sql(.default(ExerciseSpec.defaultAttemptsPerMinute))).update()
        // Bumped with every change to how challenges score, so every node re-prices from the same rules.
        try await database.schema(Exercise.schema).field("scoring_version", .int, .required, .sql(.default(0))).update()
        try await database.schema(Challenge.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("category", .string, .required)
            .field("state", .string, .required)
            .field("release_at", .datetime)
            .field("position", .int, .required)
            .field("source", .string, .required)
            .unique(on: "exercise_id", "name")
            .create()
        try await database.schema(ChallengeFile.schema)
            .id()
            .field("created_at", .datetime)
            .field("challenge_id", .uuid, .required, .references(Challenge.schema, "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("data", .data, .required)
            .unique(on: "challenge_id", "name")
            .create()
        try await database.schema(Submission.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("challenge_id", .uuid, .required, .references(Challenge.schema, "id", onDelete: .cascade))
            .field("team_id", .uuid)
            .field("user_id", .uuid, .required)
            .field("at", .datetime, .required)
            .field("source_address", .string)
            .field("result", .string, .required)
            .field("matched", .int)
            .field("provided", .string, .required)
            .field("scored", .bool, .required)
            .create()
        try await database.schema(ScoreFactRecord.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("seq", .int64, .required)
            .field("team_id", .uuid, .required)
            .field("at", .datetime, .required)
            .field("kind", .string, .required)
            .field("challenge_id", .uuid)
            .field("hint_key", .string)
            .field("withdraws", .int64)
            .field("points", .int, .required)
            .field("category", .string, .required)
            .field("reason", .string, .required)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("submission_id", .uuid)
            // Two nodes cannot both write the next fact of an exercise.
            .unique(on: "exercise_id", "seq")
            .create()
        try await database.schema(TeamScoreRecord.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("team_id", .uuid, .required)
            .field("total", .int, .required)
            .field("categories", .string, .required)
            .field("last_scored_at", .datetime)
            .unique(on: "exercise_id", "team_id")
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("CREATE INDEX submissions_team_challenge ON submissions (team_id, challenge_id)").run()
            try await sql.raw("CREATE INDEX submissions_exercise_at ON submissions (exercise_id, at)").run()
            try await sql.raw("CREATE INDEX score_facts_team ON score_facts (exercise_id, team_id)").run()
        }
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(TeamScoreRecord.schema).delete()
        try await database.schema(ScoreFactRecord.schema).delete()
        try await database.schema(Submission.schema).delete()
        try await database.schema(ChallengeFile.schema).delete()
        try await database.schema(Challenge.schema).delete()
        for field in ["first_blood", "attempts_per_minute", "scoring_version"] {
            try await database.schema(Exercise.schema).deleteField(.key(.init(stringLiteral: field))).update()
        }
    }
}

/// Attachments move from one `data` column to chunked blobs; the column stays, empty, for the revert.
/// (The blob tables, used by any feature since, were created here, so this migration stays whole.)
package struct M010ChunkedFiles: AsyncMigration {
    /// The name databases know it by, from before it moved out of RampartServer.
    package var name: String { "RampartServer.M010ChunkedFiles" }
    package init() {}

    package func prepare(on database: any Database) async throws {
        try await database.schema(FileBlob.schema)
            .id()
            .field("created_at", .datetime, .required)
            .field("size", .int64, .required)
            .field("sha256", .string, .required)
            .field("chunks", .int, .required)
            .create()
        try await database.schema(FileChunk.schema)
            .id()
            .field("blob_id", .uuid, .required, .references(FileBlob.schema, "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("data", .data, .required)
            .unique(on: "blob_id", "seq")
            .create()
        try await database.schema(ChallengeFile.schema).field("blob_id", .uuid).update()
        // Existing attachments move into blobs, one at a time.
        for file in try await ChallengeFile.query(on: database).all() {
            let id = UUID()
            let blob = FileBlob(id: id, createdAt: Date())
            blob.size = file.data.count
            blob.sha256 = file.sha256
            try await blob.create(on: database)
            var seq = 0
            var offset = 0
            while offset < file.data.count {
                let end = min(offset + Blobs.chunkSize, file.data.count)
                try await FileChunk(blobID: id, seq: seq, data: file.data.subdata(in: offset..<end)).create(on: database)
                seq += 1
                offset = end
            }
            blob.chunks = seq
            try await blob.save(on: database)
            file.blobID = id
            file.data = Data()
            try await file.save(on: database)
        }
    }

    package func revert(on database: any Database) async throws {
        for file in try await ChallengeFile.query(on: database).all() {
            guard let blob = file.blobID else { continue }
            file.data = try await Blobs.data(blob, on: database)
            try await file.save(on: database)
        }
        try await database.schema(ChallengeFile.schema).deleteField("blob_id").update()
        try await database.schema(FileChunk.schema).delete()
        try await database.schema(FileBlob.schema).delete()
    }
}
