import Foundation
import NIOCore
import NIOPosix

/// Pings the target's host (IPv4; a port in the target is ignored): up at the first echo reply,
/// down when none comes within the timeout. `count` (1–10, default 3) echo requests are sent,
/// spread over the first half of the timeout. Pinging needs a raw socket: a worker that is not root
/// and lacks CAP_NET_RAW reports `error` saying so, never `down`.
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
        if (try? SocketAddress(ipAddress: host, port: 0))?.protocol == .inet6 {
            return CheckResult(.error, CheckResult.notRun, detail: "ping \(host): ICMP checks support IPv4 addresses only")
        }
        let identifier = UInt16.random(in: 1...UInt16.max)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let reply = loop.makePromise(of: UInt16.self)
        let channel: any Channel
        do {
            channel = try await NIORawSocketBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(EchoReplyHandler(identifier: identifier, reply: reply))
                    }
                }
                .connect(host: host, ipProtocol: .icmp).get()
        } catch let error as IOError where [EPERM, EACCES].contains(error.errnoCode) {
            reply.fail(error)
            return CheckResult(.error, CheckResult.notRun, detail: "ping \(host): \(Self.notPermitted)")
        } catch {
            reply.fail(error)
            return CheckResult(
                .down, describeConnectionFailure(error), detail: "ping \(host): \(String(reflecting: error))", latency: ContinuousClock.now - start)
        }
        let deadline = ChannelDeadline(channel, start: start, timeout: timeout)
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        // The channel does not keep its peer's address for raw sockets.
        guard let address = channel.remoteAddress ?? (try? SocketAddress.makeAddressResolvingHost(host, port: 0)) else {
            return CheckResult(.error, CheckResult.notRun, detail: "ping \(host): no address")
        }
        let spacing = TimeAmount(timeout / (2 * count))
        for sequence in 1...count {
            let packet = Self.echoRequest(identifier: identifier, sequence: UInt16(sequence))
            loop.scheduleTask(in: spacing * Int64(sequence - 1)) {
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: packet), promise: nil)
            }
        }
        do {
            let sequence = try await reply.futureResult.get()
            let latency = ContinuousClock.now - start
            return CheckResult(
                .up, "Ping reply in \(Int(latency.inMilliseconds)) ms",
                detail: "ping \(address.ipAddress ?? host): echo reply to request \(sequence) of \(count)",
                latency: latency)
        } catch is EchoReplyHandler.Unreachable {
            return CheckResult(
                .down, "Host unreachable", detail: "ping \(address.ipAddress ?? host): destination unreachable", latency: ContinuousClock.now - start)
        } catch {
            return CheckResult(
                .down, "No ping reply within \(timeout.seconds) s", detail: "ping \(address.ipAddress ?? host): \(count) echo requests, no reply",
                latency: ContinuousClock.now - start)
        }
    }

    /// An ICMP echo request (type 8) with its checksum.
    static func echoRequest(identifier: UInt16, sequence: UInt16) -> ByteBuffer {
        var bytes: [UInt8] = [8, 0, 0, 0, UInt8(identifier >> 8), UInt8(identifier & 0xff), UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        bytes += Array("rampart-check...".utf8)
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

/// Waits for the echo reply carrying our identifier. A raw ICMP socket sees every ICMP packet the host
/// receives (other checks' replies, our own requests on loopback), so everything else is ignored.
final class EchoReplyHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let identifier: UInt16
    let reply: EventLoopPromise<UInt16>
    var answered = false

    init(identifier: UInt16, reply: EventLoopPromise<UInt16>) {
        self.identifier = identifier
        self.reply = reply
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).data.readableBytesView)
        guard !answered, let (type, id, sequence, inner) = Self.icmp(bytes) else { return }
        if type == 0, id == identifier {
            answered = true
            reply.succeed(sequence)
        } else if type == 3, let (_, innerID, _, _) = inner.flatMap(Self.icmp), innerID == identifier {
            // "Destination unreachable" about one of our requests: a router has answered for the host.
            answered = true
            reply.fail(Unreachable())
        }
    }

    struct Unreachable: Error {}

    /// Type, identifier, sequence and what follows the header of an ICMP message in an IPv4 packet.
    /// IPv4 raw sockets deliver the IP header first; its length is in the first byte.
    static func icmp(_ bytes: [UInt8]) -> (UInt8, UInt16, UInt16, [UInt8]?)? {
        let offset = bytes.first.map { $0 >> 4 == 4 ? Int($0 & 0x0f) * 4 : 0 } ?? 0
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
