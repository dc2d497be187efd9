import Fluent
import Plot
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// The challenge board, one challenge, and the white team's challenge editor.
package enum ChallengePages {
    package static func register(_ routes: any RoutesBuilder) {
        let (slug, challenge) = (AppRoute.param.slug, AppRoute.param.challenge)
        routes.endpoint(.GET, .challenges(slug), .everyMember) { req in try await boardPage(req) }
        routes.endpoint(.GET, .challengeNew(slug), .white) { req in try newPage(req, source: template, error: nil) }
        routes.endpoint(.POST, .challengeNew(slug), .white, use: create)
        routes.endpoint(.GET, .challenge(slug, challenge), .everyMember) { req in try await challengePage(req, result: nil, error: nil) }
        routes.endpoint(.POST, .challengeEdit(slug, challenge), .white, use: edit)
        routes.endpoint(.POST, .challengeDelete(slug, challenge), .white, use: delete)
        routes.endpoint(.POST, .challengeAttempt(slug, challenge), ChallengesAPI.players, use: attempt)
        routes.endpoint(.POST, .challengeHint(slug, challenge, AppRoute.param.hint), .exercise([.blue]), use: unlockHint)
        routes.endpoint(.POST, .challengeFiles(slug, challenge), .white, body: .stream, formInStream: true, use: upload)
        routes.endpoint(.POST, .challengeFileDelete(slug, challenge, AppRoute.param.file), .white, use: deleteFile)
        routes.endpoint(.GET, .submissions(slug), .white) { req in try await submissionsPage(req) }
    }

    /// The error a form shows beside what was sent, in the page's language.
    private static func formError(_ error: AppError, _ req: Request) -> String {
        error.text(PageContext(req).locale)
    }

    @Sendable package static func create(_ req: Request) async throws -> Response {
        let source = req.formField("source") ?? ""
        let context = try req.exerciseContext
        do {
            let id = try await ChallengesAPI.save(req, source: source, id: nil).id
            return req.seeOther(.challenge(context.exercise.slug, id.uuidString), notice: .created)
        } catch let error as AppError where [.unprocessableEntity, .conflict, .badRequest].contains(error.status) {
            return try newPage(req, source: source, error: formError(error, req))
        }
    }

    @Sendable package static func edit(_ req: Request) async throws -> Response {
        let challenge = try await ChallengesAPI.find(req)
        let source = req.formField("source") ?? ""
        do {
            let id = try await ChallengesAPI.save(req, source: source, id: challenge.requireID()).id
            return req.seeOther(.challenge(try req.exerciseContext.exercise.slug, id.uuidString), notice: .saved)
        } catch let error as AppError where [.unprocessableEntity, .conflict, .badRequest].contains(error.status) {
            return try await challengePage(req, result: nil, error: formError(error, req), source: source)
        }
    }

    @Sendable package static func delete(_ req: Request) async throws -> Response {
        let challenge = try await ChallengesAPI.find(req)
        let actor = req.auditActor
        let now = req.now
        do {
            try await req.application.scores.changeCatalog(challenge.$exercise.id, app: req.application) { write in
                try await Challenges.delete(challenge, by: actor, at: now, in: write)
            }
        } catch let error as AppError where error.status == .conflict {
            return try await challengePage(req, result: nil, error: formError(error, req))
        }
        return req.seeOther(.challenges(try req.exerciseContext.exercise.slug), notice: .deleted)
    }

    @Sendable package static func attempt(_ req: Request) async throws -> Response {
        let context = try req.exerciseContext
        let id = try req.challengeID
        do {
            let result = try await Attempts.submit(
                req.formField("flag") ?? "", challengeID: id, context: context, user: try req.requirePrincipal().id,
                source: req.sourceAddress, app: req.application)
            return try await challengePage(req, result: result, error: nil)
        } catch let error as AppError where error.status == .unprocessableEntity {
            return try await challengePage(req, result: nil, error: formError(error, req))
        }
    }

    @Sendable package static func unlockHint(_ req: Request) async throws -> Response {
        let context = try req.exerciseContext
        let id = try req.challengeID
        do {
            _ = try await Attempts.unlockHint(
                try req.parameters.require("hint"), challengeID: id, context: context, user: try req.requirePrincipal().id,
                app: req.application)
        } catch let error as AppError where [.conflict, .forbidden].contains(error.status) {
            return try await challengePage(req, result: nil, error: formError(error, req))
        }
        return req.seeOther(.challenge(context.exercise.slug, id.uuidString), notice: .hintUnlocked)
    }

    /// The editor's attachment form, streamed into stored chunks; a refused name leaves no chunks.
    @Sendable package static func upload(_ req: Request) async throws -> Response {
        let challenge = try await ChallengesAPI.find(req)
        let slug = try req.exerciseContext.exercise.slug
        do {
            let form = try await StreamedForm.read(req, fileField: "file", maxBytes: req.application.rampart.maxUploadBytes)
            guard let blob = form.blob, let name = form.fileName else {
                throw AppError.invalid("file", .chooseAFile)
            }
            do {
                _ = try Challenges.validateFileName(name)
            } catch {
                try? await req.application.write(clearingCaches: false) { db in try await Blobs.delete(blob.id, on: db) }
                throw error
            }
            try await ChallengesAPI.attach(blob, named: name, to: challenge, req: req)
        } catch let error as AppError where [.unprocessableEntity, .payloadTooLarge].contains(error.status) {
            return try await challengePage(req, result: nil, error: formError(error, req))
        }
        return req.seeOther(.challenge(slug, try challenge.requireID().uuidString), notice: .saved)
    }

    @Sendable package static func deleteFile(_ req: Request) async throws -> Response {
        let challenge = try await ChallengesAPI.find(req)
        let name = try req.parameters.require("file")
        let actor = req.auditActor
        let now = req.now
        try await req.write { db in try await Challenges.detach(name, from: challenge, by: actor, at: now, on: db) }
        return req.seeOther(.challenge(try req.exerciseContext.exercise.slug, try challenge.requireID().uuidString), notice: .saved)
    }

    package static let template = """
        name: "New challenge"
        category: "forensics"
        description: |
          What the team must find. **Markdown** works.
        type: dynamic
        extra:
          initial: 500
          decay: 20
          minimum: 100
          function: logarithmic
        flags:
          - type: static
            content: "RAMPART{change-me}"
            data: case_insensitive
        hints:
          - title: "A nudge"
            content: "Look at the file's metadata."
            cost: 50
        state: hidden

        """

    private static func crumbs(_ page: PageContext, _ exercise: Exercise, board: Bool = false) -> [Layout.Crumb] {
        Layout.crumbs(page, exercise) + (board ? [.init(title: page.t(.challenges), href: AppRoute.challenges(exercise.slug).path)] : [])
    }

    package static func boardPage(_ req: Request) async throws -> Response {
        req.liveKinds = ["challenge.", "exercise."]
        let page = PageContext(req)
        let context = try req.exerciseContext
        let exercise = context.exercise
        let views = try await ChallengeView.board(context, app: req.application).views
        let categories = Array(Set(views.map(\.entry.category))).sorted()
        return Layout.render(
            page, title: page.t(.challenges), crumbs: crumbs(page, exercise),
            UI.notice(req.pageNotice(page)),
            .if(
                context.isWhite,
                .div(
                    .class("buttons"),
                    .a(.class("button primary"), .href(AppRoute.challengeNew(exercise.slug).path), .text(page.t(.newChallenge))),
                    .a(.class("button"), .href(AppRoute.submissions(exercise.slug).path), .text(page.t(.submissions))))),
            .if(
                views.isEmpty,
                .div(
                    .class("empty"), .strong(.text(page.t(.noChallenges))),
                    .if(context.isWhite, .text(page.t(.noChallengesWhite))))),
            .if(!views.isEmpty, boardTools(page, categories: categories, solvable: context.team != nil)),
            .forEach(categories) { category in
                .section(
                    .class("board-category"), .data(named: "category", value: category),
                    .h2(.text(category)),
                    .ul(
                        .class("board grid"),
                        .forEach(views.filter { $0.entry.category == category }) { view in
                            .li(
                                .class(cardClass(view)),
                                .data(named: "search", value: (view.entry.name + " " + view.entry.spec.tags.joined(separator: " ")).lowercased()),
                                .component(card(page, exercise.slug, view, white: context.isWhite)))
                        }
                    )
                )
            }
        )
    }

    /// Search and filters for the board; shown by rampart.js, which alone can filter.
    private static func boardTools(_ page: PageContext, categories: [String], solvable: Bool) -> Node<HTML.BodyContext> {
        .div(
            .data(named: "board", value: "true"),
            .div(
                .class("board-tools"), .booleanAttribute("hidden"),
                .input(
                    .type(.search), .name("q"), .attribute(named: "aria-label", value: page.t(.searchChallenges)),
                    .placeholder(page.t(.searchChallenges))),
                .element(
                    named: "select",
                    nodes: [.attribute(named: "name", value: "category"), .attribute(named: "aria-label", value: page.t(.category))]
                        + [.element(named: "option", nodes: [.attribute(named: "value", value: ""), .text(page.t(.allCategories))])]
                        + categories.map { .element(named: "option", nodes: [.attribute(named: "value", value: $0), .text($0)]) }),
                .label(
                    .class("field check"),
                    .input(.type(.checkbox), .name("unsolved"), .attribute(named: "disabled", value: solvable ? nil : "disabled")),
                    .text(page.t(.unsolvedOnly)))
            )
        )
    }

    private static func cardClass(_ view: ChallengeView) -> String {
        [
            "card", view.solved ? "solved" : nil, view.availability == .locked ? "locked" : nil,
            view.entry.spec.state == .hidden ? "hidden-challenge" : nil,
        ]
        .compactMap { $0 }.joined(separator: " ")
    }

    private static func card(_ page: PageContext, _ slug: String, _ view: ChallengeView, white: Bool) -> Node<HTML.BodyContext> {
        let name: Node<HTML.BodyContext> =
            view.availability == .locked
            ? .span(.class("card-name"), .text("🔒 " + page.t(.lockedChallenge)))
            : .a(.class("card-name"), .href(AppRoute.challenge(slug, view.entry.id.uuidString).path), .text(view.entry.name))
        let firstBloodOpen = !view.entry.spec.firstBlood.percents.isEmpty && view.solves == 0 && view.availability != .locked
        return .group(
            name,
            .span(.class("card-value"), .text("\(view.value) "), .small(.text(page.t(.points)))),
            .span(.class("card-solves"), .text(page.t(.solveCount(view.solves)))),
            .div(
                .class("badges"),
                .if(view.solved, .span(.class("badge solved"), .text("✓ " + page.t(.solved)))),
                .if(firstBloodOpen, .span(.class("badge first-blood"), .text("🩸 " + page.t(.firstBloodOpen)))),
                .forEach(view.availability == .locked ? [] : view.entry.spec.tags) { .span(.class("badge"), .text($0)) },
                .if(white && view.entry.spec.state == .hidden, .span(.class("badge"), .text(page.t(.hiddenState)))),
                .if(
                    white && (view.entry.spec.scheduledAt.map { $0 > page.request.now } ?? false),
                    .span(.class("badge"), .text(page.t(.scheduled))))
            )
        )
    }

    package static func challengePage(_ req: Request, result: AttemptResult?, error: String?, source: String? = nil) async throws -> Response {
        let page = PageContext(req)
        let context = try req.exerciseContext
        let model = try await ChallengePageModel.build(try req.parameters.require("challenge"), context, app: req.application)
        return ChallengePageView.render(
            model, page: page, crumbs: crumbs(page, context.exercise, board: true), notice: req.pageNotice(page), error: error,
            result: result.map { ($0, resultText(page, $0, white: context.isWhite)) }, source: source)
    }

    /// What an attempt's answer means, in the reader's language, from its fields (the API's
    /// `message` is English, as CTFd clients expect).
    private static func resultText(_ page: PageContext, _ result: AttemptResult, white: Bool) -> String {
        let detail: Phrase? =
            switch result.status {
            case _ where white: .whiteTeamTest
            case .correct: result.points.map(Phrase.solvedFor)
            case .partial: result.progress.map { .flagsFoundOf($0.found, $0.total) }
            case .incorrect: result.attemptsLeft.map(Phrase.attemptsLeft)
            case .locked: result.attemptsLeft == 0 ? .attemptsUsedUp : .prerequisitesFirst
            case .rateLimited: result.retryAfter.map(Phrase.tryAgainIn)
            case .notRunning: .scoresOnlyWhileRunning
            case .alreadySolved: nil
            }
        return page.t(Phrase.attempt(result.status)) + (detail.map { " — " + page.t($0) } ?? "")
    }

    package static func newPage(_ req: Request, source: String, error: String?) throws -> Response {
        let page = PageContext(req)
        let exercise = try req.exerciseContext.exercise
        return Layout.render(
            page, title: page.t(.newChallenge), crumbs: crumbs(page, exercise, board: true),
            UI.notice(error, error: true),
            UI.form(
                page, action: AppRoute.challengeNew(exercise.slug).path, submit: page.t(.create),
                UI.textArea(page.t(.challengeSource), name: "source", value: source, rows: 24, hint: page.t(.challengeSourceHint))
            )
        )
    }

    package static func submissionsPage(_ req: Request) async throws -> Response {
        req.liveKinds = ["challenge.", "score."]
        let page = PageContext(req)
        let context = try req.exerciseContext
        let exercise = context.exercise
        let rows = try await ChallengesAPI.submissions(req)
        return Layout.render(
            page, title: page.t(.submissions), crumbs: crumbs(page, exercise, board: true),
            UI.table(
                headers: [page.t(.time), page.t(.team), page.t(.user), page.t(.challenge), page.t(.result), page.t(.flag), page.t(.source)],
                rows: rows.map { row in
                    [
                        page.time(row.at, exerciseZone: exercise.zone), UI.text(row.team ?? "—"), UI.text(row.user), UI.text(row.challenge),
                        UI.badge(row.result + (row.scored ? "" : " ·"), kind: "result-\(row.result)"), .code(.text(row.provided)),
                        UI.text(row.sourceAddress ?? ""),
                    ]
                },
                empty: page.t(.noSubmissions))
        )
    }
}
