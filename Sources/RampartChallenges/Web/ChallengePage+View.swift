import Plot
import RampartCore
import RampartKernel
import Vapor

/// A challenge's page, drawn from its model only: the description, files and hints on the left;
/// on the right what it is worth and how that moves, what it needs first, the attempts left and the
/// answer field (one column on a phone, the answer first after the value).
package enum ChallengePageView {
    package static func render(
        _ model: ChallengePageModel, page: PageContext, crumbs: [Layout.Crumb], notice: String?, error: String?,
        result: (AttemptResult, String)?, source: String?
    ) -> Response {
        guard let dto = model.challenge, let name = dto.name else {
            return Layout.render(page, title: "🔒 " + page.t(.lockedChallenge), crumbs: crumbs, .p(.text(page.t(.lockedExplain))))
        }
        let id = dto.id.uuidString
        let slug = model.exercise
        let resultNotice: Node<HTML.BodyContext> = .unwrap(result) { result, text in
            .p(
                .class(result.status == .correct || result.status == .partial ? "notice" : "notice error"),
                .attribute(named: "role", value: "status"), .attribute(named: "data-result", value: result.status.rawValue),
                .text(text))
        }
        let main: Node<HTML.BodyContext> = .div(
            .p(
                .class("challenge-meta"), UI.badge(dto.category, kind: "category"),
                .forEach(dto.tags ?? []) { .group(.text(" "), UI.badge($0, kind: "")) }),
            Markdown.block(dto.description ?? ""),
            .unwrap(dto.attribution) { .p(.class("muted"), .text(page.t(.attribution) + ": " + $0)) },
            .unwrap(dto.connectionInfo) { info in .section(.h2(.text(page.t(.connectionInfo))), .pre(.code(.text(info)))) },
            .if(
                !(dto.files ?? []).isEmpty,
                .section(
                    .h2(.text(page.t(.files))),
                    .ul(.forEach(dto.files ?? []) { file in .li(.component(fileItem(page, slug, id, file, white: model.white))) }))),
            .if(
                !(dto.hints ?? []).isEmpty,
                .section(
                    .h2(.text(page.t(.hints))),
                    .ul(
                        .class("hints"),
                        .forEach(dto.hints ?? []) { hint in .li(.component(hintItem(page, slug, id, hint, canUnlock: model.canUnlockHints))) })))
        )
        return Layout.render(
            page, title: name, crumbs: crumbs,
            UI.notice(notice), UI.notice(error, error: true), resultNotice,
            .div(.class("with-aside"), main, .element(named: "aside", nodes: [.component(side(model, dto, page: page, id: id))])),
            model.white ? editor(page, slug, id, source: source ?? dto.source ?? "") : .empty
        )
    }

    /// The value and its movement, the team's state on it, and the answer field.
    private static func side(_ model: ChallengePageModel, _ dto: ChallengeDTO, page: PageContext, id: String) -> Node<HTML.BodyContext> {
        .group(
            .section(
                .class("panel challenge-facts"),
                .p(.class("challenge-value"), .strong(.text(String(dto.value))), .text(" " + page.t(.points))),
                .unwrap(model.decay) { .p(.class("muted"), .text(page.t(.valueDecays(next: $0.next, minimum: $0.minimum)))) },
                .p(.text(page.t(.solveCount(dto.solves)))),
                .if(dto.solved, .p(.span(.class("badge solved"), .text("✓ " + page.t(.solved))))),
                .unwrap(dto.progress) { .p(.text(page.t(.flagsFoundOf($0.found, $0.total)))) },
                .unwrap(model.attemptsLeft) { left in
                    .p(.class(left == 0 ? "attempts none" : "attempts"), .text(page.t(.attemptsLeftOf(left, dto.maxAttempts ?? left))))
                },
                .if(model.attemptsLeft == nil && dto.maxAttempts != nil, .p(.text(page.t(.maxAttempts) + " \(dto.maxAttempts ?? 0)"))),
                .if(
                    !model.prerequisites.isEmpty,
                    .group(
                        .h3(.text(page.t(.prerequisitesHeading))),
                        .ul(
                            .class("prerequisites"),
                            .forEach(model.prerequisites) { item in
                                .li(.text((item.solved ? "✓ " : "○ ") + item.name + (item.solved ? " (" + page.t(.solved) + ")" : "")))
                            })))
            ),
            .if(
                model.canSubmit && model.attemptsLeft != 0,
                .section(
                    .class("panel"),
                    .h2(.text(model.white ? page.t(.testFlag) : page.t(.submitFlag))),
                    UI.form(
                        page, action: AppRoute.challengeAttempt(model.exercise, id).path, submit: page.t(.submit),
                        UI.field(page.t(.flag), name: "flag", required: true, autocomplete: "off", maxLength: Attempts.maxFlagLength))))
        )
    }

    private static func fileItem(
        _ page: PageContext, _ slug: String, _ id: String, _ file: ChallengeDTO.FileDTO, white: Bool
    ) -> Node<HTML.BodyContext> {
        .group(
            .a(.href(file.url), .text(file.name)), .text(" (\(file.size) B)"),
            .if(
                white,
                UI.form(
                    page, action: AppRoute.challengeFileDelete(slug, id, file.name).path, submit: page.t(.delete), danger: true,
                    inline: true, confirm: page.t(.confirmDelete)))
        )
    }
    private static func hintItem(_ page: PageContext, _ slug: String, _ id: String, _ hint: HintDTO, canUnlock: Bool) -> Node<HTML.BodyContext> {
        .group(
            .strong(.text(hint.title ?? (page.t(.hint) + " " + hint.key))),
            .text(" · " + (hint.cost == 0 ? page.t(.free) : "\(hint.cost) " + page.t(.points))),
            .unwrap(hint.content) { Markdown.block($0) },
            .if(
                hint.content == nil && canUnlock,
                UI.form(
                    page, action: AppRoute.challengeHint(slug, id, hint.key).path, submit: page.t(.unlockHint), inline: true,
                    confirm: hint.cost > 0 ? page.t(.confirmHint) : nil))
        )
    }
    private static func editor(_ page: PageContext, _ slug: String, _ id: String, source: String) -> Node<HTML.BodyContext> {
        let upload: Node<HTML.BodyContext> = .section(
            .h2(.text(page.t(.uploadFile))),
            .form(
                .class("stack"), .method(.post), .action(AppRoute.challengeFiles(slug, id).path),
                .enctype(.multipartData),
                Layout.csrfField(page),
                .div(.class("field"), .label(.for("f-file"), .text(page.t(.file))), .input(.id("f-file"), .type(.file), .name("file"))),
                .button(.type(.submit), .class("primary"), .text(page.t(.uploadFile)))
            ))
        return .group(
            UI.section(
                page.t(.editChallenge),
                UI.form(
                    page, action: AppRoute.challengeEdit(slug, id).path, submit: page.t(.save),
                    UI.textArea(page.t(.challengeSource), name: "source", value: source, rows: 24, hint: page.t(.challengeSourceHint))
                )),
            upload,
            UI.form(
                page, action: AppRoute.challengeDelete(slug, id).path, submit: page.t(.deleteChallenge), danger: true,
                confirm: page.t(.confirmDelete))
        )
    }
}
