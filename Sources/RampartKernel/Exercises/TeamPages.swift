import Fluent
import Plot
import RampartCore
import Vapor

/// White-team administration of an exercise's teams and their members.
package enum TeamPages {
    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .teams(AppRoute.param.slug), .white) { req async throws -> Response in
            try await teamsPage(req, error: nil)
        }
        routes.endpoint(.POST, .teams(AppRoute.param.slug), .white) { req async throws -> Response in
            let slug = try req.parameters.require("slug")
            do {
                let team = try await Teams.create(
                    in: slug,
                    .init(
                        slug: req.formField("slug"), kind: req.formField("kind").flatMap(TeamKind.init(rawValue:)), name: req.formField("name"),
                        nameKo: .some(req.formField("name_ko")), nation: .some(req.formField("nation")),
                        number: req.formField("number").flatMap(Int.init)),
                    by: req.auditActor, app: req.application)
                return req.seeOther(.team(slug, team.slug), notice: .created)
            } catch let error as AppError where [.unprocessableEntity, .conflict].contains(error.status) {
                return try await teamsPage(req, error: error.text(PageContext(req).locale))
            }
        }
        routes.endpoint(.GET, .team(AppRoute.param.slug, AppRoute.param.team), .white) { req async throws -> Response in
            try await teamPage(req, error: nil)
        }
        routes.endpoint(.POST, .team(AppRoute.param.slug, AppRoute.param.team), .white) { req async throws -> Response in
            let slug = try req.parameters.require("slug")
            let teamSlug = try req.parameters.require("team")
            do {
                try await Teams.update(
                    in: slug, team: teamSlug,
                    .init(
                        kind: req.formField("kind").flatMap(TeamKind.init(rawValue:)), name: req.formField("name") ?? "",
                        nameKo: .some(req.formField("name_ko")), nation: .some(req.formField("nation")),
                        number: req.formField("number").flatMap(Int.init)),
                    by: req.auditActor, app: req.application)
            } catch let error as AppError where [.unprocessableEntity, .conflict].contains(error.status) {
                return try await teamPage(req, error: error.text(PageContext(req).locale))
            }
            return req.seeOther(.team(slug, teamSlug), notice: .saved)
        }
        routes.endpoint(.POST, .teamMembers(AppRoute.param.slug, AppRoute.param.team), .white) { req async throws -> Response in
            let slug = try req.parameters.require("slug")
            let teamSlug = try req.parameters.require("team")
            do {
                try await Teams.addMember(
                    in: slug, team: teamSlug, username: req.formField("username") ?? "", judge: req.formFlag("judge"),
                    by: req.auditActor, app: req.application)
            } catch let error as AppError where [.unprocessableEntity, .notFound].contains(error.status) {
                return try await teamPage(req, error: error.text(PageContext(req).locale))
            }
            return req.seeOther(.team(slug, teamSlug), notice: .saved)
        }
        routes.endpoint(.POST, .teamMemberRemove(AppRoute.param.slug, AppRoute.param.team, AppRoute.param.username), .white) {
            req async throws -> Response in
            let slug = try req.parameters.require("slug")
            let teamSlug = try req.parameters.require("team")
            try await Teams.removeMember(
                in: slug, team: teamSlug, username: try req.parameters.require("username"), by: req.auditActor, app: req.application)
            return req.seeOther(.team(slug, teamSlug), notice: .saved)
        }
        routes.endpoint(.POST, .teamDelete(AppRoute.param.slug, AppRoute.param.team), .white) { req async throws -> Response in
            let slug = try req.parameters.require("slug")
            do {
                try await Teams.delete(in: slug, team: try req.parameters.require("team"), by: req.auditActor, app: req.application)
            } catch let error as AppError where error.status == .conflict {
                return try await teamPage(req, error: error.text(PageContext(req).locale))
            }
            return req.seeOther(.teams(slug), notice: .teamDeleted)
        }
        routes.endpoint(.POST, .teamJoinCode(AppRoute.param.slug, AppRoute.param.team), .white) { req async throws -> Response in
            let slug = try req.parameters.require("slug")
            let teamSlug = try req.parameters.require("team")
            try await Teams.regenerateJoinCode(in: slug, team: teamSlug, by: req.auditActor, app: req.application)
            return req.seeOther(.team(slug, teamSlug), notice: .saved)
        }
    }

    package static func kindOptions(_ page: PageContext) -> [(value: String, label: String)] {
        TeamKind.allCases.map { ($0.rawValue, page.t(S.kind($0))) }
    }

    package static func teamsPage(_ req: Request, error: String?) async throws -> Response {
        let page = PageContext(req)
        let exercise = try req.exerciseContext.exercise
        let teams = try await Teams.all(in: exercise, on: req.db)
        let members = try await Teams.members(of: teams, on: req.db)
        return Layout.render(
            page, title: page.t(.teamsAndMembers),
            crumbs: Layout.crumbs(page, exercise),
            UI.notice(req.pageNotice(page)),
            UI.notice(error, error: true),
            UI.table(
                headers: ["#", page.t(.team), page.t(.kind), page.t(.nation), page.t(.members), page.t(.joinCode)],
                rows: teams.map { team in
                    [
                        UI.text(String(team.number)), UI.link(team.flagged(page.locale), AppRoute.team(exercise.slug, team.slug).path),
                        UI.badge(page.t(S.kind(team.kind)), kind: team.kind.rawValue), UI.text(team.nation ?? ""),
                        UI.text(String((members[team.id!] ?? []).count)),
                        team.kind.acceptsJoinCodes ? .code(.text(team.joinCode)) : UI.text("—"),
                    ]
                },
                empty: page.t(.noTeams)),
            UI.section(
                page.t(.createTeam),
                UI.form(
                    page, action: AppRoute.teams(exercise.slug).path, submit: page.t(.createTeam),
                    UI.field(page.t(.slug), name: "slug", required: true, hint: page.t(.slugRule), autocomplete: "off", maxLength: 63),
                    UI.select(page.t(.kind), name: "kind", options: kindOptions(page), selected: TeamKind.blue.rawValue),
                    UI.field(page.t(.name), name: "name", required: true),
                    UI.field(page.t(.nameKo), name: "name_ko"),
                    UI.field(page.t(.nation), name: "nation", hint: page.t(.nationHint), maxLength: 2),
                    UI.field(page.t(.number), name: "number", type: .number, hint: page.t(.numberHint), maxLength: nil)
                )
            )
        )
    }

    package static func teamPage(_ req: Request, error: String?) async throws -> Response {
        let page = PageContext(req)
        let exercise = try req.exerciseContext.exercise
        let team = try await Teams.find(try req.parameters.require("team"), in: exercise, on: req.db)
        let members = try await Teams.members(of: [team], on: req.db)[team.id!] ?? []
        let slug = exercise.slug
        return Layout.render(
            page, title: team.flagged(page.locale),
            crumbs: Layout.crumbs(page, exercise) + [
                .init(title: page.t(.teamsAndMembers), href: AppRoute.teams(slug).path)
            ],
            UI.notice(req.pageNotice(page)),
            UI.notice(error, error: true),
            UI.form(
                page, action: AppRoute.team(slug, team.slug).path, submit: page.t(.save),
                UI.select(page.t(.kind), name: "kind", options: kindOptions(page), selected: team.kind.rawValue),
                UI.field(page.t(.name), name: "name", value: team.name, required: true),
                UI.field(page.t(.nameKo), name: "name_ko", value: team.nameKo),
                UI.field(page.t(.nation), name: "nation", value: team.nation, hint: page.t(.nationHint), maxLength: 2),
                UI.field(page.t(.number), name: "number", value: String(team.number), type: .number, hint: page.t(.numberHint), maxLength: nil)
            ),
            .if(
                team.kind.acceptsJoinCodes,
                UI.section(
                    page.t(.joinCode),
                    .p(.code(.id("join-code"), .text(team.joinCode)), .text(" "), .small(.class("hint"), .text(page.t(.joinCodeShare)))),
                    UI.form(
                        page, action: AppRoute.teamJoinCode(slug, team.slug).path, submit: page.t(.newJoinCode), inline: true,
                        confirm: page.t(.confirmNewJoinCode))
                )),
            UI.section(
                page.t(.members),
                UI.table(
                    headers: [page.t(.username), page.t(.displayName), page.t(.judge), ""],
                    rows: members.map { membership in
                        [
                            UI.text(membership.user.username), UI.text(membership.user.displayName), UI.text(membership.judge ? "✓" : ""),
                            UI.form(
                                page, action: AppRoute.teamMemberRemove(slug, team.slug, membership.user.username).path, submit: page.t(.remove),
                                danger: true, inline: true),
                        ]
                    },
                    empty: page.t(.noMembers)),
                UI.form(
                    page, action: AppRoute.teamMembers(slug, team.slug).path, submit: page.t(.addMember),
                    UI.field(page.t(.username), name: "username", required: true, hint: page.t(.addMemberHint), autocomplete: "off", maxLength: 64),
                    .if(team.kind == .white, UI.checkbox(page.t(.judge), name: "judge", checked: false))
                )
            ),
            UI.section(
                page.t(.deleteTeam),
                .p(.class("muted"), .text(page.t(.deleteTeamHint))),
                UI.form(
                    page, action: AppRoute.teamDelete(slug, team.slug).path, submit: page.t(.deleteTeam), danger: true, inline: true,
                    confirm: page.t(.confirmDeleteTeam))
            )
        )
    }
}
