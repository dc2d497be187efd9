import Plot
import RampartCore
import Vapor

/// Small building blocks shared by the pages. Text always goes through `.text`, which escapes it.
package enum UI {
    // Every field's label holds its control (and its hint), so a label needs no id: the same field
    // may appear on a page many times (a reason per row) without two elements sharing an id.

    package static func field(
        _ label: String, name: String, value: String? = nil, type: HTMLInputType = .text,
        required: Bool = false, hint: String? = nil, autocomplete: String? = nil, maxLength: Int? = TextLimit.name
    ) -> Node<HTML.BodyContext> {
        .div(
            .class("field"),
            .label(
                .span(.class("label-text"), .text(label)),
                .input(
                    .type(type), .name(name), .value(value ?? ""),
                    .attribute(named: "required", value: required ? "required" : nil),
                    .attribute(named: "maxlength", value: maxLength.map(String.init)),
                    .attribute(named: "autocomplete", value: autocomplete)
                ),
                .unwrap(hint) { .small(.class("hint"), .text($0)) }
            )
        )
    }

    package static func textArea(_ label: String, name: String, value: String, rows: Int = 6, hint: String? = nil) -> Node<HTML.BodyContext> {
        .div(
            .class("field"),
            .label(
                .span(.class("label-text"), .text(label)),
                .textarea(.name(name), .rows(rows), .text(value)),
                .unwrap(hint) { .small(.class("hint"), .text($0)) }
            )
        )
    }

    package static func select(_ label: String, name: String, options: [(value: String, label: String)], selected: String?) -> Node<HTML.BodyContext> {
        .div(
            .class("field"),
            .label(
                .span(.class("label-text"), .text(label)),
                .element(
                    named: "select",
                    nodes: [.attribute(named: "name", value: name)]
                        + options.map { option in
                            .element(
                                named: "option",
                                nodes: [
                                    .attribute(named: "value", value: option.value),
                                    option.value == selected ? .attribute(named: "selected", value: "selected") : .empty,
                                    .text(option.label),
                                ])
                        })
            )
        )
    }

    package static func checkbox(_ label: String, name: String, checked: Bool) -> Node<HTML.BodyContext> {
        .div(
            .class("field check"),
            .label(
                .input(.type(.checkbox), .name(name), .value("true"), .attribute(named: "checked", value: checked ? "checked" : nil)),
                .text(" " + label))
        )
    }

    /// A form that posts with the CSRF token; `fields` and a submit button inside.
    package static func form(
        _ page: PageContext, action: String, submit: String, danger: Bool = false, inline: Bool = false, confirm: String? = nil,
        _ fields: Node<HTML.BodyContext>...
    ) -> Node<HTML.BodyContext> {
        .form(
            .class(inline ? "inline" : "stack"), .method(.post), .action(action),
            .attribute(named: "data-confirm", value: confirm),
            Layout.csrfField(page),
            .div(.class("fields"), .component(Node<HTML.BodyContext>.group(fields))),
            .button(.type(.submit), .class(danger ? "danger" : "primary"), .text(submit))
        )
    }

    package static func hidden(_ name: String, _ value: String) -> Node<HTML.BodyContext> {
        .input(.type(.hidden), .name(name), .value(value))
    }

    /// A table in a wrapper that scrolls sideways, with a sticky header. Columns in `numeric` are
    /// right-aligned with figures of one width; `highlighted` rows (the reader's own team) stand out.
    /// No rows: the `empty` text, saying what to do next.
    package static func table(
        caption: String? = nil, headers: [String], numeric: Set<Int> = [], rows: [[Node<HTML.BodyContext>]],
        highlighted: Set<Int> = [], empty: String
    ) -> Node<HTML.BodyContext> {
        guard !rows.isEmpty else { return .p(.class("muted empty"), .text(empty)) }
        return .div(
            .class("table-wrap"),
            .table(
                .unwrap(caption) { .caption(.text($0)) },
                .thead(
                    .tr(.forEach(headers.enumerated()) { index, header in numeric.contains(index) ? .th(.class("num"), .text(header)) : .th(.text(header)) })),
                // Attributes only where they say something: a page of 200 teams renders thousands of cells.
                .tableBody(
                    rows.enumerated().map { number, row in
                        (
                            highlighted.contains(number) ? "mine" : nil,
                            row.enumerated().map { index, cell in (numeric.contains(index) ? "num" : nil, cell) }
                        )
                    })
            )
        )
    }

    /// One moment on a timeline: when, what (with an optional signed amount), and the details.
    package struct TimelineEntry {
        package enum Tone: String { case gain, loss, neutral, void }
        package var time: Node<HTML.BodyContext>
        package var title: String
        package var amount: String?
        package var tone: Tone
        package var details: [Node<HTML.BodyContext>]

        package init(time: Node<HTML.BodyContext>, title: String, amount: String? = nil, tone: Tone = .neutral, details: [Node<HTML.BodyContext>]) {
            self.time = time
            self.title = title
            self.amount = amount
            self.tone = tone
            self.details = details
        }
    }

    /// Moments down a line, newest first as given: a team's score facts, a report's history. The tone
    /// colours the marker and is also said by the amount's sign or the title, never by colour alone.
    package static func timeline(_ entries: [TimelineEntry], empty: String) -> Node<HTML.BodyContext> {
        guard !entries.isEmpty else { return .p(.class("muted empty"), .text(empty)) }
        return .ol(
            .class("timeline"),
            .forEach(entries) { entry in
                .li(
                    .class(entry.tone.rawValue),
                    .div(.class("timeline-when"), entry.time),
                    .div(
                        .class("timeline-what"),
                        .strong(.text(entry.title)),
                        .unwrap(entry.amount) { .span(.class("amount"), .text($0)) }),
                    .div(.class("timeline-details"), .group(entry.details)))
            })
    }

    package static func notice(_ text: String?, error: Bool = false) -> Node<HTML.BodyContext> {
        .unwrap(text) { .p(.class(error ? "notice error" : "notice"), .attribute(named: "role", value: error ? "alert" : "status"), .text($0)) }
    }

    package static func badge(_ text: String, kind: String) -> Node<HTML.BodyContext> {
        .span(.class("badge \(kind)"), .text(text))
    }

    /// The exercise's state as a badge: a word, coloured.
    package static func stateBadge(_ page: PageContext, _ state: ExerciseState) -> Node<HTML.BodyContext> {
        badge(page.t(S.state(state)), kind: "state-\(state.rawValue)")
    }

    /// The exercise clock: time run so far, ticking in the browser while the exercise runs (rampart.js).
    package static func clock(_ page: PageContext, _ exercise: Exercise) -> Node<HTML.BodyContext> {
        let clock = exercise.clock
        let elapsed = clock.elapsed(at: page.request.now)
        return .span(
            .class("clock"), .attribute(named: "data-elapsed", value: String(Int(elapsed))),
            .attribute(named: "data-running", value: clock.isRunning ? "true" : "false"),
            .text(page.t(.elapsed) + " "), .span(.class("clock-value"), .text(page.duration(elapsed))))
    }

    /// A countdown to the exercise's next scheduled moment (start, freeze, end), ticking in the
    /// browser; nothing once all have passed. Counts from the server's time, so a wrong clock on
    /// the reader's computer does not move it.
    package static func countdown(_ page: PageContext, _ exercise: Exercise) -> Node<HTML.BodyContext> {
        let now = page.request.now
        // The start only while the exercise has not started (the white team may start it early).
        let moments: [(Date?, Phrase)] = [
            (exercise.state == .draft ? exercise.startsAt : nil, .startsIn), (exercise.freezeAt, .freezeIn), (exercise.endsAt, .endsIn),
        ]
        guard let (at, label) = moments.compactMap({ date, label in date.map { ($0, label) } }).filter({ $0.0 > now }).min(by: { $0.0 < $1.0 })
        else { return .empty }
        let remaining = at.timeIntervalSince(now)
        return .span(
            .class("countdown"), .attribute(named: "data-remaining", value: String(Int(remaining))),
            .text(page.t(label) + " "), .span(.class("clock-value"), .text(page.duration(remaining))))
    }

    package static func link(_ text: String, _ href: String) -> Node<HTML.BodyContext> {
        .a(.href(href), .text(text))
    }

    package static func text(_ text: String) -> Node<HTML.BodyContext> { .text(text) }

    package static func section(_ title: String, _ content: Node<HTML.BodyContext>...) -> Node<HTML.BodyContext> {
        .section(.h2(.text(title)), .group(content))
    }
}

/// The page shown for an error in the browser.
package enum ErrorPage {
    package static func render(_ error: AppError, for request: Request) async throws -> Response {
        let page = PageContext(request)
        let title: String =
            switch error.status {
            case .notFound: page.t(.errorNotFound)
            case .forbidden: page.t(.errorForbidden)
            case .tooManyRequests: page.t(.errorTooMany)
            case .serviceUnavailable: page.t(.errorBusy)
            case .internalServerError: page.t(.errorInternal)
            default: page.t(.errorBadRequest)
            }
        let response = Layout.render(
            page, title: title, status: error.status,
            UI.notice(error.text(page.locale), error: true),
            .p(.a(.href(AppRoute.home.path), .text(page.t(.backHome))))
        )
        for (name, value) in error.headers { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }
}

extension Request {
    /// A form's text field, trimmed; nil when missing or empty.
    package func formField(_ name: String) -> String? {
        guard let value = try? content.get(String.self, at: name) else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    package func formFlag(_ name: String) -> Bool {
        formField(name).map { ["true", "on", "1", "yes"].contains($0) } ?? false
    }

    /// Redirect after a successful form post (303, so a reload does not post again).
    package func seeOther(_ route: AppRoute, notice: S? = nil) -> Response {
        redirect(to: route.path + (notice.map { "?notice=\($0.rawValue)" } ?? ""), redirectType: .normal)
    }

    /// The message a redirect asked this page to show.
    package func pageNotice(_ page: PageContext) -> String? {
        (try? query.get(String.self, at: "notice")).flatMap(S.init(rawValue:)).map { page.t($0) }
    }
}
