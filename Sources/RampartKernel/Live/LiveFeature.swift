import Fluent
import Foundation
import Plot
import RampartCore
import Vapor

/// Live delivery and announcements: the events table, this node's hub, the WebSocket endpoint, and the
/// white team's messages. In the kernel because every page of every feature shows them.
package struct LiveFeature: Feature {
    package init() {}

    package var migrations: [any Migration] { [M016CreateLiveEvents(), M017CreateAnnouncements()] }

    package func boot(_ app: Application) throws {
        if app.liveHub == nil { app.liveHub = LiveHub() }
    }

    package func routes(_ app: Application) throws {
        LiveAPI.register(app)
        AnnouncementPages.register(app)
    }

    package var lifecycle: [any LifecycleHandler] { [LiveLifecycle()] }

    package func navigation(_ req: Request, _ context: ExerciseContext) async throws -> [NavigationLink] {
        let slug = context.exercise.slug
        var links = [NavigationLink(.announcements, .announcements(slug), position: 80)]
        if context.isWhite || context.role == .yellow { links.append(NavigationLink(.commandCentre, .command(slug), position: 5)) }
        return links
    }

    package var exerciseFileSections: [any ExerciseFileSectionStore] { [AnnouncementsFileSection()] }

    package var auditActions: [String: Phrase] { Phrase.liveAuditActions }
}

/// `GET …/live` (the WebSocket) and `…/announcements`.
package enum LiveAPI {
    package static let announcers = Access.white

    package static func register(_ routes: any RoutesBuilder) {
        let slug = AppRoute.param.slug
        // Every member, and outside readers of a public board (as observers). Authenticated here,
        // before the upgrade, by the session cookie or a bearer token like every other route.
        routes.endpoint(.GET, .apiLive(slug), .scoreboard) { req async throws -> Response in
            try upgrade(req)
        }
        routes.endpoint(.GET, .apiAnnouncements(slug), .everyMember) { req async throws -> [AnnouncementDTO] in
            let context = try req.exerciseContext
            let all = try req.query.flag("withdrawn")
            let list = try await Announcements.visible(context, includingWithdrawn: all, on: req.db)
            let slugs = try await teamSlugs(context, req)
            return list.map { Announcements.dto($0, teams: slugs) }
        }
        routes.endpoint(.POST, .apiAnnouncements(slug), announcers) { req async throws -> Response in
            let input = try req.decodeStrict(Announcements.Input.self)
            let context = try req.exerciseContext
            let now = req.now
            let (spec, teamIDs) = try await Announcements.spec(
                input, exerciseID: context.exerciseID, generatedKey: generatedKey(req), on: req.db)
            let posted = try await Announcements.post(spec, teamIDs: teamIDs, exerciseID: context.exerciseID, by: req.auditActor, now: now, app: req.application)
            return try created(Announcements.dto(posted, teams: try await teamSlugs(context, req)))
        }
        routes.endpoint(.DELETE, .apiAnnouncement(slug, AppRoute.param.announcement), announcers) { req async throws -> AnnouncementDTO in
            let context = try req.exerciseContext
            let withdrawn = try await Announcements.withdraw(
                try announcementID(req), exerciseID: context.exerciseID, by: req.auditActor, now: req.now, app: req.application)
            return Announcements.dto(withdrawn, teams: try await teamSlugs(context, req))
        }
    }

    static func teamSlugs(_ context: ExerciseContext, _ req: Request) async throws -> [UUID: String] {
        let teams = try await Team.query(on: req.db).filter(\.$exercise.$id == context.exerciseID).all()
        return Dictionary(uniqueKeysWithValues: teams.compactMap { team in team.id.map { ($0, team.slug) } })
    }

    static func announcementID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("announcement").flatMap(UUID.init(uuidString:)) else { throw AppError.notFound(.announcement) }
        return id
    }

    /// A key for an announcement posted without one: `a-` and random letters.
    static func generatedKey(_ req: Request) -> String {
        "a-" + req.dependencies.token(bytes: 6).lowercased().filter { $0.isLetter || $0.isNumber }.prefix(10)
    }

    /// Checks the request is a WebSocket upgrade from this site, within the limits, and answers with
    /// the upgrade; `LiveHub.serve` does the rest.
    static func upgrade(_ req: Request) throws -> Response {
        // The query first: a bad `since` is a 422 whether or not the request is an upgrade.
        let since = try req.query.integer("since", in: 0...Int.max, .liveSinceNumber).map(Int64.init)
        let wantsSocket = req.headers[.upgrade].contains { $0.lowercased() == "websocket" }
        guard wantsSocket else {
            throw AppError(
                status: .upgradeRequired, code: "upgrade_required",
                message: "This endpoint is a WebSocket: connect with Upgrade: websocket (see docs/live.md)", headers: ["Upgrade": "websocket"])
        }
        // A page of another site must not open a socket with this user's cookie (cross-site WebSocket
        // hijacking): a browser always sends Origin, and it must be this site.
        if let origin = req.headers.first(name: .origin), case .session = req.principal?.credential {
            guard sameSite(origin, req) else { throw AppError.forbidden(.crossSiteSocket) }
        }
        let context = try req.exerciseContext
        guard let hub = req.application.liveHub else { throw AppError.busy }
        let key = req.principal.map { "user:\($0.id)" } ?? "address:\(req.sourceAddress ?? "?")"
        guard hub.hasRoom(for: key, app: req.application) else {
            throw AppError(status: .tooManyRequests, code: "too_many_connections", .tooManyLiveConnections, headers: ["Retry-After": "10"])
        }
        let viewer = LiveViewer(role: context.role, teamID: context.team?.id)
        let exercise = context.exercise
        let app = req.application
        return req.webSocket(maxFrameSize: .init(integerLiteral: 1 << 12)) { _, ws in
            await hub.serve(ws, viewer: viewer, exercise: exercise, since: since, key: key, app: app)
        }
    }

    /// Whether `origin` (`https://host:port`) is the host the request was sent to, or the public URL.
    static func sameSite(_ origin: String, _ req: Request) -> Bool {
        guard let url = URL(string: origin), let host = url.host else { return false }
        let port = url.port.map { ":\($0)" } ?? ""
        if let configured = req.application.rampart.publicURL, let publicURL = URL(string: configured), publicURL.host == host,
            publicURL.port == url.port
        {
            return true
        }
        return req.headers.first(name: .host)?.lowercased() == (host + port).lowercased()
    }
}

/// The exercise file's `announcements:`: each posted when the file is applied, matched by `key`.
struct AnnouncementsFileSection: ExerciseFileSectionStore {
    var section: any ExerciseFileSection.Type { AnnouncementsSection.self }

    func plan(_ file: ExerciseFile, _ context: ExerciseFilePlanning) async throws -> ExerciseFileSectionPlan {
        var plan = ExerciseFileSectionPlan()
        guard let wanted = file.section(AnnouncementsSection.self)?.announcements, !wanted.isEmpty else { return plan }
        var stored: [Announcement] = []
        var slugs: [UUID: String] = [:]
        if let exercise = context.exercise {
            stored = try await Announcement.query(on: context.app.db).filter(\.$exerciseID == exercise.requireID()).all()
            let teams = try await Team.query(on: context.app.db).filter(\.$exercise.$id == exercise.requireID()).all()
            slugs = Dictionary(uniqueKeysWithValues: teams.compactMap { team in team.id.map { ($0, team.slug) } })
        }
        var changed: [AnnouncementSpec] = []
        for spec in wanted {
            for team in spec.teams where !context.teamSlugs.contains(team) {
                plan.issues.append(ExerciseFileIssue(line: nil, field: "announcements.\(spec.key).teams", message: "no team '\(team)' in this exercise"))
            }
            if let existing = stored.first(where: { $0.key == spec.key }) {
                let same =
                    existing.title == spec.title && existing.titleKo == spec.titleKo && existing.body == spec.body
                    && existing.bodyKo == spec.bodyKo && existing.level == spec.level.rawValue
                    && Set(existing.roleKinds) == Set(spec.roles) && Set(existing.teamIDs.compactMap { slugs[$0] }) == Set(spec.teams)
                if same { continue }
                plan.changes.append("updated announcement \(spec.key)")
            } else {
                plan.changes.append("posted announcement \(spec.key)")
            }
            changed.append(spec)
        }
        let toPost = changed
        plan.apply = { applying in
            let teams = try await Team.query(on: applying.app.db).filter(\.$exercise.$id == applying.exerciseID).all()
            for spec in toPost {
                let ids = teams.filter { spec.teams.contains($0.slug) }.compactMap(\.id)
                try await Announcements.post(spec, teamIDs: ids, exerciseID: applying.exerciseID, by: applying.actor, now: applying.now, app: applying.app)
            }
        }
        return plan
    }

    func export(_ exercise: Exercise, on db: any Database) async throws -> (any ExerciseFileSection)? {
        let exerciseID = try exercise.requireID()
        let list = try await Announcement.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$withdrawnAt == nil).sort(\.$postedAt).sort(\.$key).all()
        guard !list.isEmpty else { return nil }
        let teams = try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).all()
        let slugs = Dictionary(uniqueKeysWithValues: teams.compactMap { team in team.id.map { ($0, team.slug) } })
        return AnnouncementsSection(
            list.map { announcement in
                AnnouncementSpec(
                    key: announcement.key, title: announcement.title, titleKo: announcement.titleKo, body: announcement.body,
                    bodyKo: announcement.bodyKo, level: announcement.levelValue, teams: announcement.teamIDs.compactMap { slugs[$0] }.sorted(),
                    roles: announcement.roleKinds)
            })
    }
}
