import Foundation
import RampartChecks
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// `rampart check TYPE TARGET [--param KEY=VALUE ...] [--timeout SECONDS]` and
/// `rampart check external --checker PATH TARGET [--flags MODE]`: runs one check (or a whole flag
/// round) now and prints what it found — what an organiser uses to try checks and checkers before
/// the event. Exits non-zero unless the service is up.
struct CheckCommand: AnyAsyncCommand {
    var help: String {
        "Run one check now: rampart check TYPE TARGET [--param KEY=VALUE ...] [--account USER:PASS] | rampart check external --checker PATH HOST [--flags MODE]"
    }

    struct Invocation: Equatable {
        var type: String
        var target: String
        var parameters: [String: String] = [:]
        var checker: String?
        var timeout: Duration = .seconds(10)
        var account: Check.Account?
        /// A flag round (check, put, get) with flag ids returned this way, instead of the check alone.
        var flagIDs: FlagRound.IDMode?
    }

    static let usage = """
        Usage: rampart check TYPE TARGET [--param KEY=VALUE ...] [--account USER:PASSWORD] [--timeout SECONDS]
               rampart check external --checker PATH HOST [--flags stdout|pfr|none] [--timeout SECONDS]
               rampart check enochecker HOST --param url=URL [--flags stdout] [--timeout SECONDS]
        Types: tcp (parameters: send, expect)
               http, https (parameters: path, status, contains, sha256, host, insecure, ca_file;
                 a login flow with --account: login_path, username_field, password_field, login_extra)
               dns (name, type, expect, tcp)
               smtp (helo, from, to), pop3, imap (mailbox), ftp (file, contains): log in with --account
               ssh (command, expect, exit_status, key_file, user, host_key): log in with --account or a key
               postgres (database, query, expect, tls): log in with --account
               icmp (count): ping the target's host
               enochecker (url, method, variant): an enochecker HTTP checker; --flags MODE also runs putflag
                 and getflag of a new flag (MODE is ignored: the attack info is the public id)
               external (a HackerDom/ForcAD exit-code checker; --flags also puts a new flag and gets it back,
                 reading flag ids as the service's flags.flag_ids would)
        """

    /// Reads the arguments after `check`.
    static func parse(_ arguments: [String]) throws -> Invocation {
        var positional: [String] = []
        var parameters: [String: String] = [:]
        var checker: String?
        var timeout = Duration.seconds(10)
        var account: Check.Account?
        var flagIDs: FlagRound.IDMode?
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--param", "-p":
                guard let pair = rest.popFirst(), let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw ConfigurationError("--param needs KEY=VALUE\n\(usage)")
                }
                parameters[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            case "--account":
                guard let pair = rest.popFirst(), let colon = pair.firstIndex(of: ":"), colon != pair.startIndex else {
                    throw ConfigurationError("--account needs USER:PASSWORD\n\(usage)")
                }
                account = Check.Account(username: String(pair[..<colon]), password: String(pair[pair.index(after: colon)...]))
            case "--checker":
                guard let path = rest.popFirst() else { throw ConfigurationError("--checker needs a path\n\(usage)") }
                checker = path
            case "--flags":
                guard let text = rest.popFirst(), let mode = FlagRound.IDMode(rawValue: text) else {
                    throw ConfigurationError("--flags needs how put returns flag ids: stdout, pfr or none\n\(usage)")
                }
                flagIDs = mode
            case "--timeout":
                guard let text = rest.popFirst(), let seconds = Double(text), seconds > 0, seconds <= 3600 else {
                    throw ConfigurationError("--timeout needs seconds (0–3600)\n\(usage)")
                }
                timeout = .seconds(seconds)
            default:
                guard !argument.hasPrefix("--") else { throw ConfigurationError("unknown option \(argument)\n\(usage)") }
                positional.append(argument)
            }
        }
        guard positional.count == 2 else { throw ConfigurationError(usage) }
        return Invocation(
            type: positional[0], target: positional[1], parameters: parameters, checker: checker, timeout: timeout, account: account,
            flagIDs: flagIDs)
    }

    /// Runs the check (or flag round) `invocation` describes.
    static func run(_ invocation: Invocation) async throws -> FlagRound.Outcome {
        var parameters = invocation.parameters
        if invocation.type == ExternalChecker.type {
            guard let path = invocation.checker else { throw ConfigurationError("external checks need --checker PATH\n\(usage)") }
            guard parameters.isEmpty else { throw ConfigurationError("external checks take no --param") }
            parameters["checker"] = path
        }
        // The operator at a shell runs what they could run anyway: no folders are imposed here.
        let check = try Check(type: invocation.type, parameters: parameters, host: .unrestricted())
        if invocation.flagIDs != nil, !check.runsFlagRounds {
            throw ConfigurationError("--flags is for checkers that plant flags: \(Check.flagTypes.joined(separator: ", "))")
        }
        let round = invocation.flagIDs.map {
            FlagRound.trial(service: "try", FlagRounds(flagIDs: $0), random: Dependencies.live.randomBytes(PlantedFlag.randomBytes))
        }
        return await check.run(target: invocation.target, timeout: invocation.timeout, account: invocation.account, round: round)
    }

    func run(using context: inout CommandContext) async throws {
        if context.input.arguments.contains("--help") || context.input.arguments.contains("-h") {
            context.console.print(Self.usage)
            return
        }
        let invocation = try Self.parse(context.input.arguments)
        let outcome: FlagRound.Outcome
        do {
            outcome = try await Self.run(invocation)
        } catch let error as CheckConfigurationError {
            throw ConfigurationError(error.message)
        }
        let result = outcome.result
        context.console.print("status:   \(result.status.rawValue)")
        context.console.print("message:  \(result.publicMessage)")
        context.console.print("detail:   \(result.privateDetail)")
        context.console.print("latency:  \(String(format: "%.1f", result.latency.inMilliseconds)) ms")
        if let placed = outcome.placed {
            context.console.print("flag id:  \(placed.privateID)")
            context.console.print("public:   \(placed.publicID ?? "(none)")")
        }
        guard result.status == .up else { throw ConfigurationError("the check found the service \(result.status.rawValue)") }
    }

    func outputHelp(using context: inout CommandContext) {
        context.console.print(Self.usage)
    }
}
