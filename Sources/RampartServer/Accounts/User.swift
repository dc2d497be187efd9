import Fluent
import RampartCore
import Vapor

final class User: Model, @unchecked Sendable {
    static let schema = "users"

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    // data fields
    @Field(key: "username") var username: String
    @Field(key: "display_name") var displayName: String
    /// Bcrypt; nil until a password is set (users created from an exercise file).
    @OptionalField(key: "password_hash") var passwordHash: String?
    /// Platform administrator: white team of every exercise, manages users and exercises.
    @Field(key: "is_admin") var isAdmin: Bool
    @Field(key: "locale") var locale: String
    @OptionalField(key: "time_zone") var timeZone: String?
    @OptionalField(key: "disabled_at") var disabledAt: Date?

    init() {}

    init(
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

    var uiLocale: UILocale { UILocale(rawValue: locale) ?? .en }
}

final class Team: Model, @unchecked Sendable {
    static let schema = "teams"

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    // reference fields
    @Parent(key: "exercise_id") var exercise: Exercise

    // data fields
    @Field(key: "slug") var slug: String
    @Field(key: "kind") var kind: TeamKind
    @Field(key: "name") var name: String
    @OptionalField(key: "name_ko") var nameKo: String?
    @OptionalField(key: "nation") var nation: String?
    @Field(key: "number") var number: Int
    @Field(key: "join_code") var joinCode: String

    init() {}

    init(
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

    func displayName(_ locale: UILocale) -> String {
        locale == .ko ? (nameKo ?? name) : name
    }

    /// The team's name after its nation's flag, as boards and titles show it.
    func flagged(_ locale: UILocale) -> String {
        (nation.flatMap(Nation.init).map { $0.flag + " " } ?? "") + displayName(locale)
    }
}

/// A user's place in one exercise: one team per exercise.
final class Membership: Model, @unchecked Sendable {
    static let schema = "memberships"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    @Parent(key: "exercise_id") var exercise: Exercise
    @Parent(key: "team_id") var team: Team
    @Parent(key: "user_id") var user: User

    /// A white-team member who grades.
    @Field(key: "judge") var judge: Bool

    init() {}

    init(exerciseID: UUID, teamID: UUID, userID: UUID, judge: Bool = false) {
        self.$exercise.id = exerciseID
        self.$team.id = teamID
        self.$user.id = userID
        self.judge = judge
    }
}

/// A personal API token; only its SHA-256 is stored, the token itself is shown once.
final class APIToken: Model, @unchecked Sendable {
    static let schema = "api_tokens"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    @Parent(key: "user_id") var user: User

    @Field(key: "name") var name: String
    @Field(key: "token_hash") var tokenHash: String
    /// The first characters of the token, so its owner can tell tokens apart.
    @Field(key: "prefix") var prefix: String
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?
    @OptionalField(key: "expires_at") var expiresAt: Date?
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    init() {}

    init(userID: UUID, name: String, tokenHash: String, prefix: String, expiresAt: Date?) {
        self.$user.id = userID
        self.name = name
        self.tokenHash = tokenHash
        self.prefix = prefix
        self.expiresAt = expiresAt
    }
}

/// A browser session, in the database so every server node shares it.
final class WebSession: Model, @unchecked Sendable {
    static let schema = "web_sessions"

    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    @Parent(key: "user_id") var user: User

    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "csrf_token") var csrfToken: String
    @Field(key: "last_seen_at") var lastSeenAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "source_address") var sourceAddress: String?

    init() {}

    init(userID: UUID, tokenHash: String, csrfToken: String, now: Date, expiresAt: Date, sourceAddress: String?) {
        self.$user.id = userID
        self.tokenHash = tokenHash
        self.csrfToken = csrfToken
        self.lastSeenAt = now
        self.expiresAt = expiresAt
        self.sourceAddress = sourceAddress
    }
}
