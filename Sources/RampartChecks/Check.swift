import Foundation

/// One configured check of any type: what a service declares, what `rampart check` and the white
/// team's "try it now" run. Made (and its parameters checked) when the service is saved; run every tick.
public struct Check: Sendable {
    public let type: String
    private let body: @Sendable (_ target: String, _ timeout: Duration, _ account: Account?, _ context: Context?) async throws -> CheckResult
    /// How the type runs a flag round, for types whose checkers plant and read flags.
    private var roundBody: (@Sendable (_ target: String, _ timeout: Duration, _ context: Context?, _ round: FlagRound) async -> FlagRound.Outcome)?

    /// Whose check this is and in which tick, for checkers that want to know (enochecker's task).
    public struct Context: Sendable, Equatable {
        public var teamNumber: Int
        public var teamSlug: String
        public var tick: Int
        public var tickSeconds: Int
        public init(teamNumber: Int, teamSlug: String, tick: Int, tickSeconds: Int) {
            self.teamNumber = teamNumber
            self.teamSlug = teamSlug
            self.tick = tick
            self.tickSeconds = tickSeconds
        }
    }

    /// The account a check logs in with, when its service has credentials.
    public struct Account: Sendable, Equatable {
        public var username: String
        public var password: String
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// Every type, named in errors; parameters are in docs/checks.md and `rampart check --help`.
    public static let types = [
        TCPCheck.type, "http", "https", DNSCheck.type, "smtp", "pop3", "imap", "ftp", SSHCheck.type, PostgresCheck.type,
        ICMPCheck.type, ExternalChecker.type, EnocheckerCheck.type,
    ]

    /// Check types that want to know the team and tick (`Context`).
    public static let contextual: Set<String> = [EnocheckerCheck.type]

    /// Check types that can run flag rounds (a service's `flags:`), in the order messages name them.
    public static let flagTypes = [EnocheckerCheck.type, ExternalChecker.type]

    /// Whether this check can run flag rounds.
    public var runsFlagRounds: Bool { roundBody != nil }

    /// Parameters that name a file the check reads; `host` decides where such files may be.
    static let fileParameters = ["key_file", "ca_file"]

    /// `local`: whether files the check names (an external checker, a key) must exist on this
    /// machine; a service checked from another zone names files on that zone's worker machines.
    /// `host`: where checkers and files may be, and the environment checkers get.
    public init(type: String, parameters: [String: String], local: Bool = true, host: CheckHost) throws(CheckConfigurationError) {
        self.type = type
        roundBody = nil
        var parameters = parameters
        for name in Self.fileParameters {
            if let path = parameters[name] { parameters[name] = try host.file(path, parameter: name, local: local) }
        }
        switch type {
        case TCPCheck.type:
            let check = try TCPCheck(parameters: parameters)
            body = { target, timeout, _, _ in await check.run(try CheckTarget(parsing: target, defaultPort: nil), timeout: timeout) }
        case let type where HTTPCheck.types.contains(type):
            let check = try HTTPCheck(tls: type == "https", parameters: parameters, local: local)
            body = { target, timeout, account, _ in
                await check.run(try CheckTarget(parsing: target, defaultPort: check.tls ? 443 : 80), timeout: timeout, account: account)
            }
        case DNSCheck.type:
            let check = try DNSCheck(parameters: parameters)
            body = { target, timeout, _, _ in await check.run(try CheckTarget(parsing: target, defaultPort: 53), timeout: timeout) }
        case let type where LineCheck.types.contains(type):
            let check = try LineCheck(type: type, parameters: parameters)
            body = { target, timeout, account, _ in
                await check.run(try CheckTarget(parsing: target, defaultPort: LineCheck.defaultPorts[type]), timeout: timeout, account: account)
            }
        case SSHCheck.type:
            let check = try SSHCheck(parameters: parameters, local: local)
            body = { target, timeout, account, _ in
                await check.run(try CheckTarget(parsing: target, defaultPort: 22), timeout: timeout, account: account)
            }
        case PostgresCheck.type:
            let check = try PostgresCheck(parameters: parameters)
            body = { target, timeout, account, _ in
                await check.run(try CheckTarget(parsing: target, defaultPort: 5432), timeout: timeout, account: account)
            }
        case ICMPCheck.type:
            let check = try ICMPCheck(parameters: parameters)
            // The host of the target: a template shared with other services may carry a port.
            body = { target, timeout, _, _ in await check.run(host: try CheckTarget(parsing: target, defaultPort: 7).host, timeout: timeout) }
        case ExternalChecker.type:
            try CheckParameters.allow(parameters, ["checker"])
            guard let named = parameters["checker"] else { throw CheckConfigurationError("external checks need the parameter checker (a path)") }
            let path = try host.checker(named, local: local)
            let environment = host.environment
            body = { target, timeout, _, _ in
                try await ExternalChecker(path: path, environment: environment).check(host: target, timeout: timeout)
            }
            roundBody = { target, timeout, _, round in
                do throws(CheckConfigurationError) {
                    return try await ExternalChecker(path: path, environment: environment).round(host: target, timeout: timeout, round: round)
                } catch {
                    return FlagRound.Outcome(result: CheckResult(.error, CheckResult.notRun, detail: error.message), placed: nil)
                }
            }
        case EnocheckerCheck.type:
            let check = try EnocheckerCheck(parameters: parameters)
            body = { target, timeout, _, context in await check.run(target, timeout: timeout, context: context) }
            roundBody = { target, timeout, context, round in await check.round(target, timeout: timeout, context: context, round: round) }
        default:
            throw CheckConfigurationError(
                "unknown check type '\(type)'; expected one of: \(Self.types.joined(separator: ", "))")
        }
    }

    /// Runs the check against `target`. A target that cannot be read (an override or template gone
    /// wrong) is the organisers' problem: an `error` result, never a thrown error.
    public func run(target: String, timeout: Duration, account: Account? = nil, context: Context? = nil) async -> CheckResult {
        do {
            return try await body(target, timeout, account, context)
        } catch let error as CheckConfigurationError {
            return CheckResult(.error, CheckResult.notRun, detail: "target '\(target)': \(error.message)")
        } catch {
            return CheckResult(.error, CheckResult.notRun, detail: "\(error)")
        }
    }

    /// Runs the check and, given a round and a type that runs flag rounds, the round after it;
    /// otherwise just the check.
    public func run(
        target: String, timeout: Duration, account: Account? = nil, context: Context? = nil, round: FlagRound?
    ) async
        -> FlagRound.Outcome
    {
        guard let round, let roundBody else {
            return FlagRound.Outcome(result: await run(target: target, timeout: timeout, account: account, context: context), placed: nil)
        }
        return await roundBody(target, timeout, context, round)
    }
}
