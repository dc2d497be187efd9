import Fluent
import RampartCore
import Vapor

/// Account operations shared by the pages, the API and the commands. Each state change runs in one
/// transaction with its audit record.
package enum Accounts {
    package struct NewUser: Sendable {
        package var username: String
        package var displayName: String
        package var password: String?
        package var isAdmin: Bool = false
        package var locale: UILocale = .en
        package var timeZone: String?

        package init(username: String, displayName: String, password: String? = nil, isAdmin: Bool = false, locale: UILocale = .en, timeZone: String? = nil) {
            self.username = username
            self.displayName = displayName
            self.password = password
            self.isAdmin = isAdmin
            self.locale = locale
            self.timeZone = timeZone
        }
    }

    package static func validatePassword(_ password: String) throws {
        guard password.unicodeScalars.count >= TextLimit.password.min else {
            throw AppError.invalid("password", .atLeastCharacters(TextLimit.password.min))
        }
        guard password.unicodeScalars.count <= TextLimit.password.max else {
            throw AppError.invalid("password", .atMostCharacters(TextLimit.password.max))
        }
    }

    /// Validates and hashes a password, before any transaction opens: Bcrypt is slow on purpose.
    private static func hashIfGiven(_ password: String?, app: Application) async throws -> String? {
        guard let password else { return nil }
        try validatePassword(password)
        return try await app.hashPassword(password)
    }

    /// A name shown on one line (a person, team, exercise, window or token): trimmed, not empty, at
    /// most `TextLimit.name` characters, without line breaks or tabs; other control characters are
    /// refused for every field at the edge (`InputHygieneMiddleware`).
    package static func validateName(_ field: String, _ value: String) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw AppError.invalid(field, .notEmpty) }
        guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw AppError.invalid(field, .oneLine)
        }
        guard trimmed.unicodeScalars.count <= TextLimit.name else {
            throw AppError.invalid(field, .atMostCharacters(TextLimit.name))
        }
        return trimmed
    }

    package static func validateTimeZone(_ value: String?) throws -> String? {
        guard let value, !value.isEmpty else { return nil }
        guard TimeZone.iana(value) != nil else {
            throw AppError.invalid(
                "time_zone", .unknownTimeZone(value))
        }
        return value
    }

    package static func createUser(_ new: NewUser, by actor: AuditActor, app: Application) async throws -> User {
        let username = new.username.trimmingCharacters(in: .whitespaces).lowercased()
        guard Identifier.isValidUsername(username) else {
            throw AppError.invalid("username", "must use \(Identifier.usernameRule)", ko: S.usernameRule.ko)
        }
        let displayName = try validateName("display_name", new.displayName)
        let timeZone = try validateTimeZone(new.timeZone)
        let hash = try await hashIfGiven(new.password, app: app)
        let now = app.dependencies.now()
        return try await app.write { db in
            guard try await User.query(on: db).filter(\.$username == username).first() == nil else {
                throw AppError.conflict("username_taken", .usernameTaken(username))
            }
            let user = User(
                username: username, displayName: displayName, passwordHash: hash, isAdmin: new.isAdmin, locale: new.locale, timeZone: timeZone)
            try await user.create(on: db)
            try await Audit.record(
                AuditEvent(
                    action: "user.create", subjectType: "user", subject: username,
                    summary: "created user \(username)\(new.isAdmin ? " (administrator)" : "")"),
                by: actor, at: now, on: db)
            return user
        }
    }

    package struct UserPatch: Sendable {
        package var displayName: String?
        package var isAdmin: Bool?
        package var locale: UILocale?
        /// `.some(nil)` clears the zone.
        package var timeZone: String??
        package var disabled: Bool?
        package var password: String?
        /// With a new password: the credential that stays signed in (the one changing its own
        /// password); every other session and token of the user ends.
        package var keeping: Principal.Credential? = nil

        package init(displayName: String? = nil, isAdmin: Bool? = nil, locale: UILocale? = nil, timeZone: String?? = nil, disabled: Bool? = nil, password: String? = nil, keeping: Principal.Credential? = nil) {
            self.displayName = displayName
            self.isAdmin = isAdmin
            self.locale = locale
            self.timeZone = timeZone
            self.disabled = disabled
            self.password = password
            self.keeping = keeping
        }
    }

    @discardableResult
    package static func updateUser(_ username: String, _ patch: UserPatch, by actor: AuditActor, app: Application) async throws -> User {
        let displayName = try patch.displayName.map { try validateName("display_name", $0) }
        let timeZone = try patch.timeZone.map { try validateTimeZone($0) }
        let hash = try await hashIfGiven(patch.password, app: app)
        let now = app.dependencies.now()
        let updated = try await app.write { db in
            guard let user = try await User.query(on: db).filter(\.$username == username).first() else {
                throw AppError.notFound(.user(username))
            }
            var changes = ChangeSet()
            if let displayName {
                changes.note("display_name", user.displayName, displayName)
                user.displayName = displayName
            }
            if let isAdmin = patch.isAdmin {
                if !isAdmin, user.isAdmin, actor.id == user.id {
                    throw AppError.conflict("last_admin", .cannotRemoveOwnAdministrator)
                }
                changes.note("admin", String(user.isAdmin), String(isAdmin))
                user.isAdmin = isAdmin
            }
            if let locale = patch.locale {
                changes.note("locale", user.locale, locale.rawValue)
                user.locale = locale.rawValue
            }
            if let timeZone {
                changes.note("time_zone", user.timeZone, timeZone)
                user.timeZone = timeZone
            }
            if let disabled = patch.disabled {
                if disabled, actor.id == user.id {
                    throw AppError.conflict("self_disable", .cannotDisableOwnAccount)
                }
                changes.note("disabled", String(user.disabledAt != nil), String(disabled))
                user.disabledAt = disabled ? (user.disabledAt ?? now) : nil
                if disabled {
                    try await WebSession.query(on: db).filter(\.$user.$id == user.requireID()).delete()
                }
            }
            if let hash {
                // The hash itself never goes into the trail.
                changes.note("password", "•", "changed")
                user.passwordHash = hash
                // Whoever knew the old password is signed out everywhere else.
                let userID = try user.requireID()
                let sessions = WebSession.query(on: db).filter(\.$user.$id == userID)
                if case .session(let id, _) = patch.keeping { sessions.filter(\.$id != id) }
                try await sessions.delete()
                let tokens = APIToken.query(on: db).filter(\.$user.$id == userID).filter(\.$revokedAt == nil)
                if case .token(let id) = patch.keeping { tokens.filter(\.$id != id) }
                try await tokens.set(\.$revokedAt, to: now).update()
            }
            guard !changes.isEmpty else { return user }
            try await user.save(on: db)
            try await Audit.record(
                AuditEvent(
                    action: "user.update", subjectType: "user", subject: user.username,
                    summary: changes.summary, changes: changes.changes),
                by: actor, at: now, on: db)
            return user
        }
        // Cached credentials carry the user's name, language and admin role: let them be read again.
        app.credentialCache.forget(userID: try updated.requireID())
        return updated
    }

    // MARK: - Logging in

    package static let invalidCredentials = AppError(
        status: .unauthorized, code: "invalid_credentials", message: "Wrong username or password", korean: S.wrongCredentials.ko)

    /// Checks a username and password. Each try takes a slot before the password is verified, for
    /// the user from this address and for the address; a right password gives them back and clears
    /// the user's failures from this address. Failures from elsewhere never lock the user out here.
    package static func authenticate(username rawUsername: String, password: String, request: Request) async throws -> User {
        let username = rawUsername.trimmingCharacters(in: .whitespaces).lowercased()
        let limiters = request.application.limiters
        let now = request.now
        let address = request.sourceAddress ?? "unknown"
        let pairKey = "\(username)\n\(address)"
        let pair = try limiters.loginUserAddress.reserve(pairKey, now: now).orTooMany()
        let fromAddress: Limiter.Reservation
        do {
            fromAddress = try limiters.loginAddress.reserve(address, now: now).orTooMany()
        } catch {
            limiters.loginUserAddress.release(pair)
            throw error
        }
        let verified: (user: User?, matches: Bool)
        do {
            let user = try await User.query(on: request.db).filter(\.$username == username).first()
            // Verify against a fixed hash when the user is unknown, so timing does not reveal which names exist.
            let hash = user?.passwordHash ?? request.application.placeholderPasswordHash
            verified = (user, try await request.application.verifyPassword(password, hash: hash))
        } catch {
            limiters.loginUserAddress.release(pair)
            limiters.loginAddress.release(fromAddress)
            throw error
        }
        guard let user = verified.user, verified.matches, user.passwordHash != nil, user.disabledAt == nil else {
            request.logger.notice("failed login", metadata: ["username": .string(username), "address": .string(address)])
            throw invalidCredentials
        }
        limiters.loginUserAddress.reset(pairKey)
        limiters.loginAddress.release(fromAddress)
        return user
    }

    /// Opens a browser session and returns the cookie value.
    package static func openSession(for user: User, request: Request) async throws -> String {
        let token = request.dependencies.token()
        let csrf = request.dependencies.token(bytes: 24)
        let now = request.now
        let userID = try user.requireID()
        let address = request.sourceAddress
        try await request.write { db in
            // Expired sessions of this user go when a new one opens, so the table stays small without a sweeper.
            try await WebSession.query(on: db).filter(\.$user.$id == userID).filter(\.$expiresAt < now).delete()
            let session = WebSession(
                userID: userID, tokenHash: sha256Hex(token), csrfToken: csrf, now: now,
                expiresAt: now.addingTimeInterval(AuthenticationMiddleware.sessionLifetime), sourceAddress: address)
            try await session.create(on: db)
            try await Audit.record(
                AuditEvent(action: "auth.login", subjectType: "user", subject: user.username, summary: "logged in (browser)"),
                by: AuditActor(id: userID, name: user.username, sourceAddress: address), at: now, on: db)
        }
        return token
    }

    package struct IssuedToken: Sendable {
        package var token: String
        package var record: APIToken
    }

    /// Live tokens a user may hold; API logins beyond `maxLoginTokens` retire their oldest login token
    /// (a team's scripts may share one account, so the bound is generous: it keeps the table small).
    package static let maxTokens = 100
    package static let maxLoginTokens = 200
    package static let loginTokenName = "API login"

    /// Makes an API token. Tokens a user names are limited to `Limiters.tokenCreation` an hour and
    /// `maxTokens` live; an API login (`login: true`) instead retires the user's oldest login token
    /// once there are `maxLoginTokens`, so a bot that logs in every tick never runs out.
    package static func issueToken(
        userID: UUID, username: String, name: String, lifetime: TimeInterval?, login: Bool = false, by actor: AuditActor, app: Application
    ) async throws -> IssuedToken {
        let name = try validateName("name", name)
        let token = "rpt_" + app.dependencies.token()
        let now = app.dependencies.now()
        let slot = login ? nil : try app.limiters.tokenCreation.reserve(userID.uuidString, now: now).orTooMany()
        let record = APIToken(
            userID: userID, name: name, tokenHash: sha256Hex(token), prefix: String(token.prefix(10)),
            expiresAt: lifetime.map { now.addingTimeInterval($0) })
        do {
            try await app.write { db in
                let live = try await APIToken.query(on: db).filter(\.$user.$id == userID).filter(\.$revokedAt == nil)
                    .group(.or) { $0.filter(\.$expiresAt == nil).filter(\.$expiresAt > now) }.sort(\.$createdAt).all()
                if login {
                    // Expired and revoked login tokens go, so the table stays bounded; past the bound,
                    // the oldest live ones are retired.
                    try await APIToken.query(on: db).filter(\.$user.$id == userID).filter(\.$name == loginTokenName)
                        .group(.or) { $0.filter(\.$expiresAt < now).filter(\.$revokedAt != nil) }.delete()
                    let logins = live.filter { $0.name == loginTokenName }
                    for old in logins.prefix(max(0, logins.count - maxLoginTokens + 1)) {
                        old.revokedAt = now
                        try await old.save(on: db)
                    }
                } else if live.filter({ $0.name != loginTokenName }).count >= maxTokens {
                    throw AppError.conflict(
                        "too_many_tokens", .tooManyTokens(maxTokens))
                }
                try await record.create(on: db)
            try await Audit.record(
                AuditEvent(
                    action: "token.create", subjectType: "user", subject: username, summary: "created API token '\(name)' (\(record.prefix)…)"),
                by: actor, at: now, on: db)
            }
        } catch {
            if let slot { app.limiters.tokenCreation.release(slot) }
            throw error
        }
        app.credentialCache.forget(userID: userID)
        return IssuedToken(token: token, record: record)
    }

    package static func revokeToken(id: UUID, ownerID: UUID, username: String, by actor: AuditActor, app: Application) async throws {
        let now = app.dependencies.now()
        defer { app.credentialCache.forget(userID: ownerID) }
        try await app.write { db in
            // Filtered by owner: a user can only ever reach their own tokens.
            guard let token = try await APIToken.query(on: db).filter(\.$id == id).filter(\.$user.$id == ownerID).first() else {
                throw AppError.notFound(.token)
            }
            guard token.revokedAt == nil else { return }
            token.revokedAt = now
            try await token.save(on: db)
            try await Audit.record(
                AuditEvent(
                    action: "token.revoke", subjectType: "user", subject: username, summary: "revoked API token '\(token.name)' (\(token.prefix)…)"),
                by: actor, at: now, on: db)
        }
    }

    /// Ends the credential the request came with: the session, or the API token.
    package static func logOut(_ request: Request) async throws {
        guard let principal = request.principal else { return }
        let now = request.now
        defer { request.application.credentialCache.forget(userID: principal.id) }
        let actor = request.auditActor
        try await request.write { db in
            switch principal.credential {
            case .session(let id, _):
                try await WebSession.query(on: db).filter(\.$id == id).delete()
            case .token(let id):
                try await APIToken.query(on: db).filter(\.$id == id).set(\.$revokedAt, to: now).update()
            }
            try await Audit.record(
                AuditEvent(action: "auth.logout", subjectType: "user", subject: principal.username, summary: "logged out"),
                by: actor, at: now, on: db)
        }
    }
}
