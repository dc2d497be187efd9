import Vapor

/// Headers every answer carries, whatever made it (a page, the API, an attachment, an error):
/// no type sniffing, no framing, no referrer leaving the site, HSTS behind TLS, and — unless the
/// answer set its own — a policy under which nothing in it may run or load anything. Pages set
/// their own policy (`Layout.policy`), attachments a sandbox (`ChallengesAPI.download`).
package struct SecurityHeadersMiddleware: AsyncMiddleware {
    /// For answers that are not pages: JSON, CSV, YAML, files. Nothing runs, loads or submits.
    package static let lockedDown = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"

    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let headers = response.headers
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        response.headers.replaceOrAdd(name: "Cross-Origin-Opener-Policy", value: "same-origin")
        if !headers.contains(name: "Content-Security-Policy") {
            response.headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.lockedDown)
        }
        if request.isSecureTransport {
            response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000")
        }
        return response
    }

    package init() {}
}
