import Foundation
import Yams

/// A service every blue team must keep working, checked every tick: how to check it, where each
/// team's copy is, and what it is worth. One entry of the exercise file's `services:` section, and
/// what the white team writes in the service editor and sends to the API (docs/checks.md).
public struct ServiceSpec: Equatable, Sendable {
    /// Unique in the exercise; how teams, the API and password change requests name it.
    public var name: String
    /// The check type (`tcp`, `http`, `https`, `external`, …) and its parameters; the server checks
    /// both against the check's own rules when the service is saved.
    public var check: String
    public var parameters: [String: String]
    /// Each team's target, with `{team.number}` and `{team.slug}` filled in: `10.{team.number}.1.5:443`.
    public var address: String
    /// Team slug → that team's address where the template does not fit.
    public var overrides: [String: String]
    /// Points for one tick in which the check found the service up.
    public var points: Int
    /// Seconds one check may take.
    public var timeout: Double
    /// Only workers of this zone run the check (`rampart worker --zone NAME`); the server's own worker
    /// serves `default`.
    public var zone: String
    /// The share of `points` a status earns (Locked Shields-style partial credit); `up` is 1 unless set.
    public var credit: [CheckStatus: Double]
    public var sla: SLARule?
    /// Accounts the check logs in with, one per tick in turn; blue teams change the passwords with
    /// password change requests.
    public var credentials: [ServiceCredential]
    /// Flag rounds: each tick the checker also plants a new flag and reads back this one and an
    /// older live one (`put`/`get`); only for checkers that speak a flag protocol.
    public var flags: FlagRounds?

    public static let defaultZone = "default"
    public static let defaultTimeout = 10.0

    public init(
        name: String, check: String, parameters: [String: String] = [:], address: String, overrides: [String: String] = [:],
        points: Int = 1, timeout: Double = ServiceSpec.defaultTimeout, zone: String = ServiceSpec.defaultZone,
        credit: [CheckStatus: Double] = [:], sla: SLARule? = nil, credentials: [ServiceCredential] = [], flags: FlagRounds? = nil
    ) {
        self.name = name
        self.check = check
        self.parameters = parameters
        self.address = address
        self.overrides = overrides
        self.points = points
        self.timeout = timeout
        self.zone = zone
        self.credit = credit
        self.sla = sla
        self.credentials = credentials
        self.flags = flags
    }

    /// The share of the tick's points a status earns.
    public func share(_ status: CheckStatus) -> Double {
        credit[status] ?? (status == .up ? 1 : 0)
    }

    /// The target of the team numbered `number` with slug `slug`.
    public func address(number: Int, slug: String) -> String {
        overrides[slug] ?? AddressTemplate.render(address, number: number, slug: slug)
    }

    /// The parameters for that team: `{team.number}` and `{team.slug}` filled in (an expected DNS
    /// answer, a `Host` header); other braces, such as a pattern's `{3}`, stay as written.
    public func parameters(number: Int, slug: String) -> [String: String] {
        parameters.mapValues { AddressTemplate.render($0, number: number, slug: slug) }
    }
}

public struct ServiceCredential: Equatable, Sendable, Codable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// How a service's flag rounds run (ForcAD's terms): a flag stays alive for `lifetime` ticks, in
/// which a `get` may ask for it; each put goes to one of the checker's vulnerabilities ("places"),
/// chosen at random with `vulnWeights`; `flagIDs` says how the checker's `put` hands back flag ids.
public struct FlagRounds: Equatable, Sendable {
    /// What a `put` that succeeded prints, by ForcAD's checker types.
    public enum IDMode: String, Sendable, CaseIterable {
        /// HackerDom and ForcAD's default: standard output, if any, is the new flag id later `get`s
        /// receive; when it is a JSON object, its `public_flag_id` is published to attackers.
        case stdout
        /// ForcAD's `pfr`: standard output is the public flag id, standard error the private one.
        case pfr
        /// ForcAD's `nfr`: nothing; `get` receives the id `put` was given.
        case none
    }

    public var lifetime: Int
    public var vulnWeights: [Int]
    public var flagIDs: IDMode

    public static let defaultLifetime = 5

    public init(lifetime: Int = FlagRounds.defaultLifetime, vulnWeights: [Int] = [1], flagIDs: IDMode = .stdout) {
        self.lifetime = max(1, lifetime)
        self.vulnWeights = vulnWeights.isEmpty ? [1] : vulnWeights
        self.flagIDs = flagIDs
    }

    /// The vulnerability (1-based, as checkers number them) a flag goes to, for a random value.
    public func vuln(random: UInt32) -> Int {
        let total = vulnWeights.reduce(0, +)
        guard total > 0 else { return 1 }
        var pick = Int(random % UInt32(total))
        for (index, weight) in vulnWeights.enumerated() {
            if pick < weight { return index + 1 }
            pick -= weight
        }
        return vulnWeights.count
    }
}

/// Service flags as ForcAD makes them: 31 characters of `[A-Z0-9]`, the first the service name's
/// first character, then `=`. Not signed: a flag is looked up where it is stored.
public enum ServiceFlag {
    public static let pattern = "[A-Z0-9]{31}="
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    /// Random bytes one flag takes.
    public static let randomBytes = 60

    /// A flag for service `service` from `randomBytes` random bytes (two per character, so the
    /// choice among 36 characters is as good as even).
    public static func make(service: String, random: [UInt8]) -> String {
        let first = service.uppercased().first.flatMap { alphabet.contains($0) ? $0 : nil } ?? "X"
        var flag = String(first)
        for index in 0..<30 {
            let value = (Int(random[2 * index % random.count]) << 8) | Int(random[(2 * index + 1) % random.count])
            flag.append(alphabet[value % alphabet.count])
        }
        return flag + "="
    }

    /// The id a `put` is given before the checker returns its own: 40 hex digits (ForcAD's `token_hex(20)`).
    public static func initialID(random: [UInt8]) -> String {
        random.prefix(20).map { String(format: "%02x", $0) }.joined()
    }
}

/// What a team loses when a service stays broken: after `after` failing ticks in a row,
///  - `flat`: `penalty` for every `after` failing ticks in a row (Quotient, DWAYNE-INATOR);
///  - `additive`: `penalty` × (failing ticks beyond the threshold + 1) for each further failing tick,
///    so a long outage costs more and more;
///  - `capped`: `penalty` for each failing tick from the threshold on, at most `cap` per outage.
/// An `up` tick ends the outage; `error` (the checker failed) neither extends nor ends it.
public struct SLARule: Equatable, Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        case flat, additive, capped
    }

    public var after: Int
    public var penalty: Int
    public var mode: Mode
    public var cap: Int?

    public init(after: Int, penalty: Int, mode: Mode = .flat, cap: Int? = nil) {
        self.after = after
        self.penalty = penalty
        self.mode = mode
        self.cap = cap
    }
}

/// Where a (team, service) pair stands between ticks: the failing ticks in a row and what the
/// current outage has cost so far.
public struct ServiceTrack: Equatable, Sendable {
    public var streak: Int
    public var outagePenalty: Int

    public init(streak: Int = 0, outagePenalty: Int = 0) {
        self.streak = streak
        self.outagePenalty = outagePenalty
    }
}

extension ServiceSpec {
    /// What one tick's status earns and costs, and the track after it. Ticks must be scored in order.
    public func score(_ status: CheckStatus, after track: ServiceTrack) -> (points: Int, penalty: Int, track: ServiceTrack) {
        let points = Int((Double(self.points) * share(status)).rounded())
        var track = track
        guard status.isTeamFailure else {
            if status == .up { track = ServiceTrack() }
            return (points, 0, track)
        }
        track.streak += 1
        guard let sla, track.streak >= sla.after else { return (points, 0, track) }
        let penalty: Int
        switch sla.mode {
        case .flat: penalty = track.streak % sla.after == 0 ? sla.penalty : 0
        case .additive: penalty = sla.penalty * (track.streak - sla.after + 1)
        case .capped: penalty = max(0, min(sla.penalty, (sla.cap ?? Int.max) - track.outagePenalty))
        }
        track.outagePenalty += penalty
        return (points, penalty, track)
    }
}

/// `{team.number}` and `{team.slug}` in a service address.
public enum AddressTemplate {
    public static let placeholders = ["{team.number}", "{team.slug}"]

    public static func render(_ template: String, number: Int, slug: String) -> String {
        template.replacingOccurrences(of: "{team.number}", with: String(number)).replacingOccurrences(of: "{team.slug}", with: slug)
    }

    /// Placeholders in `template` that are not known, such as `{team.id}` or `{team}`.
    public static func unknownPlaceholders(_ template: String) -> [String] {
        var unknown: [String] = []
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                unknown.append(String(rest[open...]))
                break
            }
            let placeholder = String(rest[open...close])
            if !placeholders.contains(placeholder) { unknown.append(placeholder) }
            rest = rest[rest.index(after: close)...]
        }
        return unknown
    }
}

// MARK: reading and writing

extension ServiceSpec {
    static let keys = ["name", "check", "parameters", "address", "overrides", "points", "timeout", "zone", "credit", "sla", "credentials", "flags"]

    /// Reads one service written as YAML or JSON, or throws every problem with its line.
    public static func read(yaml: String) throws(ExerciseFileError) -> ServiceSpec {
        let root = try YAMLGuard.compose(yaml)
        guard let root else { throw ExerciseFileError(issues: [ExerciseFileIssue(line: 1, field: "", message: "the service is empty")]) }
        let issues = YAMLIssues()
        let spec = read(root, path: "", issues: issues)
        guard issues.list.isEmpty, let spec else { throw ExerciseFileError(issues: issues.list) }
        return spec
    }

    static func read(_ node: Node, path: String, issues: YAMLIssues) -> ServiceSpec? {
        guard let fields = issues.fields(node, at: path) else { return nil }
        fields.rejectUnknown(keys)
        let name = fields.required("name")
        if let name, !Identifier.isValidSlug(name) {
            issues.report(fields.node("name"), fields.field("name"), "must use \(Identifier.slugRule)")
        }
        let check = fields.required("check")
        let address = fields.required("address", maxLength: 300)
        if let address {
            for placeholder in AddressTemplate.unknownPlaceholders(address) {
                issues.report(
                    fields.node("address"), fields.field("address"),
                    "unknown placeholder \(placeholder); use \(AddressTemplate.placeholders.joined(separator: " or "))")
            }
        }
        let parameters = texts(fields, "parameters", maxLength: 10_000)
        let overrides = texts(fields, "overrides", maxLength: 300)
        for slug in overrides.keys where !Identifier.isValidSlug(slug) {
            issues.report(fields.node("overrides"), fields.field("overrides.\(slug)"), "is not a team slug")
        }
        var credit: [CheckStatus: Double] = [:]
        if let creditFields = fields.fields("credit") {
            creditFields.rejectUnknown(CheckStatus.allCases.map(\.rawValue))
            for status in CheckStatus.allCases {
                if let share = creditFields.double(status.rawValue, in: 0...1) { credit[status] = share }
            }
        }
        var sla: SLARule?
        if let slaFields = fields.fields("sla") {
            slaFields.rejectUnknown(["after", "penalty", "mode", "cap"])
            let mode = slaFields.choice("mode") ?? SLARule.Mode.flat
            let after = slaFields.int("after", in: 1...10_000)
            let penalty = slaFields.int("penalty", in: 0...1_000_000)
            let cap = slaFields.int("cap", in: 0...100_000_000)
            if slaFields.node("after") == nil { issues.report(slaFields.node, slaFields.field("after"), "is required") }
            if slaFields.node("penalty") == nil { issues.report(slaFields.node, slaFields.field("penalty"), "is required") }
            if mode == .capped, slaFields.node("cap") == nil { issues.report(slaFields.node, slaFields.field("cap"), "is required in capped mode") }
            if let after, let penalty { sla = SLARule(after: after, penalty: penalty, mode: mode, cap: cap) }
        }
        var credentials: [ServiceCredential] = []
        for item in fields.list("credentials") {
            guard let account = issues.fields(item.node, at: item.path) else { continue }
            account.rejectUnknown(["username", "password"])
            if let username = account.required("username"), let password = account.string("password", maxLength: 1_000) {
                if credentials.contains(where: { $0.username == username }) {
                    issues.report(account.node("username"), account.field("username"), "'\(username)' is listed twice")
                }
                credentials.append(ServiceCredential(username: username, password: password))
            } else if account.node("password") == nil {
                issues.report(account.node, account.field("password"), "is required")
            }
        }
        var flags: FlagRounds?
        if let flagFields = fields.fields("flags") {
            flagFields.rejectUnknown(["lifetime", "vulns", "flag_ids"])
            let mode = flagFields.choice("flag_ids") ?? FlagRounds.IDMode.stdout
            var weights = [1]
            if let raw = flagFields.string("vulns") {
                // ForcAD's `vulns: 1:2` (two places, the second twice as likely) or a count.
                let parts = raw.split(separator: ":", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
                if parts.count == 1, let count = parts[0], (1...100).contains(count) {
                    weights = Array(repeating: 1, count: count)
                } else if parts.count > 1, parts.count <= 100, parts.allSatisfy({ ($0 ?? -1) >= 0 }), parts.reduce(0, { $0 + ($1 ?? 0) }) > 0 {
                    weights = parts.map { $0 ?? 0 }
                } else {
                    issues.report(
                        flagFields.node("vulns"), flagFields.field("vulns"), "expected a count (1–100) or weights such as 1:2")
                }
            }
            flags = FlagRounds(lifetime: flagFields.int("lifetime", in: 1...1_000) ?? FlagRounds.defaultLifetime, vulnWeights: weights, flagIDs: mode)
        }
        guard let name, let check, let address else { return nil }
        return ServiceSpec(
            name: name, check: check, parameters: parameters, address: address, overrides: overrides,
            points: fields.int("points", in: 0...1_000_000) ?? 1, timeout: fields.double("timeout", in: 0.1...600) ?? defaultTimeout,
            zone: fields.string("zone").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 } ?? defaultZone,
            credit: credit, sla: sla, credentials: credentials, flags: flags)
    }

    /// A mapping of texts (numbers and booleans are read as written).
    private static func texts(_ fields: YAMLFields, _ key: String, maxLength: Int) -> [String: String] {
        guard let inner = fields.fields(key) else { return [:] }
        guard inner.order.count <= TextLimit.listItems else {
            fields.issues.report(fields.node(key), fields.field(key), "has \(inner.order.count) entries; at most \(TextLimit.listItems) are allowed")
            return [:]
        }
        var result: [String: String] = [:]
        for name in inner.order {
            if let value = inner.string(name, maxLength: maxLength) { result[name] = value }
        }
        return result
    }

    /// The service as YAML that `read(yaml:)` reads back to an equal value.
    public func yaml() -> String {
        (try? Yams.serialize(node: node(), width: -1, allowUnicode: true)) ?? ""
    }

    /// The same mapping, for the `services:` section of an exercise file.
    public func node() -> Node {
        var pairs: [(Node, Node)] = [
            (Node("name"), text(name)), (Node("check"), Node(check)), (Node("address"), text(address)),
        ]
        if !parameters.isEmpty { pairs.append((Node("parameters"), mapping(parameters))) }
        pairs.append((Node("points"), Node(String(points))))
        if timeout != Self.defaultTimeout { pairs.append((Node("timeout"), Node(Self.number(timeout)))) }
        if zone != Self.defaultZone { pairs.append((Node("zone"), text(zone))) }
        if !credit.isEmpty {
            pairs.append(
                (
                    Node("credit"),
                    Node(CheckStatus.allCases.compactMap { status in credit[status].map { (Node(status.rawValue), Node(Self.number($0))) } })
                ))
        }
        if let sla {
            var rule: [(Node, Node)] = [
                (Node("after"), Node(String(sla.after))), (Node("penalty"), Node(String(sla.penalty))), (Node("mode"), Node(sla.mode.rawValue)),
            ]
            if let cap = sla.cap { rule.append((Node("cap"), Node(String(cap)))) }
            pairs.append((Node("sla"), Node(rule)))
        }
        if !credentials.isEmpty {
            pairs.append(
                (
                    Node("credentials"),
                    Node(credentials.map { Node([(Node("username"), text($0.username)), (Node("password"), text($0.password))]) })
                ))
        }
        if let flags {
            let vulns =
                flags.vulnWeights.allSatisfy { $0 == 1 } ? String(flags.vulnWeights.count) : flags.vulnWeights.map(String.init).joined(separator: ":")
            pairs.append(
                (
                    Node("flags"),
                    Node([
                        (Node("lifetime"), Node(String(flags.lifetime))), (Node("vulns"), Node(vulns, .implicit, .doubleQuoted)),
                        (Node("flag_ids"), Node(flags.flagIDs.rawValue)),
                    ])
                ))
        }
        if !overrides.isEmpty { pairs.append((Node("overrides"), mapping(overrides))) }
        return Node(pairs)
    }

    private func mapping(_ values: [String: String]) -> Node {
        Node(values.keys.sorted().map { (Node($0), text(values[$0]!)) })
    }

    private func text(_ value: String) -> Node {
        Node(value, .implicit, value.contains("\n") ? .literal : .doubleQuoted)
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// Tick numbering on the exercise clock: tick 1 starts when the exercise first runs, tick n after
/// (n − 1) × `length` seconds of running time, so a pause delays every later tick and a restart of
/// the server finds the same numbers.
public struct TickSchedule: Equatable, Sendable {
    public var length: Double

    public init(length: Double) {
        self.length = max(1, length)
    }

    /// The tick under way after `elapsed` seconds of running time.
    public func tick(atElapsed elapsed: Double) -> Int {
        Int((max(0, elapsed) / length).rounded(.down)) + 1
    }

    /// Running time at which tick `number` starts.
    public func start(of number: Int) -> Double {
        Double(max(1, number) - 1) * length
    }
}
