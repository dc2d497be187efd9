import Fluent
import RampartCore

/// The schema of what every feature stands on: users, exercises, teams and members, credentials, the
/// audit trail. Listed, with the features' migrations, in `Migrations.all`.
package struct M001CreateUsers: AsyncMigration {
    /// The name databases know it by, from before it moved out of RampartServer.
    package var name: String { "RampartServer.M001CreateUsers" }

    package func prepare(on database: any Database) async throws {
        try await database.schema(User.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("password_hash", .string)
            .field("is_admin", .bool, .required)
            .field("locale", .string, .required)
            .field("time_zone", .string)
            .field("disabled_at", .datetime)
            .unique(on: "username")
            .create()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(User.schema).delete()
    }

    package init() {}
}

package struct M002CreateExercises: AsyncMigration {
    /// The name databases know it by, from before it moved out of RampartServer.
    package var name: String { "RampartServer.M002CreateExercises" }

    package func prepare(on database: any Database) async throws {
        try await database.schema(Exercise.schema)
            .id()
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("slug", .string, .required)
            .field("name", .string, .required)
            .field("name_ko", .string)
            .field("description", .string, .required)
            .field("time_zone", .string, .required)
            .field("starts_at", .datetime)
            .field("ends_at", .datetime)
            .field("freeze_at", .datetime)
            // Stored as text, not a database enum, so a later state needs no type migration.
            .field("state", .string, .required)
            .field("started_at", .datetime)
            .field("running_since", .datetime)
            .field("accumulated_seconds", .double, .required)
            .field("finished_at", .datetime)
            .unique(on: "slug")
            .create()
        try await database.schema(ScheduleWindow.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .create()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(ScheduleWindow.schema).delete()
        try await database.schema(Exercise.schema).delete()
    }

    package init() {}
}

package struct M003CreateTeamsAndMemberships: AsyncMigration {
    /// The name databases know it by, from before it moved out of RampartServer.
    package var name: String { "RampartServer.M003CreateTeamsAndMemberships" }

    package func prepare(on database: any Database) async throws {
        try await database.schema(Team.schema)
            .id()
            .field("created_at", .datetime)
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("slug", .string, .required)
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("name_ko", .string)
            .field("nation", .string)
            .field("number", .int, .required)
            .field("join_code", .string, .required)
            .unique(on: "exercise_id", "slug")
            .unique(on: "exercise_id", "number")
            .unique(on: "join_code")
            .create()
        try await database.schema(Membership.schema)
            .id()
            .field("created_at", .datetime)
            .field("exercise_id", .uuid, .required, .references(Exercise.schema, "id", onDelete: .cascade))
            .field("team_id", .uuid, .required, .references(Team.schema, "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("judge", .bool, .required)
            // One team per user per exercise, enforced by the database, not only by the code.
            .unique(on: "exercise_id", "user_id")
            .create()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(Membership.schema).delete()
        try await database.schema(Team.schema).delete()
    }

    package init() {}
}

package struct M004CreateCredentials: AsyncMigration {
    /// The name databases know it by, from before it moved out of RampartServer.
    package var name: String { "RampartServer.M004CreateCredentials" }

    package func prepare(on database: any Database) async throws {
        try await database.schema(APIToken.schema)
            .id()
            .field("created_at", .datetime)
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("prefix", .string, .required)
            .field("last_used_at", .datetime)
            .field("expires_at", .datetime)
            .field("revoked_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await database.schema(WebSession.schema)
            .id()
            .field("created_at", .datetime)
            .field("user_id", .uuid, .required, .references(User.schema, "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("csrf_token", .string, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("source_address", .string)
            .unique(on: "token_hash")
            .create()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(WebSession.schema).delete()
        try await database.schema(APIToken.schema).delete()
    }

    package init() {}
}

package struct M005CreateAuditRecords: AsyncMigration {
    /// The name databases know it by, from before it moved out of RampartServer.
    package var name: String { "RampartServer.M005CreateAuditRecords" }

    package func prepare(on database: any Database) async throws {
        try await database.schema(AuditRecord.schema)
            .id()
            .field("seq", .int64, .required)
            .field("at_ms", .int64, .required)
            .field("exercise_id", .uuid)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("action", .string, .required)
            .field("subject_type", .string, .required)
            .field("subject", .string, .required)
            .field("summary", .string, .required)
            .field("changes", .string, .required)
            .field("source_address", .string)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            // Two nodes appending at once cannot both take the same place in the chain.
            .unique(on: "seq")
            .create()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(AuditRecord.schema).delete()
    }

    package init() {}
}
