import Fluent
import RampartCore
import Vapor

package struct UserDTO: Content {
    package var id: UUID
    package var username: String
    package var displayName: String
    package var admin: Bool
    package var locale: String
    package var timeZone: String?
    package var disabled: Bool
    package var hasPassword: Bool

    package enum CodingKeys: String, CodingKey {
        case id, username, admin, locale, disabled
        case displayName = "display_name"
        case timeZone = "time_zone"
        case hasPassword = "has_password"
    }

    package init(_ user: User) {
        id = user.id!
        username = user.username
        displayName = user.displayName
        admin = user.isAdmin
        locale = user.locale
        timeZone = user.timeZone
        disabled = user.disabledAt != nil
        hasPassword = user.passwordHash != nil
    }
}

package struct MembershipDTO: Content {
    package var exercise: String
    package var team: String
    package var kind: TeamKind
    package var judge: Bool
}

package struct MeDTO: Content {
    package var user: UserDTO
    package var memberships: [MembershipDTO]
}

package struct TokenDTO: Content {
    package var id: UUID
    package var name: String
    package var prefix: String
    package var createdAt: Date?
    package var lastUsedAt: Date?
    package var expiresAt: Date?
    package var revoked: Bool

    package enum CodingKeys: String, CodingKey {
        case id, name, prefix, revoked
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case expiresAt = "expires_at"
    }

    package init(_ token: APIToken) {
        id = token.id!
        name = token.name
        prefix = token.prefix
        createdAt = token.createdAt
        lastUsedAt = token.lastUsedAt
        expiresAt = token.expiresAt
        revoked = token.revokedAt != nil
    }
}

package enum AccountsAPI {
    package struct LoginBody: StrictDecodable {
        package var username: String
        package var password: String
        package enum CodingKeys: String, CodingKey, CaseIterable { case username, password }
    }

    package struct LoginResponse: Content {
        package var token: String
        package var user: UserDTO
    }

    /// API logins get a token that lasts a day; longer-lived ones are made on purpose under /me/tokens.
    package static let loginTokenLifetime: TimeInterval = 24 * 3600

    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.POST, .apiLogin, .anyone, use: logIn)
        routes.endpoint(.POST, .apiLogout, .signedIn, use: logOut)
        routes.endpoint(.GET, .apiMe, .signedIn, use: me)
        routes.endpoint(.GET, .apiTokens, .signedIn, use: listTokens)
        routes.endpoint(.POST, .apiTokens, .signedIn, use: createToken)
        routes.endpoint(.DELETE, .apiToken(AppRoute.param.token), .signedIn, use: revokeToken)
        routes.endpoint(.POST, .apiJoin, .signedIn, use: join)
        // Users: administrators only.
        routes.endpoint(.GET, .apiUsers, .admin, use: listUsers)
        routes.endpoint(.POST, .apiUsers, .admin, use: createUser)
        routes.endpoint(.GET, .apiUser(AppRoute.param.username), .admin, use: user)
        routes.endpoint(.PATCH, .apiUser(AppRoute.param.username), .admin, use: updateUser)
    }

    // MARK: The caller's own account

    @Sendable package static func logIn(_ req: Request) async throws -> LoginResponse {
        let body = try req.decodeStrict(LoginBody.self)
        let user = try await Accounts.authenticate(username: body.username, password: body.password, request: req)
        let actor = AuditActor(id: user.id, name: user.username, sourceAddress: req.sourceAddress)
        let issued = try await Accounts.issueToken(
            userID: try user.requireID(), username: user.username, name: Accounts.loginTokenName, lifetime: loginTokenLifetime,
            login: true, by: actor, app: req.application)
        return LoginResponse(token: issued.token, user: UserDTO(user))
    }

    @Sendable package static func logOut(_ req: Request) async throws -> HTTPStatus {
        try await Accounts.logOut(req)
        return .noContent
    }

    @Sendable package static func me(_ req: Request) async throws -> MeDTO {
        let principal = try req.requirePrincipal()
        guard let user = try await User.find(principal.id, on: req.db) else { throw AppError.unauthenticated }
        let memberships = try await Membership.query(on: req.db).filter(\.$user.$id == principal.id)
            .with(\.$team).with(\.$exercise).all()
        return MeDTO(
            user: UserDTO(user),
            memberships: memberships.map {
                MembershipDTO(exercise: $0.exercise.slug, team: $0.team.slug, kind: $0.team.kind, judge: $0.judge)
            })
    }

    @Sendable package static func listTokens(_ req: Request) async throws -> [TokenDTO] {
        let principal = try req.requirePrincipal()
        return try await APIToken.query(on: req.db).filter(\.$user.$id == principal.id)
            .sort(\.$createdAt, .descending).all().map(TokenDTO.init)
    }

    package struct TokenBody: StrictDecodable {
        package var name: String
        package var expiresInDays: Int?
        package enum CodingKeys: String, CodingKey, CaseIterable {
            case name
            case expiresInDays = "expires_in_days"
        }
    }

    package struct CreatedToken: Content {
        package var token: String
        package var info: TokenDTO
    }

    @Sendable package static func createToken(_ req: Request) async throws -> Response {
        let body = try req.decodeStrict(TokenBody.self)
        if let days = body.expiresInDays, !(1...3650).contains(days) {
            throw AppError.invalid("expires_in_days", "must be from 1 to 3650")
        }
        let principal = try req.requirePrincipal()
        let issued = try await Accounts.issueToken(
            userID: principal.id, username: principal.username, name: body.name,
            lifetime: body.expiresInDays.map { Double($0) * 86400 }, by: req.auditActor, app: req.application)
        return try created(CreatedToken(token: issued.token, info: TokenDTO(issued.record)))
    }

    @Sendable package static func revokeToken(_ req: Request) async throws -> HTTPStatus {
        let principal = try req.requirePrincipal()
        guard let id = req.parameters.get("token", as: UUID.self) else { throw AppError.notFound(.token) }
        try await Accounts.revokeToken(id: id, ownerID: principal.id, username: principal.username, by: req.auditActor, app: req.application)
        return .noContent
    }

    package struct JoinBody: StrictDecodable {
        package var code: String
        package enum CodingKeys: String, CodingKey, CaseIterable { case code }
    }

    @Sendable package static func join(_ req: Request) async throws -> MembershipDTO {
        let body = try req.decodeStrict(JoinBody.self)
        let (exercise, team) = try await Teams.join(
            code: body.code, principal: try req.requirePrincipal(), by: req.auditActor, app: req.application)
        return MembershipDTO(exercise: exercise.slug, team: team.slug, kind: team.kind, judge: false)
    }

    // MARK: Users (administrators)

    @Sendable package static func listUsers(_ req: Request) async throws -> [UserDTO] {
        try await User.query(on: req.db).sort(\.$username).all().map(UserDTO.init)
    }

    package struct NewUserBody: StrictDecodable {
        package var username: String
        package var displayName: String?
        package var password: String?
        package var admin: Bool?
        package var locale: UILocale?
        package var timeZone: String?
        package enum CodingKeys: String, CodingKey, CaseIterable {
            case username, password, admin, locale
            case displayName = "display_name"
            case timeZone = "time_zone"
        }
    }

    @Sendable package static func createUser(_ req: Request) async throws -> Response {
        let body = try req.decodeStrict(NewUserBody.self)
        let user = try await Accounts.createUser(
            .init(
                username: body.username, displayName: body.displayName ?? body.username, password: body.password,
                isAdmin: body.admin ?? false, locale: body.locale ?? .en, timeZone: body.timeZone),
            by: req.auditActor, app: req.application)
        return try created(UserDTO(user))
    }

    @Sendable package static func user(_ req: Request) async throws -> UserDTO {
        let username = try req.parameters.require("username")
        guard let user = try await User.query(on: req.db).filter(\.$username == username).first() else {
            throw AppError.notFound(.user(username))
        }
        return UserDTO(user)
    }

    package struct UserChangeBody: StrictDecodable {
        package var displayName: String?
        package var password: String?
        package var admin: Bool?
        package var locale: UILocale?
        package var timeZone: String?
        package var disabled: Bool?
        package enum CodingKeys: String, CodingKey, CaseIterable {
            case password, admin, locale, disabled
            case displayName = "display_name"
            case timeZone = "time_zone"
        }
    }

    @Sendable package static func updateUser(_ req: Request) async throws -> UserDTO {
        let body = try req.decodeStrict(UserChangeBody.self)
        let username = try req.parameters.require("username")
        let user = try await Accounts.updateUser(
            username,
            .init(
                displayName: body.displayName, isAdmin: body.admin, locale: body.locale,
                timeZone: body.timeZone.map { $0.isEmpty ? nil : $0 }, disabled: body.disabled, password: body.password,
                keeping: req.principal.flatMap { $0.username == username ? $0.credential : nil }),
            by: req.auditActor, app: req.application)
        return UserDTO(user)
    }
}
