import Fluent
import RampartCore
import RampartKernel
import Vapor

package enum ScoresAPI {
    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .apiScoreboard(AppRoute.param.slug), .scoreboard) { req async throws -> Response in
            let board = try await Scoreboard.current(for: try req.exerciseContext, app: req.application, on: req.db)
            return json(board.json)
        }
        routes.endpoint(.GET, .apiCTFtime(AppRoute.param.slug), .scoreboard) { req async throws -> Response in
            let board = try await Scoreboard.current(for: try req.exerciseContext, app: req.application, on: req.db)
            return json(board.ctftime)
        }
        routes.endpoint(.GET, .apiScoreFacts(AppRoute.param.slug, AppRoute.param.team), .everyMember) { req async throws -> [ScoreFactDTO] in
            let (team, context) = try await ownTeam(req)
            return try await ScoreFacts.list(team: team, context: context, app: req.application)
        }
        routes.endpoint(.POST, .apiAdjustments(AppRoute.param.slug, AppRoute.param.team), .white) { req async throws -> Response in
            struct Body: StrictDecodable {
                var points: Int
                var reason: String
                var category: String?
                enum CodingKeys: String, CodingKey, CaseIterable { case points, reason, category }
            }
            let body = try req.decodeStrict(Body.self)
            let context = try req.exerciseContext
            let team = try await Teams.find(try req.parameters.require("team"), in: context.exercise, on: req.db)
            let fact = try await ScoreFacts.adjust(
                team: team, points: body.points, reason: body.reason, category: body.category, context: context, by: req.auditActor,
                app: req.application)
            return try created(fact)
        }
        routes.endpoint(.POST, .apiWithdraw(AppRoute.param.slug, AppRoute.param.seq), .white) { req async throws -> Response in
            struct Body: StrictDecodable {
                var reason: String
                enum CodingKeys: String, CodingKey, CaseIterable { case reason }
            }
            let body = try req.decodeStrict(Body.self)
            guard let seq = Int(try req.parameters.require("seq")) else { throw AppError.notFound(.scoreFact) }
            let fact = try await ScoreFacts.withdraw(
                seq: seq, reason: body.reason, context: try req.exerciseContext, by: req.auditActor, app: req.application
            ).fact
            return try created(fact)
        }
    }

    private static func json(_ body: ByteBuffer) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: .init(buffer: body))
    }

    /// The team named in the path, if the caller may see its facts: its own members and the teams in
    /// `allSeenBy` (the white team; for checks also green and yellow). Anyone else is told it does not exist.
    package static func ownTeam(_ req: Request, allSeenBy: Set<TeamKind> = [.white]) async throws -> (Team, ExerciseContext) {
        let context = try req.exerciseContext
        let slug = try req.parameters.require("team")
        guard allSeenBy.contains(context.role) || context.team?.slug == slug else { throw AppError.notFound(.team(slug)) }
        return (try await Teams.find(slug, in: context.exercise, on: req.db), context)
    }
}
