import Plot
import RampartCore
import Vapor

/// What every page needs to know about who is looking: language, time zone, login, CSRF token.
package struct PageContext {
    package let request: Request
    package let locale: UILocale
    package let principal: Principal?
    package let viewerZone: TimeZone

    package init(_ request: Request) {
        self.request = request
        self.principal = request.principal
        self.locale = Self.locale(for: request)
        self.viewerZone = Self.viewerZone(for: request)
    }

    package func t(_ key: S) -> String { key.text(locale) }
    package func t(_ phrase: Phrase) -> String { phrase.text(locale) }

    package var csrf: String { CSRF.token(for: request) }

    package static let themeCookie = "rampart_theme"

    /// The theme the reader chose with the theme switch (`light` or `dark`); nil follows the system.
    package var theme: String? {
        guard let theme = request.cookies[Self.themeCookie]?.string, ["light", "dark"].contains(theme) else { return nil }
        return theme
    }

    package static let languageCookie = "rampart_lang"
    package static let zoneCookie = "rampart_tz"

    /// The user's saved choice, else the language cookie, else the browser's preference.
    package static func locale(for request: Request) -> UILocale {
        if let principal = request.principal { return principal.locale }
        if let cookie = request.cookies[languageCookie]?.string, let locale = UILocale(rawValue: cookie) { return locale }
        for entry in request.headers[.acceptLanguage].flatMap({ $0.split(separator: ",") }) {
            let tag = entry.split(separator: ";").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            if let locale = UILocale(matching: tag) { return locale }
        }
        return .en
    }

    /// The user's saved zone, else the browser's (a cookie set by rampart.js), else UTC.
    package static func viewerZone(for request: Request) -> TimeZone {
        if let zone = request.principal?.timeZone.flatMap(TimeZone.iana) { return zone }
        // rampart.js percent-encodes the zone (`Asia%2FSeoul`), as cookie values cannot hold every character.
        if let cookie = request.cookies[zoneCookie]?.string.removingPercentEncoding, let zone = TimeZone.iana(cookie) { return zone }
        return .gmt
    }

    // MARK: - Times

    /// A time in the viewer's zone, and in the exercise's when that differs.
    package func time(_ date: Date?, exerciseZone: TimeZone? = nil) -> Node<HTML.BodyContext> {
        guard let date else { return .span(.class("muted"), .text("—")) }
        let viewer = format(date, in: viewerZone)
        var nodes: [Node<HTML.TimeContext>] = [.datetime(ExerciseTime.format(date, timeZone: .gmt)), .text(viewer)]
        if let exerciseZone, exerciseZone.identifier != viewerZone.identifier {
            nodes.append(.span(.class("alt-zone"), .text(" · " + format(date, in: exerciseZone))))
        }
        return .time(.group(nodes))
    }

    /// A short time on an axis, in the viewer's zone: `4 Dec 13:05`.
    package func shortTime(_ date: Date) -> String {
        DateFormatters.shared.string(from: date, locale: locale, zone: viewerZone, short: true)
    }

    package func format(_ date: Date, in zone: TimeZone) -> String {
        DateFormatters.shared.string(from: date, locale: locale, zone: zone) + " " + zoneLabel(zone, at: date)
    }

    /// `Asia/Seoul (UTC+9)`: the name says where, the offset says how far.
    package func zoneLabel(_ zone: TimeZone, at date: Date) -> String {
        let seconds = zone.secondsFromGMT(for: date)
        let sign = seconds < 0 ? "-" : "+"
        let hours = abs(seconds) / 3600
        let minutes = (abs(seconds) % 3600) / 60
        let offset = minutes == 0 ? "\(sign)\(hours)" : "\(sign)\(hours):\(String(format: "%02d", minutes))"
        return "\(zone.identifier == "GMT" ? "UTC" : zone.identifier) (UTC\(offset))"
    }

    /// An age for dense tables, to its largest two units: `45s`, `12m`, `3h05m`, `2d03h` (Korean in its words).
    package func shortDuration(_ seconds: Double) -> String {
        let total = max(0, Int(seconds))
        return t(.shortAge(days: total / 86400, hours: (total % 86400) / 3600, minutes: (total % 3600) / 60, seconds: total % 60))
    }

    package func duration(_ seconds: Double) -> String {
        let total = Int(seconds)
        let (days, hours, minutes, secs) = (total / 86400, (total % 86400) / 3600, (total % 3600) / 60, total % 60)
        let clock = String(format: "%02d:%02d:%02d", hours, minutes, secs)
        return days > 0 ? "\(Phrase.days(days).text(locale)) \(clock)" : clock
    }
}

/// Date formatters are slow to make and pages format dozens of times, so they are kept, one per
/// language and zone. `DateFormatter` is not thread-safe: each is used under the lock.
package final class DateFormatters: @unchecked Sendable {
    package static let shared = DateFormatters()
    private let lock = NSLock()
    private var formatters: [String: DateFormatter] = [:]

    package func string(from date: Date, locale: UILocale, zone: TimeZone, short: Bool = false) -> String {
        lock.withLock {
            let key = "\(locale.rawValue)|\(zone.identifier)|\(short)"
            if let formatter = formatters[key] { return formatter.string(from: date) }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: locale == .ko ? "ko_KR" : "en_GB")
            formatter.timeZone = zone
            formatter.dateFormat =
                switch (locale, short) {
                case (.ko, false): "yyyy. M. d. (E) HH:mm"
                case (.ko, true): "M. d. HH:mm"
                case (_, false): "EEE d MMM yyyy, HH:mm"
                case (_, true): "d MMM HH:mm"
                }
            formatters[key] = formatter
            return formatter.string(from: date)
        }
    }
}

/// Renders pages in the common layout.
package enum Layout {
    package struct Crumb {
        package var title: String
        package var href: String?

        package init(title: String, href: String? = nil) {
            self.title = title
            self.href = href
        }
    }

    /// Exercises › the exercise: where every page inside an exercise starts.
    package static func crumbs(_ page: PageContext, _ exercise: Exercise) -> [Crumb] {
        [
            .init(title: page.t(.exercises), href: AppRoute.exercises.path),
            .init(title: exercise.displayName(page.locale), href: AppRoute.exercise(exercise.slug).path),
        ]
    }

    package static func render(
        _ page: PageContext, title: String, crumbs: [Crumb] = [], status: HTTPResponseStatus = .ok,
        _ content: Node<HTML.BodyContext>...
    ) -> Response {
        render(page, title: title, crumbs: crumbs, status: status, wall: false, content)
    }

    /// A page for a wall screen: no site header, navigation or footer; dark, large type (`body.wall`).
    package static func renderWall(_ page: PageContext, title: String, _ content: Node<HTML.BodyContext>...) -> Response {
        render(page, title: title, crumbs: [], status: .ok, wall: true, content)
    }

    private static func render(
        _ page: PageContext, title: String, crumbs: [Crumb], status: HTTPResponseStatus, wall: Bool, _ content: [Node<HTML.BodyContext>]
    ) -> Response {
        // A fresh nonce per page: only Rampart's own script tag carries it, so no script an author
        // or participant manages to place in a page or upload as a file can run.
        let nonce = page.request.dependencies.token(bytes: 16)
        let html = HTML(
            .attribute(named: "lang", value: page.locale.rawValue),
            .attribute(named: "data-theme", value: page.theme),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                .element(named: "title", text: "\(title) · Rampart"),
                .link(.rel(.stylesheet), .href(AppRoute.stylesheet.path)),
                .link(.rel(.icon), .href(AppRoute.icon.path), .type("image/svg+xml")),
                .script(.src(AppRoute.script.path), .attribute(named: "nonce", value: nonce), .booleanAttribute("defer"))
            ),
            .body(
                .group(liveAttributes(page).map { .attribute(named: $0.0, value: $0.1) }),
                .attribute(named: "class", value: wall ? "wall" : nil),
                .if(!wall, .a(.class("skip"), .href("#main"), .text(page.t(.skipToContent)))),
                .if(!wall, header(page)),
                .if(!wall, exerciseBar(page)),
                .if(!wall && !page.request.pageBanners.isEmpty, banners(page)),
                .div(.id("toasts"), .class("toasts"), .attribute(named: "aria-live", value: "polite"),
                     .attribute(named: "data-dismiss", value: page.t(.dismiss))),
                .main(
                    .id("main"),
                    .attribute(named: "data-live", value: page.request.liveKinds == nil ? nil : "main"),
                    .if(
                        !crumbs.isEmpty,
                        .nav(
                            .class("crumbs"), .ariaLabel(page.t(.breadcrumbs)),
                            .forEach(crumbs) { crumb in
                                crumb.href.map { .a(.href($0), .text(crumb.title)) } ?? .span(.text(crumb.title))
                            }
                        )),
                    .if(!wall, .h1(.text(title))),
                    .group(content)
                ),
                .if(!wall, .footer(.p(.text("Rampart · "), .a(.href(AppRoute.openAPI.path), .text("API")))))
            )
        )
        let response = Response(status: status, body: .init(string: html.render()))
        response.headers.contentType = .html
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: policy(nonce: nonce))
        return response
    }

    /// What `rampart.js` needs to keep a page of an exercise live: the exercise, the last event this
    /// page shows (the socket resumes after it), and which events change the page.
    private static func liveAttributes(_ page: PageContext) -> [(String, String)] {
        guard let context = try? page.request.exerciseContext, let hub = page.request.application.liveHub else { return [] }
        var attributes = [
            ("data-live-exercise", context.exercise.slug), ("data-live-seq", String(hub.latestSeq)),
            ("data-server-now", String(Int(page.request.now.timeIntervalSince1970))),
        ]
        if let kinds = page.request.liveKinds { attributes.append(("data-live-kinds", kinds.joined(separator: " "))) }
        return attributes
    }

    /// The page policy: everything from this site only, scripts only with this page's nonce, no
    /// plugins, no `<base>`, forms only to this site, never framed. `SecurityHeadersMiddleware` adds
    /// the other headers.
    package static func policy(nonce: String) -> String {
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'nonce-\(nonce)'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'"
    }

    /// The site's header: on a phone its menu folds behind a button (a `<details>`, so it works
    /// without script; the script folds it when the page opens on a narrow screen).
    private static func header(_ page: PageContext) -> Node<HTML.BodyContext> {
        .header(
            .class("top"),
            .a(.class("brand"), .href(AppRoute.home.path), .text("Rampart")),
            .element(
                named: "details",
                nodes: [
                    .class("menu"), .booleanAttribute("open"),
                    .element(named: "summary", text: "☰ " + page.t(.menu)),
                    .div(.class("menu-body"), mainNavigation(page), tools(page)),
                ])
        )
    }

    private static func mainNavigation(_ page: PageContext) -> Node<HTML.BodyContext> {
        .nav(
            .ariaLabel(page.t(.mainNavigation)),
            .unwrap(page.principal) { principal in
                .group(
                    .a(.href(AppRoute.exercises.path), .text(page.t(.exercises))),
                    .a(.href(AppRoute.join.path), .text(page.t(.joinTeam))),
                    .if(
                        principal.isAdmin,
                        .group(
                            .a(.href(AppRoute.users.path), .text(page.t(.users))),
                            .a(.href(AppRoute.importFile.path), .text(page.t(.importExerciseFile))),
                            .a(.href(AppRoute.adminAudit.path), .text(page.t(.auditTrail)))
                        )),
                    .a(.href(AppRoute.account.path), .text(principal.displayName))
                )
            }
        )
    }

    /// Theme, language and logging out.
    private static func tools(_ page: PageContext) -> Node<HTML.BodyContext> {
        .div(
            .class("tools"),
            // Shown by the script, which alone can switch it (it remembers the choice in a cookie).
            .button(
                .type(.button), .class("small theme-switch"), .booleanAttribute("hidden"),
                .data(named: "dark", value: page.t(.darkTheme)), .data(named: "light", value: page.t(.lightTheme)),
                .text(page.t(page.theme == "dark" ? .lightTheme : .darkTheme))),
            .form(
                .class("inline"), .method(.post), .action(AppRoute.language.path),
                csrfField(page),
                .input(.type(.hidden), .name("next"), .value(page.request.url.path)),
                .button(
                    .type(.submit), .class("small"), .name("locale"), .value(page.locale == .en ? "ko" : "en"),
                    .attribute(named: "lang", value: page.locale == .en ? "ko" : "en"),
                    .text(Phrase.languageName(page.locale == .en ? .ko : .en))
                )
            ),
            .unwrap(page.principal) { _ in
                .form(
                    .class("inline"), .method(.post), .action(AppRoute.logout.path),
                    csrfField(page),
                    .button(.type(.submit), .class("small"), .text(page.t(.logOut)))
                )
            }
        )
    }

    /// Warning and critical announcements, on every page until withdrawn (rampart.js lets a reader
    /// dismiss one in this browser, and removes it when it is withdrawn).
    private static func banners(_ page: PageContext) -> Node<HTML.BodyContext> {
        .div(
            .class("banners"),
            .forEach(page.request.pageBanners) { announcement in
                .section(
                    .class("banner level-\(announcement.levelValue.rawValue)"),
                    .attribute(named: "role", value: announcement.levelValue == .critical ? "alert" : "status"),
                    .attribute(named: "data-announcement", value: announcement.id?.uuidString.lowercased() ?? ""),
                    .strong(.text(announcement.displayTitle(page.locale))),
                    Markdown.block(announcement.displayBody(page.locale)))
            })
    }

    /// Where the reader is inside an exercise: its name, state and clock, and a tab per place
    /// (every feature's links, then the white team's control pages), the current one marked.
    private static func exerciseBar(_ page: PageContext) -> Node<HTML.BodyContext> {
        guard let links = page.request.pageNavigation, let context = try? page.request.exerciseContext else { return .empty }
        let exercise = context.exercise
        let slug = exercise.slug
        var tabs = [(page.t(.overview), AppRoute.exercise(slug).path, false)]
        tabs += links.map { (page.t($0.title), $0.href, false) }
        if context.isWhite {
            tabs += [
                (page.t(.teamsAndMembers), AppRoute.teams(slug).path, true),
                (page.t(.settingsAndSchedule), AppRoute.exerciseSettings(slug).path, true),
                (page.t(.auditTrail), AppRoute.audit(slug).path, true),
            ]
        }
        let path = page.request.url.path
        // The longest link the page's path starts with is where the reader is (Overview only exactly).
        let current = tabs.map(\.1).filter { path == $0 || ($0 != AppRoute.exercise(slug).path && path.hasPrefix($0 + "/")) }
            .max { $0.count < $1.count }
        return .div(
            .class("exercise-bar"), .id("exercise-bar"), .attribute(named: "data-live", value: "bar"),
            .div(
                .class("exercise-head"),
                .a(.class("exercise-name"), .href(AppRoute.exercise(slug).path), .text(exercise.displayName(page.locale))),
                UI.stateBadge(page, exercise.state),
                UI.clock(page, exercise),
                UI.countdown(page, exercise)
            ),
            .nav(
                .class("tabs"), .ariaLabel(page.t(.exercise)),
                .forEach(tabs) { title, href, control in
                    .a(
                        .href(href), .class(control ? "control" : ""),
                        .attribute(named: "aria-current", value: href == current ? "page" : nil),
                        .text(title))
                }
            )
        )
    }

    package static func csrfField(_ page: PageContext) -> Node<HTML.FormContext> {
        .input(.type(.hidden), .name(CSRF.field), .value(page.csrf))
    }
}
