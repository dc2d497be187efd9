import Fluent
import RampartCore
import Vapor

package final class User: Model, @unchecked Sendable {
    package static let schema = "users"

    // managed fields
    @ID(key: .id) package var id: UUID?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) package var updatedAt: Date?

    // data fields
    @Field(key: "username") package var username: String
    @Field(key: "display_name") package var displayName: String
    /// Bcrypt; nil until a password is set (users created from an exercise file).
    @OptionalField(key: "password_hash") package var passwordHash: String?
    /// Platform administrator: white team of every exercise, manages users and exercises.
    @Field(key: "is_admin") package var isAdmin: Bool
    @Field(key: "locale") package var locale: String
    @OptionalField(key: "time_zone") package var timeZone: String?
    @OptionalField(key: "disabled_at") package var disabledAt: Date?

    package init() {}

    package init(
        id: UUID? = nil, username: String, displayName: String, passwordHash: String? = nil, isAdmin: Bool = false, locale: UILocale = .en,
        timeZone: String? = nil
    ) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.isAdmin = isAdmin
        self.locale = locale.rawValue
        self.timeZone = timeZone
    }

    package var uiLocale: UILocale { UILocale(rawValue: locale) ?? .en }
}

package final class Team: Model, @unchecked Sendable {
    package static let schema = "teams"

    // managed fields
    @ID(key: .id) package var id: UUID?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?

    // reference fields
    @Parent(key: "exercise_id") package var exercise: Exercise

    // data fields
    @Field(key: "slug") package var slug: String
    @Field(key: "kind") package var kind: TeamKind
    @Field(key: "name") package var name: String
    @OptionalField(key: "name_ko") package var nameKo: String?
    @OptionalField(key: "nation") package var nation: String?
    @Field(key: "number") package var number: Int
    @Field(key: "join_code") package var joinCode: String

    package init() {}

    package init(
        id: UUID? = nil, exerciseID: UUID, slug: String, kind: TeamKind, name: String, nameKo: String?, nation: String?, number: Int, joinCode: String
    ) {
        self.id = id
        self.$exercise.id = exerciseID
        self.slug = slug
        self.kind = kind
        self.name = name
        self.nameKo = nameKo
        self.nation = nation
        self.number = number
        self.joinCode = joinCode
    }

    package func displayName(_ locale: UILocale) -> String {
        locale == .ko ? (nameKo ?? name) : name
    }

    /// The team's name after its nation's flag, as boards and titles show it.
    package func flagged(_ locale: UILocale) -> String {
        (nation.flatMap(Nation.init).map { $0.flag + " " } ?? "") + displayName(locale)
    }
}

/// A user's place in one exercise: one team per exercise.
package final class Membership: Model, @unchecked Sendable {
    package static let schema = "memberships"

    @ID(key: .id) package var id: UUID?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?

    @Parent(key: "exercise_id") package var exercise: Exercise
    @Parent(key: "team_id") package var team: Team
    @Parent(key: "user_id") package var user: User

    /// A white-team member who grades.
    @Field(key: "judge") package var judge: Bool

    package init() {}

    package init(exerciseID: UUID, teamID: UUID, userID: UUID, judge: Bool = false) {
        self.$exercise.id = exerciseID
        self.$team.id = teamID
        self.$user.id = userID
        self.judge = judge
    }
}

/// A personal API token; only its SHA-256 is stored, the token itself is shown once.
package final class APIToken: Model, @unchecked Sendable {
    package static let schema = "api_tokens"

    @ID(key: .id) package var id: UUID?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?

    @Parent(key: "user_id") package var user: User

    @Field(key: "name") package var name: String
    @Field(key: "token_hash") package var tokenHash: String
    /// The first characters of the token, so its owner can tell tokens apart.
    @Field(key: "prefix") package var prefix: String
    @OptionalField(key: "last_used_at") package var lastUsedAt: Date?
    @OptionalField(key: "expires_at") package var expiresAt: Date?
    @OptionalField(key: "revoked_at") package var revokedAt: Date?

    package init() {}

    package init(userID: UUID, name: String, tokenHash: String, prefix: String, expiresAt: Date?) {
        self.$user.id = userID
        self.name = name
        self.tokenHash = tokenHash
        self.prefix = prefix
        self.expiresAt = expiresAt
    }
}

/// A browser session, in the database so every server node shares it.
package final class WebSession: Model, @unchecked Sendable {
    package static let schema = "web_sessions"

    @ID(key: .id) package var id: UUID?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?

    @Parent(key: "user_id") package var user: User

    @Field(key: "token_hash") package var tokenHash: String
    @Field(key: "csrf_token") package var csrfToken: String
    @Field(key: "last_seen_at") package var lastSeenAt: Date
    @Field(key: "expires_at") package var expiresAt: Date
    @OptionalField(key: "source_address") package var sourceAddress: String?

    package init() {}

    package init(userID: UUID, tokenHash: String, csrfToken: String, now: Date, expiresAt: Date, sourceAddress: String?) {
        self.$user.id = userID
        self.tokenHash = tokenHash
        self.csrfToken = csrfToken
        self.lastSeenAt = now
        self.expiresAt = expiresAt
        self.sourceAddress = sourceAddress
    }
}
