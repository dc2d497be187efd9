import Fluent
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// A challenge as one caller sees it.
package struct ChallengeView: Sendable {
    package let entry: ChallengeEntry
    package let availability: ChallengeAvailability
    package let solved: Bool
    package let solves: Int
    package let value: Int
}

extension ChallengeView {
    /// The board of `context`: every challenge it may see, in board order, with solves and values.
    /// After the freeze only the white team sees solves made since: everyone else sees the counts and
    /// values as they stood at the freeze (as CTFd shows them), or the board would tell them what the
    /// frozen scoreboard hides.
    package static func board(_ context: ExerciseContext, app: Application) async throws -> (state: ScoreEngine.State, views: [ChallengeView]) {
        let now = app.dependencies.now()
        let state = try await app.scores.state(context.exerciseID, on: app.db, now: now)
        let team = context.team?.id
        let solved: (UUID) -> Bool = { id in team.map { state.projection.hasSolved(team: $0, challenge: id) } ?? false }
        let frozenAt = context.frozenAt(now: now)
        let views = state.catalog.entries.compactMap { entry -> ChallengeView? in
            let availability = state.catalog.availability(entry, solved: solved, white: context.isWhite, now: now)
            guard availability != .hidden else { return nil }
            let solves = frozenAt.map { state.projection.solveCount(entry.id, before: $0) } ?? state.projection.solveCount(entry.id)
            return ChallengeView(
                entry: entry, availability: availability, solved: solved(entry.id), solves: solves, value: entry.spec.value.value(solveCount: solves))
        }
        return (state, views)
    }

    /// One challenge, or 404 when the caller may not see it (hidden and missing look the same).
    package static func one(_ rawID: String, _ context: ExerciseContext, app: Application) async throws -> (state: ScoreEngine.State, view: ChallengeView) {
        let (state, views) = try await board(context, app: app)
        guard let id = UUID(uuidString: rawID), let view = views.first(where: { $0.entry.id == id }) else {
            throw AppError.notFound(.challenge)
        }
        return (state, view)
    }
}

extension Request {
    /// The `:challenge` path parameter; a malformed id is a challenge that does not exist.
    package var challengeID: UUID {
        get throws {
            guard let id = UUID(uuidString: try parameters.require("challenge")) else { throw AppError.notFound(.challenge) }
            return id
        }
    }
}

package struct ChallengeDTO: Content {
    package struct FileDTO: Content {
        package var name: String
        package var size: Int
        package var url: String
    }

    package var id: UUID
    /// Nil for a locked placeholder (CTFd's `anonymize`).
    package var name: String?
    package var category: String
    package var value: Int
    package var solves: Int
    package var solved: Bool
    package var locked: Bool
    package var tags: [String]?
    package var description: String?
    package var attribution: String?
    package var connectionInfo: String?
    package var files: [FileDTO]?
    package var hints: [HintDTO]?
    package var maxAttempts: Int?
    /// Wrong flags the caller's team has sent, when attempts are limited.
    package var attempts: Int?
    package var requirements: [String]?
    package var next: String?
    package var logic: String?
    package var progress: AttemptResult.Progress?
    /// White team only: visibility, release time and the full ctfcli definition, flags included.
    package var state: String?
    package var scheduledAt: Date?
    package var source: String?

    package enum CodingKeys: String, CodingKey {
        case id, name, category, value, solves, solved, locked, tags, description, attribution, files, hints, requirements, next, logic, attempts
        case progress, state, source
        case connectionInfo = "connection_info"
        case maxAttempts = "max_attempts"
        case scheduledAt = "scheduled_at"
    }

    package init(_ view: ChallengeView, slug: String, detail: Bool, white: Bool, unlocked: Set<String> = [], found: Int? = nil) {
        let spec = view.entry.spec
        id = view.entry.id
        category = spec.category
        value = view.value
        solves = view.solves
        solved = view.solved
        locked = view.availability == .locked
        guard !locked else { return }
        name = spec.name
        tags = spec.tags
        requirements = spec.prerequisites
        if white {
            state = spec.state.rawValue
            scheduledAt = spec.scheduledAt
        }
        guard detail else { return }
        description = spec.description
        attribution = spec.attribution
        connectionInfo = spec.connectionInfo
        files = view.entry.attachments.map {
            FileDTO(name: $0.name, size: $0.size, url: AppRoute.apiChallengeFile(slug, view.entry.id.uuidString, $0.name).path)
        }
        hints = spec.hints.indices.map { HintDTO(view.entry, $0, unlocked: white || unlocked.contains(spec.hintKey($0))) }
        maxAttempts = spec.maxAttempts
        next = spec.next
        logic = spec.logic.rawValue
        if spec.logic == .all, spec.flags.count > 1 {
            progress = .init(found: view.solved ? spec.flags.count : (found ?? 0), total: spec.flags.count)
        }
        if white { source = spec.yaml() }
    }
}

package struct SaveChallengeDTO: Content {
    package var challenge: ChallengeDTO
    package var outcome: String
    package var warnings: [String]
}

package struct SubmissionDTO: Content {
    package var at: Date
    package var challenge: String
    package var team: String?
    package var user: String
    package var result: String
    package var provided: String
    package var scored: Bool
    package var sourceAddress: String?

    package enum CodingKeys: String, CodingKey {
        case at, challenge, team, user, result, provided, scored
        case sourceAddress = "source_address"
    }
}

package enum ChallengesAPI {
    /// Who plays: blue teams submit and unlock; the white team tests flags without scoring.
    package static let players = Access.exercise([.blue, .white])

    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .apiChallenges(AppRoute.param.slug), .everyMember) { req async throws -> [ChallengeDTO] in
            let context = try req.exerciseContext
            return try await ChallengeView.board(context, app: req.application).views.map {
                ChallengeDTO($0, slug: context.exercise.slug, detail: false, white: context.isWhite)
            }
        }
        routes.endpoint(.POST, .apiChallenges(AppRoute.param.slug), .white) { req async throws -> Response in
            let saved = try await save(req, id: nil)
            let response = Response(status: saved.outcome == "created" ? .created : .ok)
            try response.content.encode(saved)
            return response
        }
        routes.endpoint(.GET, .apiChallenge(AppRoute.param.slug, AppRoute.param.challenge), .everyMember) { req async throws -> ChallengeDTO in
            let context = try req.exerciseContext
            return try await detail(req.parameters.require("challenge"), context, app: req.application)
        }
        routes.endpoint(.PUT, .apiChallenge(AppRoute.param.slug, AppRoute.param.challenge), .white) { req async throws -> SaveChallengeDTO in
            let id = try req.challengeID
            return try await save(req, id: id)
        }
        routes.endpoint(.DELETE, .apiChallenge(AppRoute.param.slug, AppRoute.param.challenge), .white) { req async throws -> HTTPStatus in
            let challenge = try await find(req)
            let actor = req.auditActor
            let now = req.now
            try await req.application.scores.changeCatalog(challenge.$exercise.id, app: req.application) { write in
                try await Challenges.delete(challenge, by: actor, at: now, in: write)
            }
            return .noContent
        }
        routes.endpoint(.POST, .apiChallengeAttempts(AppRoute.param.slug, AppRoute.param.challenge), players) { req async throws -> Response in
            struct Body: StrictDecodable {
                var flag: String
                enum CodingKeys: String, CodingKey, CaseIterable { case flag }
            }
            let body = try req.decodeStrict(Body.self)
            let id = try req.challengeID
            let result = try await Attempts.submit(
                body.flag, challengeID: id, context: try req.exerciseContext, user: try req.requirePrincipal().id,
                source: req.sourceAddress, app: req.application)
            let response = Response(status: result.httpStatus)
            try response.content.encode(result)
            if let seconds = result.retryAfter { response.headers.replaceOrAdd(name: .retryAfter, value: String(seconds)) }
            return response
        }
        routes.endpoint(.POST, .apiChallengeHint(AppRoute.param.slug, AppRoute.param.challenge, AppRoute.param.hint), .exercise([.blue])) {
            req async throws -> HintDTO in
            let id = try req.challengeID
            return try await Attempts.unlockHint(
                try req.parameters.require("hint"), challengeID: id, context: try req.exerciseContext, user: try req.requirePrincipal().id,
                app: req.application)
        }
        // The body is the file, streamed into chunks as it arrives (never held whole in memory).
        routes.endpoint(.POST, .apiChallengeFiles(AppRoute.param.slug, AppRoute.param.challenge), .white, body: .stream) {
            req async throws -> ChallengeDTO in
            let challenge = try await find(req)
            guard let name = req.query[String.self, at: "name"] else {
                throw AppError.invalid("name", .fileNameRequired)
            }
            _ = try Challenges.validateFileName(name)
            let blob = try await Blobs.store(req.body, maxBytes: req.application.rampart.maxUploadBytes, app: req.application)
            try await attach(blob, named: name, to: challenge, req: req)
            return try await detail(challenge.requireID().uuidString, try req.exerciseContext, app: req.application)
        }
        routes.endpoint(.GET, .apiChallengeFile(AppRoute.param.slug, AppRoute.param.challenge, AppRoute.param.file), .everyMember) {
            req async throws -> Response in
            try await download(req)
        }
        routes.endpoint(.DELETE, .apiChallengeFile(AppRoute.param.slug, AppRoute.param.challenge, AppRoute.param.file), .white) {
            req async throws -> HTTPStatus in
            let challenge = try await find(req)
            let name = try req.parameters.require("file")
            let actor = req.auditActor
            let now = req.now
            try await req.write { db in try await Challenges.detach(name, from: challenge, by: actor, at: now, on: db) }
            return .noContent
        }
        routes.endpoint(.GET, .apiSubmissions(AppRoute.param.slug), .white) { req async throws -> [SubmissionDTO] in
            try await submissions(req)
        }
    }

    /// Links an uploaded blob to the challenge in one short write; the blob goes if that fails.
    package static func attach(_ blob: Blobs.Stored, named name: String, to challenge: Challenge, req: Request) async throws {
        let actor = req.auditActor
        let now = req.now
        do {
            try await req.write { db in try await Challenges.attach(blob, named: name, to: challenge, by: actor, at: now, on: db) }
        } catch {
            try? await req.application.write(clearingCaches: false) { db in try await Blobs.delete(blob.id, on: db) }
            throw error
        }
    }

    package static func detail(_ rawID: String, _ context: ExerciseContext, app: Application) async throws -> ChallengeDTO {
        try await detail(ChallengeView.one(rawID, context, app: app).view, context, app: app)
    }

    /// One challenge with what the caller's team has done on it: hints unlocked, flags found, and —
    /// when attempts are limited — wrong flags sent (CTFd's `attempts`).
    package static func detail(_ view: ChallengeView, _ context: ExerciseContext, app: Application) async throws -> ChallengeDTO {
        var unlocked: Set<String> = []
        var found: Int?
        var attempts: Int?
        if let team = context.team?.id, !context.isWhite, view.availability == .open {
            unlocked = try await Attempts.unlockedHints(team: team, challenge: view.entry.id, on: app.db)
            if view.entry.spec.logic == .all {
                let partial = try await Submission.query(on: app.db)
                    .filter(\.$teamID == team).filter(\.$challengeID == view.entry.id).filter(\.$result == "partial").all()
                found = Set(partial.compactMap(\.matched)).count
            }
            if view.entry.spec.maxAttempts != nil {
                attempts = try await Attempts.incorrectStored(team: team, challenge: view.entry.id, on: app.db)
            }
        }
        var dto = ChallengeDTO(view, slug: context.exercise.slug, detail: true, white: context.isWhite, unlocked: unlocked, found: found)
        dto.attempts = attempts
        return dto
    }

    package static func find(_ req: Request) async throws -> Challenge {
        let context = try req.exerciseContext
        guard
            let challenge = try await Challenge.query(on: req.db).filter(\.$id == req.challengeID)
                .filter(\.$exercise.$id == context.exerciseID).first()
        else { throw AppError.notFound(.challenge) }
        return challenge
    }

    /// Body: the challenge in ctfcli's fields, as JSON or YAML.
    private static func save(_ req: Request, id: UUID?) async throws -> SaveChallengeDTO {
        let source = try req.bodyText(orExplain: "Send the challenge as JSON or YAML with ctfcli's challenge.yml fields")
        let saved = try await save(req, source: source, id: id)
        let dto = try await detail(saved.id.uuidString, try req.exerciseContext, app: req.application)
        return SaveChallengeDTO(challenge: dto, outcome: saved.outcome.rawValue, warnings: saved.warnings)
    }

    /// Saves a challenge written as ctfcli YAML or JSON into the request's exercise (API and editor page).
    package static func save(_ req: Request, source: String, id: UUID?) async throws -> (id: UUID, outcome: Challenges.Outcome, warnings: [String]) {
        let (spec, warnings) = try Challenges.parse(source)
        let exerciseID = try req.exerciseContext.exerciseID
        let actor = req.auditActor
        let now = req.now
        let (challenge, outcome) = try await req.application.scores.changeCatalog(exerciseID, app: req.application) { write in
            let (challenge, outcome) = try await Challenges.save(spec, id: id, by: actor, at: now, in: write)
            return (try challenge.requireID(), outcome)
        }
        return (challenge, outcome, warnings)
    }

    /// An attachment, to whoever may open its challenge: locked and hidden challenges' files are not found.
    package static func download(_ req: Request) async throws -> Response {
        let context = try req.exerciseContext
        let (_, view) = try await ChallengeView.one(try req.parameters.require("challenge"), context, app: req.application)
        guard view.availability == .open else { throw AppError.notFound(.file) }
        let name = try req.parameters.require("file")
        guard
            let file = try await ChallengeFile.query(on: req.db).filter(\.$challenge.$id == view.entry.id).filter(\.$name == name).first(),
            let blob = file.blobID
        else { throw AppError.notFound(.file(name)) }
        let response = Response(status: .ok, body: Blobs.body(blob, size: file.size, app: req.application))
        Downloads.asAttachment(response, named: name)
        response.headers.replaceOrAdd(name: .eTag, value: "\"\(file.sha256)\"")
        return response
    }

    package static func submissions(_ req: Request) async throws -> [SubmissionDTO] {
        let context = try req.exerciseContext
        let limit = try req.query.limit(default: 200, maximum: 1000)
        var query = Submission.query(on: req.db).filter(\.$exerciseID == context.exerciseID).sort(\.$at, .descending).limit(limit)
        if let slug = req.query[String.self, at: "team"] {
            let team = try await Teams.find(slug, in: context.exercise, on: req.db)
            query = query.filter(\.$teamID == team.id)
        }
        let rows = try await query.all()
        let state = try await req.application.scores.state(context.exerciseID, on: req.db, now: req.now)
        let teams = try await Team.query(on: req.db).filter(\.$exercise.$id == context.exerciseID).all()
        let teamNames = Dictionary(uniqueKeysWithValues: teams.compactMap { team in team.id.map { ($0, team.slug) } })
        let users = try await User.query(on: req.db).filter(\.$id ~~ Set(rows.map(\.userID))).all()
        let userNames = Dictionary(uniqueKeysWithValues: users.compactMap { user in user.id.map { ($0, user.username) } })
        return rows.map { row in
            SubmissionDTO(
                at: row.at, challenge: state.catalog.byID[row.challengeID]?.name ?? row.challengeID.uuidString,
                team: row.teamID.flatMap { teamNames[$0] }, user: userNames[row.userID] ?? "?", result: row.result,
                provided: row.provided, scored: row.scored, sourceAddress: row.sourceAddress)
        }
    }
}
