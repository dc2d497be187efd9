import Foundation
import RampartChecks
import Vapor

/// Everything Rampart reads from its environment, read once at start-up.
///
/// Tests build one by hand; nothing else calls `Environment.get`.
public struct RampartConfiguration: Sendable {
    public enum DatabaseChoice: Sendable, Equatable {
        /// An SQLite file, WAL mode.
        case sqlite(path: String)
        /// An in-memory SQLite database: tests.
        case sqliteMemory
        /// A PostgreSQL server. `schema`, when set, is created if missing and used as the search path
        /// (tests give each test its own schema on one server).
        case postgres(url: String, schema: String?)
    }

    public var database: DatabaseChoice
    public var dataDirectory: String
    /// The address users reach Rampart at, e.g. `https://rampart.example.org`; decides `Secure` cookies.
    public var publicURL: String?
    public var bcryptCost: Int
    public var logFormat: LogFormat
    /// Largest request body accepted anywhere, in bytes; larger gets 413.
    public var maxBodyBytes: Int
    /// Largest challenge attachment, in bytes (`RAMPART_MAX_UPLOAD_BYTES`, default 50 MiB).
    public var maxUploadBytes: Int = 50 << 20
    /// Run migrations when the server starts. On by default for SQLite (one process owns the file);
    /// off for PostgreSQL, where several nodes start at once and `rampart migrate` runs first.
    public var autoMigrate: Bool
    /// Believe `X-Forwarded-For` and `X-Forwarded-Proto`: only behind a reverse proxy that sets them.
    public var trustProxy: Bool = false
    /// Run the tick loop and the in-process check worker while serving. Off in tests, which drive
    /// ticks by hand; on for the real server.
    public var backgroundWork: Bool = false
    /// Zones the server's own check worker serves (`RAMPART_WORKER_ZONES`, default `default`;
    /// `none` leaves every check to `rampart worker` processes).
    public var workerZones: [String] = ["default"]
    /// Most external checker processes running at once on this machine (`RAMPART_CHECKER_PROCESSES`,
    /// default 64); checks beyond it wait for a slot, and their timeout starts with their checker.
    public var checkerProcesses: Int = 64
    /// The longest a write waits for another to finish before it is refused as busy, a 503 with
    /// `Retry-After` (`RAMPART_WRITE_WAIT_MS`, default 10 s): for this node's queue of SQLite writers,
    /// another process's SQLite lock, and PostgreSQL locks.
    public var writeWait: Duration = .seconds(10)
    /// Where external checkers must be (`RAMPART_CHECKER_DIR`, default `DATA_DIR/checkers`), and the
    /// files checks read, SSH keys and CA certificates (`RAMPART_CHECK_FILES_DIR`, default
    /// `DATA_DIR/check-files`): the white team picks among what an administrator installed there.
    public var checkerDirectory: String
    public var checkFilesDirectory: String
    /// The environment checkers run with: a few variables they need to start, plus those named in
    /// `RAMPART_CHECKER_ENV`; never the server's secrets.
    public var checkerEnvironment: [String: String] = CheckHost.environment(from: ProcessInfo.processInfo.environment)
    /// Most live connections (WebSockets) this node holds at once (`RAMPART_LIVE_MAX_CONNECTIONS`,
    /// default 20,000), and per user or, for outside readers of a public board, per address
    /// (`RAMPART_LIVE_MAX_PER_VIEWER`, default 32): a participant cannot exhaust the node with sockets.
    public var liveMaxConnections: Int = 20_000
    public var liveMaxPerViewer: Int = 32

    public enum LogFormat: String, Sendable {
        case text
        case json
    }

    public init(
        database: DatabaseChoice, dataDirectory: String = "./rampart-data", publicURL: String? = nil,
        bcryptCost: Int = 12, logFormat: LogFormat = .text, maxBodyBytes: Int = 1 << 20, autoMigrate: Bool? = nil
    ) {
        self.database = database
        self.dataDirectory = dataDirectory
        self.publicURL = publicURL
        self.bcryptCost = bcryptCost
        self.logFormat = logFormat
        self.maxBodyBytes = maxBodyBytes
        checkerDirectory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("checkers").path
        checkFilesDirectory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("check-files").path
        if case .postgres = database {
            self.autoMigrate = autoMigrate ?? false
        } else {
            self.autoMigrate = autoMigrate ?? true
        }
    }

    /// Reads `RAMPART_DATA_DIR`, `DATABASE_URL`, `RAMPART_PUBLIC_URL`, `RAMPART_BCRYPT_COST`,
    /// `RAMPART_LOG_FORMAT`, `RAMPART_MAX_BODY_BYTES`, `RAMPART_AUTO_MIGRATE`, `RAMPART_TRUST_PROXY`,
    /// `RAMPART_WORKER_ZONES`, `RAMPART_CHECKER_PROCESSES`, `RAMPART_DATABASE_SCHEMA`, `RAMPART_CHECKER_DIR`,
    /// `RAMPART_CHECK_FILES_DIR`, `RAMPART_CHECKER_ENV`, `RAMPART_WRITE_WAIT_MS` and the `RAMPART_LIVE_…` limits; checkers get a filtered copy of `all`.
    public static func fromEnvironment(
        _ get: (String) -> String? = { Environment.get($0) }, all: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> RampartConfiguration {
        let dataDirectory = get("RAMPART_DATA_DIR").flatMap { $0.isEmpty ? nil : $0 } ?? "./rampart-data"
        let database: DatabaseChoice
        if let url = get("DATABASE_URL"), !url.isEmpty {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw ConfigurationError("DATABASE_URL must be a postgres:// URL; leave it unset to use SQLite in RAMPART_DATA_DIR")
            }
            database = .postgres(url: url, schema: get("RAMPART_DATABASE_SCHEMA").flatMap { $0.isEmpty ? nil : $0 })
        } else {
            database = .sqlite(path: URL(fileURLWithPath: dataDirectory).appendingPathComponent("rampart.sqlite").path)
        }
        let cost =
            try get("RAMPART_BCRYPT_COST").map { raw -> Int in
                guard let cost = Int(raw), (4...31).contains(cost) else {
                    throw ConfigurationError("RAMPART_BCRYPT_COST must be a number from 4 to 31")
                }
                return cost
            } ?? 12
        let format =
            try get("RAMPART_LOG_FORMAT").map { raw -> LogFormat in
                guard let format = LogFormat(rawValue: raw) else { throw ConfigurationError("RAMPART_LOG_FORMAT must be text or json") }
                return format
            } ?? .text
        let maxBody =
            try get("RAMPART_MAX_BODY_BYTES").map { raw -> Int in
                guard let bytes = Int(raw), bytes >= 1024 else {
                    throw ConfigurationError("RAMPART_MAX_BODY_BYTES must be a number of bytes, at least 1024")
                }
                return bytes
            } ?? 1 << 20
        let autoMigrate = get("RAMPART_AUTO_MIGRATE").map { ["1", "true", "yes"].contains($0.lowercased()) }
        var configuration = RampartConfiguration(
            database: database, dataDirectory: dataDirectory, publicURL: get("RAMPART_PUBLIC_URL"),
            bcryptCost: cost, logFormat: format, maxBodyBytes: maxBody, autoMigrate: autoMigrate
        )
        configuration.maxUploadBytes =
            try get("RAMPART_MAX_UPLOAD_BYTES").map { raw -> Int in
                guard let bytes = Int(raw), bytes >= 1024 else {
                    throw ConfigurationError("RAMPART_MAX_UPLOAD_BYTES must be a number of bytes, at least 1024")
                }
                return bytes
            } ?? 50 << 20
        configuration.trustProxy = get("RAMPART_TRUST_PROXY").map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
        configuration.backgroundWork = true
        if let zones = get("RAMPART_WORKER_ZONES") {
            let list = zones.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            configuration.workerZones = list == ["none"] ? [] : list
        }
        if let directory = get("RAMPART_CHECKER_DIR"), !directory.isEmpty { configuration.checkerDirectory = directory }
        if let directory = get("RAMPART_CHECK_FILES_DIR"), !directory.isEmpty { configuration.checkFilesDirectory = directory }
        let passed = (get("RAMPART_CHECKER_ENV") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        configuration.checkerEnvironment = CheckHost.environment(from: all, passing: passed.filter { !$0.isEmpty })
        if let raw = get("RAMPART_WRITE_WAIT_MS") {
            guard let milliseconds = Int(raw), (100...600_000).contains(milliseconds) else {
                throw ConfigurationError("RAMPART_WRITE_WAIT_MS must be a number of milliseconds from 100 to 600000")
            }
            configuration.writeWait = .milliseconds(milliseconds)
        }
        for (name, minimum, maximum, apply) in [
            ("RAMPART_LIVE_MAX_CONNECTIONS", 1, 1_000_000, { (value: Int) in configuration.liveMaxConnections = value }),
            ("RAMPART_LIVE_MAX_PER_VIEWER", 1, 100_000, { (value: Int) in configuration.liveMaxPerViewer = value }),
        ] as [(String, Int, Int, (Int) -> Void)] {
            guard let raw = get(name) else { continue }
            guard let value = Int(raw), (minimum...maximum).contains(value) else {
                throw ConfigurationError("\(name) must be a number from \(minimum) to \(maximum)")
            }
            apply(value)
        }
        if let raw = get("RAMPART_CHECKER_PROCESSES") {
            guard let count = Int(raw), (1...10_000).contains(count) else {
                throw ConfigurationError("RAMPART_CHECKER_PROCESSES must be a number from 1 to 10000")
            }
            configuration.checkerProcesses = count
        }
        return configuration
    }

    public var isSQLite: Bool {
        if case .postgres = database { return false }
        return true
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The command `arguments` run: `serve` when none is named (only options, as Vapor reads them).
package func command(_ arguments: [String]) -> String {
    guard let first = arguments.dropFirst().first, !first.hasPrefix("-") else { return "serve" }
    return first
}
