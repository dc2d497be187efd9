import Foundation
import RampartCore

/// A flag planted (or to be planted) in a team's service: the flag, the id its `get` receives, the
/// vulnerability it went to and the tick it belongs to.
public struct PlantedFlag: Sendable, Equatable {
    public var flag: String
    public var id: String
    public var vuln: Int
    public var tick: Int

    public init(flag: String, id: String, vuln: Int, tick: Int) {
        self.flag = flag
        self.id = id
        self.vuln = vuln
        self.tick = tick
    }

    /// Random bytes `make` takes.
    public static let randomBytes = ServiceFlag.randomBytes + 24

    /// A new flag for service `service` in tick `tick`, from `randomBytes` random bytes: the flag, the
    /// id its `put` is given and the vulnerability it goes to.
    public static func make(service: String, _ rule: FlagRounds, tick: Int, random: [UInt8]) -> PlantedFlag {
        let flagBytes = ServiceFlag.randomBytes
        let pick = random[(flagBytes + 20)...].reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
        return PlantedFlag(
            flag: ServiceFlag.make(service: service, random: Array(random[0..<flagBytes])),
            id: ServiceFlag.initialID(random: Array(random[flagBytes..<flagBytes + 20])), vuln: rule.vuln(random: pick), tick: tick)
    }
}

/// One tick's flag work for one team's service, as ForcAD and the HackerDom checksystem run it:
/// after the check, `put` the new flag, `get` it back, then `get` one older flag still alive.
public struct FlagRound: Sendable, Equatable {
    public typealias IDMode = FlagRounds.IDMode
    public var flagIDs: IDMode
    public var new: PlantedFlag
    public var old: PlantedFlag?

    public init(flagIDs: IDMode, new: PlantedFlag, old: PlantedFlag?) {
        self.flagIDs = flagIDs
        self.new = new
        self.old = old
    }

    /// The round a try runs ("Try it now", `rampart check --flags`): a flag made for it, no older one.
    public static func trial(service: String, _ rule: FlagRounds, random: [UInt8]) -> FlagRound {
        FlagRound(flagIDs: rule.flagIDs, new: PlantedFlag.make(service: service, rule, tick: 0, random: random), old: nil)
    }

    /// Most characters kept of a flag id a checker returns; a longer one is the checker's fault.
    public static let idLimit = 4_096

    /// Steps a round takes at most (check, put, get, get of the older flag): each may use the
    /// service's whole timeout.
    public static let steps = 4

    /// What a round found: its verdict (the first step that was not up, as ForcAD decides), and
    /// the new flag's ids when its `put` succeeded.
    public struct Outcome: Sendable, Equatable {
        public var result: CheckResult
        public var placed: Placed?

        public init(result: CheckResult, placed: Placed?) {
            self.result = result
            self.placed = placed
        }
    }

    public struct Placed: Sendable, Equatable {
        /// What later `get`s of this flag receive.
        public var privateID: String
        /// What attackers are shown, if the checker published anything.
        public var publicID: String?

        public init(privateID: String, publicID: String?) {
            self.privateID = privateID
            self.publicID = publicID
        }
    }

    /// The ids a successful `put` handed back, by the service's mode; nil when the checker broke the
    /// protocol (an id too long to keep).
    public func placed(output: String, errors: String) -> Placed? {
        let output = output.trimmingCharacters(in: .whitespacesAndNewlines)
        let errors = errors.trimmingCharacters(in: .whitespacesAndNewlines)
        let placed: Placed
        switch flagIDs {
        case .none:
            placed = Placed(privateID: new.id, publicID: nil)
        case .pfr:
            placed = Placed(privateID: errors.isEmpty ? new.id : errors, publicID: output.isEmpty ? nil : output)
        case .stdout:
            var published: String?
            if output.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
                let value = object["public_flag_id"]
            {
                published =
                    (value as? String)
                    ?? (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])).map {
                        String(decoding: $0, as: UTF8.self)
                    }
            }
            placed = Placed(privateID: output.isEmpty ? new.id : output, publicID: published)
        }
        guard placed.privateID.count <= Self.idLimit, (placed.publicID?.count ?? 0) <= Self.idLimit else { return nil }
        return placed
    }
}

/// Runs the steps of a round in order and stops at the first that is not up; the round's message is
/// that step's (or the check's when all are up), its detail names every step run.
struct RoundSteps {
    private var done: [String] = []
    private let start = ContinuousClock.now

    /// Records a step; returns the round's outcome if this step ends it.
    mutating func note(_ name: String, _ result: CheckResult, placed: FlagRound.Placed?) -> FlagRound.Outcome? {
        done.append("\(name) \(result.status.rawValue)")
        guard result.status != .up else { return nil }
        return finish(result, placed: placed)
    }

    func finish(_ result: CheckResult, placed: FlagRound.Placed?) -> FlagRound.Outcome {
        let detail = done.joined(separator: "; ") + (result.privateDetail.isEmpty ? "" : " — \(result.privateDetail)")
        return FlagRound.Outcome(
            result: CheckResult(result.status, result.publicMessage, detail: detail, latency: ContinuousClock.now - start), placed: placed)
    }
}

extension ExternalChecker {
    /// A round by the HackerDom/ForcAD protocol: `check HOST`, `put HOST ID FLAG VULN`, `get HOST ID
    /// FLAG VULN` for the new flag and then for the older one.
    public func round(host: String, timeout: Duration, round: FlagRound) async -> FlagRound.Outcome {
        var steps = RoundSteps()
        let checked = await run(["check", host], timeout: timeout).result
        if let end = steps.note("check", checked, placed: nil) { return end }
        let new = round.new
        let put = await run(["put", host, new.id, new.flag, String(new.vuln)], timeout: timeout)
        if let end = steps.note("put", put.result, placed: nil) { return end }
        guard let placed = round.placed(output: put.output, errors: put.errors) else {
            let broken = CheckResult(.error, CheckResult.notRun, detail: "put returned a flag id over \(FlagRound.idLimit) characters")
            return steps.finish(broken, placed: nil)
        }
        let got = await run(["get", host, placed.privateID, new.flag, String(new.vuln)], timeout: timeout).result
        if let end = steps.note("get", got, placed: placed) { return end }
        if let old = round.old {
            let again = await run(["get", host, old.id, old.flag, String(old.vuln)], timeout: timeout).result
            if let end = steps.note("get of tick \(old.tick)'s flag", again, placed: placed) { return end }
        }
        return steps.finish(checked, placed: placed)
    }
}
