import Fluent
import RampartCore
import Vapor

/// The authenticated user of a request, and how they proved it.
struct Principal: Sendable {
    enum Credential: Sendable {
        /// A browser session; form posts must carry its CSRF token.
        case session(id: UUID, csrfToken: String)
        /// An API token sent as `Authorization: Bearer …`; not sent by browsers on their own, so no CSRF token.
        case token(id: UUID)
    }

    var id: UUID
    var username: String
    var displayName: String
    var isAdmin: Bool
    var locale: UILocale
    var timeZone: String?
    var credential: Credential

    init(user: User, credential: Credential) throws {
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

    var principal: Principal? {
        get { storage[PrincipalKey.self] }
        set { storage[PrincipalKey.self] = newValue }
    }

    func requirePrincipal() throws -> Principal {
        guard let principal else { throw AppError.unauthenticated }
        return principal
    }
}

/// Resolves the principal from a bearer token or a session cookie, for every request.
struct AuthenticationMiddleware: AsyncMiddleware {
    static let sessionCookie = "rampart_session"
    static let sessionLifetime: TimeInterval = 7 * 24 * 3600
    /// Last-seen times are written at most this often, not on every request.
    static let touchInterval: TimeInterval = 300

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let now = request.now
        if let bearer = request.headers.bearerAuthorization?.token {
            // One query with the user joined: this runs before every API call.
            let token = try await APIToken.query(on: request.db)
                .join(User.self, on: \APIToken.$user.$id == \User.$id)
                .filter(\.$tokenHash == sha256Hex(bearer)).filter(\.$revokedAt == nil).first()
            let user = try token?.joined(User.self)
            guard let token, let user, token.expiresAt.map({ $0 > now }) ?? true, user.disabledAt == nil else {
                throw AppError(status: .unauthorized, code: "invalid_token", message: "The API token is unknown, revoked or expired")
            }
            if token.lastUsedAt.map({ now.timeIntervalSince($0) > Self.touchInterval }) ?? true {
                token.lastUsedAt = now
                try await token.save(on: request.db)
            }
            request.principal = try Principal(user: user, credential: .token(id: token.requireID()))
        } else if let cookie = request.cookies[Self.sessionCookie]?.string {
            let session = try await WebSession.query(on: request.db)
                .join(User.self, on: \WebSession.$user.$id == \User.$id)
                .filter(\.$tokenHash == sha256Hex(cookie)).first()
            if let session, let user = try? session.joined(User.self), session.expiresAt > now, user.disabledAt == nil {
                if now.timeIntervalSince(session.lastSeenAt) > Self.touchInterval {
                    session.lastSeenAt = now
                    session.expiresAt = now.addingTimeInterval(Self.sessionLifetime)
                    try await session.save(on: request.db)
                }
                request.principal = try Principal(user: user, credential: .session(id: session.requireID(), csrfToken: session.csrfToken))
            }
        }
        return try await next.respond(to: request)
    }
}
