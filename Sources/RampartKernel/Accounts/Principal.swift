import Fluent
import RampartCore
import Vapor

/// The authenticated user of a request, and how they proved it.
package struct Principal: Sendable {
    package enum Credential: Sendable {
        /// A browser session; form posts must carry its CSRF token.
        case session(id: UUID, csrfToken: String)
        /// An API token sent as `Authorization: Bearer …`; not sent by browsers on their own, so no CSRF token.
        case token(id: UUID)
    }

    package var id: UUID
    package var username: String
    package var displayName: String
    package var isAdmin: Bool
    package var locale: UILocale
    package var timeZone: String?
    package var credential: Credential

    package init(user: User, credential: Credential) throws {
        self.id = try user.requireID()
        self.username = user.username
        self.displayName = user.displayName
        self.isAdmin = user.isAdmin
        self.locale = user.uiLocale
        self.timeZone = user.timeZone
        self.credential = credential
    }
}

extension Request {
    private struct PrincipalKey: StorageKey {
        typealias Value = Principal
    }

    package var principal: Principal? {
        get { storage[PrincipalKey.self] }
        set { storage[PrincipalKey.self] = newValue }
    }

    package func requirePrincipal() throws -> Principal {
        guard let principal else { throw AppError.unauthenticated }
        return principal
    }
}

/// Resolves the principal from a bearer token or a session cookie, for every request.
///
/// Credentials found in the database are remembered for `CredentialCache.lifetime` seconds, so most
/// requests need no query to know who is calling. A change on this node (logout, revocation, a user
/// edited or disabled) forgets that user's entries at once; other nodes notice within the lifetime.
package struct AuthenticationMiddleware: AsyncMiddleware {
    package static let sessionCookie = "rampart_session"
    package static let sessionLifetime: TimeInterval = 7 * 24 * 3600
    /// Last-seen times are written at most this often, not on every request.
    package static let touchInterval: TimeInterval = 300

    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let bearer = request.headers.bearerAuthorization?.token {
            let hash = sha256Hex(bearer)
            let now = request.now
            if let cached = request.application.credentialCache.usablePrincipal(hash, now: now) {
                request.principal = cached
                return try await next.respond(to: request)
            }
            // Each token not in the cache costs a query: requests with the same token share one, and
            // each query takes a slot for the address, given back when the token is good, so a flood of
            // made-up tokens is refused before it reaches the database.
            let limiter = request.application.limiters.tokens
            let address = request.sourceAddress ?? "unknown"
            let lookup = try await request.application.credentialCache.tokenLookups.run(hash) {
                let slot = try limiter.reserve(address, now: now).orTooMany()
                do {
                    let found = try await principal(forToken: hash, request: request)
                    if found != nil { limiter.release(slot) }
                    return TokenLookup(principal: found)
                } catch {
                    limiter.release(slot)
                    throw error
                }
            }
            guard let principal = lookup.principal else {
                throw AppError(status: .unauthorized, code: "invalid_token", message: "The API token is unknown, revoked or expired")
            }
            request.principal = principal
        } else if let cookie = request.cookies[Self.sessionCookie]?.string {
            request.principal = try await principal(forSession: sha256Hex(cookie), request: request)
        }
        return try await next.respond(to: request)
    }

    /// The token's principal from the database (the caller looked in the cache), remembered there.
    private func principal(forToken hash: String, request: Request) async throws -> Principal? {
        let now = request.now
        let cache = request.application.credentialCache
        // One query with the user joined.
        let token = try await APIToken.query(on: request.db)
            .join(User.self, on: \APIToken.$user.$id == \User.$id)
            .filter(\.$tokenHash == hash).filter(\.$revokedAt == nil).first()
        guard let token, let user = try? token.joined(User.self), token.expiresAt.map({ $0 > now }) ?? true, user.disabledAt == nil else {
            return nil
        }
        if token.lastUsedAt.map({ now.timeIntervalSince($0) > Self.touchInterval }) ?? true {
            token.lastUsedAt = now
            // Through the write gate like every other write: a write beside it would break SQLite's
            // queued transactions (SQLITE_BUSY_SNAPSHOT).
            let id = try token.requireID()
            try await request.application.write(clearingCaches: false) { db in
                try await APIToken.query(on: db).filter(\.$id == id).set(\.$lastUsedAt, to: now).update()
            }
        }
        let principal = try Principal(user: user, credential: .token(id: token.requireID()))
        cache.remember(hash, .init(principal: principal, expiresAt: token.expiresAt, lastSeenAt: token.lastUsedAt ?? now), now: now)
        return principal
    }

    private func principal(forSession hash: String, request: Request) async throws -> Principal? {
        let now = request.now
        let cache = request.application.credentialCache
        if let principal = cache.usablePrincipal(hash, now: now) { return principal }
        let session = try await WebSession.query(on: request.db)
            .join(User.self, on: \WebSession.$user.$id == \User.$id)
            .filter(\.$tokenHash == hash).first()
        guard let session, let user = try? session.joined(User.self), session.expiresAt > now, user.disabledAt == nil else {
            return nil
        }
        if now.timeIntervalSince(session.lastSeenAt) > Self.touchInterval {
            session.lastSeenAt = now
            session.expiresAt = now.addingTimeInterval(Self.sessionLifetime)
            let id = try session.requireID()
            let expiresAt = session.expiresAt
            try await request.application.write(clearingCaches: false) { db in
                try await WebSession.query(on: db).filter(\.$id == id).set(\.$lastSeenAt, to: now).set(\.$expiresAt, to: expiresAt).update()
            }
        }
        let principal = try Principal(user: user, credential: .session(id: session.requireID(), csrfToken: session.csrfToken))
        cache.remember(hash, .init(principal: principal, expiresAt: session.expiresAt, lastSeenAt: session.lastSeenAt), now: now)
        return principal
    }

    package init() {}
}

/// What looking a token up found: its principal, or nil for a token that is no good.
package struct TokenLookup: Sendable {
    package let principal: Principal?
}

/// Credentials recently found valid, by the SHA-256 of the secret. Bounded; entries live `lifetime` seconds.
package final class CredentialCache: Sendable {
    package struct Entry: Sendable {
        package var principal: Principal
        package var expiresAt: Date?
        package var lastSeenAt: Date
    }

    package static let lifetime: TimeInterval = 5
    private let entries = TimedCache<Entry>(lifetime: lifetime)
    /// Requests arriving together with a token not in the cache look it up once.
    package let tokenLookups = SingleFlight<TokenLookup>()

    /// The cached principal, unless the entry is older than `lifetime`, the credential has expired, or
    /// its last-seen time is due to be written again (which needs the database).
    package func usablePrincipal(_ hash: String, now: Date) -> Principal? {
        guard let entry = entries.value(hash, now: now), entry.expiresAt.map({ $0 > now }) ?? true,
            now.timeIntervalSince(entry.lastSeenAt) <= AuthenticationMiddleware.touchInterval
        else { return nil }
        return entry.principal
    }

    package func remember(_ hash: String, _ entry: Entry, now: Date) {
        entries.remember(entry, hash, now: now)
    }

    /// Forgets everything: after changes to many users at once (an exercise file).
    package func forgetAll() {
        entries.forgetAll()
    }

    /// Forgets every credential of `userID`: after a logout, a revocation or any change to the user.
    package func forget(userID: UUID) {
        entries.forget { $0.principal.id == userID }
    }

    package init() {}
}

extension Application {
    private struct CredentialCacheKey: StorageKey {
        typealias Value = CredentialCache
    }

    package var credentialCache: CredentialCache {
        get {
            storage.configured(CredentialCacheKey.self)
        }
        set { storage[CredentialCacheKey.self] = newValue }
    }
}
