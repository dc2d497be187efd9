import Foundation
import RampartKernel
import RampartScoring
import Vapor

/// `rampart worker --zone NAME [--zone NAME ...] [--name NAME] [--concurrency N]`: runs checks for
/// the given zones against the shared PostgreSQL database (`DATABASE_URL`), until stopped. Start it
/// on a machine inside the range network the zone's targets are in.
struct WorkerCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "zone", short: "z", help: "Zone(s) to run checks for, comma-separated (services say `zone:`)")
        var zone: String?
        @Option(name: "name", help: "Name shown on the command centre (default: host-pid)")
        var name: String?
        @Option(name: "concurrency", short: "c", help: "Most checks running at once (default 2000)")
        var concurrency: Int?
        init() {}
    }

    var help: String { "Run check jobs of one or more zones (PostgreSQL): rampart worker --zone NAME" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard !app.rampart.isSQLite else {
            throw ConfigurationError(
                "rampart worker needs PostgreSQL (DATABASE_URL): with SQLite the server's own worker runs every check (RAMPART_WORKER_ZONES)")
        }
        let zones = (signature.zone ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !zones.isEmpty else { throw ConfigurationError("name the zone(s) to serve: rampart worker --zone NAME") }
        let concurrency = signature.concurrency ?? CheckWorker.defaultConcurrency
        guard (1...10_000).contains(concurrency) else { throw ConfigurationError("--concurrency must be 1–10000") }
        let worker = CheckWorker(app: app, name: signature.name, zones: zones, concurrency: concurrency)
        context.console.print("rampart worker \(worker.name): zones \(zones.joined(separator: ", ")), up to \(concurrency) checks at once")
        let task = Task { await worker.run() }
        // Stop cleanly on SIGINT/SIGTERM: the leases of running checks lapse and other workers take them.
        let signals = [SIGINT, SIGTERM].map { signal -> any DispatchSourceSignal in
            Foundation.signal(signal, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signal)
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        await task.value
        signals.forEach { $0.cancel() }
        context.console.print("rampart worker \(worker.name) stopped after \(worker.checksDone) checks")
    }
}
