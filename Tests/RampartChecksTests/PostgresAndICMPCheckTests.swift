import Foundation
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
        _ parameters: [String: String] = [:], user: String? = nil, target: String? = nil, timeout: Duration = .seconds(5)
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
    @Test func loopbackAnswersAndAnAddressNobodyHasDoesNot() async throws {
        let check = try Check(type: "icmp", parameters: ["count": "2"])
        var result = await check.run(target: "127.0.0.1:443", timeout: .seconds(2))
        if getuid() == 0 {
            #expect(result.status == .up, "\(result)")
            #expect(result.publicMessage.hasPrefix("Ping reply in"))
        } else {
            // without CAP_NET_RAW: up where the process has the capability, otherwise the organisers are told why
            #expect(result.status == .up || result.privateDetail.contains(ICMPCheck.notPermitted), "\(result)")
        }
        guard result.status == .up else { return }
        // TEST-NET-2 (RFC 5737) is nobody's: no reply, or a router's "unreachable"
        result = await check.run(target: "198.51.100.1", timeout: .seconds(1))
        #expect(result.status == .down)
        #expect(["No ping reply within 1 s", "Host unreachable"].contains(result.publicMessage))
        result = await check.run(target: "::1", timeout: .seconds(1))
        #expect(result.status == .error)
    }

    @Test func theChecksumIsRFC1071s() {
        // The example in RFC 1071 section 3: 0001 f203 f4f5 f6f7 sums to ddf2, complement 220d.
        #expect(ICMPCheck.checksum([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]) == 0x220d)
        let packet = Array(ICMPCheck.echoRequest(identifier: 0x1234, sequence: 1).readableBytesView)
        #expect(ICMPCheck.checksum(packet) == 0)
        #expect(throws: CheckConfigurationError.self) { try Check(type: "icmp", parameters: ["count": "50"]) }
    }
}
