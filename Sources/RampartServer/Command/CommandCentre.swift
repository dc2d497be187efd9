import Fluent
import Foundation
import Plot
import RampartCore
import RampartDefence
import RampartKernel
import RampartScoring
import Vapor

/// The command centre: one dark screen for a wall at 1920×1080 — the exercise's state and clocks,
/// standings with nations' flags, the team × service matrix and a feed of notable events — kept live
/// by the same events as every page. For the white team and observers, and for anyone when the
/// exercise's scoreboard is public.
enum CommandCentre {
    static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .command(AppRoute.param.slug), .observers) { req in try await page(req) }
    }

    /// Zones shown beside the exercise's own unless `?zones=` names others (at most two).
    static let defaultZones = ["Asia/Seoul", "Europe/London", "UTC"]

    static func page(_ req: Request) async throws -> Response {
        let context = try req.exerciseContext
        req.liveKinds = ["score.", "challenge.", "service.", "report.compromise.", "announcement.", "exercise."]
        let page = PageContext(req)
        let exercise = context.exercise
        let now = req.now
        let board = try await Scoreboard.current(for: context, app: req.application, on: req.db)
        let services = try await Services.all(context.exerciseID, on: req.db)
        let status = try await Defence.status(context, services: services, on: req.db)
        let teams = try await Team.query(on: req.db).filter(\.$exercise.$id == context.exerciseID).all()
        let windows = try await ScheduleWindow.query(on: req.db).filter(\.$exercise.$id == context.exerciseID).sort(\.$startsAt).all()
        let feed = try await feed(context, teams: teams, page: page, on: req.db)
        let zones = chosenZones(req, exerciseZone: exercise.timeZone)
        return Layout.renderWall(
            page, title: page.t(.commandCentre),
            .div(
                .class("wall-grid"),
                header(page, exercise, frozen: board.frozen, zones: zones, windows: windows, now: now),
                standings(page, board),
                matrix(page, status, services: services.map(\.name), teams: teams, now: now),
                .section(
                    .class("wall-feed"), .h2(.text(page.t(.wallFeed))),
                    feed.isEmpty
                        ? .p(.class("muted"), .text(page.t(.wallNothingYet)))
                        : .ol(.forEach(feed) { item in .li(.class("feed-\(item.tone)"), .time(.datetime(ExerciseTime.format(item.at, timeZone: .gmt)), .text(zoneTime(item.at, exercise.timeZone))), .text(" " + item.text)) })
                )
            ))
    }

    static func chosenZones(_ req: Request, exerciseZone: String) -> [String] {
        // At most a few names are looked at, however long the list a reader sends.
        let asked = (req.query[String.self, at: "zones"] ?? "").split(separator: ",", maxSplits: 4).prefix(4).map(String.init)
            .filter { TimeZone.iana($0) != nil }
        let zones = asked.isEmpty ? defaultZones : asked
        return Array(([exerciseZone] + zones.filter { $0 != exerciseZone }).prefix(3))
    }

    private static func header(
        _ page: PageContext, _ exercise: Exercise, frozen: Bool, zones: [String], windows: [ScheduleWindow], now: Date
    ) -> Node<HTML.BodyContext> {
        let (word, tone): (Phrase, String) =
            switch exercise.state {
            case .running where frozen || (exercise.freezeAt.map { now >= $0 } ?? false): (.wallFrozen, "frozen")
            case .running: (.wallRunning, "running")
            case .paused: (.wallPaused, "paused")
            case .draft: (.wallDraft, "draft")
            case .finished: (.wallFinished, "finished")
            }
        let current = windows.first { $0.startsAt <= now && now < $0.endsAt }
        let next = windows.first { $0.startsAt > now }
        return .header(
            .class("wall-head"),
            .div(.class("wall-title"), .h1(.text(exercise.displayName(page.locale))), .span(.class("wall-state state-\(tone)"), .text(page.t(word)))),
            .div(
                .class("wall-clocks"),
                .forEach(zones) { zone in
                    .div(
                        .class("zone"), .span(.class("zone-name"), .text(zone.split(separator: "/").last.map { $0.replacingOccurrences(of: "_", with: " ") } ?? zone)),
                        .span(.class("zone-time"), .attribute(named: "data-zone-clock", value: zone), .text(zoneTime(now, zone))))
                },
                .div(.class("zone"), UI.clock(page, exercise)),
                .div(.class("zone"), UI.countdown(page, exercise)),
                .unwrap(current) { window in
                    .div(.class("zone"), windowCountdown(page, window.name, label: .wallWindowEnds, until: window.endsAt, now: now))
                },
                .unwrap(current == nil ? next : nil) { window in
                    .div(.class("zone"), windowCountdown(page, window.name, label: .wallWindowStarts, until: window.startsAt, now: now))
                }
            )
        )
    }

    private static func windowCountdown(_ page: PageContext, _ name: String, label: Phrase, until: Date, now: Date) -> Node<HTML.BodyContext> {
        let remaining = max(0, until.timeIntervalSince(now))
        return .span(
            .class("countdown"), .attribute(named: "data-remaining", value: String(Int(remaining))),
            .text("\(name) \(page.t(label)) "), .span(.class("clock-value"), .text(page.duration(remaining))))
    }

    static func zoneTime(_ date: Date, _ zone: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone.iana(zone)
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: date)
    }

    /// Row heights on the wall: the more teams, the shorter the rows, so that all fit one screen.
    private static func rowsClass(_ count: Int) -> String {
        count > 24 ? "rows-many" : count > 12 ? "rows-some" : "rows-few"
    }

    private static func standings(_ page: PageContext, _ board: Scoreboard) -> Node<HTML.BodyContext> {
        .section(
            .class("wall-standings"),
            .h2(.text(page.t(.wallStandings))),
            .ol(
                .class(rowsClass(board.rows.count)),
                .forEach(board.rows) { row in
                    .li(
                        .span(.class("pos"), .text(String(row.pos))),
                        .span(.class("flag"), .text(row.nation?.flag ?? "")),
                        .span(.class("team"), .text(page.locale == .ko ? (row.nameKo ?? row.name) : row.name)),
                        .span(.class("total"), .text(String(row.score.total))))
                })
        )
    }

    private static func matrix(_ page: PageContext, _ status: ServiceStatusDTO, services: [String], teams: [Team], now: Date) -> Node<HTML.BodyContext> {
        let bySlug = Dictionary(uniqueKeysWithValues: teams.map { ($0.slug, $0) })
        guard !services.isEmpty else {
            return .section(.class("wall-matrix"), .h2(.text(page.t(.wallServices))), .p(.class("muted"), .text(page.t(.wallNoServices))))
        }
        return .section(
            .class("wall-matrix"),
            .h2(.text(page.t(.wallServices))),
            .table(
                // Past eight services a cell shows its status's symbol on its colour; the word stays for
                // screen readers and in the tooltip.
                .class(rowsClass(status.teams.count) + (services.count > 8 ? " glyphs" : "")),
                .thead(.tr(.th(.text("")), .forEach(services) { .th(.attribute(named: "title", value: $0), .text($0)) })),
                .tbody(
                    .forEach(status.teams) { row in
                        let team = bySlug[row.team]
                        return .tr(
                            .th(.text((team?.nation.flatMap { Nation($0)?.flag } ?? "") + " " + (team?.displayName(page.locale) ?? row.team))),
                            .forEach(row.services) { cell in
                                let status = cell.status.flatMap(CheckStatus.init(rawValue:))
                                let word = page.t(.checkStatusShort(status))
                                return .td(
                                    .class("check-\(cell.status ?? "none")"), .attribute(named: "title", value: "\(row.team) · \(cell.service): \(word)"),
                                    .span(.class("glyph"), .attribute(named: "aria-hidden", value: "true"), .text(status.map(\.symbol) ?? "–")),
                                    .span(.class("word"), .text(word)))
                            })
                    })
            )
        )
    }

    struct FeedItem {
        var at: Date
        var text: String
        var tone: String
    }

    /// The last notable events the viewer may see, newest first: first bloods and solves, services going
    /// down and coming back, validated compromises, announcements and state changes.
    static func feed(_ context: ExerciseContext, teams: [Team], page: PageContext, on db: any Database) async throws -> [FeedItem] {
        let names = Dictionary(uniqueKeysWithValues: teams.compactMap { team in team.id.map { ($0, team.displayName(page.locale)) } })
        let events = try await LiveEvents.recent(exercise: context.exerciseID, limit: 300, on: db)
        let viewer = LiveViewer(role: context.role, teamID: context.team?.id)
        // A withdrawn announcement leaves the feed too.
        let withdrawn = Set(events.filter { $0.kind == "announcement.withdrawn" }.compactMap { $0.payload["id"] })
        var items: [FeedItem] = []
        for event in events where viewer.delivery(event, freezeAt: context.exercise.freezeAt) == .whole {
            let team = event.teamID.flatMap { names[$0] } ?? ""
            let data = event.payload
            let item: (Phrase, String)? =
                switch event.kind {
                case "challenge.solved":
                    data["first_blood"] == "true"
                        ? (.wallFirstBlood(team, data["challenge"] ?? ""), "blood") : (.wallSolved(team, data["challenge"] ?? ""), "solve")
                // A service's first status is not news; a change is.
                case "service.status" where !(data["from"] ?? "").isEmpty:
                    (
                        .wallServiceChange(team, data["service"] ?? "", page.t(.checkStatusShort(data["to"].flatMap(CheckStatus.init(rawValue:))))),
                        data["to"] == "up" ? "up" : "down"
                    )
                // Validated by a judge, or at once by a planted flag or token in its proof.
                case "report.compromise.decided" where data["status"] == "validated", "report.compromise.filed" where data["status"] == "validated":
                    (.wallCompromise(team, data["points"] ?? "?"), "down")
                case "announcement.posted" where !withdrawn.contains(data["id"] ?? ""):
                    (.verbatim(page.locale == .ko ? (data["title_ko"] ?? data["title"] ?? "") : (data["title"] ?? "")), "announce")
                case "exercise.state": (.wallStateChange(page.t(S.state(ExerciseState(rawValue: data["to"] ?? "") ?? .draft))), "state")
                default: nil
                }
            if let (phrase, tone) = item { items.append(FeedItem(at: event.at, text: page.t(phrase), tone: tone)) }
            if items.count == 40 { break }
        }
        // Newest first by the time each happened: a tick's statuses are stamped with the tick's start,
        // though scored a few seconds later than a solve made meanwhile.
        return items.enumerated().sorted { ($0.element.at, -$0.offset) > ($1.element.at, -$1.offset) }.map(\.element)
    }
}
