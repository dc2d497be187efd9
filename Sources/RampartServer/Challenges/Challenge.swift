import Fluent
import RampartCore
import RampartKernel
import SQLKit
import Vapor

/// A challenge. Its whole definition is kept as the ctfcli `challenge.yml` text it was written in
/// (`source`), so the UI, the API, the exercise file and `rampart challenge import` share one reader
/// and one format; the columns beside it are what queries filter and sort on.
final class Challenge: Model, @unchecked Sendable {
    static let schema = "challenges"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?
    @Parent(key: "exercise_id") var exercise: Exercise
    @Field(key: "name") var name: String
    @Field(key: "category") var category: String
    @Field(key: "state") var state: String
    @OptionalField(key: "release_at") var releaseAt: Date?
    @Field(key: "position") var position: Int
    @Field(key: "source") var source: String
    /// Where `rampart challenge import` found it (`import:web/login/challenge.yml`); nil for one
    /// written in Rampart or in an exercise file. An import does not overwrite a challenge of the same
    /// name from elsewhere unless told to (`--replace`).
    @OptionalField(key: "origin") var origin: String?

    init() {}
}

struct M011ChallengeOrigins: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Challenge.schema).field("origin", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Challenge.schema).deleteField("origin").update()
    }
}

/// An attachment. The bytes live in the database (`Blobs`), outside any web root, so every node of a
/// PostgreSQL deployment serves the same files and a backup holds them.
final class ChallengeFile: Model, @unchecked Sendable {
    static let schema = "challenge_files"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Parent(key: "challenge_id") var challenge: Challenge
    @Field(key: "name") var name: String
    @Field(key: "size") var size: Int
    @Field(key: "sha256") var sha256: String
    /// The bytes, in chunks (`Blobs`).
    @OptionalField(key: "blob_id") var blobID: UUID?
    /// Where the bytes were kept before `M010ChunkedFiles`; now always empty.
    @Field(key: "data") var data: Data

    init() {}
}

/// One flag submission, whatever its result: the record of who tried what, when and from where.
final class Submission: Model, @unchecked Sendable {
    static let schema = "submissions"

    @ID(key: .id) var id: UUID?
    @Field(key: "exercise_id") var exerciseID: UUID
    @Field(key: "challenge_id") var challengeID: UUID
    @OptionalField(key: "team_id") var teamID: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "at") var at: Date
    @OptionalField(key: "source_address") var sourceAddress: String?
    @Field(key: "result") var result: String
    /// Index of the flag the submission matched, for `all` logic's progress.
    @OptionalField(key: "matched") var matched: Int?
    @Field(key: "provided") var provided: String
    /// False for a white-team test and for attempts outside a running exercise.
    @Field(key: "scored") var scored: Bool

    init() {}
}

/// A submission about to be stored by a group commit (`ScoreEngine.batched`), written without
/// Fluent's per-model reflection: flag submission is the hottest write there is.
struct SubmissionRow: StagedRow {
    var id = UUID()
    var exerciseID: UUID
    var challengeID: UUID
    var teamID: UUID?
    var userID: UUID
    var at: Date
    var sourceAddress: String?
    var result: AttemptResult.Status
    var matched: Int?
    var provided: String
    var scored: Bool

    static let table = Submission.schema
    static let columns = [
        "id", "exercise_id", "challenge_id", "team_id", "user_id", "at", "source_address", "result", "matched", "provided", "scored",
    ]
    var values: [any Encodable & Sendable] {
        [id, exerciseID, challengeID, teamID, userID, at, sourceAddress, result.rawValue, matched, provided, scored]
    }
}

struct M007AddPublicScoreboard: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Exercise.schema).field("public_scoreboard", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Exercise.schema).deleteField("public_scoreboard").update()
    }
}

struct M006CreateChallengesAndScores: AsyncMigration {
    func prepare(on database: any Database) async throws {
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

    func revert(on database: any Database) async throws {
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
struct M010ChunkedFiles: AsyncMigration {
    func prepare(on database: any Database) async throws {
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

    func revert(on database: any Database) async throws {
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
