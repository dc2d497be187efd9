import Foundation
import NIOCore
import NIOPosix

/// Asks a team's DNS server one question over UDP (or TCP) and judges the answer. Parameters: `name`
/// (required), `type` (`A`, `AAAA`, `MX`, `TXT`, `CNAME`, `NS`; default `A`), `expect` (comma-separated
/// answers that must all be there: addresses, `MX` exchange names, `TXT` texts, names with or without
/// the final dot), `tcp=true` to ask over TCP. No answer is `down`; an error code (NXDOMAIN, SERVFAIL,
/// REFUSED) or a missing expected answer is `mumble`.
public struct DNSCheck: Sendable {
    public static let type = "dns"
    static let types: [String: UInt16] = ["A": 1, "NS": 2, "CNAME": 5, "MX": 15, "TXT": 16, "AAAA": 28]

    let name: String
    let queryType: UInt16
    let typeName: String
    let expected: [String]
    let tcp: Bool

    public init(parameters: [String: String]) throws(CheckConfigurationError) {
        try CheckParameters.allow(parameters, ["name", "type", "expect", "tcp"])
        guard let name = parameters["name"]?.trimmingCharacters(in: .whitespaces), !name.isEmpty, name.count <= 253,
            name.split(separator: ".").allSatisfy({ (1...63).contains($0.utf8.count) })
        else { throw CheckConfigurationError("dns checks need name: a domain name, such as www.blue-kr.range") }
        self.name = name.hasSuffix(".") ? String(name.dropLast()) : name
        typeName = (parameters["type"] ?? "A").uppercased()
        guard let code = Self.types[typeName] else {
            throw CheckConfigurationError("type must be one of: \(Self.types.keys.sorted().joined(separator: ", "))")
        }
        queryType = code
        expected = (parameters["expect"] ?? "").split(separator: ",").map { Self.normal(String($0)) }.filter { !$0.isEmpty }
        switch parameters["tcp"]?.lowercased() {
        case nil, "false": tcp = false
        case "true": tcp = true
        default: throw CheckConfigurationError("tcp must be true or false")
        }
    }

    /// Answers compare without case and without a final dot.
    static func normal(_ text: String) -> String {
        var text = text.trimmingCharacters(in: .whitespaces).lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    public func run(_ target: CheckTarget, timeout: Duration, id: UInt16 = .random(in: 0...UInt16.max)) async -> CheckResult {
        let start = ContinuousClock.now
        let query = DNSMessage.query(id: id, name: name, type: queryType)
        let question = "\(name) \(typeName)"
        let outcome = await withDeadline(timeout) { () async throws -> [UInt8] in
            tcp ? try await askTCP(query, target, timeout: timeout) : try await askUDP(query, target, id: id)
        }
        let latency = ContinuousClock.now - start
        func result(_ status: CheckStatus, _ message: String, _ detail: String) -> CheckResult {
            CheckResult(status, message, detail: "\(tcp ? "TCP" : "UDP") \(target) \(question): \(detail)", latency: latency)
        }
        switch outcome {
        case .timedOut: return result(.down, "No answer within \(timeout.seconds) s", "timeout")
        case .failed(let error):
            let failure = connectionFailure(error)
            return result(failure.status, failure.message, "\(error)")
        case .finished(let bytes):
            guard let response = DNSMessage.parse(bytes), response.id == id else {
                return result(.mumble, "Malformed DNS answer", "\(bytes.count) bytes")
            }
            guard response.rcode == 0 else {
                let code = DNSMessage.rcodes[response.rcode] ?? "RCODE \(response.rcode)"
                return result(.mumble, "DNS answered \(code) for \(question)", code)
            }
            let answers = response.answers.filter { $0.type == queryType }.map(\.value)
            let got = Set(answers.map(Self.normal))
            let missing = expected.filter { !got.contains($0) }
            guard !answers.isEmpty || !expected.isEmpty else { return result(.mumble, "No \(typeName) record for \(name)", "empty answer") }
            guard missing.isEmpty else {
                return result(
                    .mumble, "Wrong answer for \(question)", "expected \(expected.joined(separator: ", ")), got \(answers.joined(separator: ", "))")
            }
            return result(.up, "\(question): \(answers.prefix(3).joined(separator: ", "))", "answers \(answers.joined(separator: ", "))")
        }
    }

    private func address(_ target: CheckTarget) throws -> SocketAddress {
        if let address = try? SocketAddress(ipAddress: target.host, port: target.port) { return address }
        return try SocketAddress.makeAddressResolvingHost(target.host, port: target.port)
    }

    private func askUDP(_ query: [UInt8], _ target: CheckTarget, id: UInt16) async throws -> [UInt8] {
        let remote = try address(target)
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: remote.protocol == .inet6 ? "::" : "0.0.0.0", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: query)))
            for try await envelope in inbound {
                let bytes = Array(envelope.data.readableBytesView)
                // Another answer (a late one, a spoof) is not ours: keep waiting for our id.
                if bytes.count >= 2, UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id { return bytes }
            }
            throw DNSMessage.NoAnswer()
        }
    }

    private func askTCP(_ query: [UInt8], _ target: CheckTarget, timeout: Duration) async throws -> [UInt8] {
        let channel = try await connect(target, timeout: timeout)
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: [UInt8(query.count >> 8), UInt8(query.count & 0xff)] + query))
            var received: [UInt8] = []
            for try await chunk in inbound {
                received += chunk.readableBytesView
                if received.count >= 2 {
                    let length = Int(received[0]) << 8 | Int(received[1])
                    if received.count >= length + 2 { return Array(received[2..<(length + 2)]) }
                }
            }
            throw DNSMessage.NoAnswer()
        }
    }
}

/// Just enough of RFC 1035 to ask one question and read the answers.
enum DNSMessage {
    struct NoAnswer: Error {}

    struct Record: Equatable {
        var type: UInt16
        var value: String
    }

    struct Response {
        var id: UInt16
        var rcode: Int
        var answers: [Record]
    }

    static let rcodes = [1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"]

    static func query(id: UInt16, name: String, type: UInt16) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes += label.utf8
        }
        bytes += [0, UInt8(type >> 8), UInt8(type & 0xff), 0, 1]
        return bytes
    }

    static func parse(_ bytes: [UInt8]) -> Response? {
        guard bytes.count >= 12 else { return nil }
        func u16(_ at: Int) -> Int? { at + 1 < bytes.count ? Int(bytes[at]) << 8 | Int(bytes[at + 1]) : nil }
        /// A (possibly compressed) name at `offset`, and where the bytes after it start.
        func name(_ offset: Int) -> (String, Int)? {
            var labels: [String] = []
            var at = offset
            var end: Int?
            var jumps = 0
            while at < bytes.count {
                let length = Int(bytes[at])
                if length == 0 {
                    return (labels.joined(separator: "."), end ?? at + 1)
                } else if length & 0xC0 == 0xC0 {
                    guard let pointer = u16(at), jumps < 32 else { return nil }
                    if end == nil { end = at + 2 }
                    at = pointer & 0x3FFF
                    jumps += 1
                } else {
                    guard at + 1 + length <= bytes.count else { return nil }
                    labels.append(String(decoding: bytes[(at + 1)..<(at + 1 + length)], as: UTF8.self))
                    at += 1 + length
                }
            }
            return nil
        }
        guard let id = u16(0), let flags = u16(2), let questions = u16(4), let count = u16(6), flags & 0x8000 != 0 else { return nil }
        var at = 12
        for _ in 0..<questions {
            guard let (_, next) = name(at) else { return nil }
            at = next + 4
        }
        var answers: [Record] = []
        for _ in 0..<count {
            guard let (_, next) = name(at), let type = u16(next), let length = u16(next + 8) else { return nil }
            let data = next + 10
            guard data + length <= bytes.count else { return nil }
            let rdata = Array(bytes[data..<(data + length)])
            var value: String?
            switch type {
            case 1 where length == 4: value = rdata.map(String.init).joined(separator: ".")
            case 28 where length == 16:
                var address = in6_addr()
                withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: rdata) }
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                value = inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)).map { String(cString: $0) }
            case 2, 5: value = name(data)?.0
            case 15: value = name(data + 2)?.0
            case 16:
                var texts = ""
                var index = 0
                while index < rdata.count {
                    let size = Int(rdata[index])
                    texts += String(decoding: rdata[min(index + 1, rdata.count)..<min(index + 1 + size, rdata.count)], as: UTF8.self)
                    index += 1 + size
                }
                value = texts
            default: value = nil
            }
            if let value { answers.append(Record(type: UInt16(type), value: value)) }
            at = data + length
        }
        return Response(id: UInt16(id), rcode: flags & 0x000F, answers: answers)
    }
}
