import Fluent
import Foundation
import Plot
import RampartCore
import Vapor

/// The announcements page: every member reads what is addressed to them; the white team posts and
/// withdraws.
enum AnnouncementPages {
    static func register(_ routes: any RoutesBuilder) {
        let slug = AppRoute.param.slug
        routes.endpoint(.GET, .announcements(slug), .everyMember) { req in try await page(req, error: nil) }
        routes.endpoint(.POST, .announcements(slug), LiveAPI.announcers) { req async throws -> Response in
            let context = try req.exerciseContext
            let input = Announcements.Input(
                title: req.formField("title") ?? "", title_ko: req.formField("title_ko"), body: req.formField("body") ?? "",
                body_ko: req.formField("body_ko"), level: req.formField("level"), teams: (try? req.content.get([String].self, at: "teams")) ?? [],
                roles: (try? req.content.get([String].self, at: "roles")) ?? [])
            do {
                let (spec, teamIDs) = try await Announcements.spec(
                    input, exerciseID: context.exerciseID, generatedKey: LiveAPI.generatedKey(req), on: req.db)
                try await Announcements.post(spec, teamIDs: teamIDs, exerciseID: context.exerciseID, by: req.auditActor, now: req.now, app: req.application)
            } catch let error as AppError where error.status != .serviceUnavailable {
                return try await page(req, error: error.text(PageContext(req).locale), input: input)
            }
            return req.seeOther(.announcements(context.exercise.slug), notice: .created)
        }
        routes.endpoint(.POST, .announcementWithdraw(slug, AppRoute.param.announcement), LiveAPI.announcers) { req async throws -> Response in
            let context = try req.exerciseContext
            _ = try await Announcements.withdraw(
                try LiveAPI.announcementID(req), exerciseID: context.exerciseID, by: req.auditActor, now: req.now, app: req.application)
            return req.seeOther(.announcements(context.exercise.slug), notice: .saved)
        }
    }

    static func page(_ req: Request, error: String?, input: Announcements.Input? = nil) async throws -> Response {
        let context = try req.exerciseContext
        let page = PageContext(req)
        req.liveKinds = ["announcement."]
        let list = try await Announcements.visible(context, includingWithdrawn: true, on: req.db)
        let teams = try await Team.query(on: req.db).filter(\.$exercise.$id == context.exerciseID).sort(\.$number).all()
        let names = Dictionary(uniqueKeysWithValues: teams.compactMap { team in team.id.map { ($0, team) } })
        var content: [Node<HTML.BodyContext>] = [UI.notice(req.pageNotice(page)), UI.notice(error, error: true)]
        if context.isWhite { content.append(form(page, context, teams: teams, input: input)) }
        content.append(
            list.isEmpty
                ? .p(.class("muted empty"), .text(page.t(.noAnnouncements)))
                : .ul(
                    .class("announcements"),
                    .forEach(list) { announcement in
                        .li(
                            .class("announcement level-\(announcement.levelValue.rawValue)\(announcement.withdrawnAt == nil ? "" : " withdrawn")"),
                            .div(
                                .class("announcement-head"),
                                UI.badge(page.t(.levelName(announcement.levelValue)), kind: announcement.levelValue.rawValue),
                                .unwrap(announcement.withdrawnAt) { _ in UI.badge(page.t(.withdrawn), kind: "muted") },
                                .h2(.text(announcement.displayTitle(page.locale)))
                            ),
                            Markdown.block(announcement.displayBody(page.locale)),
                            .p(
                                .class("muted small"),
                                page.time(announcement.postedAt, exerciseZone: TimeZone.iana(context.exercise.timeZone)),
                                .text(" · \(page.t(.postedBy)) \(announcement.postedBy) · \(page.t(.audienceLabel)): "),
                                .text(audience(page, announcement, names: names))
                            ),
                            .if(
                                context.isWhite && announcement.withdrawnAt == nil,
                                UI.form(
                                    page, action: AppRoute.announcementWithdraw(context.exercise.slug, announcement.id!.uuidString).path,
                                    submit: page.t(.withdraw), danger: true, inline: true, confirm: page.t(.withdrawAnnouncementConfirm)))
                        )
                    }))
        return Layout.render(
            page, title: page.t(.announcements), crumbs: Layout.crumbs(page, context.exercise), .group(content))
    }

    static func audience(_ page: PageContext, _ announcement: Announcement, names: [UUID: Team]) -> String {
        let teams = announcement.teamIDs.compactMap { names[$0]?.displayName(page.locale) }
        let kinds = announcement.roleKinds.map { page.t(S.kind($0)) }
        let all = kinds + teams
        return all.isEmpty ? page.t(.everyone) : all.joined(separator: ", ")
    }

    static func form(_ page: PageContext, _ context: ExerciseContext, teams: [Team], input: Announcements.Input?) -> Node<HTML.BodyContext> {
        let competing = teams.filter { $0.kind != .white }
        let chosenTeams = Set(input?.teams ?? [])
        let chosenRoles = Set(input?.roles ?? [])
        return .section(
            .class("panel"),
            .h2(.text(page.t(.newAnnouncement))),
            UI.form(
                page, action: AppRoute.announcements(context.exercise.slug).path, submit: page.t(.announce),
                UI.field(page.t(.announcementTitle), name: "title", value: input?.title, required: true, maxLength: AnnouncementSpec.maxTitle),
                UI.field(page.t(.announcementTitleKo), name: "title_ko", value: input?.title_ko, maxLength: AnnouncementSpec.maxTitle),
                UI.textArea(page.t(.announcementBody), name: "body", value: input?.body ?? "", rows: 4),
                UI.textArea(page.t(.announcementBodyKo), name: "body_ko", value: input?.body_ko ?? "", rows: 4),
                UI.select(
                    page.t(.announcementLevel), name: "level",
                    options: AnnouncementLevel.allCases.map { ($0.rawValue, page.t(.levelName($0))) }, selected: input?.level ?? "info"),
                .div(
                    .class("field choices"),
                    .span(.class("label-text"), .text(page.t(.announcementRoles))),
                    .forEach(TeamKind.allCases.filter { $0 != .white }) { kind in
                        .label(
                            .input(
                                .type(.checkbox), .name("roles[]"), .value(kind.rawValue),
                                .attribute(named: "checked", value: chosenRoles.contains(kind.rawValue) ? "checked" : nil)),
                            .text(" " + page.t(S.kind(kind))))
                    }
                ),
                .div(
                    .class("field choices"),
                    .span(.class("label-text"), .text(page.t(.announcementTeams))),
                    .forEach(competing) { team in
                        .label(
                            .input(
                                .type(.checkbox), .name("teams[]"), .value(team.slug),
                                .attribute(named: "checked", value: chosenTeams.contains(team.slug) ? "checked" : nil)),
                            .text(" " + team.displayName(page.locale)))
                    },
                    .small(.class("hint"), .text(page.t(.announcementAudienceHint)))
                )
            )
        )
    }
}
