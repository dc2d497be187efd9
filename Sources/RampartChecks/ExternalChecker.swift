import Foundation
import Subprocess

/// Runs an attack-defence checker unchanged, by the HackerDom/ForcAD exit-code protocol:
/// `checker check HOST`, `checker put HOST FLAG_ID FLAG VULN`, `checker get HOST FLAG_ID FLAG VULN`.
/// Exit 101 is up, 102 corrupt, 103 mumble, 104 down, 110 a checker error; any other exit, a crash or
/// a signal is a checker error, and running past the timeout is down (as ForcAD scores it). Standard
/// output is the public message, standard error the private detail (ForcAD keeps 1,024 characters of
/// each). The checker gets only the environment it is given and runs in a session of its own; on
/// timeout its whole process group gets SIGTERM, then SIGKILL 3 seconds later. At most
/// `ProcessSlots.shared` checkers run at once; the timeout starts when this one does.
public struct ExternalChecker: Sendable {
    public static let type = "external"
    public let path: String
    /// The checker's whole environment (`CheckHost.environment`): nothing of the server's is inherited.
    public let environment: [String: String]

    public init(path: String, environment: [String: String]) throws(CheckConfigurationError) {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CheckConfigurationError("'\(path)' is not an executable file")
        }
        self.path = path
        self.environment = environment
    }

    /// What a checker's exit code means.
    public static func status(exitCode: Int32) -> CheckStatus {
        switch exitCode {
        case 101: .up
        case 102: .corrupt
        case 103: .mumble
        case 104: .down
        default: .error
        }
    }

    /// Most output kept from each stream before it is cut to the message limit.
    static let outputLimit = 1 << 20

    /// `checker check HOST`.
    public func check(host: String, timeout: Duration) async -> CheckResult {
        await run(["check", host], timeout: timeout).result
    }

    /// Runs the checker with `arguments`; also returns its whole standard output and error (a `put`
    /// prints the flag ids later `get`s and attackers need).
    public func run(_ arguments: [String], timeout: Duration) async -> (result: CheckResult, output: String, errors: String) {
        await ProcessSlots.shared.run { await runNow(arguments, timeout: timeout) }
    }

    private func runNow(_ arguments: [String], timeout: Duration) async -> (result: CheckResult, output: String, errors: String) {
        let start = ContinuousClock.now
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(3))]
        let path = self.path
        let platformOptions = options
        let outcome = await withDeadline(timeout) { () async throws -> (TerminationStatus, String, String) in
            let result = try await Subprocess.run(
                .path(.init(path)), arguments: Arguments(arguments), environment: .custom(environment.map { Array("\($0)=\($1)\0".utf8) }),
                platformOptions: platformOptions,
                output: .string(limit: Self.outputLimit), error: .string(limit: Self.outputLimit))
            return (result.terminationStatus, result.standardOutput, result.standardError)
        }
        let latency = ContinuousClock.now - start
        let name = URL(fileURLWithPath: path).lastPathComponent
        switch outcome {
        case .finished(let (termination, output, errors)):
            let trimmedOutput = output.trimmingCharacters(in: .whitespacesAndNewlines)
            let trimmedErrors = errors.trimmingCharacters(in: .whitespacesAndNewlines)
            switch termination {
            case .exited(let code):
                let status = Self.status(exitCode: code)
                let message = status == .error ? CheckResult.notRun : trimmedOutput
                let detail =
                    "\(name) exited \(code)" + (trimmedErrors.isEmpty ? "" : ": \(trimmedErrors)")
                    + (status == .error && !trimmedOutput.isEmpty ? " | stdout: \(trimmedOutput)" : "")
                return (CheckResult(status, message, detail: detail, latency: latency), output, errors)
            case .signaled(let signal):
                return (
                    CheckResult(
                        .error, CheckResult.notRun, detail: "\(name) killed by signal \(signal)", latency: latency),
                    output, errors
                )
            }
        case .timedOut:
            return (
                CheckResult(
                    .down, "No answer within \(timeout.seconds) s", detail: "\(name) ran past the \(timeout.seconds) s timeout and was killed",
                    latency: latency), "", ""
            )
        case .failed(let error):
            return (CheckResult(.error, CheckResult.notRun, detail: "\(name): \(error)", latency: latency), "", "")
        }
    }
}
