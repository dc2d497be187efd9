import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

/// A console that keeps what a command prints.
final class RecordingConsole: Console, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var size: (width: Int, height: Int) { (200, 50) }
    var userInfo: [AnySendableHashable: any Sendable] = [:]
    var supportsANSICommands: Bool { false }
    func input(isSecure: Bool) -> String { "" }
    func output(_ text: ConsoleText, newLine: Bool) { lock.withLock { lines.append(text.description) } }
    func clear(_ type: ConsoleClear) {}
    func report(error: String, newLine: Bool) { lock.withLock { lines.append(error) } }
    var printed: String { lock.withLock { lines.joined(separator: "\n") } }
}

/// `rampart challenge import`: what it says it will do is what it does, it mirrors the tree's
/// attachments, it never takes over a challenge from elsewhere silently, and it runs beside a live
/// exercise without holding it up.
@Suite struct ImportTests {
    static func run(_ app: Application, _ arguments: String...) async -> (ok: Bool, printed: String) {
        let console = RecordingConsole()
        var context = CommandContext(console: console, input: CommandInput(arguments: ["rampart"] + arguments))
        context.application = app
        do {
            try await app.asyncCommands.group().run(using: &context)
            return (true, console.printed)
        } catch {
            return (false, console.printed + "\n" + "\(error)")
        }
    }

    static func write(_ root: URL, _ path: String, _ data: Data) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    static func challenge(_ name: String, value: Int = 100, files: [String] = []) -> Data {
        Data("name: \(name)\ncategory: misc\nvalue: \(value)\nflags: [\"RAMPART{\(name)}\"]\nfiles: [\(files.joined(separator: ", "))]\n".utf8)
    }

    @Test(arguments: TestDatabase.all)
    func importsSayWhatTheyWillDoMirrorTheTreeAndTakeOverNothingSilently(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup: a tree; a 2.5 MiB attachment (three chunks)
            _ = try await Fixture.make(app)
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-import-\(UUID().uuidString)")
            let other = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-import-\(UUID().uuidString)")
            defer {
                try? FileManager.default.removeItem(at: root)
                try? FileManager.default.removeItem(at: other)
            }
            let big = Data((0..<(5 << 19)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            try Self.write(root, "a/challenge.yml", Self.challenge("Alpha", files: ["dist/a.txt", "dist/b.bin"]))
            try Self.write(root, "a/dist/a.txt", Data("alpha".utf8))
            try Self.write(root, "a/dist/b.bin", big)
            try Self.write(root, "b/challenge.yml", Self.challenge("Bravo"))
            // act + check: the dry run counts what the import then does
            let dry = await Self.run(app, "challenge", "import", "--exercise", "ex", root.path, "--dry-run")
            #expect(dry.ok && dry.printed.contains("ex: 2 would be created, 0 would be updated, 0 unchanged"), "\(dry.printed)")
            #expect(try await Challenge.query(on: app.db).count() == 0)
            let first = await Self.run(app, "challenge", "import", "--exercise", "ex", root.path)
            #expect(first.ok && first.printed.contains("ex: 2 created, 0 updated, 0 unchanged, 0 conflict(s), 0 failed"), "\(first.printed)")
            let alpha = try #require(try await Challenge.query(on: app.db).filter(\.$name == "Alpha").first())
            let stored = try await ChallengeFile.query(on: app.db).filter(\.$challenge.$id == alpha.requireID()).sort(\.$name).all()
            #expect(stored.map(\.name) == ["a.txt", "b.bin"])
            let blob = try #require(stored.last?.blobID)
            #expect(try await FileChunk.query(on: app.db).filter(\.$blobID == blob).count() == 3)
            #expect(try await Blobs.data(blob, on: app.db) == big)
            // a re-import: Alpha drops b.bin and is worth more, Charlie is new, Bravo is as it was
            try Self.write(root, "a/challenge.yml", Self.challenge("Alpha", value: 200, files: ["dist/a.txt"]))
            try Self.write(root, "c/challenge.yml", Self.challenge("Charlie"))
            let dryAgain = await Self.run(app, "challenge", "import", "--exercise", "ex", root.path, "--dry-run")
            #expect(dryAgain.printed.contains("ex: 1 would be created, 1 would be updated, 1 unchanged"), "\(dryAgain.printed)")
            #expect(dryAgain.printed.contains("updated: Alpha (files -b.bin)"))
            let again = await Self.run(app, "challenge", "import", "--exercise", "ex", root.path)
            #expect(again.ok && again.printed.contains("ex: 1 created, 1 updated, 1 unchanged"), "\(again.printed)")
            #expect(try await ChallengeFile.query(on: app.db).filter(\.$challenge.$id == alpha.requireID()).all().map(\.name) == ["a.txt"])
            #expect(try await FileChunk.query(on: app.db).filter(\.$blobID == blob).count() == 0, "the dropped file's chunks go too")
            // Two files that would share a name are refused, not merged into one.
            try Self.write(root, "d/challenge.yml", Self.challenge("Delta", files: ["x/notes.txt", "y/notes.txt"]))
            try Self.write(root, "d/x/notes.txt", Data("one".utf8))
            try Self.write(root, "d/y/notes.txt", Data("two".utf8))
            let twins = await Self.run(app, "challenge", "import", "--exercise", "ex", root.path)
            #expect(!twins.ok && twins.printed.contains("would both be attached as notes.txt"), "\(twins.printed)")
            #expect(twins.printed.contains("1 of 4 challenge(s) were not imported (listed above); the others were"), "\(twins.printed)")
            #expect(try await Challenge.query(on: app.db).filter(\.$name == "Delta").count() == 0)
            // Another tree's Alpha is a conflict, reported and left alone, unless --replace.
            try Self.write(other, "misc/alpha/challenge.yml", Self.challenge("Alpha", value: 999))
            let conflict = await Self.run(app, "challenge", "import", "--exercise", "ex", other.path)
            #expect(!conflict.ok && conflict.printed.contains("conflict: Alpha: it was imported from a/challenge.yml"), "\(conflict.printed)")
            #expect(try await Challenge.query(on: app.db).filter(\.$name == "Alpha").first()?.source.contains("999") == false)
            let replaced = await Self.run(app, "challenge", "import", "--exercise", "ex", other.path, "--replace")
            #expect(replaced.ok, "\(replaced.printed)")
            let taken = try #require(try await Challenge.query(on: app.db).filter(\.$name == "Alpha").first())
            #expect(taken.source.contains("999") && taken.origin == "import:misc/alpha/challenge.yml")
            #expect(try await app.scores.rebuild(taken.$exercise.id, app: app) == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func uploadsStreamIntoChunksAndDownloadWhole(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, clock in
            // setup
            let fixture = try await Fixture.make(app)
            let challenge = try await TestChallenges.add(app, fixture)
            let white = try await fixture.headers(.white)
            let bytes = Data((0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            // act: through the API, and through the page's form (multipart, streamed)
            let api = try await app.testing(method: .running(port: 0)).sendRequest(
                .POST, "/api/v1/exercises/ex/challenges/\(challenge)/files?name=big.bin", headers: white, body: ByteBuffer(data: bytes))
            let browser = Browser(app)
            try await browser.logIn("white")
            try await browser.get("/exercises/ex/challenges/\(challenge)")
            let boundary = "----rampart\(UUID().uuidString)"
            var form = ByteBuffer()
            form.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(browser.lastCSRF ?? "")\r\n")
            form.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"form.bin\"\r\n")
            form.writeString("Content-Type: application/octet-stream\r\n\r\n")
            form.writeBytes(bytes)
            form.writeString("\r\n--\(boundary)--\r\n")
            var headers: HTTPHeaders = ["Cookie": browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
            headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
            let page = try await app.testing(method: .running(port: 0)).sendRequest(
                .POST, "/exercises/ex/challenges/\(challenge)/files", headers: headers, body: form)
            let withoutToken = try await app.testing(method: .running(port: 0)).sendRequest(
                .POST, "/exercises/ex/challenges/\(challenge)/files", headers: headers,
                body: ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.bin\"\r\n\r\nx\r\n--\(boundary)--\r\n"))
            var twoFiles = ByteBuffer()
            twoFiles.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(browser.lastCSRF ?? "")\r\n")
            for name in ["one.bin", "two.bin"] {
                twoFiles.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n\r\n\(name)\r\n")
            }
            twoFiles.writeString("--\(boundary)--\r\n")
            let concatenated = try await app.testing(method: .running(port: 0)).sendRequest(
                .POST, "/exercises/ex/challenges/\(challenge)/files", headers: headers, body: twoFiles)
            let download = try await app.testing().sendRequest(
                .GET, "/api/v1/exercises/ex/challenges/\(challenge)/files/form.bin", headers: try await fixture.headers(.blue))
            // check
            #expect(api.status == .ok, "\(api.body.string.prefix(300))")
            // The client follows the redirect to the challenge page; the file being there is what counts.
            #expect([.seeOther, .ok].contains(page.status) && !page.body.string.contains("notice error"))
            #expect(withoutToken.status == .forbidden)
            // Two files in one form were once stored as one, their bytes joined.
            #expect(concatenated.status == .badRequest || concatenated.body.string.contains("Send one file at a time"), "\(concatenated.status)")
            #expect(download.status == .ok && Data(download.body.readableBytesView) == bytes)
            let files = try await ChallengeFile.query(on: app.db).filter(\.$challenge.$id == challenge).all()
            #expect(Set(files.map(\.name)) == ["notes.txt", "big.bin", "form.bin"])
            #expect(files.allSatisfy { $0.data.isEmpty && $0.blobID != nil })
            #expect(try await FileBlob.query(on: app.db).count() == 3, "no blob of the refused upload is left")
            // An upload cut off between storing and linking leaves a blob that the sweep removes once old.
            let orphan = try await Blobs.store([ByteBuffer(string: "cut off")].async, maxBytes: 100, app: app)
            #expect(try await Blobs.sweep(app: app) == 0, "too young to be taken for abandoned")
            clock.advance(3601)
            #expect(try await Blobs.sweep(app: app) == 1)
            #expect(try await FileBlob.find(orphan.id, on: app.db) == nil)
            #expect(try await FileChunk.query(on: app.db).filter(\.$blobID == orphan.id).count() == 0)
            #expect(try await FileBlob.query(on: app.db).count() == 3)
        }
    }

    /// `rampart` beside the test, as in `WorkerProcessTests`.
    static var binary: URL { WorkerProcessTests.binary }

    @Test func aFailedCommandSaysWhyOnceAndExitsNonZero() throws {
        // setup: an empty data directory, an exercise that does not exist
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the executable first: swift build --product rampart")
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        func rampart(_ arguments: String..., input: String = "") throws -> (status: Int32, printed: String) {
            let process = Process()
            process.executableURL = Self.binary
            process.arguments = arguments
            process.environment = ["RAMPART_DATA_DIR": data.path, "RAMPART_LOG_FORMAT": "text"]
            let output = Pipe()
            let stdin = Pipe()
            process.standardOutput = output
            process.standardError = output
            process.standardInput = stdin
            try process.run()
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        #expect(try rampart("migrate", input: "y\n").status == 0)
        // act
        let (status, printed) = try rampart("challenge", "import", "--exercise", "nosuch", data.path)
        // check: one line says what went wrong (it was once logged twice), and the exit status says it failed
        #expect(status == 1)
        #expect(printed.components(separatedBy: "Exercise 'nosuch' was not found").count - 1 == 1, "\(printed)")
    }

    @Test(arguments: TestDatabase.all)
    func aLargeImportBesideRunningSubmissionsAndTicksLosesNothing(_ database: TestDatabase) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the executable first: swift build --product rampart")
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        let sqlite = data.appendingPathComponent("rampart.sqlite").path
        try await withRampart(
            database, clock: TestClock(Date()),
            adjust: { if database == .sqlite { $0.database = .sqlite(path: sqlite) } }
        ) { app, clock in
            // setup: a running exercise with five blue teams, a challenge to submit to and a service to tick
            let fixture = try await Fixture.make(app)
            var teams: [HTTPHeaders] = [try await fixture.headers(.blue)]
            for index in 2...5 {
                _ = try await Teams.create(in: "ex", .init(slug: "blue\(index)", kind: .blue, name: "Blue \(index)"), by: .commandLine("test"), app: app)
                _ = try await Accounts.createUser(.init(username: "player\(index)", displayName: "P", password: Fixture.password), by: .commandLine("test"), app: app)
                try await Teams.addMember(in: "ex", team: "blue\(index)", username: "player\(index)", judge: false, by: .commandLine("test"), app: app)
                let user = try #require(try await User.query(on: app.db).filter(\.$username == "player\(index)").first())
                let token = try await Accounts.issueToken(
                    userID: user.requireID(), username: user.username, name: "t", lifetime: nil, login: true, by: .commandLine("test"), app: app)
                teams.append(["Authorization": "Bearer \(token.token)"])
            }
            let challenge = try await TestChallenges.add(app, fixture)
            let exerciseID = try fixture.exercise.requireID()
            try await TestServices.add(app, exerciseID)
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            #expect(try await Ticks.step(app: app, now: clock.now).created == [1])
            // a tree of 120 challenges with 32 KiB attachments, and one of 2.5 MiB (three chunks)
            let tree = data.appendingPathComponent("tree")
            for index in 0..<120 {
                try Self.write(tree, "c\(index)/challenge.yml", Self.challenge("Imported \(index)", files: ["dist/f\(index).bin"]))
                try Self.write(tree, "c\(index)/dist/f\(index).bin", Data(repeating: UInt8(index), count: index == 0 ? 5 << 19 : 32 << 10))
            }
            var environment = [
                "RAMPART_DATA_DIR": data.path, "RAMPART_LOG_FORMAT": "text", "RAMPART_BCRYPT_COST": "4",
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin",
            ]
            if database == .postgres, let sql = app.db as? any SQLDatabase {
                environment["DATABASE_URL"] = TestDatabase.postgresURL!
                environment["RAMPART_DATABASE_SCHEMA"] = try await sql.raw("SELECT current_schema() AS s").first()?.decode(column: "s", as: String.self)
            }
            let process = Process()
            process.executableURL = Self.binary
            process.arguments = ["challenge", "import", "--exercise", "ex", tree.path]
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            // act: the import runs as its own process while teams submit and ticks fall due
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let acknowledged = NIOLockedValueBox<[Int: Int]>([:])
            // Rounds of submissions all answered while the import was still running: had it held the
            // database in one transaction, they would all have waited for it to end.
            var roundsDuringImport = 0
            var statuses: [HTTPStatus] = []
            var rounds = 0
            var tickErrors = 0
            while process.isRunning || rounds < 3 {
                rounds += 1
                clock.advance(60)
                do { _ = try await Ticks.step(app: app, now: clock.now) } catch { tickErrors += 1 }
                let flag = "wrong \(rounds)"
                let round = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                    for (team, headers) in teams.enumerated() {
                        group.addTask {
                            let response = try await app.testing().sendRequest(
                                .POST, "/api/v1/exercises/ex/challenges/\(challenge)/attempts", headers: .json(headers),
                                body: .json(["flag": flag]))
                            if response.status == .ok { acknowledged.withLockedValue { $0[team, default: 0] += 1 } }
                            return response.status
                        }
                    }
                    var statuses: [HTTPStatus] = []
                    for try await status in group { statuses.append(status) }
                    return statuses
                }
                statuses += round
                if process.isRunning { roundsDuringImport += 1 }
                // The rate limit (10 wrong a minute) frees up as the clock moves.
            }
            process.waitUntilExit()
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            clock.advance(60)
            _ = try await Ticks.step(app: app, now: clock.now)
            // check: the import finished, every acknowledged submission is stored, no 500, no tick lost
            #expect(process.terminationStatus == 0, "\(printed)")
            #expect(try await Challenge.query(on: app.db).count() == 121)
            #expect(try await ChallengeFile.query(on: app.db).count() == 121)
            #expect(statuses.allSatisfy { $0 == .ok }, "every submission was taken at once: \(Dictionary(grouping: statuses, by: \.code).mapValues(\.count))")
            #expect(tickErrors == 0, "every tick was recorded when it fell due")
            #expect(roundsDuringImport >= 2, "submissions were answered while the import ran (\(roundsDuringImport) rounds)")
            let stored = try await Submission.query(on: app.db).filter(\.$result == "incorrect").all()
            let teamIDs = try await Team.query(on: app.db).filter(\.$kind == .blue).all()
            for (index, headers) in teams.enumerated() {
                _ = headers
                let slug = index == 0 ? "blue" : "blue\(index + 1)"
                let team = try #require(teamIDs.first { $0.slug == slug })
                #expect(stored.filter { $0.teamID == team.id }.count == acknowledged.withLockedValue { $0[index] ?? 0 }, "\(slug)")
            }
            let ticks = try await TickRecord.query(on: app.db).filter(\.$exerciseID == exerciseID).sort(\.$number).all().map(\.number)
            #expect(ticks == Array(1...(ticks.last ?? 0)), "no tick missing: \(ticks)")
            #expect(ticks.count == rounds + 2, "one tick a round, made late if need be: \(ticks.count) for \(rounds) rounds, \(tickErrors) late")
            #expect(try await app.scores.rebuild(exerciseID, app: app) == 0)
        }
    }
}
