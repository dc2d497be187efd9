import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// Logs in to PostgreSQL (postgres-nio) with the service's account and runs a query: `database`
/// (default `postgres`), `query` (default `SELECT 1`), `expect` (a regular expression the first
/// column of the first row must match), `tls` (`disable` — the default —, `prefer` or `require`;
/// certificates are not verified: the check is about the database, not its certificate). A refused
/// login or a failing query is `mumble`.
public struct PostgresCheck: Sendable {
    public static let type = "postgres"
    let database: String
    let query: String
    let expect: Pattern?
    let tls: String

    public init(parameters: [String: String]) throws(CheckConfigurationError) {
        try CheckParameters.allow(parameters, ["database", "query", "expect", "tls"])
        database = parameters["database"] ?? "postgres"
        query = parameters["query"] ?? "SELECT 1"
        guard !query.trimmingCharacters(in: .whitespaces).isEmpty else { throw CheckConfigurationError("query must not be empty") }
        expect = try parameters["expect"].map { pattern throws(CheckConfigurationError) in try Pattern(pattern) }
        tls = parameters["tls"] ?? "disable"
        guard ["disable", "prefer", "require"].contains(tls) else { throw CheckConfigurationError("tls must be disable, prefer or require") }
    }

    static let logger: Logger = {
        var logger = Logger(label: "rampart.check.postgres")
        logger.logLevel = .critical
        return logger
    }()

    public func run(_ target: CheckTarget, timeout: Duration, account: Check.Account?) async -> CheckResult {
        let start = ContinuousClock.now
        guard let account else {
            return CheckResult(.error, CheckResult.notRun, detail: "PostgreSQL checks need credentials on the service")
        }
        let describe = "postgres \(account.username)@\(target)/\(database)"
        func result(_ status: CheckStatus, _ message: String, _ detail: String) -> CheckResult {
            CheckResult(status, message, detail: "\(describe): \(detail)", latency: ContinuousClock.now - start)
        }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let channel: any Channel
        do {
            channel = try await connect(target, timeout: timeout, group: loop) { $0.eventLoop.makeSucceededFuture($0) }
        } catch {
            let failure = connectionFailure(error)
            return result(failure.status, failure.message, String(reflecting: error))
        }
        let deadline = ChannelDeadline(channel, start: start, timeout: timeout)
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }

        var configuration = PostgresConnection.Configuration(
            establishedChannel: channel, tls: tlsMode(), username: account.username, password: account.password, database: database)
        configuration.options.requireBackendKeyData = false
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(on: loop, configuration: configuration, id: 1, logger: Self.logger)
        } catch {
            if deadline.passed { return result(.down, "No answer within \(timeout.seconds) s", "timeout before login") }
            let code = (error as? PSQLError)?.serverInfo?[.sqlState]
            if code == "28P01" || code == "28000" {
                return result(.mumble, "Login refused for \(account.username)", serverMessage(error))
            }
            if code == "3D000" { return result(.mumble, "The database \(database) does not exist", serverMessage(error)) }
            if code != nil { return result(.mumble, "The database refused the connection", serverMessage(error)) }
            return result(.mumble, "This is not a working PostgreSQL service", String(reflecting: error))
        }
        let outcome: CheckResult
        do {
            var first: String?
            var rows = 0
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: query), logger: Self.logger) {
                if rows == 0 { first = row.first.map(Self.text) }
                rows += 1
            }
            let detail = "\(query) → \(rows) row(s), first: \(first.map { String($0.prefix(200)) } ?? "none")"
            if let expect, !expect.matches(first ?? "") {
                outcome = result(.mumble, "The query's answer is not what it should be", detail)
            } else {
                outcome = result(.up, "Logged in; the query works", detail)
            }
        } catch {
            outcome =
                deadline.passed
                ? result(.mumble, "The query did not finish within \(timeout.seconds) s", "\(query): timeout")
                : result(.mumble, "The query failed", "\(query): \(serverMessage(error))")
        }
        try? await connection.close()
        return outcome
    }

    private func tlsMode() -> PostgresConnection.Configuration.TLS {
        guard tls != "disable" else { return .disable }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        guard let context = try? NIOSSLContext(configuration: configuration) else { return .disable }
        return tls == "require" ? .require(context) : .prefer(context)
    }

    /// A cell as text, for `expect` and the detail, whatever its type.
    static func text(_ cell: PostgresCell) -> String {
        guard let bytes = cell.bytes else { return "NULL" }
        let value: String? =
            switch cell.dataType {
            case .int2, .int4, .int8, .oid: (try? cell.decode(Int.self)).map { String($0) }
            case .float4, .float8: (try? cell.decode(Double.self)).map { String($0) }
            case .numeric: (try? cell.decode(Decimal.self)).map { "\($0)" }
            case .bool: (try? cell.decode(Bool.self)).map { $0 ? "t" : "f" }
            case .uuid: (try? cell.decode(UUID.self))?.uuidString.lowercased()
            default: try? cell.decode(String.self)
            }
        return value ?? "(\(bytes.readableBytes) bytes of type \(cell.dataType))"
    }

    private func serverMessage(_ error: any Error) -> String {
        guard let info = (error as? PSQLError)?.serverInfo else { return String(reflecting: error) }
        return "\(info[.sqlState] ?? "") \(info[.message] ?? "")"
    }
}
