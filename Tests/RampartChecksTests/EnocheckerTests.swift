import Foundation
import NIOCore
import Testing

@testable import RampartChecks

/// A checker written with `enochecker3` (PyPI), served as ENOWARS serves them (uvicorn), asked over the
/// enochecker HTTP protocol. `scripts/test.sh` installs enochecker3 and uvicorn and requires this test.
/// enochecker3 opens its MongoDB chain database at start-up; a havoc checker needs none, so the test
/// serves it with `--lifespan off` (there is no MongoDB on this machine).
@Suite struct EnocheckerTests {
    static let available = pythonHas("enochecker3, uvicorn")

    static func source(shopPort: Int, expecting text: String) -> String {
        """
        from enochecker3 import Enochecker, HavocCheckerTaskMessage, MumbleException, OfflineException
        from httpx import AsyncClient, ConnectError

        checker = Enochecker("Shop", \(shopPort))
        app = lambda: checker.app


        @checker.havoc(0)
        async def havoc_front_page(task: HavocCheckerTaskMessage, client: AsyncClient) -> None:
            try:
                response = await client.get("/")
            except ConnectError:
                raise OfflineException("The shop does not answer")
            if "\(text)" not in response.text:
                raise MumbleException("The shop's front page is wrong")
        """
    }

    /// Serves `source` with uvicorn on a free port until `body` returns.
    static func serve(_ source: String, _ body: (String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-eno-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try source.write(to: folder.appendingPathComponent("checker.py"), atomically: true, encoding: .utf8)
        let (probe, port) = try await startService(banner: nil)
        try await probe.close()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-m", "uvicorn", "checker:app", "--factory", "--lifespan", "off", "--host", "127.0.0.1", "--port", String(port),
            "--app-dir", folder.path, "--log-level", "warning",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // Wait for the checker to listen (it is a separate process starting up).
        let url = "http://127.0.0.1:\(port)"
        var ready = false
        let service = try HTTPCheck(tls: false, parameters: ["path": "/service", "contains": "havocVariants"])
        for _ in 0..<200 where !ready {
            ready = await service.run(CheckTarget(host: "127.0.0.1", port: port), timeout: .seconds(1)).status == .up
            if !ready { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(ready, "the enochecker did not start")
        try await body(url)
    }

    @Test(.enabled(if: available)) func anEnocheckerCheckerRunsUnchangedOverItsHTTPProtocol() async throws {
        // setup: the shop on loopback, then a checker for it (and one expecting another page)
        let (shop, shopPort) = try await startShop()
        let context = Check.Context(teamNumber: 7, teamSlug: "blue-kr", tick: 12, tickSeconds: 60)
        try await Self.serve(Self.source(shopPort: shopPort, expecting: "items in stock")) { url in
            let check = try Check(type: "enochecker", parameters: ["url": url])
            // act + check: OK, then OFFLINE once the shop is gone
            let up = await check.run(target: "127.0.0.1", timeout: .seconds(10), context: context)
            #expect(up.status == .up, "\(up)")
            try await shop.close()
            let down = await check.run(target: "127.0.0.1:\(shopPort)", timeout: .seconds(10), context: context)
            #expect(down.status == .down && down.publicMessage == "The shop does not answer", "\(down)")
        }
        let (again, againPort) = try await startShop()
        defer { again.close(promise: nil) }
        try await Self.serve(Self.source(shopPort: againPort, expecting: "Rampart Bank")) { url in
            let mumble = try await Check(type: "enochecker", parameters: ["url": url]).run(target: "127.0.0.1", timeout: .seconds(10))
            #expect(mumble.status == .mumble && mumble.publicMessage == "The shop's front page is wrong", "\(mumble)")
        }
        // A checker that is not there is our problem, not the team's.
        let (gone, gonePort) = try await startService(banner: nil)
        try await gone.close()
        let missing = try await Check(type: "enochecker", parameters: ["url": "http://127.0.0.1:\(gonePort)"]).run(
            target: "127.0.0.1", timeout: .seconds(5))
        #expect(missing.status == .error)
        #expect(throws: CheckConfigurationError.self) { try Check(type: "enochecker", parameters: ["url": "ftp://x", "method": "havoc"]) }
        #expect(throws: CheckConfigurationError.self) { try Check(type: "enochecker", parameters: ["url": "http://x", "method": "exploit"]) }
    }
}
