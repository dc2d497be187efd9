import RampartCore
import Vapor

/// Cross-site request forgery protection for browser forms.
///
/// Logged in, the token lives in the session row; before login (the login form itself) it is a
/// double-submit cookie. Requests with an API token carry no cookie a forged request could borrow,
/// so they need none; neither do anonymous JSON API calls, which a browser cannot send cross-site
/// without a CORS preflight that Rampart never answers.
package enum CSRF {
    package static let cookie = "rampart_csrf"
    package static let field = "_csrf"
    package static let header = "X-CSRF-Token"

    private struct MintedKey: StorageKey {
        typealias Value = String
    }

    /// The token to embed in forms on this page.
    package static func token(for request: Request) -> String {
        if case .session(_, let token) = request.principal?.credential { return token }
        if let existing = request.cookies[cookie]?.string, !existing.isEmpty { return existing }
        if let minted = request.storage[MintedKey.self] { return minted }
        let minted = request.dependencies.token(bytes: 24)
        request.storage[MintedKey.self] = minted
        return minted
    }

    package static func verify(_ request: Request) throws {
        try verify(request, submitted: submittedField(request))
    }

    /// Checks the token a form sent (`submitted`, or the header) against the caller's.
    package static func verify(_ request: Request, submitted: String?) throws {
        let expected: String
        switch request.principal?.credential {
        case .token:
            return
        case .session(_, let token):
            expected = token
        case nil:
            if request.isAPI { return }
            expected = request.cookies[cookie]?.string ?? ""
        }
        let sent = request.headers.first(name: header) ?? submitted ?? ""
        guard !expected.isEmpty, constantTimeEquals(sent, expected) else {
            throw AppError(status: .forbidden, code: "csrf", .formExpired)
        }
    }

    private static func submittedField(_ request: Request) -> String? {
        guard let type = request.headers.contentType, type == .urlEncodedForm || type.type == "multipart" else { return nil }
        return try? request.content.get(String.self, at: field)
    }

    /// Sets the double-submit cookie on responses to anonymous visitors who were given a token.
    package struct CookieMiddleware: AsyncMiddleware {
        package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            let response = try await next.respond(to: request)
            if let minted = request.storage[MintedKey.self] {
                response.cookies[cookie] = request.makeCookie(minted, maxAge: nil)
            }
            return response
        }

        package init() {}
    }
}

extension Request {
    /// Whether the browser reached us over TLS, directly or through a trusted proxy.
    package var isSecureTransport: Bool {
        if application.rampart.publicURL?.hasPrefix("https://") == true { return true }
        return application.rampart.trustProxy && headers.first(name: "X-Forwarded-Proto") == "https"
    }

    /// Rampart's cookies: HttpOnly, SameSite=Lax, Secure behind TLS.
    package func makeCookie(_ value: String, maxAge: Int?) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: value, expires: nil, maxAge: maxAge, domain: nil, path: "/",
            isSecure: isSecureTransport, isHTTPOnly: true, sameSite: .lax
        )
    }
}
