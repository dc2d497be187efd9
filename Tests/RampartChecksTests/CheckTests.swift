import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import RampartChecks

/// A real TCP service on loopback: sends `banner` on connect (if any), then echoes what it gets.
final class EchoService: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let banner: String?

    init(banner: String?) { self.banner = banner }

    func channelActive(context: ChannelHandlerContext) {
        if let banner { context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: banner)), promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }
}

/// A server on a free loopback port; `setUp` builds each connection's pipeline.
func startServer(_ setUp: @escaping @Sendable (any Channel) throws -> Void) async throws -> (any Channel, Int) {
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .childChannelInitializer { channel in channel.eventLoop.makeCompletedFuture { try setUp(channel) } }
        .bind(host: "127.0.0.1", port: 0).get()
    return (server, server.localAddress?.port ?? 0)
}

func startService(banner: String?) async throws -> (any Channel, Int) {
    try await startServer { try $0.pipeline.syncOperations.addHandler(EchoService(banner: banner)) }
}

@Suite struct TCPCheckTests {
    @Test func aBannerOrAnEchoThatMatchesIsUpAndAnythingElseIsNot() async throws {
        // setup: one service with a banner, one silent, and a port nobody listens on
        let (bannered, bannerPort) = try await startService(banner: "SSH-2.0-OpenSSH_9.2\r\n")
        let (silent, silentPort) = try await startService(banner: nil)
        let (closed, closedPort) = try await startService(banner: nil)
        try await closed.close()
        defer {
            bannered.close(promise: nil)
            silent.close(promise: nil)
        }
        func check(_ port: Int, _ parameters: [String: String], timeout: Duration = .seconds(2)) async throws -> CheckResult {
            try await TCPCheck(parameters: parameters).run(CheckTarget(host: "127.0.0.1", port: port), timeout: timeout)
        }
        // act + check
        #expect(try await check(bannerPort, [:]).status == .up)
        #expect(try await check(bannerPort, ["expect": "^SSH-2\\.0-"]).status == .up)
        #expect(try await check(silentPort, ["send": "PING\\n", "expect": "PING"]).status == .up)
        // Bounds, not timings: generous enough for a machine busy with the whole suite.
        let wrong = try await check(bannerPort, ["expect": "^HTTP/1"], timeout: .seconds(2))
        #expect(wrong.status == .mumble && wrong.publicMessage == "Unexpected answer" && wrong.privateDetail.contains("SSH-2.0"))
        let quiet = try await check(silentPort, ["expect": "anything"], timeout: .seconds(1))
        #expect(quiet.status == .down && quiet.publicMessage.hasPrefix("No answer"))
        let refused = try await check(closedPort, [:])
        #expect(refused.status == .down && refused.publicMessage == "Connection refused")
        #expect(refused.privateDetail.contains("127.0.0.1:\(closedPort)"))
    }

    @Test func badParametersAreRefusedBeforeAnythingRuns() throws {
        #expect(throws: CheckConfigurationError.self) { try TCPCheck(parameters: ["expect": "("]) }
        #expect(throws: CheckConfigurationError.self) { try TCPCheck(parameters: ["banner": "x"]) }
        #expect(throws: CheckConfigurationError.self) { try CheckTarget(parsing: "host", defaultPort: nil) }
        #expect(throws: CheckConfigurationError.self) { try CheckTarget(parsing: "host:99999", defaultPort: nil) }
        // a template that ran out of address space is a mistake, not a name to look up
        #expect(throws: CheckConfigurationError.self) { try CheckTarget(parsing: "10.300.1.5:443", defaultPort: nil) }
        #expect(try CheckTarget(parsing: "10.255.1.5:443", defaultPort: nil) == CheckTarget(host: "10.255.1.5", port: 443))
        #expect(try CheckTarget(parsing: "2024.example:443", defaultPort: nil).host == "2024.example")
        #expect(try CheckTarget(parsing: "[::1]:22", defaultPort: nil) == CheckTarget(host: "::1", port: 22))
        #expect(try CheckTarget(parsing: "web.blue-kr.range", defaultPort: 443) == CheckTarget(host: "web.blue-kr.range", port: 443))
    }
}

@Suite struct ExternalCheckerTests {
    func script(_ body: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-checker-\(UUID().uuidString).sh")
        try ("#!/bin/sh\n" + body).write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url.path
    }

    /// Processes whose command line contains `marker`, from /proc.
    func running(_ marker: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.count { pid in
            let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            return String(decoding: cmdline, as: UTF8.self).replacingOccurrences(of: "\0", with: " ").contains(marker)
        }
    }

    @Test func exitCodesMapAsTheHackerDomProtocolSays() async throws {
        // setup
        let checker = try script(
            """
            [ "$1" = check ] || exit 110
            case "$2" in
              up) echo "all good"; echo "debug: fine" >&2; exit 101 ;;
              corrupt) echo "flag missing"; exit 102 ;;
              mumble) echo "bad login page"; exit 103 ;;
              down) echo "connection refused"; exit 104 ;;
              *) echo "oops" ; echo "Traceback" >&2; exit 1 ;;
            esac
            """)
        defer { try? FileManager.default.removeItem(atPath: checker) }
        let external = try ExternalChecker(path: checker)
        // act
        let up = await external.check(host: "up", timeout: .seconds(10))
        let others = [
            await external.check(host: "corrupt", timeout: .seconds(10)).status,
            await external.check(host: "mumble", timeout: .seconds(10)).status,
            await external.check(host: "down", timeout: .seconds(10)).status,
        ]
        let crashed = await external.check(host: "other", timeout: .seconds(10))
        // check: stdout is public, stderr private; a crash is the organisers' problem, not the team's
        #expect(up.status == .up && up.publicMessage == "all good" && up.privateDetail.contains("debug: fine"))
        #expect(others == [.corrupt, .mumble, .down])
        #expect(crashed.status == .error && !crashed.publicMessage.contains("Traceback") && crashed.privateDetail.contains("Traceback"))
    }

    @Test func aCheckerPastItsTimeoutIsDownAndItsWholeProcessGroupIsKilled() async throws {
        // setup: a checker that starts a child and waits forever
        let marker = "\(Int.random(in: 100_000...999_999))"
        let checker = try script("sleep \(marker) &\nwait\n")
        defer { try? FileManager.default.removeItem(atPath: checker) }
        // act
        let start = ContinuousClock.now
        let result = try await ExternalChecker(path: checker).check(host: "10.1.1.5", timeout: .seconds(1))
        // check
        #expect(result.status == .down && result.publicMessage.hasPrefix("No answer"))
        // Not a timing: the child sleeps for days, so a checker that waited for it would take that long.
        #expect(ContinuousClock.now - start < .seconds(600))
        // SIGKILL is delivered asynchronously: give the kernel a moment to end the child
        for _ in 0..<50 where running("sleep \(marker)") > 0 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(running("sleep \(marker)") == 0)
    }

    @Test func aFlagRoundChecksPutsAndGetsInOrderAndStopsAtTheFirstFailure() async throws {
        // setup: a checker that logs its calls; `put` answers a new id, `get` knows only that id and "old-id"
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-round-\(UUID().uuidString)").path
        let checker = try script(
            """
            echo "$@" >> \(log)
            case "$1/$2" in
              check/*) echo "service fine"; exit 101 ;;
              put/putfail) echo "cannot register"; exit 103 ;;
              put/*) echo "note-17"; echo "private" >&2; exit 101 ;;
              get/*) [ "$3" = note-17 ] && exit 101; [ "$3" = old-id ] && [ "$2" = ok ] && exit 101; echo "note is gone"; exit 102 ;;
            esac
            """)
        defer {
            try? FileManager.default.removeItem(atPath: checker)
            try? FileManager.default.removeItem(atPath: log)
        }
        let external = try ExternalChecker(path: checker)
        let new = PlantedFlag(flag: "NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", id: "initial", vuln: 2, tick: 5)
        let old = PlantedFlag(flag: "NBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=", id: "old-id", vuln: 1, tick: 3)
        let round = FlagRound(flagIDs: .stdout, new: new, old: old)
        // act
        let ok = await external.round(host: "ok", timeout: .seconds(10), round: round)
        let lost = await external.round(host: "lost", timeout: .seconds(10), round: round)
        let refused = await external.round(host: "putfail", timeout: .seconds(10), round: round)
        // check: the HackerDom calls, in order; stdout of put replaced the id; the verdict is the first failure
        let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(
            calls.prefix(4) == [
                "check ok", "put ok initial NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= 2", "get ok note-17 NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= 2",
                "get ok old-id NBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB= 1",
            ])
        #expect(ok.result.status == .up && ok.result.publicMessage == "service fine")
        #expect(ok.result.privateDetail.hasPrefix("check up; put up; get up; get of tick 3's flag up"))
        #expect(ok.placed == FlagRound.Placed(privateID: "note-17", publicID: nil))
        #expect(lost.result.status == .corrupt && lost.result.publicMessage == "note is gone" && lost.placed?.privateID == "note-17")
        #expect(lost.result.privateDetail.hasPrefix("check up; put up; get up; get of tick 3's flag corrupt"))
        #expect(refused.result.status == .mumble && refused.placed == nil && refused.result.publicMessage == "cannot register")
        #expect(calls.count == 4 + 4 + 2, "a failed put ends the round")
    }

    @Test func flagIDsAreReadAsEachCheckerTypeReturnsThem() {
        let new = PlantedFlag(flag: "F", id: "initial", vuln: 1, tick: 1)
        func placed(_ mode: FlagRound.IDMode, _ output: String, _ errors: String = "") -> FlagRound.Placed? {
            FlagRound(flagIDs: mode, new: new, old: nil).placed(output: output, errors: errors)
        }
        #expect(placed(.stdout, "abc\n") == .init(privateID: "abc", publicID: nil))
        #expect(placed(.stdout, "") == .init(privateID: "initial", publicID: nil), "no output: the id put was given")
        #expect(placed(.stdout, #"{"public_flag_id": "u42", "password": "x"}"#)?.publicID == "u42")
        #expect(placed(.stdout, #"{"public_flag_id": {"user": 42}}"#)?.publicID == #"{"user":42}"#)
        #expect(placed(.pfr, "u42\n", "u42:secret\n") == .init(privateID: "u42:secret", publicID: "u42"))
        #expect(placed(.none, "ignored", "ignored") == .init(privateID: "initial", publicID: nil))
        #expect(placed(.stdout, String(repeating: "x", count: FlagRound.idLimit + 1)) == nil, "an id too long is the checker's fault")
    }

    @Test func processSlotsRunNoMoreThanTheirLimitAtOnceAndLoseNobody() async {
        // setup: 3 slots, 20 jobs that each stay until three are running (or long enough to see)
        actor Tally {
            var now = 0
            var peak = 0
            var done = 0
            func enter() {
                now += 1
                peak = max(peak, now)
            }
            func leave() {
                now -= 1
                done += 1
            }
        }
        let slots = ProcessSlots(limit: 3)
        let tally = Tally()
        // act
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    await slots.run {
                        await tally.enter()
                        for _ in 0..<1_000 where await tally.now < 3 { await Task.yield() }
                        await tally.leave()
                    }
                }
            }
        }
        // check
        #expect(await tally.peak == 3)
        #expect(await tally.done == 20)
        #expect(await slots.load == (0, 0))
    }

    @Test func aMissingCheckerIsAConfigurationError() {
        #expect(throws: CheckConfigurationError.self) { try ExternalChecker(path: "/nonexistent/checker.py") }
    }
}

/// A real HTTP service on loopback: `/` is the shop's front page, `/admin` redirects, `/slow` never
/// answers, `/login` takes alice's form and sets a session cookie that `/account` wants.
final class ShopService: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    static let page = "<html><title>Rampart Shop</title><body>3 items in stock</body></html>"
    var request: HTTPRequestHead?
    var body = ""

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
            body = ""
        case .body(let bytes): body += String(decoding: bytes.readableBytesView, as: UTF8.self)
        case .end: if let request { respond(context, request) }
        }
    }

    func respond(_ context: ChannelHandlerContext, _ request: HTTPRequestHead) {
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        let body: String
        switch request.uri {
        case "/": (status, body) = (.ok, Self.page + (request.headers.first(name: "Host") == "shop.blue-kr.range" ? "<!-- kr -->" : ""))
        case "/admin":
            (status, body) = (.found, "")
            headers.add(name: "Location", value: "/login")
        case "/login" where request.method == .POST:
            if self.body == "user=alice&pass=s%26cret+1&remember=on" {
                (status, body) = (.found, "")
                headers.add(name: "Set-Cookie", value: "session=abc123; Path=/; HttpOnly")
                headers.add(name: "Set-Cookie", value: "theme=dark")
            } else {
                (status, body) = (.unauthorized, "wrong password")
            }
        case "/account":
            let cookie = request.headers.first(name: "Cookie") ?? ""
            (status, body) = cookie.contains("session=abc123") ? (.ok, "Welcome back, alice") : (.forbidden, "log in first")
        case "/slow": return
        default: (status, body) = (.notFound, "no such page")
        }
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

func startShop() async throws -> (any Channel, Int) {
    try await startServer { channel in
        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
        try channel.pipeline.syncOperations.addHandler(ShopService())
    }
}

@Suite struct HTTPCheckTests {
    @Test func statusBodyAndDigestDecideAndEveryFailureSaysWhy() async throws {
        // setup
        let (server, shopPort) = try await startShop()
        defer { server.close(promise: nil) }
        let target = CheckTarget(host: "127.0.0.1", port: shopPort)
        func check(_ parameters: [String: String], timeout: Duration = .seconds(3)) async throws -> CheckResult {
            try await HTTPCheck(tls: false, parameters: parameters).run(target, timeout: timeout)
        }
        let digest = "3bdf9063f79e8b2fdfe1fe0a1247299ee7e97d3c3bad0b5a1f0f1ee195e32b89"  // sha256 of ShopService.page
        // act + check
        #expect(try await check([:]).status == .up)
        #expect(try await check(["contains": "[0-9]+ items in stock"]).status == .up)
        #expect(try await check(["host": "shop.blue-kr.range", "contains": "<!-- kr -->"]).status == .up)
        #expect(try await check(["path": "/admin", "status": "301,302"]).status == .up)
        let redirected = try await check(["path": "/admin"])
        #expect(redirected.status == .mumble && redirected.publicMessage == "HTTP 302 instead of 200")
        let defaced = try await check(["contains": "Rampart Bank"])
        #expect(defaced.status == .mumble && defaced.privateDetail.contains("Rampart Bank"))
        #expect(try await check(["sha256": digest]).status == .up)
        #expect(try await check(["sha256": String(repeating: "0", count: 64)]).status == .mumble)
        let slow = try await check(["path": "/slow"], timeout: .milliseconds(500))
        #expect(slow.status == .down && slow.publicMessage.hasPrefix("No answer"))
        let tlsToPlain = try await HTTPCheck(tls: true, parameters: [:]).run(target, timeout: .seconds(3))
        #expect(tlsToPlain.status == .down)
        #expect(throws: CheckConfigurationError.self) { try HTTPCheck(tls: false, parameters: ["status": "abc"]) }
        #expect(throws: CheckConfigurationError.self) { try HTTPCheck(tls: false, parameters: ["path": "no-slash"]) }
    }

    @Test func aLoginFlowPostsTheAccountAndCarriesItsCookies() async throws {
        let (server, shopPort) = try await startShop()
        defer { server.close(promise: nil) }
        let target = CheckTarget(host: "127.0.0.1", port: shopPort)
        let login = [
            "login_path": "/login", "username_field": "user", "password_field": "pass", "login_extra": "remember=on", "path": "/account",
            "contains": "Welcome back",
        ]
        let check = try HTTPCheck(tls: false, parameters: login)
        // the password has characters a form must encode
        var result = await check.run(target, timeout: .seconds(3), account: .init(username: "alice", password: "s&cret 1"))
        #expect(result.status == .up, "\(result)")
        result = await check.run(target, timeout: .seconds(3), account: .init(username: "alice", password: "changed"))
        #expect(result.status == .mumble)
        #expect(result.publicMessage == "Login refused for alice")
        #expect(result.privateDetail.contains("401"))
        // without the login the page is refused; without an account the check cannot run
        #expect(try await HTTPCheck(tls: false, parameters: ["path": "/account"]).run(target, timeout: .seconds(3)).status == .mumble)
        #expect(await check.run(target, timeout: .seconds(3)).status == .error)
        #expect(HTTPCheck.formEncoded("p@ss wörd&=1") == "p%40ss+w%C3%B6rd%26%3D1")
        #expect(throws: CheckConfigurationError.self) { try HTTPCheck(tls: false, parameters: ["username_field": "user"]) }
        #expect(throws: CheckConfigurationError.self) { try HTTPCheck(tls: false, parameters: ["login_path": "login"]) }
    }
}

/// Whether Python can import `modules`; always true under `scripts/test.sh`
/// (`RAMPART_REQUIRE_PYTHON_CHECKERS`), which installs them, so there a missing one fails the test.
func pythonHas(_ modules: String) -> Bool {
    if ProcessInfo.processInfo.environment["RAMPART_REQUIRE_PYTHON_CHECKERS"] != nil { return true }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import \(modules)"]
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}

/// Checkers written with ForcAD's `checklib` (PyPI), run unchanged. `scripts/test.sh` installs
/// checklib and requires these tests; a bare `swift test` without it skips them.
@Suite struct ChecklibCheckerTests {
    static let available = pythonHas("checklib")

    /// The shape of ForcAD's example checkers: `checker.py check HOST`.
    static func checker(expecting text: String) throws -> String {
        let source = """
            #!/usr/bin/env python3
            import sys
            import requests
            from checklib import *


            class Checker(BaseChecker):
                vulns = 1
                timeout = 5
                uses_attack_data = False

                def action(self, action, *args, **kwargs):
                    try:
                        super(Checker, self).action(action, *args, **kwargs)
                    except requests.exceptions.ConnectionError:
                        self.cquit(Status.DOWN, 'Connection error', 'Got requests connection error')

                def check(self):
                    r = requests.get(f'http://{self.host}/', timeout=3)
                    self.assert_in('\(text)', r.text, 'Shop front page is broken')
                    self.cquit(Status.OK, 'Shop is open')

                def put(self, flag_id, flag, vuln):
                    self.cquit(Status.OK, flag_id)

                def get(self, flag_id, flag, vuln):
                    self.cquit(Status.OK)


            if __name__ == '__main__':
                c = Checker(sys.argv[2])
                try:
                    c.action(sys.argv[1], *sys.argv[3:])
                except c.get_check_finished_exception():
                    cquit(Status(c.status), c.public, c.private)
            """
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-checklib-\(UUID().uuidString).py")
        try source.write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url.path
    }

    @Test(.enabled(if: available)) func aChecklibCheckerRunsUnchangedAgainstARealService() async throws {
        // setup: the shop on loopback, and a port nobody listens on
        let (server, shopPort) = try await startShop()
        defer { server.close(promise: nil) }
        let (closed, closedPort) = try await startService(banner: nil)
        try await closed.close()
        let host = "127.0.0.1:\(shopPort)"
        let healthy = try Self.checker(expecting: "items in stock")
        let picky = try Self.checker(expecting: "Rampart Bank")
        defer {
            try? FileManager.default.removeItem(atPath: healthy)
            try? FileManager.default.removeItem(atPath: picky)
        }
        // act
        let up = try await ExternalChecker(path: healthy).check(host: host, timeout: .seconds(20))
        let mumble = try await ExternalChecker(path: picky).check(host: host, timeout: .seconds(20))
        let down = try await ExternalChecker(path: healthy).check(host: "127.0.0.1:\(closedPort)", timeout: .seconds(20))
        // check: checklib's statuses, public and private messages as ForcAD would show them
        #expect(up.status == .up && up.publicMessage == "Shop is open", "\(up)")
        #expect(mumble.status == .mumble && mumble.publicMessage == "Shop front page is broken", "\(mumble)")
        #expect(mumble.privateDetail.contains("assert"))
        #expect(down.status == .down && down.publicMessage == "Connection error", "\(down)")
    }
}

/// The checks' own tests run checkers and read files from wherever their fixtures are, as the
/// operator's `rampart check` may; the folders a server imposes are tested in the server's tests.
extension Check {
    init(type: String, parameters: [String: String], local: Bool = true) throws(CheckConfigurationError) {
        try self.init(type: type, parameters: parameters, local: local, host: .unrestricted())
    }
}

extension ExternalChecker {
    init(path: String) throws(CheckConfigurationError) {
        try self.init(path: path, environment: ProcessInfo.processInfo.environment)
    }
}
