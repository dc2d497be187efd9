import Fluent
import Plot
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// The command centre's team × service matrix and workers, the white team's service editor and
/// "try it now", and each team's own checks, timeline and password change requests.
package enum DefencePages {
    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .services(AppRoute.param.slug), Defence.viewers) { req async throws -> Response in
            let context = try req.exerciseContext
            if context.role == .blue, let team = context.team { return req.seeOther(.teamChecks(context.exercise.slug, team.slug)) }
            return try await matrixPage(req)
        }
        routes.endpoint(.GET, .serviceNew(AppRoute.param.slug), .white) { req async throws -> Response in
            try editorPage(req, source: template, error: nil)
        }
        routes.endpoint(.POST, .serviceNew(AppRoute.param.slug), .white) { req async throws -> Response in
            let source = req.formField("source") ?? ""
            do {
                let saved = try await Defence.save(req, source: source, id: nil)
                return req.seeOther(.service(try req.exerciseContext.exercise.slug, saved.service.name), notice: .created)
            } catch let error as AppError where [.unprocessableEntity, .conflict, .badRequest].contains(error.status) {
                return try editorPage(req, source: source, error: error.text(PageContext(req).locale))
            }
        }
        routes.endpoint(.GET, .service(AppRoute.param.slug, AppRoute.param.service), Defence.operators) { req async throws -> Response in
            try await servicePage(req, source: nil, result: nil, error: nil)
        }
        routes.endpoint(.POST, .service(AppRoute.param.slug, AppRoute.param.service), .white) { req async throws -> Response in
            let service = try await DefenceAPI.find(req)
            let source = req.formField("source") ?? ""
            do {
                let saved = try await Defence.save(req, source: source, id: service.requireID())
                return req.seeOther(.service(try req.exerciseContext.exercise.slug, saved.service.name), notice: .saved)
            } catch let error as AppError where [.unprocessableEntity, .conflict, .badRequest].contains(error.status) {
                return try await servicePage(req, source: source, result: nil, error: error.text(PageContext(req).locale))
            }
        }
        routes.endpoint(.POST, .serviceDelete(AppRoute.param.slug, AppRoute.param.service), .white) { req async throws -> Response in
            let service = try await DefenceAPI.find(req)
            let actor = req.auditActor
            let now = req.now
            try await req.write { db in try await Services.delete(service, by: actor, at: now, on: db) }
            return req.seeOther(.services(try req.exerciseContext.exercise.slug), notice: .deleted)
        }
        routes.endpoint(.POST, .serviceTry(AppRoute.param.slug, AppRoute.param.service), .white) { req async throws -> Response in
            let service = try await DefenceAPI.find(req)
            do {
                let exercise = try req.exerciseContext.exercise
                let team = try await Teams.find(req.formField("team") ?? "", in: exercise, on: req.db)
                let result = try await Defence.tryCheck(
                service, team: team, exercise: exercise, random: req.dependencies.randomBytes, host: req.application.checkHost, on: req.db)
                return try await servicePage(req, source: nil, result: result, error: nil)
            } catch let error as AppError where [.unprocessableEntity, .notFound].contains(error.status) {
                return try await servicePage(req, source: nil, result: nil, error: error.text(PageContext(req).locale))
            }
        }
        routes.endpoint(.GET, .teamChecks(AppRoute.param.slug, AppRoute.param.team), .everyMember) { req async throws -> Response in
            try await teamPage(req, error: nil)
        }
        routes.endpoint(.POST, .teamPasswordChange(AppRoute.param.slug, AppRoute.param.team), .exercise([.blue, .white])) {
            req async throws -> Response in
            let (team, context) = try await ScoresAPI.ownTeam(req)
            do {
                _ = try await DefenceAPI.changePassword(
                    req, team: team, service: req.formField("service") ?? "", username: req.formField("username") ?? "",
                    password: req.formField("password") ?? "")
            } catch let error as AppError where [.unprocessableEntity, .notFound].contains(error.status) {
                return try await teamPage(req, error: error.text(PageContext(req).locale))
            }
            return req.seeOther(.teamChecks(context.exercise.slug, team.slug), notice: .passwordRequestRecorded)
        }
        routes.endpoint(.POST, .demoTarget(AppRoute.param.slug, AppRoute.param.team, AppRoute.param.service), .white) {
            req async throws -> Response in
            do {
                let state = try await DemoTargets.set(req, up: req.formField("up") == "true")
                return req.seeOther(.teamChecks(try req.exerciseContext.exercise.slug, state.team), notice: .saved)
            } catch let error as AppError where error.status == .conflict {
                // The address is taken (another demo on this machine): said on the page, not as an error page.
                return try await teamPage(req, error: error.text(PageContext(req).locale), status: .conflict)
            }
        }
    }

    package static let template = """
        name: web
        check: http
        address: "10.{team.number}.1.5:80"
        parameters:
          path: /
          contains: "Welcome"
        points: 5
        timeout: 5
        sla: {after: 5, penalty: 20, mode: flat}
        """

    private static func crumbs(_ page: PageContext, _ exercise: Exercise) -> [Layout.Crumb] {
        Layout.crumbs(page, exercise) + [.init(title: page.t(.services), href: AppRoute.services(exercise.slug).path)]
    }

    package static func badge(_ status: String?, page: PageContext) -> Node<HTML.BodyContext> {
        UI.badge(statusWord(status, page: page), kind: "check-\(status ?? "none")")
    }

    /// A stored status in the reader's words, with its symbol (`✓ up`).
    static func statusWord(_ status: String?, page: PageContext) -> String {
        status.map { raw in CheckStatus(rawValue: raw).map { page.t(.checkStatus($0)) } ?? raw } ?? page.t(.notCheckedYet)
    }

    /// One team's service in the matrix: colour, symbol and a short word, how long it has been so, and
    /// the full status, its age and the check's public message as a tooltip on hover and on focus.
    private static func matrixCell(_ cell: ServiceStatusDTO.Cell, page: PageContext, now: Date) -> Node<HTML.TableRowContext> {
        let status = cell.status.flatMap(CheckStatus.init(rawValue:))
        let age = cell.since.map { page.shortDuration(max(0, now.timeIntervalSince($0))) }
        let full = status.map { page.t(.checkStatus($0)) } ?? cell.status ?? page.t(.notCheckedYet)
        let tip = [age.map { page.t(.statusSince(full, $0)) } ?? full, cell.message ?? ""].filter { !$0.isEmpty }.joined(separator: " — ")
        return .td(
            .class("check-\(cell.status ?? "none")"), .attribute(named: "tabindex", value: "0"), .attribute(named: "data-tip", value: tip),
            .attribute(named: "aria-label", value: tip),
            .span(.class("word"), .text(page.t(.checkStatusShort(status)))),
            .unwrap(age) { age in
                // rampart.js keeps it running between ticks.
                .small(.class("since"), .attribute(named: "data-since", value: cell.since.map { String(Int($0.timeIntervalSince1970)) }), .text(age))
            })
    }

    package static func matrixPage(_ req: Request) async throws -> Response {
        req.liveKinds = ["service.", "score."]
        let page = PageContext(req)
        let context = try req.exerciseContext
        let exercise = context.exercise
        let services = try await Services.all(context.exerciseID, on: req.db)
        let status = try await Defence.status(context, services: services, on: req.db)
        let operators = context.seesCheckDetails
        let workers = operators ? try await Defence.workers(now: req.now, on: req.db) : []
        let teams = Dictionary(try await Teams.all(in: exercise, on: req.db).map { ($0.slug, $0) }, uniquingKeysWith: { first, _ in first })
        let now = req.now
        return Layout.render(
            page, title: page.t(.services), crumbs: Layout.crumbs(page, exercise),
            UI.notice(req.pageNotice(page)),
            .p(
                .text("\(page.t(.tickUnderWay)): \(status.currentTick) · \(page.t(.lastScoredTick)): \(status.tick) · "),
                .text("\(exercise.tickSeconds) s"),
                .if(context.isWhite, .group(.text(" · "), .a(.href(AppRoute.serviceNew(exercise.slug).path), .text(page.t(.newService)))))),
            services.isEmpty
                ? .p(.class("muted"), .text(page.t(.noServices)))
                : .div(
                    .class("table-wrap"),
                    .table(
                        .class("matrix"),
                        .thead(
                            .tr(
                                .th(.text(page.t(.team))),
                                .forEach(services) { service in
                                    .th(operators ? UI.link(service.name, AppRoute.service(exercise.slug, service.name).path) : UI.text(service.name))
                                })),
                        .tbody(
                            .forEach(status.teams) { row in
                                .tr(
                                    .th(UI.link(teams[row.team]?.flagged(page.locale) ?? row.team, AppRoute.teamChecks(exercise.slug, row.team).path)),
                                    .forEach(row.services) { cell in matrixCell(cell, page: page, now: now) })
                            })
                    )),
            .if(
                operators,
                UI.section(
                    page.t(.workers),
                    UI.table(
                        headers: [page.t(.worker), page.t(.zone), page.t(.status), page.t(.lastHeartbeat), page.t(.checksLastMinute)],
                        rows: workers.map { worker in
                            [
                                UI.text(worker.name), UI.text(worker.zones.joined(separator: ", ")),
                                UI.badge(page.t(worker.alive ? .alive : .stopped), kind: worker.alive ? "check-up" : "check-down"),
                                page.time(worker.heartbeatAt, exerciseZone: exercise.zone), UI.text(String(worker.checksLastMinute)),
                            ]
                        }, empty: page.t(.noWorkers))))
        )
    }

    package static func editorPage(_ req: Request, source: String, error: String?) throws -> Response {
        let page = PageContext(req)
        let exercise = try req.exerciseContext.exercise
        return Layout.render(
            page, title: page.t(.newService), crumbs: crumbs(page, exercise),
            UI.notice(error, error: true),
            UI.form(
                page, action: AppRoute.serviceNew(exercise.slug).path, submit: page.t(.create),
                UI.textArea(page.t(.serviceSource), name: "source", value: source, rows: 18, hint: page.t(.serviceSourceHint))))
    }

    package static func servicePage(_ req: Request, source: String?, result: TryResultDTO?, error: String?) async throws -> Response {
        let page = PageContext(req)
        let context = try req.exerciseContext
        let exercise = context.exercise
        let service = try await DefenceAPI.find(req)
        let spec = try service.spec
        let teams = try await Team.query(on: req.db).filter(\.$exercise.$id == context.exerciseID).filter(\.$kind == .blue).sort(\.$number).all()
        let changes =
            context.isWhite
            ? try await Defence.passwordChanges(team: nil, service: service, context: context, services: [service], on: req.db) : []
        let view = ServiceDTO(spec, role: context.role)
        return Layout.render(
            page, title: page.t(.service) + " " + service.name, crumbs: crumbs(page, exercise),
            UI.notice(req.pageNotice(page)),
            UI.notice(error, error: true),
            .unwrap(result) { result in
                UI.section(
                    page.t(.tryResult),
                    .p(badge(result.status, page: page), .text(" \(result.team) · \(result.target) · \(Int(result.latencyMS)) ms")),
                    .p(.text(result.message)), .p(.class("muted"), .text(result.detail)))
            },
            .p(
                .text("\(spec.check) · \(page.t(.points)) \(spec.points) · \(page.t(.zone)) \(spec.zone)"),
                .unwrap(view.sla) { .text(" · SLA " + $0) }),
            .if(
                context.isWhite,
                .group(
                    UI.form(
                        page, action: AppRoute.serviceTry(exercise.slug, service.name).path, submit: page.t(.tryCheck), inline: true,
                        UI.select(page.t(.team), name: "team", options: teams.map { ($0.slug, $0.name) }, selected: nil)),
                    UI.form(
                        page, action: AppRoute.service(exercise.slug, service.name).path, submit: page.t(.save),
                        UI.textArea(
                            page.t(.serviceSource), name: "source", value: source ?? service.source, rows: 18, hint: page.t(.serviceSourceHint))
                    ),
                    UI.section(
                        page.t(.passwordChanges),
                        UI.table(
                            headers: [page.t(.time), page.t(.team), page.t(.account), page.t(.newPassword), page.t(.by)],
                            rows: changes.map { change in
                                [
                                    page.time(change.at, exerciseZone: exercise.zone), UI.text(change.team), UI.text(change.username),
                                    .code(.text(change.password ?? "")), UI.text(change.by),
                                ]
                            }, empty: "—")),
                    UI.form(
                        page, action: AppRoute.serviceDelete(exercise.slug, service.name).path, submit: page.t(.delete), danger: true,
                        confirm: page.t(.confirmDeleteService))
                )),
            .if(!context.isWhite, .pre(.class("source"), .text(view.address.map { "address: \($0)" } ?? "")))
        )
    }

    package static func teamPage(_ req: Request, error: String?, status answer: HTTPResponseStatus = .ok) async throws -> Response {
        req.liveKinds = ["service.", "score."]
        let page = PageContext(req)
        let (team, context) = try await Defence.visibleTeam(req)
        let exercise = context.exercise
        let teamID = try team.requireID()
        let stored = try await Services.all(context.exerciseID, on: req.db)
        let status = try await Defence.status(context, services: stored, only: team, on: req.db)
        let row = status.teams.first
        let checks = try await Defence.checks(team: team, context: context, services: stored, limit: 100, on: req.db)
        let timeline = try await Defence.timeline(team: team, services: stored, limit: 50, on: req.db)
        let mayChange = context.isWhite || context.team?.id == teamID
        let changes = mayChange ? try await Defence.passwordChanges(team: team, context: context, services: stored, on: req.db) : []
        let services = stored.compactMap { service in (try? service.spec).map { (service, $0) } }
        let accounts = services.flatMap { service, spec in spec.credentials.map { (service.name, $0.username) } }
        let operators = context.seesCheckDetails
        let demo = context.isWhite ? req.application.demoTargets : nil
        let now = req.now
        return Layout.render(
            page, title: page.t(.ourServices) + " · " + team.flagged(page.locale), crumbs: crumbs(page, exercise), status: answer,
            UI.notice(req.pageNotice(page)),
            UI.notice(error, error: true),
            .p(.text("\(page.t(.tickUnderWay)): \(status.currentTick) · \(page.t(.lastScoredTick)): \(status.tick)")),
            UI.table(
                headers: [page.t(.service), page.t(.status), page.t(.heldSince), page.t(.message)] + (demo != nil ? [page.t(.demoTargets)] : []),
                rows: (row?.services ?? []).map { cell in
                    [
                        UI.text(cell.service), badge(cell.status, page: page),
                        .unwrap(cell.since) { since in
                            .group(
                                page.time(since, exerciseZone: exercise.zone),
                                .small(.text(" (" + page.duration(max(0, now.timeIntervalSince(since))) + ")")))
                        },
                        UI.text(cell.message ?? ""),
                    ]
                        + (demo.map { targets in
                            let up = targets.isUp(team.slug, cell.service)
                            return [
                                DemoTargets.kinds.contains(where: { $0.service == cell.service })
                                    ? UI.form(
                                        page, action: AppRoute.demoTarget(exercise.slug, team.slug, cell.service).path,
                                        submit: page.t(up ? .takeDown : .bringUp), danger: up, inline: true, UI.hidden("up", up ? "false" : "true"))
                                    : .empty
                            ]
                        } ?? [])
                }, empty: page.t(.noServices)),
            .if(
                mayChange && !accounts.isEmpty,
                UI.section(
                    page.t(.passwordChanges),
                    .p(.class("hint"), .text(page.t(.passwordChangeHint))),
                    UI.form(
                        page, action: AppRoute.teamPasswordChange(exercise.slug, team.slug).path, submit: page.t(.sendRequest),
                        UI.select(
                            page.t(.service), name: "service", options: services.filter { !$0.1.credentials.isEmpty }.map { ($0.0.name, $0.0.name) },
                            selected: nil),
                        UI.select(
                            page.t(.account), name: "username", options: Array(Set(accounts.map(\.1))).sorted().map { ($0, $0) }, selected: nil),
                        UI.field(page.t(.newPassword), name: "password", type: .password, required: true, autocomplete: "off", maxLength: 1000)),
                    UI.table(
                        headers: [page.t(.time), page.t(.service), page.t(.account), page.t(.by)] + (context.isWhite ? [page.t(.newPassword)] : []),
                        rows: changes.map { change in
                            [
                                page.time(change.at, exerciseZone: exercise.zone), UI.text(change.service), UI.text(change.username),
                                UI.text(change.by),
                            ]
                                + (context.isWhite ? [.code(.text(change.password ?? ""))] : [])
                        }, empty: page.t(.noPasswordChanges)))),
            UI.section(
                page.t(.statusChanges),
                UI.timeline(
                    timeline.map { event in
                        let to = CheckStatus(rawValue: event.to)
                        return UI.TimelineEntry(
                            time: page.time(event.at, exerciseZone: exercise.zone),
                            title: event.service + ": " + (event.from.map { statusWord($0, page: page) + " → " } ?? "") + statusWord(event.to, page: page),
                            tone: to == .up ? .gain : to == nil || to == .error ? .neutral : .loss,
                            details: [
                                .p(.class("muted"), .text(page.t(.tick) + " \(event.tick)" + (event.message.isEmpty ? "" : " · " + event.message)))
                            ])
                    }, empty: page.t(.noChecks))),
            UI.section(
                page.t(.recentChecks),
                UI.table(
                    headers: [page.t(.tick), page.t(.service), page.t(.status), page.t(.message), page.t(.latency), page.t(.target)]
                        + (operators ? [page.t(.detail), page.t(.worker)] : []),
                    rows: checks.map { check in
                        [
                            UI.text(String(check.tick)), UI.text(check.service), badge(check.status ?? check.state, page: page),
                            UI.text(check.message ?? ""), UI.text(check.latencyMS.map { "\(Int($0)) ms" } ?? ""), .code(.text(check.target)),
                        ] + (operators ? [UI.text(check.detail ?? ""), UI.text(check.worker ?? "")] : [])
                    }, empty: page.t(.noChecks)))
        )
    }
}
