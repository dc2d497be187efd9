import Fluent
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RampartKernel
import RampartScoring
import Vapor

/// Small real services on loopback for `rampart demo`: for each blue team numbered N, a web shop
/// (HTTP), a mail server (an SMTP banner), an SSH-like service and a DNS server (UDP, answering
/// `www.port-authority.range` A 127.0.N.1), listening on 127.0.N.1 (Linux routes all of 127/8 to
/// loopback). The demo exercise checks them every tick; the white team can take one down (its
/// listener closes: connection refused) and bring it back from the team's checks page.
package final class DemoTargets: Sendable {
    package struct Kind: Sendable {
        package var service: String
        package var port: Int
        package var speaks: Speech
    }

    package enum Speech: Sendable {
        /// A TCP service that says `banner` first, unprompted (nil: it waits for a request), and
        /// answers whatever it receives with `reply`.
        case tcp(banner: String?, reply: @Sendable (String) -> String)
        /// A DNS server on UDP (`DNSResponder`).
        case dns
    }

    package struct State: Content {
        package var team: String
        package var service: String
        package var address: String
        package var up: Bool
    }

    package static let kinds: [Kind] = [
        Kind(
            service: "shop", port: 18080,
            speaks: .tcp(banner: nil) { _ in
                let body =
                    "<html><head><title>Port Authority Shop</title></head><body><h1>Port Authority Shop</h1><p>Open for business.</p></body></html>"
                return "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            }),
        Kind(
            service: "mail", port: 18025,
            speaks: .tcp(banner: "220 mail.port-authority.example ESMTP ready\r\n") { line in
                line.uppercased().hasPrefix("QUIT") ? "221 Bye\r\n" : "250 OK\r\n"
            }),
        Kind(service: "ssh", port: 18022, speaks: .tcp(banner: "SSH-2.0-OpenSSH_9.6 PortAuthority\r\n") { _ in "" }),
        Kind(service: "dns", port: 18053, speaks: .dns),
    ]

    /// The name the demo's DNS servers answer for.
    package static let dnsName = "www.port-authority.range"

    package static func host(_ number: Int) -> String { "127.0.\(number % 256).1" }

    private let listeners = NIOLockedValueBox<[String: any Channel]>([:])
    private let teams: [String: Int]
    /// Added to every port (tests run several sets at once).
    package let portOffset: Int

    package init(teams: [String: Int], portOffset: Int = 0) {
        self.teams = teams
        self.portOffset = portOffset
    }

    private func key(_ team: String, _ service: String) -> String { "\(team)|\(service)" }

    /// Starts every team's services; one that cannot listen is reported and left down.
    package func start(logger: Logger) async {
        for (slug, _) in teams.sorted(by: { $0.value < $1.value }) {
            for kind in Self.kinds {
                do { try await listen(slug, kind) } catch { logger.warning("demo target \(kind.service) of \(slug) could not listen: \(error)") }
            }
        }
    }

    private func listen(_ slug: String, _ kind: Kind) async throws {
        guard let number = teams[slug], listeners.withLockedValue({ $0[key(slug, kind.service)] }) == nil else { return }
        let host = Self.host(number)
        let channel: any Channel
        switch kind.speaks {
        case .dns:
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { $0.pipeline.addHandler(DNSResponder(address: host)) }
                .bind(host: host, port: kind.port + portOffset).get()
        case .tcp(let banner, let reply):
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Responder(banner: banner, reply: reply))
                    }
                }
                .bind(host: host, port: kind.port + portOffset).get()
        }
        listeners.withLockedValue { $0[key(slug, kind.service)] = channel }
    }

    package func isUp(_ slug: String, _ service: String) -> Bool {
        listeners.withLockedValue { $0[key(slug, service)] != nil }
    }

    /// Takes a team's service down (closes its listener) or brings it back.
    package func set(_ slug: String, _ service: String, up: Bool) async throws -> State {
        guard let number = teams[slug], let kind = Self.kinds.first(where: { $0.service == service }) else {
            throw AppError.notFound(.demoTarget(service, slug))
        }
        let address = "\(Self.host(number)):\(kind.port + portOffset)"
        if up {
            do {
                try await listen(slug, kind)
            } catch {
                // another program (another `rampart demo`, say) holds the address
                throw AppError.conflict(
                    "target_unavailable", .demoTargetCannotListen(service, slug, address, error))
            }
        } else if let channel = listeners.withLockedValue({ $0.removeValue(forKey: key(slug, service)) }) {
            try? await channel.close()
        }
        return State(team: slug, service: service, address: address, up: isUp(slug, service))
    }

    package func stop() async {
        let all = listeners.withLockedValue { list -> [any Channel] in
            defer { list.removeAll() }
            return Array(list.values)
        }
        for channel in all { try? await channel.close() }
    }

    /// The request route: only under `rampart demo`, and for a service the demo runs.
    package static func set(_ req: Request, up: Bool) async throws -> State {
        guard let targets = req.application.demoTargets else {
            throw AppError.notFound(.demoTargetsOnlyInDemo)
        }
        let context = try req.exerciseContext
        let team = try await Teams.find(try req.parameters.require("team"), in: context.exercise, on: req.db)
        let state = try await targets.set(team.slug, try req.parameters.require("service"), up: up)
        let actor = req.auditActor
        let now = req.now
        try await req.write { db in
            try await Audit.record(
                AuditEvent(
                    exerciseID: context.exerciseID, action: "demo.target", subjectType: "team", subject: team.slug,
                    summary: "\(up ? "brought up" : "took down") demo \(state.service) at \(state.address)"),
                by: actor, at: now, on: db)
        }
        return state
    }

    /// Answers A queries for `dnsName` with the team's address, anything else with NXDOMAIN.
    private final class DNSResponder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let address: [UInt8]

        init(address: String) { self.address = address.split(separator: ".").compactMap { UInt8($0) } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            let query = Array(envelope.data.readableBytesView)
            guard query.count > 17, query[2] & 0x80 == 0 else { return }
            var at = 12
            var labels: [String] = []
            while at < query.count, query[at] != 0, query[at] < 64, at + Int(query[at]) < query.count {
                labels.append(String(decoding: query[(at + 1)...(at + Int(query[at]))], as: UTF8.self).lowercased())
                at += 1 + Int(query[at])
            }
            guard at + 4 < query.count else { return }
            let question = Array(query[12...(at + 4)])
            let isA = query[at + 1] == 0 && query[at + 2] == 1
            let known = labels.joined(separator: ".") == DemoTargets.dnsName
            let answer: [UInt8] = known && isA ? [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4] + address : []
            let header: [UInt8] = [query[0], query[1], 0x84, known ? 0x80 : 0x83, 0, 1, 0, answer.isEmpty ? 0 : 1, 0, 0, 0, 0]
            let reply = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: header + question + answer))
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        }
    }

    private final class Responder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let banner: String?
        let reply: @Sendable (String) -> String

        init(banner: String?, reply: @escaping @Sendable (String) -> String) {
            self.banner = banner
            self.reply = reply
        }

        func channelActive(context: ChannelHandlerContext) {
            if let banner { context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: banner)), promise: nil) }
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let answer = reply(String(buffer: unwrapInboundIn(data)))
            if banner == nil || answer.hasPrefix("221") {
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer))).whenComplete { _ in channel.close(promise: nil) }
            } else if !answer.isEmpty {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

extension Application {
    private struct DemoTargetsKey: StorageKey {
        typealias Value = DemoTargets
    }

    package var demoTargets: DemoTargets? {
        get { storage[DemoTargetsKey.self] }
        set { storage[DemoTargetsKey.self] = newValue }
    }
}
