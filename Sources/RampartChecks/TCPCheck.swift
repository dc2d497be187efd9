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
        try Self.allow(parameters, ["send", "expect"])
        send = parameters["send"].map { $0.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\r", with: "\r") }
        expect = try parameters["expect"].map { pattern throws(CheckConfigurationError) in try Pattern(pattern) }
    }

    static func allow(_ parameters: [String: String], _ known: Set<String>) throws(CheckConfigurationError) {
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw CheckConfigurationError("unknown parameter '\(unknown)'; this check takes \(known.sorted().joined(separator: ", "))")
        }
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
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
                .connect(host: target.host, port: target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
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
            return result(.down, Self.describe(error), "\(target): \(String(reflecting: error))")
        }
    }

    /// A team-facing description of a connection failure: what happened, not the stack's words.
    static func describe(_ error: any Error) -> String {
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describe(first.error) }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "Name does not resolve" }
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "Connection refused"
            case EHOSTUNREACH, ENETUNREACH: return "Host unreachable"
            case ECONNRESET: return "Connection reset"
            default: return "Connection failed"
            }
        }
        if error is ChannelError { return "Connection failed" }
        if "\(error)".contains("connectTimeout") { return "Connection timed out" }
        if "\(error)".lowercased().contains("resolve") || "\(error)".contains("NXDOMAIN") { return "Name does not resolve" }
        return "Connection failed"
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

/// A regular expression searched anywhere in a text (`NSRegularExpression`: shareable between threads).
struct Pattern: @unchecked Sendable {
    let source: String
    let regex: NSRegularExpression

    init(_ source: String) throws(CheckConfigurationError) {
        guard let regex = try? NSRegularExpression(pattern: source) else {
            throw CheckConfigurationError("'\(source)' is not a valid regular expression")
        }
        self.source = source
        self.regex = regex
    }

    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

enum DeadlineOutcome<Value: Sendable>: Sendable {
    case finished(Value)
    case timedOut
    case failed(any Error)
}

/// Runs `work`, cancelling it when `timeout` passes first; waits for it to wind down either way.
func withDeadline<Value: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async throws -> Value) async -> DeadlineOutcome<Value> {
    await withTaskGroup(of: DeadlineOutcome<Value>?.self) { group in
        group.addTask {
            do { return .finished(try await work()) } catch { return Task.isCancelled ? nil : .failed(error) }
        }
        group.addTask {
            do { try await Task.sleep(for: timeout) } catch { return nil }
            return .timedOut
        }
        var outcome: DeadlineOutcome<Value> = .timedOut
        if let first = await group.next() { outcome = first ?? .timedOut }
        group.cancelAll()
        return outcome
    }
}

extension Duration {
    /// Seconds, as a person reads them (`1.5`, `10`).
    var seconds: String {
        let value = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
