import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Asks a checker that speaks the enochecker HTTP protocol (ENOWARS' EnoEngine; `enochecker3` on PyPI)
/// to check a team's service: `POST {url}/` with a task message, answered with `OK`, `MUMBLE`,
/// `OFFLINE` or `INTERNAL_ERROR` and a message for the team. Parameters: `url` (the checker's base
/// URL, required), `method` (`havoc` by default, `putnoise` or `getnoise`), `variant` (default 0).
/// With a service's `flags:` it also runs flag rounds: `putflag` and `getflag` of the new flag,
/// `getflag` of an older one (`round`).
/// A checker that cannot be reached or answers nonsense is `error` — ours, not the team's.
public struct EnocheckerCheck: Sendable {
    public static let type = "enochecker"
    static let methods: Set<String> = ["havoc", "putnoise", "getnoise"]

    let url: String
    let method: String
    let variant: Int

    public init(parameters: [String: String]) throws(CheckConfigurationError) {
        try CheckParameters.allow(parameters, ["url", "method", "variant"])
        guard let url = parameters["url"], let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw CheckConfigurationError("enochecker checks need url: the checker's address, such as http://10.0.0.9:8000")
        }
        self.url = url.hasSuffix("/") ? url : url + "/"
        method = parameters["method"] ?? "havoc"
        guard Self.methods.contains(method) else {
            throw CheckConfigurationError("method must be one of: \(Self.methods.sorted().joined(separator: ", "))")
        }
        guard let variant = Int(parameters["variant"] ?? "0"), (0...1000).contains(variant) else {
            throw CheckConfigurationError("variant must be a number from 0")
        }
        self.variant = variant
    }

    struct Task: Encodable {
        var taskID: Int
        var method: String
        var address: String
        var teamID: Int
        var teamName: String
        var currentRoundID: Int
        var relatedRoundID: Int
        var flag: String?
        var variantID: Int
        var timeout: Int
        var roundLength: Int
        var taskChainID: String

        enum CodingKeys: String, CodingKey {
            case method, address, flag, timeout
            case taskID = "task_id"
            case teamID = "team_id"
            case teamName = "team_name"
            case currentRoundID = "current_round_id"
            case relatedRoundID = "related_round_id"
            case variantID = "variant_id"
            case roundLength = "round_length"
            case taskChainID = "task_chain_id"
        }

        /// Every field is sent, `flag` as null when there is none: the checker's model requires it.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(taskID, forKey: .taskID)
            try container.encode(method, forKey: .method)
            try container.encode(address, forKey: .address)
            try container.encode(teamID, forKey: .teamID)
            try container.encode(teamName, forKey: .teamName)
            try container.encode(currentRoundID, forKey: .currentRoundID)
            try container.encode(relatedRoundID, forKey: .relatedRoundID)
            try container.encode(flag, forKey: .flag)
            try container.encode(variantID, forKey: .variantID)
            try container.encode(timeout, forKey: .timeout)
            try container.encode(roundLength, forKey: .roundLength)
            try container.encode(taskChainID, forKey: .taskChainID)
        }
    }

    struct Answer: Decodable {
        var result: String
        var message: String?
        var attackInfo: String?
    }

    public func run(_ target: String, timeout: Duration, context: Check.Context?) async -> CheckResult {
        await call(method, variant: variant, flag: nil, target: target, timeout: timeout, context: context).result
    }

    /// A flag round: the service's method (the check), `putflag` of the new flag (variant = its
    /// vulnerability − 1; the checker's attack info is the public flag id), `getflag` of it, then
    /// `getflag` of the older flag in the task chain of the tick it was put in.
    public func round(_ target: String, timeout: Duration, context: Check.Context?, round: FlagRound) async -> FlagRound.Outcome {
        var steps = RoundSteps()
        let checked = await call(method, variant: variant, flag: nil, target: target, timeout: timeout, context: context).result
        if let end = steps.note(method, checked, placed: nil) { return end }
        let new = round.new
        let put = await call("putflag", variant: new.vuln - 1, flag: new, target: target, timeout: timeout, context: context)
        if let end = steps.note("putflag", put.result, placed: nil) { return end }
        guard (put.attackInfo?.count ?? 0) <= FlagRound.idLimit else {
            return steps.finish(
                CheckResult(.error, CheckResult.notRun, detail: "putflag returned attack info over \(FlagRound.idLimit) characters"), placed: nil)
        }
        let placed = FlagRound.Placed(privateID: new.id, publicID: put.attackInfo.flatMap { $0.isEmpty ? nil : $0 })
        let got = await call("getflag", variant: new.vuln - 1, flag: new, target: target, timeout: timeout, context: context).result
        if let end = steps.note("getflag", got, placed: placed) { return end }
        if let old = round.old {
            let again = await call("getflag", variant: old.vuln - 1, flag: old, target: target, timeout: timeout, context: context).result
            if let end = steps.note("getflag of tick \(old.tick)'s flag", again, placed: placed) { return end }
        }
        return steps.finish(checked, placed: placed)
    }

    /// One task: `method` with `variant`, about `flag` (put in the flag's tick) when there is one.
    func call(
        _ method: String, variant: Int, flag: PlantedFlag?, target: String, timeout: Duration, context: Check.Context?
    ) async -> (result: CheckResult, attackInfo: String?) {
        let start = ContinuousClock.now
        let host = CheckTarget.host(of: target)
        let context = context ?? Check.Context(teamNumber: 0, teamSlug: "try", tick: 0, tickSeconds: 60)
        let related = flag?.tick ?? context.tick
        let chain = flag != nil ? "flag" : method == "havoc" ? "havoc" : "noise"
        let task = Task(
            taskID: Int.random(in: 1...Int(Int32.max)), method: method, address: host, teamID: context.teamNumber, teamName: context.teamSlug,
            currentRoundID: context.tick, relatedRoundID: related, flag: flag?.flag, variantID: variant, timeout: Int(timeout.inMilliseconds),
            roundLength: context.tickSeconds * 1000, taskChainID: "\(chain)_s0_r\(related)_t\(context.teamNumber)_i\(variant)")
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Connection", value: "close")
        let encoder = JSONEncoder()
        request.body = .bytes(ByteBuffer(data: (try? encoder.encode(task)) ?? Data()))
        let prepared = request
        let outcome = await withDeadline(timeout) { () async throws -> (Int, ByteBuffer) in
            let response = try await HTTPCheck.verifying.execute(prepared, timeout: TimeAmount(timeout + .seconds(1)))
            return (Int(response.status.code), try await response.body.collect(upTo: 1 << 20))
        }
        let latency = ContinuousClock.now - start
        let detail = "enochecker \(method) variant \(variant) at \(url) for \(host)"
        let failed = CheckResult.notRun
        switch outcome {
        case .timedOut: return (CheckResult(.down, "No answer within \(timeout.seconds) s", detail: "\(detail): timeout", latency: latency), nil)
        case .failed(let error): return (CheckResult(.error, failed, detail: "\(detail): checker unreachable: \(error)", latency: latency), nil)
        case .finished(let (code, body)):
            guard code == 200, let answer = try? JSONDecoder().decode(Answer.self, from: body) else {
                return (CheckResult(.error, failed, detail: "\(detail): HTTP \(code) \(String(buffer: body).prefix(300))", latency: latency), nil)
            }
            let message = answer.message ?? ""
            let result: CheckResult
            switch answer.result {
            case "OK": result = CheckResult(.up, message.isEmpty ? "OK" : message, detail: "\(detail): OK", latency: latency)
            case "MUMBLE": result = CheckResult(.mumble, message, detail: "\(detail): MUMBLE", latency: latency)
            case "OFFLINE": result = CheckResult(.down, message, detail: "\(detail): OFFLINE", latency: latency)
            default: result = CheckResult(.error, failed, detail: "\(detail): \(answer.result) \(message)", latency: latency)
            }
            return (result, answer.attackInfo)
        }
    }
}
