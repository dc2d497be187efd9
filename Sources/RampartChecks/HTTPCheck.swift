import AsyncHTTPClient
import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// Fetches a page over HTTP or HTTPS and judges the answer. Parameters: `path` (default `/`),
/// `status` (expected codes, comma-separated, default `200`), `contains` (a regular expression the
/// body must match), `sha256` (the body's expected digest, hex), `host` (the `Host` header, for
/// virtual hosts reached by address), `insecure` (`true`: accept any certificate — otherwise an
/// invalid, expired or mismatched certificate is down), `ca_file` (a PEM file of the certificate
/// authorities to trust instead of the system's: a range's own CA). Redirects are not followed: expect `302` to
/// check one.
///
/// A login flow first (`login_path`): the service's account is posted there as a form
/// (`username_field`, default `username`; `password_field`, default `password`; `login_extra`, more
/// `name=value&…` fields), the cookies it sets are sent with the page's request. A login answered
/// with 4xx or 5xx, or without a cookie, is `mumble` ("Login refused").
public struct HTTPCheck: Sendable {
    public static let types: Set<String> = ["http", "https"]
    public let tls: Bool
    let path: String
    let statuses: Set<Int>
    let contains: Pattern?
    let sha256: String?
    let host: String?
    let insecure: Bool
    let caFile: String?
    let login: Login?

    struct Login: Sendable {
        var path: String
        var usernameField: String
        var passwordField: String
        var extra: String?
    }

    /// Most of the body read.
    static let bodyLimit = 1 << 20

    public init(tls: Bool, parameters: [String: String], local: Bool = true) throws(CheckConfigurationError) {
        try CheckParameters.allow(
            parameters,
            ["path", "status", "contains", "sha256", "host", "insecure", "ca_file", "login_path", "username_field", "password_field", "login_extra"])
        self.tls = tls
        path = try Self.checkedPath(parameters["path"] ?? "/", "path")
        if let loginPath = parameters["login_path"] {
            login = Login(
                path: try Self.checkedPath(loginPath, "login_path"), usernameField: parameters["username_field"] ?? "username",
                passwordField: parameters["password_field"] ?? "password", extra: parameters["login_extra"])
        } else if let other = ["username_field", "password_field", "login_extra"].first(where: { parameters[$0] != nil }) {
            throw CheckConfigurationError("\(other) belongs to a login flow: add login_path")
        } else {
            login = nil
        }
        var statuses: Set<Int> = []
        for text in (parameters["status"] ?? "200").split(separator: ",") {
            guard let code = Int(text.trimmingCharacters(in: .whitespaces)), (100...599).contains(code) else {
                throw CheckConfigurationError("status must be HTTP codes, e.g. 200 or 200,302")
            }
            statuses.insert(code)
        }
        self.statuses = statuses
        contains = try parameters["contains"].map { pattern throws(CheckConfigurationError) in try Pattern(pattern) }
        if let digest = parameters["sha256"]?.lowercased() {
            guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else { throw CheckConfigurationError("sha256 must be 64 hex digits") }
            sha256 = digest
        } else {
            sha256 = nil
        }
        host = parameters["host"]
        switch parameters["insecure"]?.lowercased() {
        case nil, "false", "no": insecure = false
        case "true", "yes": insecure = true
        default: throw CheckConfigurationError("insecure must be true or false")
        }
        caFile = parameters["ca_file"]
        if let caFile {
            guard tls, !insecure else { throw CheckConfigurationError("ca_file is for https checks that verify certificates") }
            if local, (try? NIOSSLCertificate.fromPEMFile(caFile))?.isEmpty != false {
                throw CheckConfigurationError("ca_file \(caFile) is not a readable PEM file of certificates")
            }
        }
    }

    private static func checkedPath(_ path: String, _ name: String) throws(CheckConfigurationError) -> String {
        guard path.hasPrefix("/"), !path.contains(where: { $0.isWhitespace }) else {
            throw CheckConfigurationError("\(name) must start with / and have no spaces")
        }
        return path
    }

    /// Shared clients: one that verifies certificates, one that does not (`insecure`). A check reports
    /// what it finds, so a refused connection is not retried until the timeout.
    static let verifying = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration(nil))
    static let trusting: HTTPClient = {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration(tls))
    }()

    /// One client per `ca_file`, made when first needed and kept (as the two above are).
    private static let trustingFiles = NIOLockedValueBox<[String: HTTPClient]>([:])

    private static func client(trusting caFile: String) -> HTTPClient {
        trustingFiles.withLockedValue { clients in
            if let client = clients[caFile] { return client }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caFile)
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration(tls))
            clients[caFile] = client
            return client
        }
    }

    private static func configuration(_ tls: TLSConfiguration?) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    private func request(_ url: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        if let host { request.headers.replaceOrAdd(name: "Host", value: host) }
        request.headers.replaceOrAdd(name: "User-Agent", value: "Rampart-check")
        // Every check opens its own connection: one kept from the last tick proves nothing about this one.
        request.headers.replaceOrAdd(name: "Connection", value: "close")
        return request
    }

    /// Form-encodes a value (`application/x-www-form-urlencoded`, UTF-8 as browsers send it).
    static func formEncoded(_ value: String) -> String {
        (value.addingPercentEncoding(withAllowedCharacters: formSafe) ?? value).replacingOccurrences(of: "%20", with: "+")
    }

    /// ASCII letters and digits and `-._*`: everything else is percent-encoded.
    private static let formSafe = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._*")

    public func run(_ target: CheckTarget, timeout: Duration, account: Check.Account? = nil) async -> CheckResult {
        let start = ContinuousClock.now
        let base = "\(tls ? "https" : "http")://\(target)"
        let url = base + path
        let client = insecure ? Self.trusting : caFile.map(Self.client(trusting:)) ?? Self.verifying
        if login != nil, account == nil {
            return CheckResult(.error, CheckResult.notRun, detail: "a login flow needs credentials on the service")
        }
        let page = request(url)
        let loginRequest = login.map { login in
            var request = request(base + login.path)
            request.method = .POST
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
            var form = "\(Self.formEncoded(login.usernameField))=\(Self.formEncoded(account?.username ?? ""))"
            form += "&\(Self.formEncoded(login.passwordField))=\(Self.formEncoded(account?.password ?? ""))"
            if let extra = login.extra, !extra.isEmpty { form += "&" + extra }
            request.body = .bytes(ByteBuffer(string: form))
            return request
        }
        let outcome = await withDeadline(timeout) { () async throws -> (CheckStatus, String, String) in
            var prepared = page
            if let loginRequest {
                let response = try await client.execute(loginRequest, timeout: TimeAmount(timeout + .seconds(1)))
                _ = try await response.body.collect(upTo: Self.bodyLimit)
                let cookies = response.headers["Set-Cookie"].compactMap { $0.split(separator: ";").first.map(String.init) }
                let code = Int(response.status.code)
                guard code < 400, !cookies.isEmpty else {
                    return (
                        .mumble, "Login refused for \(account?.username ?? "")",
                        "POST \(loginRequest.url) → \(response.status), \(cookies.count) cookie(s)"
                    )
                }
                prepared.headers.replaceOrAdd(name: "Cookie", value: cookies.joined(separator: "; "))
            }
            let response = try await client.execute(prepared, timeout: TimeAmount(timeout + .seconds(1)))
            let body = try await response.body.collect(upTo: Self.bodyLimit)
            let code = Int(response.status.code)
            guard statuses.contains(code) else {
                return (
                    .mumble, "HTTP \(code) instead of \(statuses.sorted().map(String.init).joined(separator: " or "))",
                    "GET \(url) → \(response.status)"
                )
            }
            let text = String(decoding: body.readableBytesView, as: UTF8.self)
            if let contains, !contains.matches(text) {
                return (
                    .mumble, "The page is not what it should be", "GET \(url): body does not match /\(contains.source)/ (\(body.readableBytes) bytes)"
                )
            }
            if let sha256 {
                let digest = SHA256.hash(data: Data(body.readableBytesView)).map { String(format: "%02x", $0) }.joined()
                if digest != sha256 { return (.mumble, "The page has changed", "GET \(url): body sha256 \(digest), expected \(sha256)") }
            }
            return (.up, "HTTP \(code)", "GET \(url) → \(response.status), \(body.readableBytes) bytes")
        }
        let latency = ContinuousClock.now - start
        switch outcome {
        case .finished(let (status, message, detail)): return CheckResult(status, message, detail: detail, latency: latency)
        case .timedOut: return CheckResult(.down, "No answer within \(timeout.seconds) s", detail: "GET \(url): timeout", latency: latency)
        case .failed(let error):
            let tls = error is NIOSSLError || "\(error)".contains("handshake") || "\(error)".contains("certificate")
            let failure = tls ? (status: CheckStatus.down, message: "TLS certificate not valid") : connectionFailure(error)
            return CheckResult(failure.status, failure.message, detail: "GET \(url): \(String(reflecting: error))", latency: latency)
        }
    }
}
