import Plot
import RampartCore
import Vapor

/// Small building blocks shared by the pages. Text always goes through `.text`, which escapes it.
package enum UI {
    package static func field(
        _ label: String, name: String, value: String? = nil, type: HTMLInputType = .text,
        required: Bool = false, hint: String? = nil, autocomplete: String? = nil, maxLength: Int? = TextLimit.name
    ) -> Node<HTML.BodyContext> {
        let id = "f-\(name)"
        return .div(
            .class("field"),
            .label(.for(id), .text(label)),
            .input(
                .id(id), .type(type), .name(name), .value(value ?? ""),
                .attribute(named: "required", value: required ? "required" : nil),
                .attribute(named: "maxlength", value: maxLength.map(String.init)),
                .attribute(named: "autocomplete", value: autocomplete),
                .attribute(named: "aria-describedby", value: hint == nil ? nil : "\(id)-hint")
            ),
            .unwrap(hint) { .small(.id("\(id)-hint"), .class("hint"), .text($0)) }
        )
    }

    package static func textArea(_ label: String, name: String, value: String, rows: Int = 6, hint: String? = nil) -> Node<HTML.BodyContext> {
        let id = "f-\(name)"
        return .div(
            .class("field"),
            .label(.for(id), .text(label)),
            .textarea(.id(id), .name(name), .rows(rows), .text(value)),
            .unwrap(hint) { .small(.class("hint"), .text($0)) }
        )
    }

    package static func select(_ label: String, name: String, options: [(value: String, label: String)], selected: String?) -> Node<HTML.BodyContext> {
        let id = "f-\(name)"
        return .div(
            .class("field"),
            .label(.for(id), .text(label)),
            .element(
                named: "select",
                nodes: [.attribute(named: "id", value: id), .attribute(named: "name", value: name)]
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
    }

    package static func checkbox(_ label: String, name: String, checked: Bool) -> Node<HTML.BodyContext> {
        .div(
            .class("field check"),
            .input(.id("f-\(name)"), .type(.checkbox), .name(name), .value("true"), .attribute(named: "checked", value: checked ? "checked" : nil)),
            .label(.for("f-\(name)"), .text(label))
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

    package static func table(caption: String? = nil, headers: [String], rows: [[Node<HTML.BodyContext>]], empty: String) -> Node<HTML.BodyContext> {
        guard !rows.isEmpty else { return .p(.class("muted"), .text(empty)) }
        return .div(
            .class("table-wrap"),
            .table(
                .unwrap(caption) { .caption(.text($0)) },
                .thead(.tr(.forEach(headers) { .th(.text($0)) })),
                .tbody(.forEach(rows) { row in .tr(.forEach(row) { .td($0) }) })
            )
        )
    }

    package static func notice(_ text: String?, error: Bool = false) -> Node<HTML.BodyContext> {
        .unwrap(text) { .p(.class(error ? "notice error" : "notice"), .attribute(named: "role", value: error ? "alert" : "status"), .text($0)) }
    }

    package static func badge(_ text: String, kind: String) -> Node<HTML.BodyContext> {
        .span(.class("badge \(kind)"), .text(text))
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
