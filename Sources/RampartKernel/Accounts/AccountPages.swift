import Fluent
import Plot
import RampartCore
import Vapor

/// Login, language, the user's own account and tokens, joining a team.
package enum AccountPages {
    package static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .home, .anyone) { req async throws -> Response in
            req.redirect(to: req.principal == nil ? AppRoute.login.path : AppRoute.exercises.path)
        }
        routes.endpoint(.GET, .login, .anyone) { req async throws -> Response in
            loginPage(req, error: nil, username: nil)
        }
        routes.endpoint(.POST, .login, .anyone) { req async throws -> Response in
            let username = req.formField("username") ?? ""
            let password = (try? req.content.get(String.self, at: "password")) ?? ""
            let user: User
            do {
                user = try await Accounts.authenticate(username: username, password: password, request: req)
            } catch let error as AppError where error.status == .unauthorized || error.status == .tooManyRequests {
                let response = loginPage(req, error: error.text(PageContext(req).locale), username: username)
                response.status = error.status
                for (name, value) in error.headers { response.headers.replaceOrAdd(name: name, value: value) }
                return response
            }
            let token = try await Accounts.openSession(for: user, request: req)
            let response = req.redirect(to: safeNext(req.formField("next")), redirectType: .normal)
            response.cookies[AuthenticationMiddleware.sessionCookie] = req.makeCookie(token, maxAge: Int(AuthenticationMiddleware.sessionLifetime))
            return response
        }
        routes.endpoint(.POST, .logout, .signedIn) { req async throws -> Response in
            try await Accounts.logOut(req)
            let response = req.redirect(to: AppRoute.login.path, redirectType: .normal)
            response.cookies[AuthenticationMiddleware.sessionCookie] = req.makeCookie("", maxAge: 0)
            return response
        }
        routes.endpoint(.POST, .language, .anyone) { req async throws -> Response in
            guard let locale = req.formField("locale").flatMap(UILocale.init(rawValue:)) else {
                throw AppError.invalid("locale", .expectedLocale)
            }
            if let principal = req.principal, principal.locale != locale {
                try await Accounts.updateUser(principal.username, .init(locale: locale), by: req.auditActor, app: req.application)
            }
            let response = req.redirect(to: safeNext(req.formField("next")), redirectType: .normal)
            response.cookies[PageContext.languageCookie] = req.makeCookie(locale.rawValue, maxAge: 365 * 86400)
            return response
        }
        routes.endpoint(.GET, .account, .signedIn) { req async throws -> Response in
            try await accountPage(req, newToken: nil, error: nil)
        }
        routes.endpoint(.POST, .account, .signedIn) { req async throws -> Response in
            let principal = try req.requirePrincipal()
            do {
                try await Accounts.updateUser(
                    principal.username,
                    .init(
                        displayName: req.formField("display_name") ?? "",
                        locale: req.formField("locale").flatMap(UILocale.init(rawValue:)),
                        timeZone: .some(req.formField("time_zone"))),
                    by: req.auditActor, app: req.application)
            } catch let error as AppError where error.status == .unprocessableEntity {
                return try await accountPage(req, newToken: nil, error: error.text(PageContext(req).locale))
            }
            return req.seeOther(.account, notice: .saved)
        }
        routes.endpoint(.POST, .accountPassword, .signedIn) { req async throws -> Response in
            let principal = try req.requirePrincipal()
            let current = (try? req.content.get(String.self, at: "current_password")) ?? ""
            let new = (try? req.content.get(String.self, at: "new_password")) ?? ""
            do {
                _ = try await Accounts.authenticate(username: principal.username, password: current, request: req)
                try await Accounts.updateUser(
                    principal.username, .init(password: new, keeping: principal.credential), by: req.auditActor, app: req.application)
            } catch let error as AppError where [.unauthorized, .unprocessableEntity, .tooManyRequests].contains(error.status) {
                let message = error.status == .unauthorized ? PageContext(req).t(.wrongCurrentPassword) : error.text(PageContext(req).locale)
                return try await accountPage(req, newToken: nil, error: message)
            }
            return req.seeOther(.account, notice: .passwordChanged)
        }
        routes.endpoint(.POST, .accountTokens, .signedIn) { req async throws -> Response in
            let principal = try req.requirePrincipal()
            do {
                let issued = try await Accounts.issueToken(
                    userID: principal.id, username: principal.username, name: req.formField("name") ?? "",
                    lifetime: req.formField("days").flatMap(Double.init).map { max(1, min($0, 3650)) * 86400 },
                    by: req.auditActor, app: req.application)
                return try await accountPage(req, newToken: issued.token, error: nil)
            } catch let error as AppError where error.status == .unprocessableEntity {
                return try await accountPage(req, newToken: nil, error: error.text(PageContext(req).locale))
            }
        }
        routes.endpoint(.POST, .accountTokenRevoke(AppRoute.param.token), .signedIn) { req async throws -> Response in
            let principal = try req.requirePrincipal()
            guard let id = req.parameters.get("token", as: UUID.self) else { throw AppError.notFound(.token) }
            try await Accounts.revokeToken(id: id, ownerID: principal.id, username: principal.username, by: req.auditActor, app: req.application)
            return req.seeOther(.account, notice: .tokenRevoked)
        }
        routes.endpoint(.GET, .join, .signedIn) { req async throws -> Response in
            joinPage(req, error: nil)
        }
        routes.endpoint(.POST, .join, .signedIn) { req async throws -> Response in
            do {
                let (exercise, _) = try await Teams.join(
                    code: req.formField("code") ?? "", principal: try req.requirePrincipal(), by: req.auditActor, app: req.application)
                return req.seeOther(.exercise(exercise.slug), notice: .joined)
            } catch let error as AppError where [.notFound, .conflict, .tooManyRequests].contains(error.status) {
                let response = joinPage(req, error: error.text(PageContext(req).locale))
                response.status = error.status
                for (name, value) in error.headers { response.headers.replaceOrAdd(name: name, value: value) }
                return response
            }
        }
    }

    /// Only a path on this site, so a crafted link cannot bounce a user elsewhere after login:
    /// one leading `/` (not `//` or `/\\`, which browsers read as another host), no backslash, no
    /// space or control character (browsers drop a TAB or newline, turning `/\t/evil` into `//evil`,
    /// and one would also reach the `Location` header), no scheme, at most 2,000 characters.
    package static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), next.unicodeScalars.count <= 2000,
            !next.dropFirst().hasPrefix("/"), !next.contains("\\"),
            !next.unicodeScalars.contains(where: { $0.value <= 0x20 || (0x7F...0x9F).contains($0.value) || $0.properties.isWhitespace }),
            URLComponents(string: next).map({ $0.scheme == nil && $0.host == nil }) == true
        else { return AppRoute.exercises.path }
        return next
    }

    package static func loginPage(_ req: Request, error: String?, username: String?) -> Response {
        let page = PageContext(req)
        let next = (try? req.query.get(String.self, at: "next")) ?? req.formField("next")
        return Layout.render(
            page, title: page.t(.logIn),
            UI.notice(error, error: true),
            UI.form(
                page, action: AppRoute.login.path, submit: page.t(.logIn),
                UI.field(page.t(.username), name: "username", value: username, required: true, autocomplete: "username", maxLength: 64),
                UI.field(
                    page.t(.password), name: "password", type: .password, required: true, autocomplete: "current-password",
                    maxLength: TextLimit.password.max),
                UI.hidden("next", safeNext(next))
            )
        )
    }

    package static func joinPage(_ req: Request, error: String?) -> Response {
        let page = PageContext(req)
        return Layout.render(
            page, title: page.t(.joinTeam),
            .p(.text(page.t(.joinExplain))),
            UI.notice(error, error: true),
            UI.form(
                page, action: AppRoute.join.path, submit: page.t(.joinTeam),
                UI.field(page.t(.joinCode), name: "code", required: true, autocomplete: "off", maxLength: 32))
        )
    }

    package static func accountPage(_ req: Request, newToken: String?, error: String?) async throws -> Response {
        let page = PageContext(req)
        let principal = try req.requirePrincipal()
        guard let user = try await User.find(principal.id, on: req.db) else { throw AppError.unauthenticated }
        let tokens = try await APIToken.query(on: req.db).filter(\.$user.$id == principal.id).filter(\.$revokedAt == nil)
            .sort(\.$createdAt, .descending).all()
        let memberships = try await Membership.query(on: req.db).filter(\.$user.$id == principal.id).with(\.$team).with(\.$exercise).all()
        return Layout.render(
            page, title: page.t(.account),
            UI.notice(req.pageNotice(page)),
            UI.notice(error, error: true),
            .unwrap(newToken) { token in
                .div(
                    .class("notice token"), .attribute(named: "role", value: "status"),
                    .p(.text(page.t(.tokenShownOnce))),
                    .code(.id("new-token"), .text(token)))
            },
            UI.section(
                page.t(.profile),
                UI.form(
                    page, action: AppRoute.account.path, submit: page.t(.save),
                    UI.field(page.t(.displayName), name: "display_name", value: user.displayName, required: true),
                    UI.select(
                        page.t(.language), name: "locale", options: UILocale.allCases.map { ($0.rawValue, Phrase.languageName($0)) },
                        selected: user.locale),
                    UI.field(page.t(.timeZone), name: "time_zone", value: user.timeZone, hint: page.t(.timeZoneHint), maxLength: 64)
                )
            ),
            UI.section(
                page.t(.myTeams),
                UI.table(
                    headers: [page.t(.exercise), page.t(.team), page.t(.kind)],
                    rows: memberships.map { membership in
                        [
                            UI.link(membership.exercise.displayName(page.locale), AppRoute.exercise(membership.exercise.slug).path),
                            UI.text(membership.team.displayName(page.locale)),
                            UI.badge(
                                page.t(S.kind(membership.team.kind)) + (membership.judge ? " · " + page.t(.judge) : ""),
                                kind: membership.team.kind.rawValue),
                        ]
                    },
                    empty: page.t(.noTeamsYet))
            ),
            UI.section(
                page.t(.changePassword),
                UI.form(
                    page, action: AppRoute.accountPassword.path, submit: page.t(.changePassword),
                    UI.field(
                        page.t(.currentPassword), name: "current_password", type: .password, required: true, autocomplete: "current-password",
                        maxLength: TextLimit.password.max),
                    UI.field(
                        page.t(.newPassword), name: "new_password", type: .password, required: true, hint: page.t(.passwordRule),
                        autocomplete: "new-password", maxLength: TextLimit.password.max)
                )
            ),
            UI.section(
                page.t(.apiTokens),
                .p(.class("muted"), .text(page.t(.apiTokensExplain))),
                UI.table(
                    headers: [page.t(.name), page.t(.token), page.t(.created), page.t(.lastUsed), page.t(.expires), ""],
                    rows: tokens.map { token in
                        [
                            UI.text(token.name), .code(.text(token.prefix + "…")), page.time(token.createdAt), page.time(token.lastUsedAt),
                            page.time(token.expiresAt),
                            UI.form(
                                page, action: AppRoute.accountTokenRevoke(token.id!.uuidString).path, submit: page.t(.revoke), danger: true,
                                inline: true),
                        ]
                    },
                    empty: page.t(.noTokens)),
                UI.form(
                    page, action: AppRoute.accountTokens.path, submit: page.t(.createToken),
                    UI.field(page.t(.name), name: "name", required: true),
                    UI.field(page.t(.expiresInDays), name: "days", value: "30", type: .number, maxLength: nil)
                )
            )
        )
    }
}
