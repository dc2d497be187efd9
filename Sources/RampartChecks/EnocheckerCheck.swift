import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Asks a checker that speaks the enochecker HTTP protocol (ENOWARS' EnoEngine; `enochecker3` on PyPI)
/// to check a team's service: `POST {url}/` with a task message, answered with `OK`, `MUMBLE`,
/// `OFFLINE` or `INTERNAL_ERROR` and a message for the team. Parameters: `url` (the checker's base
/// URL, required), `method` (`havoc` by default, `putnoise` or `getnoise`), `variant` (default 0).
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
    }

    public func run(_ target: String, timeout: Duration, context: Check.Context?) async -> CheckResult {
        let start = ContinuousClock.now
        let host = (try? CheckTarget(parsing: target, defaultPort: 1).host) ?? target
        let context = context ?? Check.Context(teamNumber: 0, teamSlug: "try", tick: 0, tickSeconds: 60)
        let task = Task(
            taskID: Int.random(in: 1...Int(Int32.max)), method: method, address: host, teamID: context.teamNumber, teamName: context.teamSlug,
            currentRoundID: context.tick, relatedRoundID: context.tick, flag: nil, variantID: variant, timeout: Int(timeout.inMilliseconds),
            roundLength: context.tickSeconds * 1000,
            taskChainID: "\(method == "havoc" ? "havoc" : "noise")_s0_r\(context.tick)_t\(context.teamNumber)_i\(variant)")
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
        case .timedOut: return CheckResult(.down, "No answer within \(timeout.seconds) s", detail: "\(detail): timeout", latency: latency)
        case .failed(let error): return CheckResult(.error, failed, detail: "\(detail): checker unreachable: \(error)", latency: latency)
        case .finished(let (code, body)):
            guard code == 200, let answer = try? JSONDecoder().decode(Answer.self, from: body) else {
                return CheckResult(.error, failed, detail: "\(detail): HTTP \(code) \(String(buffer: body).prefix(300))", latency: latency)
            }
            let message = answer.message ?? ""
            switch answer.result {
            case "OK": return CheckResult(.up, message.isEmpty ? "OK" : message, detail: "\(detail): OK", latency: latency)
            case "MUMBLE": return CheckResult(.mumble, message, detail: "\(detail): MUMBLE", latency: latency)
            case "OFFLINE": return CheckResult(.down, message, detail: "\(detail): OFFLINE", latency: latency)
            default: return CheckResult(.error, failed, detail: "\(detail): \(answer.result) \(message)", latency: latency)
            }
        }
    }
}
