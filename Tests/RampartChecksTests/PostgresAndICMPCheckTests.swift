import Foundation
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

@testable import RampartChecks

/// The PostgreSQL check against the real server the suite runs on (`RAMPART_TEST_POSTGRES_URL`, set
/// by `scripts/test.sh`); without it, skipped.
@Suite struct PostgresCheckTests {
    static let server: (target: String, user: String)? = {
        guard let text = ProcessInfo.processInfo.environment["RAMPART_TEST_POSTGRES_URL"], let url = URL(string: text),
            let host = url.host, let user = url.user
        else { return nil }
        return ("\(host):\(url.port ?? 5432)", user)
    }()

    func run(
        _ parameters: [String: String] = [:], user: String? = nil, target: String? = nil,
        // Generous: the server suite shares this PostgreSQL, and a login under its load has taken over 5 s.
        timeout: Duration = .seconds(30)
    ) async throws
        -> CheckResult
    {
        let server = try #require(Self.server)
        return try await Check(type: "postgres", parameters: parameters).run(
            target: target ?? server.target, timeout: timeout, account: .init(username: user ?? server.user, password: "unused"))
    }

    @Test(.enabled(if: server != nil)) func logsInRunsTheQueryAndSaysWhatWentWrong() async throws {
        let user = try #require(Self.server).user
        var result = try await run()
        #expect(result.status == .up)
        #expect(result.privateDetail.contains("first: 1"))
        result = try await run(["query": "SELECT current_user", "expect": "^\(user)$"])
        #expect(result.status == .up)
        result = try await run(["query": "SELECT 42::bigint, 'x'", "expect": "^42$"])
        #expect(result.status == .up, "\(result)")
        result = try await run(["query": "SELECT current_user", "expect": "^somebody-else$"])
        #expect(result.status == .mumble)
        #expect(result.publicMessage == "The query's answer is not what it should be")
        result = try await run(["query": "SELECT * FROM no_such_table"])
        #expect(result.status == .mumble)
        #expect(result.publicMessage == "The query failed")
        #expect(result.privateDetail.contains("42P01"))
        result = try await run(["database": "no_such_database"])
        #expect(result.status == .mumble)
        #expect(result.publicMessage == "The database no_such_database does not exist")
        result = try await run(user: "no_such_role")
        #expect(result.status == .mumble)
        #expect(result.publicMessage == "Login refused for no_such_role")
        // a server that accepts and never answers, one that is not there
        let (silent, silentPort) = try await startServer { _ in }
        result = try await run(target: "127.0.0.1:\(silentPort)", timeout: .seconds(1))
        #expect(result.status == .down)
        #expect(result.publicMessage == "No answer within 1 s")
        try await silent.close()
        result = try await run(target: "127.0.0.1:\(silentPort)", timeout: .seconds(1))
        #expect(result.status == .down)
        #expect(result.publicMessage == "Connection refused")
    }

    @Test func badParametersAreRefusedAndAnAccountIsNeeded() async throws {
        #expect(throws: CheckConfigurationError.self) { try Check(type: "postgres", parameters: ["tls": "maybe"]) }
        #expect(throws: CheckConfigurationError.self) { try Check(type: "postgres", parameters: ["query": " "]) }
        #expect(throws: CheckConfigurationError.self) { try Check(type: "postgres", parameters: ["expect": "("]) }
        let result = await (try Check(type: "postgres", parameters: [:])).run(target: "127.0.0.1:1", timeout: .seconds(1))
        #expect(result.status == .error)
    }
}

@Suite struct ICMPCheckTests {
    @Test func loopbackAnswersOverBothIPVersionsAndAnAddressNobodyHasDoesNot() async throws {
        let check = try Check(type: "icmp", parameters: ["count": "2"])
        // Loopback answers in well under a millisecond; the long bound only spares a test run that is
        // starving the machine (the suite runs in parallel) a false "down".
        var result = await check.run(target: "127.0.0.1:443", timeout: .seconds(10))
        if getuid() == 0 {
            #expect(result.status == .up, "\(result)")
            #expect(result.publicMessage.hasPrefix("Ping reply in"))
        } else {
            // without CAP_NET_RAW: up where the process has the capability, otherwise the organisers are told why
            #expect(result.status == .up || result.privateDetail.contains(ICMPCheck.notPermitted), "\(result)")
        }
        guard result.status == .up else { return }
        // ICMPv6, where this machine has IPv6 at all
        for target in ["[::1]:443", "::1"] where Self.hasIPv6Loopback {
            result = await check.run(target: target, timeout: .seconds(10))
            #expect(result.status == .up, "\(target): \(result)")
            #expect(result.privateDetail == "ping ::1: echo reply to request 1 of 2", "\(target): \(result)")
        }
        // a name is looked up, then pinged at its address (IPv4 or IPv6, whichever comes first)
        result = await check.run(target: "localhost", timeout: .seconds(10))
        #expect(result.status == .up, "\(result)")
        #expect(["ping 127.0.0.1: echo reply to request 1 of 2", "ping ::1: echo reply to request 1 of 2"].contains(result.privateDetail))
        // TEST-NET-2 (RFC 5737) and the IPv6 documentation prefix (RFC 3849) are nobody's: no reply,
        // a router's "unreachable", or no route from here
        for target in ["198.51.100.1", "2001:db8::1"] where target.contains(".") || Self.hasIPv6Loopback {
            result = await check.run(target: target, timeout: .seconds(1))
            #expect(result.status == .down, "\(target): \(result)")
            #expect(["No ping reply within 1 s", "Host unreachable"].contains(result.publicMessage), "\(target): \(result)")
        }
        result = await check.run(target: "no-such-host.invalid", timeout: .seconds(1))
        #expect(result.status == .down)
        #expect(["Name does not resolve", "Name lookup took over 1 s"].contains(result.publicMessage), "\(result)")
    }

    /// Whether this machine has IPv6 on its loopback (a container may have it switched off).
    static let hasIPv6Loopback: Bool = {
        let socket = Foundation.socket(AF_INET6, CInt(SOCK_DGRAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        let address = try? SocketAddress(ipAddress: "::1", port: 0)
        return address?.withSockAddr { pointer, size in bind(socket, pointer, socklen_t(size)) } == 0
    }()

    @Test func aNameLookupThatHangsEndsAtTheTimeout() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        // the timer answers first: a lookup that finished would have returned its address
        await #expect(throws: ICMPCheck.LookupTimedOut.self) {
            _ = try await ICMPCheck.lookUp("slow.example", on: loop, timeout: .milliseconds(100)) { _ in
                Thread.sleep(forTimeInterval: 3)  // a resolver that does not answer
                return try SocketAddress(ipAddress: "192.0.2.1", port: 0)
            }
        }
        let found = try await ICMPCheck.lookUp("localhost", on: loop, timeout: .seconds(5))
        #expect(["127.0.0.1", "::1"].contains(found.ipAddress))
    }

    @Test func echoRequestsAndTheirChecksums() {
        // The example in RFC 1071 section 3: 0001 f203 f4f5 f6f7 sums to ddf2, complement 220d.
        #expect(ICMPCheck.checksum([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]) == 0x220d)
        let packet = Array(ICMPCheck.echoRequest(.v4, identifier: 0x1234, sequence: 1).readableBytesView)
        #expect(packet.prefix(8) == [8, 0] + packet[2...3] + [0x12, 0x34, 0, 1])
        #expect(ICMPCheck.checksum(packet) == 0)
        // ICMPv6: type 128; the kernel fills in the checksum, which covers the addresses
        let packet6 = Array(ICMPCheck.echoRequest(.v6, identifier: 0x1234, sequence: 2).readableBytesView)
        #expect(packet6.prefix(8) == [128, 0, 0, 0, 0x12, 0x34, 0, 2])
        #expect(throws: CheckConfigurationError.self) { try Check(type: "icmp", parameters: ["count": "50"]) }
    }

    /// What the handler makes of packets as the raw sockets deliver them: IPv4 with the IP header in
    /// front, IPv6 without; error messages quote the offending packet, IP header first.
    @Test func repliesAndUnreachablesAreToldApartFromEverythingElse() async throws {
        let ipv4Header: [UInt8] = [0x45] + Array(repeating: 0, count: 19)
        let ipv6Header: [UInt8] = [0x60] + Array(repeating: 0, count: 39)
        func icmp(_ type: UInt8, id: UInt16, sequence: UInt16) -> [UInt8] {
            [type, 0, 0, 0, UInt8(id >> 8), UInt8(id & 0xff), UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        }
        let ours: UInt16 = 0x1234
        let v4Unreachable = ipv4Header + [3, 1, 0, 0, 0, 0, 0, 0] + ipv4Header + icmp(8, id: ours, sequence: 1)
        let v6Unreachable = [1, 3, 0, 0, 0, 0, 0, 0] + ipv6Header + icmp(128, id: ours, sequence: 1)
        let cases: [(ICMPVersion, [Arrival], String)] = [
            (.v4, [.packet(ipv4Header + icmp(0, id: ours, sequence: 2))], "reply 2"),
            (
                .v4, [.packet(ipv4Header + icmp(8, id: ours, sequence: 1)), .packet(ipv4Header + icmp(0, id: 0x9999, sequence: 1)), .packet([0x45])],
                "nothing"
            ),
            (.v4, [.packet(v4Unreachable)], "unreachable"),
            (.v4, [.packet(ipv4Header + [3, 1, 0, 0, 0, 0, 0, 0] + ipv4Header + icmp(8, id: 0x9999, sequence: 1))], "nothing"),
            (.v6, [.packet(icmp(129, id: ours, sequence: 3))], "reply 3"),
            (
                .v6,
                [
                    .packet(icmp(135, id: 0, sequence: 0)), .packet(icmp(128, id: ours, sequence: 1)), .packet(icmp(129, id: 0x9999, sequence: 1)),
                    .packet([129]),
                ], "nothing"
            ),
            (.v6, [.packet(v6Unreachable)], "unreachable"),
            (.v6, [.packet([1, 3, 0, 0, 0, 0, 0, 0] + ipv6Header + icmp(128, id: 0x9999, sequence: 1))], "nothing"),
            // an IPv4 reply arriving on an IPv6 socket (or the reverse) is not ours
            (.v6, [.packet(ipv4Header + icmp(0, id: ours, sequence: 1))], "nothing"),
            (.v4, [.packet(icmp(129, id: ours, sequence: 1))], "nothing"),
            // a router's "unreachable" on a connected socket: the kernel's socket error on the next read
            (.v4, [.socketError(EHOSTUNREACH)], "unreachable"),
            (.v6, [.socketError(ENETUNREACH)], "unreachable"),
            (.v4, [.socketError(EBADF)], "nothing"),
        ]
        for (version, arrivals, expected) in cases {
            let channel = EmbeddedChannel()
            let reply = channel.eventLoop.makePromise(of: UInt16.self)
            try channel.pipeline.syncOperations.addHandler(EchoReplyHandler(version, identifier: ours, reply: reply))
            for arrival in arrivals {
                switch arrival {
                case .packet(let bytes):
                    try channel.writeInbound(
                        AddressedEnvelope(remoteAddress: try SocketAddress(ipAddress: "::1", port: 0), data: ByteBuffer(bytes: bytes)))
                case .socketError(let code):
                    channel.pipeline.fireErrorCaught(IOError(errnoCode: code, reason: "read"))
                    #expect(throws: IOError.self) { try channel.throwIfErrorCaught() }  // passed on, not swallowed
                }
            }
            _ = try channel.finish()  // closing fails the promise when nothing answered it
            let outcome: String
            do {
                outcome = "reply \(try await reply.futureResult.get())"
            } catch is EchoReplyHandler.Unreachable {
                outcome = "unreachable"
            } catch {
                outcome = error as? ChannelError == .ioOnClosedChannel ? "nothing" : "\(error)"
            }
            #expect(outcome == expected, "\(version.echoReply) \(arrivals)")
        }
    }

    enum Arrival {
        case packet([UInt8])
        case socketError(CInt)
    }
}
