import Foundation
import NIOCore
import NIOPosix

/// Connects to a TCP port; optionally sends a line and expects the answer (or the banner) to match a
/// regular expression. Parameters: `send` (text to send first; `\n` and `\r` are escapes), `expect`
/// (a regular expression searched in what the service sends within the timeout).
public struct TCPCheck: Sendable {
    public static let type = "tcp"
    public var send: String?
    private let expect: Pattern?

    public init(parameters: [String: String]) throws(CheckConfigurationError) {
        try CheckParameters.allow(parameters, ["send", "expect"])
        send = parameters["send"].map { $0.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\r", with: "\r") }
        expect = try parameters["expect"].map { pattern throws(CheckConfigurationError) in try Pattern(pattern) }
    }

    /// Most bytes read while waiting for `expect`.
    static let readLimit = 64 * 1024

    public func run(
        _ target: CheckTarget, timeout: Duration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async
        -> CheckResult
    {
        let start = ContinuousClock.now
        func result(_ status: CheckStatus, _ message: String, _ detail: String) -> CheckResult {
            CheckResult(status, message, detail: detail, latency: ContinuousClock.now - start)
        }
        let received = Received()
        let outcome = await withDeadline(timeout) { () async throws -> (CheckStatus, String, String) in
            let channel = try await connect(target, timeout: timeout, group: group)
            return try await channel.executeThenClose { inbound, outbound in
                if let send { try await outbound.write(ByteBuffer(string: send)) }
                guard let expect else { return (.up, "Port \(target.port) accepts connections", "connected to \(target)") }
                for try await chunk in inbound {
                    let text = received.append(String(decoding: chunk.readableBytesView, as: UTF8.self))
                    if expect.matches(text) { return (.up, "Answered as expected", "matched /\(expect.source)/") }
                    if text.utf8.count > Self.readLimit { break }
                }
                return (.mumble, "Unexpected answer", "expected /\(expect.source)/, got \(received.text.debugDescription)")
            }
        }
        switch outcome {
        case .finished(let (status, message, detail)): return result(status, message, detail)
        case .timedOut where !received.text.isEmpty:
            // It answered, just never what was expected.
            return result(
                .mumble, "Unexpected answer", "expected /\(expect?.source ?? "")/ within \(timeout.seconds) s, got \(received.text.debugDescription)")
        case .timedOut:
            return result(.down, "No answer within \(timeout.seconds) s", "timeout connecting to or reading from \(target)")
        case .failed(let error):
            let failure = connectionFailure(error)
            return result(failure.status, failure.message, "\(target): \(String(reflecting: error))")
        }
    }

}

/// What a service has sent so far, readable after a timeout cancels the reading.
final class Received: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""

    var text: String { lock.withLock { value } }

    /// Appends `chunk` and returns everything received.
    func append(_ chunk: String) -> String {
        lock.withLock {
            value += chunk
            return value
        }
    }
}
