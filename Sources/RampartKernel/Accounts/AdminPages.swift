import Fluent
import Plot
import RampartCore
import Vapor

/// Administrator pages: users and the whole audit trail.
package enum AdminPages {
    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .users, .admin) { req async throws -> Response in
            try await usersPage(req, error: nil)
        }
        routes.endpoint(.POST, .users, .admin) { req async throws -> Response in
            do {
                let user = try await Accounts.createUser(
                    .init(
                        username: req.formField("username") ?? "", displayName: req.formField("display_name") ?? req.formField("username") ?? "",
                        password: try? req.content.get(String.self, at: "password"), isAdmin: req.formFlag("admin"),
                        locale: req.formField("locale").flatMap(UILocale.init(rawValue:)) ?? .en, timeZone: req.formField("time_zone")),
                    by: req.auditActor, app: req.application)
                return req.seeOther(.user(user.username), notice: .created)
            } catch let error as AppError where [.unprocessableEntity, .conflict].contains(error.status) {
                return try await usersPage(req, error: error.text(PageContext(req).locale))
            }
        }
        routes.endpoint(.GET, .user(AppRoute.param.username), .admin) { req async throws -> Response in
            try await userPage(req, error: nil)
        }
        routes.endpoint(.POST, .user(AppRoute.param.username), .admin) { req async throws -> Response in
            let username = try req.parameters.require("username")
            let password = (try? req.content.get(String.self, at: "password")).flatMap { $0.isEmpty ? nil : $0 }
            do {
                try await Accounts.updateUser(
                    username,
                    .init(
                        displayName: req.formField("display_name") ?? "", isAdmin: req.formFlag("admin"),
                        locale: req.formField("locale").flatMap(UILocale.init(rawValue:)), timeZone: .some(req.formField("time_zone")),
                        disabled: req.formFlag("disabled"), password: password,
                        keeping: req.principal.flatMap { $0.username == username ? $0.credential : nil }),
                    by: req.auditActor, app: req.application)
            } catch let error as AppError where [.unprocessableEntity, .conflict].contains(error.status) {
                return try await userPage(req, error: error.text(PageContext(req).locale))
            }
            return req.seeOther(.user(username), notice: .saved)
        }
        routes.endpoint(.GET, .adminAudit, .admin) { req async throws -> Response in
            let filter = try AuditFilter(query: req.query)
            let records = try await filter.records(exerciseID: nil, on: req.db)
            if let download = try AuditExport.download(records, request: req, name: "audit") { return download }
            let page = PageContext(req)
            return Layout.render(
                page, title: page.t(.auditTrail), AuditPages.view(page, records: records, filter: filter, path: AppRoute.adminAudit.path, zone: nil))
        }
    }

    package static func usersPage(_ req: Request, error: String?) async throws -> Response {
        let page = PageContext(req)
        let users = try await User.query(on: req.db).sort(\.$username).all()
        return Layout.render(
            page, title: page.t(.users),
            UI.notice(error, error: true),
            UI.table(
                headers: [page.t(.username), page.t(.displayName), page.t(.role), page.t(.status)],
                rows: users.map { user in
                    [
                        UI.link(user.username, AppRoute.user(user.username).path), UI.text(user.displayName),
                        user.isAdmin ? UI.badge(page.t(.administrator), kind: "white") : UI.text(""),
                        UI.text(user.disabledAt != nil ? page.t(.disabled) : user.passwordHash == nil ? page.t(.noPassword) : page.t(.active)),
                    ]
                },
                empty: page.t(.noUsers)),
            UI.section(
                page.t(.createUser),
                UI.form(
                    page, action: AppRoute.users.path, submit: page.t(.createUser),
                    UI.field(page.t(.username), name: "username", required: true, hint: page.t(.usernameRule), autocomplete: "off", maxLength: 64),
                    UI.field(page.t(.displayName), name: "display_name"),
                    UI.field(
                        page.t(.password), name: "password", type: .password, hint: page.t(.passwordRule), autocomplete: "new-password",
                        maxLength: TextLimit.password.max),
                    UI.select(page.t(.language), name: "locale", options: UILocale.allCases.map { ($0.rawValue, Phrase.languageName($0)) }, selected: "en"),
                    UI.field(page.t(.timeZone), name: "time_zone", hint: page.t(.timeZoneHint), maxLength: 64),
                    UI.checkbox(page.t(.administrator), name: "admin", checked: false)
                )
            )
        )
    }

    package static func userPage(_ req: Request, error: String?) async throws -> Response {
        let page = PageContext(req)
        let username = try req.parameters.require("username")
        guard let user = try await User.query(on: req.db).filter(\.$username == username).first() else {
            throw AppError.notFound(.user(username))
        }
        return Layout.render(
            page, title: user.username, crumbs: [.init(title: page.t(.users), href: AppRoute.users.path)],
            UI.notice(req.pageNotice(page)),
            UI.notice(error, error: true),
            UI.form(
                page, action: AppRoute.user(user.username).path, submit: page.t(.save),
                UI.field(page.t(.displayName), name: "display_name", value: user.displayName, required: true),
                UI.select(page.t(.language), name: "locale", options: UILocale.allCases.map { ($0.rawValue, Phrase.languageName($0)) }, selected: user.locale),
                UI.field(page.t(.timeZone), name: "time_zone", value: user.timeZone, hint: page.t(.timeZoneHint), maxLength: 64),
                UI.field(
                    page.t(.setPassword), name: "password", type: .password, hint: page.t(.passwordRule), autocomplete: "new-password",
                    maxLength: TextLimit.password.max),
                UI.checkbox(page.t(.administrator), name: "admin", checked: user.isAdmin),
                UI.checkbox(page.t(.disabled), name: "disabled", checked: user.disabledAt != nil)
            )
        )
    }

}
