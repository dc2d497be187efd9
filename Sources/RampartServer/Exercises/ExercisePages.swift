import Fluent
import Plot
import RampartCore
import RampartChallenges
import RampartDefence
import RampartKernel
import RampartScoring
import Vapor

/// Exercise list, home, settings and schedule, state control, teams.
enum ExercisePages {
    static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .exercises, .signedIn) { req async throws -> Response in
            try await listPage(req, error: nil)
        }
        routes.endpoint(.POST, .exercises, .admin) { req async throws -> Response in
            do {
                let zone = TimeZone.iana(req.formField("time_zone") ?? "UTC") ?? .gmt
                let exercise = try await Exercises.create(
                    .init(
                        slug: req.formField("slug"), name: req.formField("name"), nameKo: .some(req.formField("name_ko")),
                        description: req.formField("description"), timeZone: req.formField("time_zone") ?? "UTC",
                        startsAt: .some(try formDate(req, "starts_at", zone)), endsAt: .some(try formDate(req, "ends_at", zone))),
                    by: req.auditActor, app: req.application)
                return req.seeOther(.exercise(exercise.slug), notice: .created)
            } catch let error as AppError where [.unprocessableEntity, .conflict].contains(error.status) {
                return try await listPage(req, error: error.text(PageContext(req).locale))
            }
        }
        routes.endpoint(.GET, .exercise(AppRoute.param.slug), .everyMember) { req async throws -> Response in
            try await homePage(req)
        }
        routes.endpoint(.POST, .exerciseState(AppRoute.param.slug), .white) { req async throws -> Response in
            guard let state = req.formField("state").flatMap(ExerciseState.init(rawValue:)) else {
                throw AppError.invalid("state", .expectedControlState)
            }
            let slug = try req.parameters.require("slug")
            try await Exercises.move(slug, to: state, by: req.auditActor, app: req.application)
            return req.seeOther(.exercise(slug), notice: .stateChanged)
        }
        routes.endpoint(.GET, .exerciseSettings(AppRoute.param.slug), .white) { req async throws -> Response in
            try await settingsPage(req, error: nil)
        }
        routes.endpoint(.POST, .exerciseSettings(AppRoute.param.slug), .white) { req async throws -> Response in
            let context = try req.exerciseContext
            let slug = context.exercise.slug
            do {
                let zoneName = req.formField("time_zone") ?? context.exercise.timeZone
                let zone = TimeZone.iana(zoneName) ?? context.exercise.zone
                try await Exercises.update(
                    slug,
                    .init(
                        name: req.formField("name") ?? "", nameKo: .some(req.formField("name_ko")),
                        description: (try? req.content.get(String.self, at: "description")) ?? "", timeZone: zoneName,
                        startsAt: .some(try formDate(req, "starts_at", zone)), endsAt: .some(try formDate(req, "ends_at", zone)),
                        freezeAt: .some(try formDate(req, "freeze_at", zone)), firstBlood: try formPercents(req, "first_blood"),
                        attemptsPerMinute: req.formField("attempts_per_minute").flatMap(Int.init),
                        publicScoreboard: req.formFlag("public_scoreboard"),
                        tickSeconds: req.formField("tick_seconds").flatMap(Int.init), jitterSeconds: req.formField("jitter_seconds").flatMap(Int.init)
                    ),
                    by: req.auditActor, app: req.application)
            } catch let error as AppError where [.unprocessableEntity, .conflict].contains(error.status) {
                return try await settingsPage(req, error: error.text(PageContext(req).locale))
            }
            return req.seeOther(.exerciseSettings(slug), notice: .saved)
        }
        routes.endpoint(.POST, .exerciseWindows(AppRoute.param.slug), .white) { req async throws -> Response in
            let context = try req.exerciseContext
            let slug = context.exercise.slug
            do {
                guard let startsAt = try formDate(req, "starts_at", context.exercise.zone) else {
                    throw AppError.invalid("starts_at", .isRequired)
                }
                guard let endsAt = try formDate(req, "ends_at", context.exercise.zone) else {
                    throw AppError.invalid("ends_at", .isRequired)
                }
                try await Exercises.addWindow(
                    slug, name: req.formField("name") ?? "", startsAt: startsAt, endsAt: endsAt, by: req.auditActor, app: req.application)
            } catch let error as AppError where error.status == .unprocessableEntity {
                return try await settingsPage(req, error: error.text(PageContext(req).locale))
            }
            return req.seeOther(.exerciseSettings(slug), notice: .saved)
        }
        routes.endpoint(.POST, .exerciseWindowDelete(AppRoute.param.slug, AppRoute.param.window), .white) { req async throws -> Response in
            let slug = try req.parameters.require("slug")
            guard let id = req.parameters.get("window", as: UUID.self) else { throw AppError.notFound(.window) }
            try await Exercises.removeWindow(slug, windowID: id, by: req.auditActor, app: req.application)
            return req.seeOther(.exerciseSettings(slug), notice: .saved)
        }
    }

    /// A time from a form: `datetime-local` gives `2026-02-02T09:00`, read in the exercise's zone.
    static func formDate(_ req: Request, _ name: String, _ zone: TimeZone) throws -> Date? {
        guard let raw = req.formField(name) else { return nil }
        guard let date = ExerciseTime.parse(raw, timeZone: zone) else {
            throw AppError.invalid(name, .expectedATime)
        }
        return date
    }

    /// A comma-separated list of percentages (`10, 5, 2`); empty clears it.
    static func formPercents(_ req: Request, _ name: String) throws -> [Double] {
        let parts = (req.formField(name) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return try parts.filter { !$0.isEmpty }.map { part in
            guard let value = Double(part) else {
                throw AppError.invalid(name, .expectedPercentages)
            }
            return value
        }
    }

    /// The value for a `datetime-local` input, in the exercise's zone.
    static func localInput(_ date: Date?, _ zone: TimeZone) -> String? {
        guard let date else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return formatter.string(from: date)
    }

    static func listPage(_ req: Request, error: String?) async throws -> Response {
        let page = PageContext(req)
        let principal = try req.requirePrincipal()
        let exercises = try await Exercises.visible(to: principal, on: req.db)
        return Layout.render(
            page, title: page.t(.exercises),
            UI.notice(error, error: true),
            UI.table(
                headers: [page.t(.name), page.t(.state), page.t(.starts), page.t(.timeZone)],
                rows: exercises.map { exercise in
                    [
                        UI.link(exercise.displayName(page.locale), AppRoute.exercise(exercise.slug).path), UI.stateBadge(page, exercise.state),
                        page.time(exercise.startsAt, exerciseZone: exercise.zone), UI.text(exercise.timeZone),
                    ]
                },
                empty: principal.isAdmin ? page.t(.noExercisesAdmin) : page.t(.noExercises)),
            .if(
                principal.isAdmin,
                UI.section(
                    page.t(.createExercise),
                    UI.form(
                        page, action: AppRoute.exercises.path, submit: page.t(.createExercise),
                        UI.field(page.t(.slug), name: "slug", required: true, hint: page.t(.slugRule), autocomplete: "off", maxLength: 63),
                        UI.field(page.t(.name), name: "name", required: true),
                        UI.field(page.t(.nameKo), name: "name_ko"),
                        UI.field(page.t(.timeZone), name: "time_zone", value: "UTC", required: true, hint: page.t(.timeZoneHint), maxLength: 64),
                        UI.field(page.t(.starts), name: "starts_at", type: .datetimeLocal, hint: page.t(.inExerciseZone), maxLength: nil),
                        UI.field(page.t(.ends), name: "ends_at", type: .datetimeLocal, hint: page.t(.inExerciseZone), maxLength: nil)
                    )
                ))
        )
    }

    static func homePage(_ req: Request) async throws -> Response {
        let page = PageContext(req)
        let context = try req.exerciseContext
        let exercise = context.exercise
        let zone = exercise.zone
        let windows = try await Exercises.windows(of: exercise, on: req.db)
        let teams = try await Teams.all(in: exercise, on: req.db)
        let now = req.now
        let currentWindow = windows.first { $0.startsAt <= now && now < $0.endsAt }
        return Layout.render(
            page, title: exercise.displayName(page.locale),
            crumbs: [.init(title: page.t(.exercises), href: AppRoute.exercises.path)],
            UI.notice(req.pageNotice(page)),
            .div(
                // The state, the clock and the countdown are in the exercise bar above.
                .class("status-bar"),
                .span(.text(page.t(.now) + ": ")), page.time(now, exerciseZone: zone),
                .unwrap(currentWindow) { .span(.class("badge window"), .text(page.t(.inWindow) + " " + $0.name)) }
            ),
            .if(context.isWhite, controls(page, exercise)),
            .unwrap(context.team) { team in
                .section(
                    .class("my-team"),
                    .h2(.text(page.t(.yourTeam))),
                    .p(
                        UI.badge(page.t(S.kind(team.kind)), kind: team.kind.rawValue), .text(" " + team.flagged(page.locale)),
                        .if(context.judge, .group(.text(" · "), .strong(.text(page.t(.judge)))))),
                    .if(
                        team.kind.acceptsJoinCodes,
                        .p(.text(page.t(.joinCode) + ": "), .code(.text(team.joinCode)), .small(.class("hint"), .text(" " + page.t(.joinCodeShare)))))
                )
            },
            .unwrap(exercise.description.isEmpty ? nil : exercise.description) { .p(.class("description"), .text($0)) },
            UI.section(
                page.t(.schedule),
                .dl(
                    .dt(.text(page.t(.timeZone))), .dd(.text(page.zoneLabel(zone, at: now))),
                    .dt(.text(page.t(.starts))), .dd(page.time(exercise.startsAt, exerciseZone: zone)),
                    .dt(.text(page.t(.ends))), .dd(page.time(exercise.endsAt, exerciseZone: zone)),
                    .dt(.text(page.t(.freeze))), .dd(page.time(exercise.freezeAt, exerciseZone: zone))
                ),
                UI.table(
                    caption: page.t(.windows),
                    headers: [page.t(.name), page.t(.starts), page.t(.ends)],
                    rows: windows.map { [UI.text($0.name), page.time($0.startsAt, exerciseZone: zone), page.time($0.endsAt, exerciseZone: zone)] },
                    empty: page.t(.noWindows))
            ),
            UI.section(
                page.t(.teams),
                UI.table(
                    headers: ["#", page.t(.team), page.t(.kind), page.t(.nation)],
                    rows: teams.map { team in
                        [
                            UI.text(String(team.number)), UI.text(team.displayName(page.locale)),
                            UI.badge(page.t(S.kind(team.kind)), kind: team.kind.rawValue),
                            UI.text(team.nation.flatMap(Nation.init).map { "\($0.flag) \($0.code)" } ?? ""),
                        ]
                    },
                    empty: page.t(.noTeams))
            )
        )
    }

    private static func controls(_ page: PageContext, _ exercise: Exercise) -> Node<HTML.BodyContext> {
        let slug = exercise.slug
        let next = exercise.state.successors.sorted { $0.rawValue > $1.rawValue }
        return .section(
            .class("controls"),
            .h2(.text(page.t(.control))),
            .div(
                .class("buttons"),
                .forEach(next) { state in
                    UI.form(
                        page, action: AppRoute.exerciseState(slug).path, submit: page.t(S.action(from: exercise.state, to: state)),
                        danger: state == .finished, inline: true,
                        confirm: state == .finished ? page.t(.confirmFinish) : nil,
                        UI.hidden("state", state.rawValue))
                }
            ),
            .p(.a(.href(AppRoute.exerciseFile(slug).path), .text(page.t(.exportExerciseFile))))
        )
    }

    static func settingsPage(_ req: Request, error: String?) async throws -> Response {
        let page = PageContext(req)
        let exercise = try req.exerciseContext.exercise
        let zone = exercise.zone
        let windows = try await Exercises.windows(of: exercise, on: req.db)
        let slug = exercise.slug
        return Layout.render(
            page, title: page.t(.settingsAndSchedule),
            crumbs: Layout.crumbs(page, exercise),
            UI.notice(req.pageNotice(page)),
            UI.notice(error, error: true),
            UI.form(
                page, action: AppRoute.exerciseSettings(slug).path, submit: page.t(.save),
                UI.field(page.t(.name), name: "name", value: exercise.name, required: true),
                UI.field(page.t(.nameKo), name: "name_ko", value: exercise.nameKo),
                UI.textArea(page.t(.description), name: "description", value: exercise.description),
                UI.field(page.t(.timeZone), name: "time_zone", value: exercise.timeZone, required: true, hint: page.t(.timeZoneHint), maxLength: 64),
                UI.field(
                    page.t(.starts), name: "starts_at", value: localInput(exercise.startsAt, zone), type: .datetimeLocal,
                    hint: page.t(.inExerciseZone), maxLength: nil),
                UI.field(
                    page.t(.ends), name: "ends_at", value: localInput(exercise.endsAt, zone), type: .datetimeLocal, hint: page.t(.inExerciseZone),
                    maxLength: nil),
                UI.field(
                    page.t(.freeze), name: "freeze_at", value: localInput(exercise.freezeAt, zone), type: .datetimeLocal, hint: page.t(.freezeHint),
                    maxLength: nil),
                UI.field(
                    page.t(.firstBlood), name: "first_blood", value: exercise.firstBloodText.replacingOccurrences(of: ",", with: ", "),
                    hint: page.t(.firstBloodHint), maxLength: 400),
                UI.field(
                    page.t(.attemptsPerMinute), name: "attempts_per_minute", value: String(exercise.attemptsPerMinute), type: .number,
                    maxLength: nil),
                UI.checkbox(page.t(.publicScoreboard), name: "public_scoreboard", checked: exercise.publicScoreboard),
                UI.field(page.t(.tickSeconds), name: "tick_seconds", value: String(exercise.tickSeconds), type: .number, maxLength: nil),
                UI.field(
                    page.t(.jitterSeconds), name: "jitter_seconds", value: String(exercise.jitterSeconds), type: .number, hint: page.t(.jitterHint),
                    maxLength: nil)
            ),
            UI.section(
                page.t(.windows),
                UI.table(
                    headers: [page.t(.name), page.t(.starts), page.t(.ends), ""],
                    rows: windows.map { window in
                        [
                            UI.text(window.name), page.time(window.startsAt, exerciseZone: zone), page.time(window.endsAt, exerciseZone: zone),
                            UI.form(
                                page, action: AppRoute.exerciseWindowDelete(slug, window.id!.uuidString).path, submit: page.t(.remove), danger: true,
                                inline: true),
                        ]
                    },
                    empty: page.t(.noWindows)),
                UI.form(
                    page, action: AppRoute.exerciseWindows(slug).path, submit: page.t(.addWindow),
                    UI.field(page.t(.name), name: "name", required: true),
                    UI.field(page.t(.starts), name: "starts_at", type: .datetimeLocal, required: true, hint: page.t(.inExerciseZone), maxLength: nil),
                    UI.field(page.t(.ends), name: "ends_at", type: .datetimeLocal, required: true, hint: page.t(.inExerciseZone), maxLength: nil)
                )
            )
        )
    }
}
