import Foundation
import NIOCore
import Testing

@testable import RampartChecks

/// A real SSH server (asyncssh from PyPI, started by the test): password login for alice, key login
/// for bob with an ed25519 and an ECDSA key written in OpenSSH's format, a few commands.
/// `scripts/test.sh` installs asyncssh and requires these tests.
@Suite struct SSHCheckTests {
    static let available = pythonHas("asyncssh")

    static let server = """
        import asyncio, sys
        import asyncssh

        folder, port = sys.argv[1], int(sys.argv[2])
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        open(folder + "/host_key.pub", "w").write(host_key.export_public_key().decode())
        public = ""
        for name, algorithm in [("ed25519", "ssh-ed25519"), ("ecdsa", "ecdsa-sha2-nistp256")]:
            key = asyncssh.generate_private_key(algorithm)
            key.write_private_key(folder + "/" + name, "openssh")
            public += key.export_public_key().decode()
        other = asyncssh.generate_private_key("ssh-ed25519")
        open(folder + "/other.pub", "w").write(other.export_public_key().decode())
        authorized = asyncssh.import_authorized_keys(public)


        class Server(asyncssh.SSHServer):
            def connection_made(self, connection):
                self.connection = connection

            def begin_auth(self, username):
                if username == "bob":
                    self.connection.set_authorized_keys(authorized)
                return True

            def password_auth_supported(self):
                return True

            def validate_password(self, username, password):
                return username == "alice" and password == "secret"


        async def run(process):
            if process.command == "echo hello":
                process.stdout.write("hello from " + process.get_extra_info("username") + "\\n")
                process.exit(0)
            elif process.command == "fail":
                process.stderr.write("nope\\n")
                process.exit(3)
            elif process.command == "sleep":
                await asyncio.sleep(30)
            else:
                process.exit(127)


        async def main():
            await asyncssh.create_server(Server, "127.0.0.1", port, server_host_keys=[host_key], process_factory=run)
            open(folder + "/ready", "w").write("ready")
            await asyncio.Future()

        asyncio.run(main())
        """

    /// Runs the server on a free port until `body` returns; `body` gets the port and the folder.
    static func serve(_ body: (Int, URL) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-ssh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try server.write(to: folder.appendingPathComponent("server.py"), atomically: true, encoding: .utf8)
        let (probe, port) = try await startService(banner: nil)
        try await probe.close()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", folder.appendingPathComponent("server.py").path, folder.path, String(port)]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for _ in 0..<300 where !FileManager.default.fileExists(atPath: folder.appendingPathComponent("ready").path) {
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(FileManager.default.fileExists(atPath: folder.appendingPathComponent("ready").path), "the SSH server did not start")
        try await body(port, folder)
    }

    func run(
        _ port: Int, _ parameters: [String: String] = [:], account: Check.Account? = nil, timeout: Duration = .seconds(5)
    ) async throws -> CheckResult {
        try await Check(type: "ssh", parameters: parameters).run(target: "127.0.0.1:\(port)", timeout: timeout, account: account)
    }

    @Test(.enabled(if: available)) func logsInByPasswordOrKeyRunsACommandAndSaysWhatWentWrong() async throws {
        try await Self.serve { port, folder in
            let alice = Check.Account(username: "alice", password: "secret")
            // setup done: a password login is up, a wrong password is refused (mumble)
            var result = try await run(port, account: alice)
            #expect(result.status == .up)
            #expect(result.publicMessage == "Logged in as alice")
            result = try await run(port, account: .init(username: "alice", password: "wrong"))
            #expect(result.status == .mumble)
            #expect(result.publicMessage == "Login refused for alice")
            #expect(result.privateDetail.contains("password"))

            // keys in OpenSSH's format: ed25519 and ECDSA P-256
            for key in ["ed25519", "ecdsa"] {
                result = try await run(port, ["user": "bob", "key_file": folder.appendingPathComponent(key).path, "command": "echo hello"])
                #expect(result.status == .up, "\(key): \(result)")
                #expect(result.privateDetail.contains("hello from bob"))
            }
            // the service's account is used with the key: alice's key is not authorized, her password is
            result = try await run(port, ["key_file": folder.appendingPathComponent("ed25519").path], account: alice)
            #expect(result.status == .up)
            #expect(result.privateDetail.contains("logged in"))

            // commands: expected output, another output, an exit status, one that never ends
            result = try await run(port, ["command": "echo hello", "expect": "^hello from alice"], account: alice)
            #expect(result.status == .up)
            result = try await run(port, ["command": "echo hello", "expect": "goodbye"], account: alice)
            #expect(result.status == .mumble)
            #expect(result.publicMessage == "The command's output is not what it should be")
            result = try await run(port, ["command": "fail"], account: alice)
            #expect(result.status == .mumble)
            #expect(result.publicMessage == "The command exited with 3 instead of 0")
            #expect(result.privateDetail.contains("nope"))
            result = try await run(port, ["command": "fail", "exit_status": "3"], account: alice)
            #expect(result.status == .up)
            result = try await run(port, ["command": "sleep"], account: alice, timeout: .seconds(1))
            #expect(result.status == .mumble)
            #expect(result.publicMessage == "The command did not finish within 1 s")

            // the host key, pinned: the right one passes, another is a changed key
            let hostKey = try String(contentsOf: folder.appendingPathComponent("host_key.pub"), encoding: .utf8)
            let otherKey = try String(contentsOf: folder.appendingPathComponent("other.pub"), encoding: .utf8)
            result = try await run(port, ["host_key": hostKey.trimmingCharacters(in: .whitespacesAndNewlines)], account: alice)
            #expect(result.status == .up)
            result = try await run(port, ["host_key": otherKey.trimmingCharacters(in: .whitespacesAndNewlines)], account: alice)
            #expect(result.status == .mumble)
            #expect(result.publicMessage == "The SSH host key has changed")
        }
    }

    @Test func deadSilentAndForeignServicesAreToldApart() async throws {
        let alice = Check.Account(username: "alice", password: "secret")
        // a port nobody listens on
        let (closed, closedPort) = try await startService(banner: nil)
        try await closed.close()
        var result = try await run(closedPort, account: alice, timeout: .seconds(2))
        #expect(result.status == .down)
        #expect(result.publicMessage == "Connection refused")
        // a service that accepts and never speaks
        let (silent, silentPort) = try await startServer { _ in }
        result = try await run(silentPort, account: alice, timeout: .seconds(1))
        #expect(result.status == .down)
        #expect(result.publicMessage == "No answer within 1 s")
        try await silent.close()
        // a mail server where SSH should be
        let (mail, mailPort) = try await startService(banner: "220 mail.example ESMTP\r\n")
        result = try await run(mailPort, account: alice, timeout: .seconds(2))
        #expect(result.status == .mumble, "\(result)")
        #expect(result.publicMessage == "This is not a working SSH service")
        try await mail.close()
        // no credentials at all: the organisers' problem, not the team's
        result = try await run(mailPort)
        #expect(result.status == .error)
    }

    @Test func badParametersAndKeysAreRefusedBeforeAnythingRuns() throws {
        #expect(throws: CheckConfigurationError.self) { try Check(type: "ssh", parameters: ["expect": "x"]) }
        #expect(throws: CheckConfigurationError.self) { try Check(type: "ssh", parameters: ["user": "bob"]) }
        #expect(throws: CheckConfigurationError.self) { try Check(type: "ssh", parameters: ["host_key": "not a key"]) }
        #expect(throws: CheckConfigurationError.self) { try Check(type: "ssh", parameters: ["key_file": "/nonexistent/key"]) }
        #expect(throws: CheckConfigurationError.self) { try Check(type: "ssh", parameters: ["command": "x", "exit_status": "300"]) }
        // a key file on another zone's worker is not looked for here
        _ = try Check(type: "ssh", parameters: ["key_file": "/nonexistent/key", "user": "bob"], local: false)
        #expect(throws: CheckConfigurationError.self) { try SSHKeyFile.parse("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----") }
        #expect(throws: CheckConfigurationError.self) {
            try SSHKeyFile.parse("-----BEGIN OPENSSH PRIVATE KEY-----\n!!!\n-----END OPENSSH PRIVATE KEY-----")
        }
    }
}
