import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOSSL

/// Fetches a page over HTTP or HTTPS and judges the answer. Parameters: `path` (default `/`),
/// `status` (expected codes, comma-separated, default `200`), `contains` (a regular expression the
/// body must match), `sha256` (the body's expected digest, hex), `host` (the `Host` header, for
/// virtual hosts reached by address), `insecure` (`true`: accept any certificate — otherwise an
/// invalid, expired or mismatched certificate is down). Redirects are not followed: expect `302` to
/// check one.
public struct HTTPCheck: Sendable {
    public static let types: Set<String> = ["http", "https"]
    public let tls: Bool
    let path: String
    let statuses: Set<Int>
    let contains: Pattern?
    let sha256: String?
    let host: String?
    let insecure: Bool

    /// Most of the body read.
    static let bodyLimit = 1 << 20

    public init(tls: Bool, parameters: [String: String]) throws(CheckConfigurationError) {
        try CheckParameters.allow(parameters, ["path", "status", "contains", "sha256", "host", "insecure"])
        self.tls = tls
        let path = parameters["path"] ?? "/"
        guard path.hasPrefix("/"), !path.contains(where: { $0.isWhitespace }) else {
            throw CheckConfigurationError("path must start with / and have no spaces")
        }
        self.path = path
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
    }

    /// Shared clients: one that verifies certificates, one that does not (`insecure`). A check reports
    /// what it finds, so a refused connection is not retried until the timeout.
    static let verifying = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration(nil))
    static let trusting: HTTPClient = {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration(tls))
    }()

    private static func configuration(_ tls: TLSConfiguration?) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    public func run(_ target: CheckTarget, timeout: Duration) async -> CheckResult {
        let start = ContinuousClock.now
        let url = "\(tls ? "https" : "http")://\(target)\(path)"
        let client = insecure ? Self.trusting : Self.verifying
        var request = HTTPClientRequest(url: url)
        if let host { request.headers.replaceOrAdd(name: "Host", value: host) }
        request.headers.replaceOrAdd(name: "User-Agent", value: "Rampart-check")
        // Every check opens its own connection: one kept from the last tick proves nothing about this one.
        request.headers.replaceOrAdd(name: "Connection", value: "close")
        let prepared = request
        let outcome = await withDeadline(timeout) { () async throws -> (CheckStatus, String, String) in
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
