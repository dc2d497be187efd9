import Foundation
import NIOCore
import NIOPosix

/// Pings the target's host over ICMP (IPv4) or ICMPv6 (IPv6; a name is pinged at the first address it
/// resolves to; a port in the target is ignored): up at the first echo reply, down when none comes
/// within the timeout. `count` (1–10, default 3) echo requests are sent, spread over the first half of
/// the timeout. Pinging needs a raw socket: a worker that is not root and lacks CAP_NET_RAW reports
/// `error` saying so, never `down`.
public struct ICMPCheck: Sendable {
    public static let type = "icmp"
    let count: Int

    public init(parameters: [String: String]) throws(CheckConfigurationError) {
        try CheckParameters.allow(parameters, ["count"])
        if let text = parameters["count"] {
            guard let count = Int(text), (1...10).contains(count) else { throw CheckConfigurationError("count must be 1–10") }
            self.count = count
        } else {
            count = 3
        }
    }

    /// What the team reads when this machine may not ping.
    static let notPermitted =
        "ICMP needs a raw socket: run the worker as root or give it CAP_NET_RAW (setcap cap_net_raw+ep)"

    public func run(host: String, timeout: Duration) async -> CheckResult {
        let start = ContinuousClock.now
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let address: SocketAddress
        do {
            if let literal = try? SocketAddress(ipAddress: host, port: 0) {
                address = literal
            } else {
                address = try await Self.lookUp(host, on: loop, timeout: timeout)
            }
        } catch is LookupTimedOut {
            return CheckResult(
                .down, "Name lookup took over \(timeout.seconds) s", detail: "ping \(host): no answer from the resolver",
                latency: ContinuousClock.now - start)
        } catch {
            let (status, message) = connectionFailure(error)
            return CheckResult(status, message, detail: "ping \(host): \(String(reflecting: error))", latency: ContinuousClock.now - start)
        }
        let version = address.protocol == .inet6 ? ICMPVersion.v6 : .v4
        let shown = address.ipAddress ?? host
        let identifier = UInt16.random(in: 1...UInt16.max)
        let reply = loop.makePromise(of: UInt16.self)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(EchoReplyHandler(version, identifier: identifier, reply: reply))
                    }
                }
                .withBoundSocket(try Self.rawSocket(version, connectedTo: address)).get()
        } catch let error as IOError where [EPERM, EACCES].contains(error.errnoCode) {
            reply.fail(error)
            return CheckResult(.error, CheckResult.notRun, detail: "ping \(shown): \(Self.notPermitted)")
        } catch {
            reply.fail(error)
            let (status, message) = connectionFailure(error)
            return CheckResult(status, message, detail: "ping \(shown): \(String(reflecting: error))", latency: ContinuousClock.now - start)
        }
        let deadline = ChannelDeadline(channel, start: start, timeout: timeout)
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        let spacing = TimeAmount(timeout / (2 * count))
        for sequence in 1...count {
            let packet = Self.echoRequest(version, identifier: identifier, sequence: UInt16(sequence))
            loop.scheduleTask(in: spacing * Int64(sequence - 1)) {
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: packet), promise: nil)
            }
        }
        do {
            let sequence = try await reply.futureResult.get()
            let latency = ContinuousClock.now - start
            return CheckResult(
                .up, "Ping reply in \(Int(latency.inMilliseconds)) ms",
                detail: "ping \(shown): echo reply to request \(sequence) of \(count)",
                latency: latency)
        } catch is EchoReplyHandler.Unreachable {
            return CheckResult(
                .down, "Host unreachable", detail: "ping \(shown): destination unreachable", latency: ContinuousClock.now - start)
        } catch {
            return CheckResult(
                .down, "No ping reply within \(timeout.seconds) s", detail: "ping \(shown): \(count) echo requests, no reply",
                latency: ContinuousClock.now - start)
        }
    }

    /// Looks a name up on NIO's thread pool (getaddrinfo blocks), giving up after `timeout`. A lookup
    /// cannot be cancelled: one that hangs finishes on its thread later, unheard (a promise completed
    /// twice keeps its first result).
    static func lookUp(
        _ host: String, on loop: any EventLoop, timeout: Duration,
        resolve: @escaping @Sendable (String) throws -> SocketAddress = { try SocketAddress.makeAddressResolvingHost($0, port: 0) }
    ) async throws -> SocketAddress {
        let answer = loop.makePromise(of: SocketAddress.self)
        let timer = loop.scheduleTask(in: TimeAmount(timeout)) { answer.fail(LookupTimedOut()) }
        NIOThreadPool.singleton.runIfActive(eventLoop: loop) { try resolve(host) }
            .whenComplete { result in
                timer.cancel()
                answer.completeWith(result)
            }
        return try await answer.futureResult.get()
    }

    struct LookupTimedOut: Error {}

    /// A raw ICMP or ICMPv6 socket connected to `address`, so that it only receives what the target
    /// sends. (Made here rather than by `NIORawSocketBootstrap`, which sets IPV6_V6ONLY on every IPv6
    /// socket, and Linux refuses that option on raw sockets.)
    static func rawSocket(_ version: ICMPVersion, connectedTo address: SocketAddress) throws -> CInt {
        #if canImport(Glibc)
            let type = CInt(SOCK_RAW.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue)
        #else
            let type = SOCK_RAW
        #endif
        let family = version == .v6 ? AF_INET6 : AF_INET
        let socket = Foundation.socket(family, type, CInt(version.ipProtocol.rawValue))
        guard socket >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        let connected = address.withSockAddr { pointer, size in Foundation.connect(socket, pointer, socklen_t(size)) }
        guard connected == 0 else {
            let code = errno
            close(socket)
            throw IOError(errnoCode: code, reason: "connect")
        }
        return socket
    }

    /// An echo request with its checksum. (An ICMPv6 checksum covers a pseudo-header with both
    /// addresses, which Linux fills in on raw ICMPv6 sockets; RFC 3542 section 3.1.)
    static func echoRequest(_ version: ICMPVersion, identifier: UInt16, sequence: UInt16) -> ByteBuffer {
        var bytes: [UInt8] = [
            version.echoRequest, 0, 0, 0, UInt8(identifier >> 8), UInt8(identifier & 0xff), UInt8(sequence >> 8), UInt8(sequence & 0xff),
        ]
        bytes += Array("rampart-check...".utf8)
        guard version == .v4 else { return ByteBuffer(bytes: bytes) }
        let sum = checksum(bytes)
        bytes[2] = UInt8(sum >> 8)
        bytes[3] = UInt8(sum & 0xff)
        return ByteBuffer(bytes: bytes)
    }

    /// The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit words.
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}

/// What differs between pinging over IPv4 (ICMP, RFC 792) and IPv6 (ICMPv6, RFC 4443).
struct ICMPVersion: Equatable, Sendable {
    let ipProtocol: NIOIPProtocol
    let echoRequest: UInt8
    let echoReply: UInt8
    let unreachable: UInt8
    /// Whether the raw socket hands over each packet with its IP header in front (IPv4 does, IPv6 not).
    let deliversIPHeader: Bool

    static let v4 = ICMPVersion(ipProtocol: .icmp, echoRequest: 8, echoReply: 0, unreachable: 3, deliversIPHeader: true)
    static let v6 = ICMPVersion(ipProtocol: NIOIPProtocol(rawValue: 58), echoRequest: 128, echoReply: 129, unreachable: 1, deliversIPHeader: false)
}

/// Waits for the echo reply carrying our identifier. A raw ICMP socket sees every ICMP packet the host
/// receives (other checks' replies, our own requests on loopback, IPv6 neighbour discovery), so
/// everything else is ignored.
final class EchoReplyHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let version: ICMPVersion
    let identifier: UInt16
    let reply: EventLoopPromise<UInt16>
    var answered = false

    init(_ version: ICMPVersion, identifier: UInt16, reply: EventLoopPromise<UInt16>) {
        self.version = version
        self.identifier = identifier
        self.reply = reply
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
        guard !answered, let (type, id, sequence, rest) = Self.icmp(bytes, afterIPHeader: version.deliversIPHeader) else { return }
        if type == version.echoReply, id == identifier {
            answered = true
            reply.succeed(sequence)
        } else if type == version.unreachable, let (_, innerID, _, _) = Self.icmp(rest, afterIPHeader: true), innerID == identifier {
            // "Destination unreachable" quoting one of our requests, from the target's own address.
            answered = true
            reply.fail(Unreachable())
        }
    }

    struct Unreachable: Error {}

    /// The socket is connected, so the kernel does not hand over a router's "destination unreachable"
    /// (its source is the router, not the target): it turns it into an error on the socket, which the
    /// next read reports, and the channel then closes.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !answered, let error = error as? IOError, [EHOSTUNREACH, ENETUNREACH, EHOSTDOWN].contains(error.errnoCode) {
            answered = true
            reply.fail(Unreachable())
        }
        context.fireErrorCaught(error)
    }

    /// Type, identifier, sequence and what follows the 8-byte header of an ICMP message, skipping an IP
    /// header in front when there is one: an IPv4 header's length is in its first byte, an IPv6 header
    /// is 40 bytes. (An error message quotes the packet it is about, IP header first, after its own header.)
    static func icmp(_ bytes: [UInt8], afterIPHeader: Bool) -> (UInt8, UInt16, UInt16, [UInt8])? {
        var offset = 0
        if afterIPHeader, let first = bytes.first {
            switch first >> 4 {
            case 4: offset = Int(first & 0x0f) * 4
            case 6: offset = 40
            default: return nil
            }
        }
        guard bytes.count >= offset + 8 else { return nil }
        let id = UInt16(bytes[offset + 4]) << 8 | UInt16(bytes[offset + 5])
        let sequence = UInt16(bytes[offset + 6]) << 8 | UInt16(bytes[offset + 7])
        return (bytes[offset], id, sequence, Array(bytes[(offset + 8)...]))
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !answered {
            answered = true
            reply.fail(ChannelError.ioOnClosedChannel)
        }
        context.fireChannelInactive()
    }
}
