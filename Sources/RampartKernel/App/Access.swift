import Fluent
import RampartCore
import Vapor

/// Who may call a route. Every route declares one (`RoutesBuilder.endpoint`); the route-by-role
/// test walks every registered route with every role and fails on a route without one.
package enum Access: Sendable, Equatable, CustomStringConvertible {
    /// No login needed.
    case anyone
    /// Any logged-in user.
    case signedIn
    /// A platform administrator.
    case admin
    /// A member of the exercise named by the `:slug` parameter whose team is one of these kinds.
    /// Platform administrators count as white team everywhere.
    case exercise(Set<TeamKind>)
    /// Every member of the exercise; anyone at all, logged in or not, when the exercise's scoreboard
    /// is public (`public_scoreboard`), who then reads it as an observer would.
    case scoreboard
    /// White-team members and observers (yellow); anyone at all, as an observer, when the scoreboard is
    /// public: the command centre's wall.
    case observers

    package static let everyMember = Access.exercise(Set(TeamKind.allCases))
    package static let white = Access.exercise([.white])

    package var description: String {
        switch self {
        case .anyone: "anyone"
        case .signedIn: "signed in"
        case .admin: "admin"
        case .exercise(let kinds): "exercise: " + kinds.sorted().map(\.rawValue).joined(separator: ", ")
        case .scoreboard: "exercise: every member, or anyone if the scoreboard is public"
        case .observers: "exercise: white and yellow, or anyone if the scoreboard is public"
        }
    }
}

/// The exercise a request is about and the caller's place in it.
package struct ExerciseContext: Sendable {
    package let exercise: Exercise
    /// The caller's team kind, `.white` for platform administrators.
    package let role: TeamKind
    /// The caller's team; nil for administrators who are not members.
    package let team: Team?
    package let judge: Bool

    package init(exercise: Exercise, role: TeamKind, team: Team?, judge: Bool) {
        self.exercise = exercise
        self.role = role
        self.team = team
        self.judge = judge
    }

    package var isWhite: Bool { role == .white }
    package var exerciseID: UUID { exercise.id! }

    /// The freeze time once it has passed, for everyone but the white team: what they are shown of
    /// other teams stops there (boards, solve counts, values). Nil: they see everything live.
    package func frozenAt(now: Date) -> Date? {
        guard !isWhite, let freezeAt = exercise.freezeAt, now >= freezeAt else { return nil }
        return freezeAt
    }
}

extension Request {
    private struct ExerciseContextKey: StorageKey {
        typealias Value = ExerciseContext
    }

    /// Set by `authorize` on routes with `Access.exercise`.
    package var exerciseContext: ExerciseContext {
        get throws {
            guard let context = storage[ExerciseContextKey.self] else { throw AppError.forbidden() }
            return context
        }
    }

    package func authorize(_ access: Access) async throws {
        switch access {
        case .anyone:
            return
        case .signedIn:
            _ = try requirePrincipal()
        case .admin:
            guard try requirePrincipal().isAdmin else { throw AppError.forbidden(.onlyAdministrators) }
        case .exercise(let kinds):
            let principal = try requirePrincipal()
            let context = try await loadExerciseContext(for: principal)
            guard kinds.contains(context.role) else {
                throw AppError.forbidden(.teamMayNotDoThis(context.role.rawValue, S.kind(context.role).ko))
            }
            storage[ExerciseContextKey.self] = context
        case .scoreboard, .observers:
            do {
                let context = try await loadExerciseContext(for: requirePrincipal())
                if access == .observers, ![.white, .yellow].contains(context.role) {
                    throw AppError.forbidden(.teamMayNotDoThis(context.role.rawValue, S.kind(context.role).ko))
                }
                storage[ExerciseContextKey.self] = context
            } catch let error as AppError where [.unauthorized, .notFound].contains(error.status) {
                // Not a member: the public scoreboard, if there is one; otherwise the member answer.
                guard let context = try await publicScoreboardContext() else { throw error }
                storage[ExerciseContextKey.self] = context
            }
        }
    }

    /// The observer's view of an exercise whose scoreboard is public; nil when it is not.
    /// Cached like members' contexts (a settings change on this node clears it at once).
    private func publicScoreboardContext() async throws -> ExerciseContext? {
        let slug = try parameters.require("slug")
        let cache = application.contextCache
        let now = self.now
        let key = cache.key(slug, ExerciseContextCache.publicViewer, false)
        if let cached = cache.context(key, now: now) { return cached }
        guard let exercise = try await Exercise.query(on: db).filter(\.$slug == slug).first(), exercise.publicScoreboard else { return nil }
        let context = ExerciseContext(exercise: exercise, role: .yellow, team: nil, judge: false)
        cache.remember(context, key, now: now)
        return context
    }

    private func loadExerciseContext(for principal: Principal) async throws -> ExerciseContext {
        let slug = try parameters.require("slug")
        let now = self.now
        let cache = application.contextCache
        let key = cache.key(slug, principal.id, principal.isAdmin)
        if let cached = cache.context(key, now: now) { return cached }
        return try await cache.loads.run(key) {
            let context = try await self.queryExerciseContext(slug: slug, principal: principal)
            cache.remember(context, key, now: now)
            return context
        }
    }

    private func queryExerciseContext(slug: String, principal: Principal) async throws -> ExerciseContext {
        // A non-member is told the exercise does not exist, so slugs cannot be probed.
        let notFound = AppError.notFound(.exercise(slug))
        guard let exercise = try await Exercise.query(on: db).filter(\.$slug == slug).first() else { throw notFound }
        let membership = try await Membership.query(on: db)
            .filter(\.$exercise.$id == exercise.requireID())
            .filter(\.$user.$id == principal.id)
            .with(\.$team).first()
        if let membership {
            let role = principal.isAdmin ? .white : membership.team.kind
            return ExerciseContext(exercise: exercise, role: role, team: membership.team, judge: membership.judge)
        }
        guard principal.isAdmin else { throw notFound }
        return ExerciseContext(exercise: exercise, role: .white, team: nil, judge: false)
    }
}

/// Exercise contexts by (exercise, user), kept `lifetime` seconds so the hot routes (flag submissions,
/// scoreboard) need no query to authorise. Every write through `Application.write` on this node empties
/// it; a change made on another node reaches this one within `lifetime`.
package final class ExerciseContextCache: Sendable {
    package static let lifetime: TimeInterval = 5
    private let entries = TimedCache<ExerciseContext>(lifetime: lifetime)
    /// Simultaneous first requests of one user load its context once.
    package let loads = SingleFlight<ExerciseContext>()

    package func key(_ slug: String, _ user: UUID, _ isAdmin: Bool) -> String { "\(slug)|\(user)|\(isAdmin)" }

    /// The user id under which the public view of an exercise is cached.
    package static let publicViewer = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    package func context(_ key: String, now: Date) -> ExerciseContext? {
        entries.value(key, now: now)
    }

    package func remember(_ context: ExerciseContext, _ key: String, now: Date) {
        entries.remember(context, key, now: now)
    }

    package func forgetAll() {
        entries.forgetAll()
    }

    package init() {}
}

extension Application {
    private struct ExerciseContextCacheKey: StorageKey {
        typealias Value = ExerciseContextCache
    }

    package var contextCache: ExerciseContextCache {
        get { storage.configured(ExerciseContextCacheKey.self) }
        set { storage[ExerciseContextCacheKey.self] = newValue }
    }
}

extension Route {
    package var access: Access? { userInfo["access"] as? Access }
}

extension RoutesBuilder {
    /// Registers a route with its access rule. The handler runs only after the caller is authorised
    /// and, for a state change from a browser session, its CSRF token checked — except on a route
    /// whose form streams in (`formInStream`), where `StreamedForm.read` checks it before storing
    /// anything, since the token is in the body that has not arrived yet.
    @discardableResult
    package func endpoint<Response: AsyncResponseEncodable>(
        _ method: HTTPMethod, _ route: AppRoute, _ access: Access,
        body: HTTPBodyStreamStrategy = .collect, formInStream: Bool = false,
        use handler: @escaping @Sendable (Request) async throws -> Response
    ) -> Route {
        let registered = on(method, route.pathComponents, body: body) { request in
            try await request.authorize(access)
            if ![.GET, .HEAD, .OPTIONS].contains(request.method), !formInStream {
                try CSRF.verify(request)
            }
            // Members' pages get the exercise's tabs; a public scoreboard's outside reader has no other page to go to.
            if !route.isAPI, let context = try? request.exerciseContext, context.team != nil || request.principal?.isAdmin == true {
                request.pageNavigation = try await request.exerciseNavigation(context)
                // A live page's refetch swaps only its `data-live` parts, which the banners are not.
                if request.headers.first(name: "X-Rampart-Live") == nil {
                    request.pageBanners = try await Announcements.banners(context, on: request.db)
                }
            }
            return try await handler(request)
        }
        registered.userInfo["access"] = access
        switch body {
        case .collect(maxSize: nil): break
        default: registered.userInfo["files"] = true  // a body limit of its own: a file upload
        }
        return registered
    }
}
