import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import RampartChecks

/// A tiny authoritative DNS server on loopback (UDP and TCP): `www.blue.range` A 10.1.1.5 and
/// 10.1.1.6, `blue.range` MX 10 mail.blue.range and TXT "v=spf1 -all", everything else NXDOMAIN.
/// Answers are written byte by byte, with name compression, as real servers send them.
enum TinyDNS {
    static func answer(_ query: [UInt8]) -> [UInt8] {
        // The question: labels from byte 12 to the zero, then type and class.
        var at = 12
        var labels: [String] = []
        while query[at] != 0 {
            let length = Int(query[at])
            labels.append(String(decoding: query[(at + 1)...(at + length)], as: UTF8.self))
            at += 1 + length
        }
        let type = Int(query[at + 1]) << 8 | Int(query[at + 2])
        let question = Array(query[12...(at + 4)])
        let name = labels.joined(separator: ".").lowercased()
        var records: [[UInt8]] = []
        func record(_ type: UInt16, _ data: [UInt8]) -> [UInt8] {
            [0xC0, 0x0C, UInt8(type >> 8), UInt8(type & 0xff), 0, 1, 0, 0, 0x0E, 0x10, UInt8(data.count >> 8), UInt8(data.count & 0xff)] + data
        }
        var rcode: UInt8 = 0
        switch (name, type) {
        case ("www.blue.range", 1): records = [record(1, [10, 1, 1, 5]), record(1, [10, 1, 1, 6])]
        // MX 10 "mail" + pointer to "blue.range" inside the question (offset 12 + 4: after "www"? no: this is blue.range itself at 12)
        case ("blue.range", 15): records = [record(15, [0, 10, 4] + Array("mail".utf8) + [0xC0, 0x0C])]
        case ("blue.range", 16): records = [record(16, [11] + Array("v=spf1 -all".utf8))]
        case (let other, _) where other.hasSuffix("blue.range"): break
        default: rcode = 3
        }
        return [query[0], query[1], 0x84, 0x80 | rcode, 0, 1, 0, UInt8(records.count), 0, 0, 0, 0] + question + records.flatMap { $0 }
    }

    final class UDPHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            let reply = TinyDNS.answer(Array(envelope.data.readableBytesView))
            context.writeAndFlush(
                wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: reply))), promise: nil)
        }
    }

    final class TCPHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        var buffer: [UInt8] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            buffer += unwrapInboundIn(data).readableBytesView
            guard buffer.count >= 2, buffer.count >= (Int(buffer[0]) << 8 | Int(buffer[1])) + 2 else { return }
            let reply = TinyDNS.answer(Array(buffer[2...]))
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: [UInt8(reply.count >> 8), UInt8(reply.count & 0xff)] + reply)), promise: nil)
        }
    }
}

@Suite struct DNSCheckTests {
    @Test func answersOverUDPAndTCPAreJudgedAgainstWhatIsExpected() async throws {
        // setup: the same server on UDP and TCP
        let udp = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { $0.pipeline.addHandler(TinyDNS.UDPHandler()) }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = udp.localAddress?.port ?? 0
        let (tcp, tcpPort) = try await startServer { try $0.pipeline.syncOperations.addHandler(TinyDNS.TCPHandler()) }
        defer {
            udp.close(promise: nil)
            tcp.close(promise: nil)
        }
        func run(_ parameters: [String: String], port: Int) async throws -> CheckResult {
            try await Check(type: "dns", parameters: parameters).run(target: "127.0.0.1:\(port)", timeout: .seconds(3))
        }
        // act + check
        let a = try await run(["name": "www.blue.range", "expect": "10.1.1.6, 10.1.1.5"], port: port)
        #expect(a.status == .up && a.publicMessage == "www.blue.range A: 10.1.1.5, 10.1.1.6", "\(a)")
        let mx = try await run(["name": "blue.range", "type": "mx", "expect": "mail.blue.range."], port: port)
        #expect(mx.status == .up, "\(mx)")
        let txt = try await run(["name": "blue.range", "type": "TXT", "expect": "v=spf1 -all", "tcp": "true"], port: tcpPort)
        #expect(txt.status == .up, "\(txt)")
        let wrong = try await run(["name": "www.blue.range", "expect": "10.9.9.9"], port: port)
        #expect(wrong.status == .mumble && wrong.publicMessage == "Wrong answer for www.blue.range A")
        let missing = try await run(["name": "nowhere.example"], port: port)
        #expect(missing.status == .mumble && missing.publicMessage == "DNS answered NXDOMAIN for nowhere.example A")
        let empty = try await run(["name": "ftp.blue.range"], port: port)
        #expect(empty.status == .mumble && empty.publicMessage == "No A record for ftp.blue.range")
        // Nobody answers on the TCP server's port over UDP: down after the timeout.
        let silent = try await Check(type: "dns", parameters: ["name": "www.blue.range"]).run(
            target: "127.0.0.1:\(tcpPort)", timeout: .milliseconds(300))
        #expect(silent.status == .down)
        #expect(throws: CheckConfigurationError.self) { try Check(type: "dns", parameters: ["name": "x", "type": "SRVX"]) }
        #expect(throws: CheckConfigurationError.self) { try Check(type: "dns", parameters: [:]) }
    }
}
