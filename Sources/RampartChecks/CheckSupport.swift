import Foundation
import RampartCore
import NIOCore
import NIOPosix

/// What every check's parameters go through.
enum CheckParameters {
    /// Refuses parameters a check does not take.
    static func allow(_ parameters: [String: String], _ known: Set<String>) throws(CheckConfigurationError) {
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw CheckConfigurationError("unknown parameter '\(unknown)'; this check takes \(known.sorted().joined(separator: ", "))")
        }
    }
}

/// A TCP connection to `target`, set up by `initializer` (which returns what the caller works with:
/// an async channel, or the channel itself for protocols spoken by handlers). An address connects at
/// once; only a name goes to the resolver, whose few threads thousands of simultaneous checks would
/// otherwise queue for.
func connect<Output: Sendable>(
    _ target: CheckTarget, timeout: Duration, group: any EventLoopGroup,
    initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Output>
) async throws -> Output {
    let bootstrap = ClientBootstrap(group: group).connectTimeout(TimeAmount(timeout))
    if let address = try? SocketAddress(ipAddress: target.host, port: target.port) {
        return try await bootstrap.connect(to: address, channelInitializer: initializer)
    }
    return try await bootstrap.connect(host: target.host, port: target.port, channelInitializer: initializer)
}

/// A TCP connection to `target` for the async API (a byte stream each way).
func connect(
    _ target: CheckTarget, timeout: Duration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
    try await connect(target, timeout: timeout, group: group) { channel in
        channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
    }
}

/// Closes a check's connection when its time is up, which ends every wait on it (a login, a query, a
/// reply) however the protocol library waits; `passed` tells a timeout from another failure.
struct ChannelDeadline {
    let start: ContinuousClock.Instant
    let timeout: Duration
    private let closing: Scheduled<Void>

    init(_ channel: any Channel, start: ContinuousClock.Instant, timeout: Duration) {
        self.start = start
        self.timeout = timeout
        let remaining = timeout - (ContinuousClock.now - start)
        closing = channel.eventLoop.scheduleTask(in: TimeAmount(max(remaining, .zero))) { channel.close(promise: nil) }
    }

    var passed: Bool { ContinuousClock.now - start >= timeout }

    func cancel() { closing.cancel() }
}

/// The status and team-facing message of a failed connection. Running out of local ports, file
/// descriptors or buffers, or a worker without IPv6, is this machine's failure, never the team's:
/// `error`, not `down`.
func connectionFailure(_ error: any Error) -> (status: CheckStatus, message: String) {
    var cause = error
    if let error = error as? NIOConnectionError, let first = error.connectionErrors.first { cause = first.error }
    if let error = cause as? IOError, [EADDRNOTAVAIL, EAFNOSUPPORT, EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode) {
        return (.error, CheckResult.notRun)
    }
    return (.down, describeConnectionFailure(error))
}

/// A team-facing description of a connection failure: what happened, not the stack's words.
func describeConnectionFailure(_ error: any Error) -> String {
    if let error = error as? NIOConnectionError {
        if let first = error.connectionErrors.first { return describeConnectionFailure(first.error) }
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
    if error is SocketAddressError || error is SocketAddressError.UnknownHost { return "Name does not resolve" }
    if "\(error)".contains("connectTimeout") { return "Connection timed out" }
    if "\(error)".lowercased().contains("resolve") || "\(error)".contains("NXDOMAIN") { return "Name does not resolve" }
    return "Connection failed"
}

/// A regular expression searched anywhere in a text a team's service sent, in linear time
/// (`LinearRegex`): a team cannot make a worker spin by answering an unlucky pattern.
struct Pattern: Sendable {
    let source: String
    let regex: LinearRegex

    init(_ source: String) throws(CheckConfigurationError) {
        do {
            regex = try LinearRegex(source)
        } catch {
            throw CheckConfigurationError("'\(source)' is not a usable regular expression: \(error.message)")
        }
        self.source = source
    }

    func matches(_ text: String) -> Bool {
        regex.matchesAnywhere(text)
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
    /// The duration in milliseconds: latencies as they are stored and shown.
    public var inMilliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// Seconds, as a person reads them (`1.5`, `10`).
    var seconds: String {
        let value = inMilliseconds / 1000
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
