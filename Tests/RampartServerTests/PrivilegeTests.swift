import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import RampartChecks
@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

/// What each role may configure, field by field: the route × role test says who may call a route;
/// these say what the fields of the routes a role may call can and cannot reach.
@Suite struct PrivilegeTests {
    /// A folder of the administrator's with one checker that prints its whole environment.
    static func checkerFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-checkers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("tools"), withIntermediateDirectories: true)
        let checker = folder.appendingPathComponent("tools/env.sh").path
        try "#!/bin/sh\nenv\nexit 101\n".write(toFile: checker, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: checker)
        return folder
    }

    static func service(_ check: String, _ parameters: String, address: String = "10.0.0.1", zone: String = "default") -> String {
        "name: probe\ncheck: \(check)\nparameters: \(parameters)\naddress: \"\(address)\"\nzone: \(zone)"
    }

    @Test(arguments: TestDatabase.all)
    func theWhiteTeamPicksCheckersAndFilesOnlyFromTheAdministratorsFolders(_ database: TestDatabase) async throws {
        let folder = try Self.checkerFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The server's environment holds secrets; the configuration hands checkers a filtered copy.
        let serverEnvironment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "RAMPART_DEMO_PASSWORD": "demo-secret-1",
            "DATABASE_URL": "postgres://rampart:db-secret-2@db/rampart", "AWS_SECRET_ACCESS_KEY": "cloud-secret-3", "RANGE_API": "passed-on",
        ]
        let configured = try RampartConfiguration.fromEnvironment(
            { ["RAMPART_CHECKER_ENV": "RANGE_API", "RAMPART_CHECKER_DIR": folder.path][$0] }, all: serverEnvironment)
        try await withRampart(
            database,
            adjust: {
                $0.checkerDirectory = configured.checkerDirectory
                $0.checkFilesDirectory = folder.appendingPathComponent("files").path
                $0.checkerEnvironment = configured.checkerEnvironment
            }
        ) { app, _ in
            // setup
            let fixture = try await Fixture.make(app)
            let judge = try await fixture.headers(.judge)
            func save(_ source: String) async throws -> TestingHTTPResponse {
                try await app.testing().sendRequest(.POST, "/api/v1/exercises/ex/services", headers: judge, body: ByteBuffer(string: source))
            }
            // act + check: anything outside the folders is refused before it is stored
            let refused = [
                Self.service("external", "{checker: /bin/cat}", address: "/proc/self/environ"),
                Self.service("external", "{checker: ../../../../bin/cat}", address: "/etc/passwd"),
                Self.service("external", "{checker: \"tools/../../../bin/sh\"}"),
                Self.service("external", "{checker: \"\(folder.path)/../../bin/cat\"}"),
                Self.service("external", "{checker: \"\(folder.path)/tools/env.sh\"}", zone: "range-a"),
                Self.service("ssh", "{user: root, key_file: /etc/ssh/ssh_host_ed25519_key}", address: "10.0.0.1:22"),
                Self.service("ssh", "{user: root, key_file: ../../etc/shadow}", address: "10.0.0.1:22"),
                Self.service("https", "{ca_file: /etc/passwd}", address: "10.0.0.1:443"),
            ]
            for source in refused {
                let response = try await save(source)
                #expect(response.status == .unprocessableEntity, "\(source): \(response.status) \(response.body.string)")
            }
            #expect(try await Service.query(on: app.db).count() == 0)
            // A checker in the folder runs, by a relative path or its full path inside the folder; a
            // relative path names another zone's checker in that zone's own folder.
            #expect(try await save(Self.service("external", "{checker: tools/env.sh}", address: "127.0.0.1")).status == .created)
            #expect(try await save(Self.service("external", "{checker: \"\(folder.path)/tools/env.sh\"}")).status == .ok)
            #expect(try await save(Self.service("external", "{checker: tools/remote.sh}", zone: "range-a")).status == .ok)
            #expect(try await save(Self.service("external", "{checker: tools/env.sh}", address: "127.0.0.1")).status == .ok)
            // It runs with the variables it needs and none of the server's secrets.
            let tried = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/services/probe/try", headers: .json(judge), body: .json(["team": "blue"]))
            let output = tried.body.string
            #expect(tried.status == .ok)
            #expect(output.contains("PATH=") && output.contains("RANGE_API=passed-on"), "\(output)")
            for secret in ["demo-secret-1", "db-secret-2", "cloud-secret-3", "RAMPART_DEMO_PASSWORD", "DATABASE_URL"] {
                #expect(!output.contains(secret), "the checker saw \(secret)")
            }
        }
    }

    @Test func checkerPathsStayInsideTheirFolderWhateverTheyAreWritten() throws {
        let host = CheckHost(checkerDirectory: "/srv/checkers", fileDirectory: "/srv/files", environment: [:])
        for path in ["../x", "a/../../x", "/srv/checkers/../x", "/srv/checkersx/y", "/bin/sh", "./../../etc/passwd", "a/\u{0}b", "", "a\nb"] {
            #expect(throws: CheckConfigurationError.self, "\(path.debugDescription)") { try host.checker(path, local: false) }
            #expect(throws: CheckConfigurationError.self, "\(path.debugDescription)") { try host.file(path, parameter: "key_file", local: false) }
        }
        #expect(try host.file("keys/../keys/ssh.pem", parameter: "key_file", local: false) == "/srv/files/keys/ssh.pem")
        #expect(try host.file("/srv/files/ca.pem", parameter: "ca_file", local: true) == "/srv/files/ca.pem")
        #expect(try CheckHost.unrestricted().file("/anywhere/key", parameter: "key_file", local: false) == "/anywhere/key")
    }

    @Test(arguments: TestDatabase.all)
    func participantsCannotReachPrivilegedFieldsThroughTheFormsAndCallsTheyMayUse(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            let fixture = try await Fixture.make(app)
            let blue = Browser(app)
            try await blue.logIn("blue")
            // act: the account form, with fields only an administrator's form has
            try await blue.get("/account")
            let saved = try await blue.post(
                "/account", ["display_name": "Park", "admin": "true", "disabled": "true", "username": "admin", "is_admin": "1"])
            // act: the API, as a participant and as a judge
            for role in [Fixture.Role.blue, .judge, .white, .red] {
                let headers = try await fixture.headers(role)
                let patch = try await app.testing().sendRequest(
                    .PATCH, "/api/v1/users/\(role.rawValue)", headers: .json(headers), body: .json(["admin": true]))
                #expect(patch.status == .forbidden, "\(role) PATCH admin: \(patch.status)")
                let team = try await app.testing().sendRequest(
                    .PATCH, "/api/v1/exercises/ex/teams/\(role.kind!.rawValue)", headers: .json(headers), body: .json(["kind": "white"]))
                #expect(role == .white || role == .judge ? team.status == .ok : team.status == .forbidden, "\(role) PATCH kind: \(team.status)")
                let file = try await app.testing().sendRequest(
                    .PUT, "/api/v1/exercise-file", headers: headers,
                    body: ByteBuffer(string: "rampart: 1\nusers: [{username: \(role.rawValue), admin: true}]\nexercise: {slug: ex, name: Exercise}"))
                #expect(file.status == .forbidden, "\(role) exercise file: \(file.status)")
            }
            // A blue member may change its own team's service passwords, not another team's.
            let otherTeam = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/teams/red/password-changes", headers: .json(try await fixture.headers(.blue)),
                body: .json(["service": "web", "username": "admin", "password": "x"]))
            // check
            #expect(saved.status == .seeOther)
            let user = try #require(try await User.query(on: app.db).filter(\.$username == "blue").first())
            #expect(user.displayName == "Park" && !user.isAdmin && user.disabledAt == nil)
            for role in [Fixture.Role.blue, .judge, .white, .red] {
                #expect(try await User.query(on: app.db).filter(\.$username == role.rawValue).first()?.isAdmin == false)
            }
            #expect([.forbidden, .notFound].contains(otherTeam.status), "\(otherTeam.status)")
        }
    }
}
