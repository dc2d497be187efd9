import RampartKernel
import RampartScoring
import Vapor

/// Starts the tick loop, the in-process check worker and the sweep of unlinked file chunks when this
/// process serves (`serve`, the default command, or `demo`), and stops them at shutdown. Commands such as `exercise apply` or
/// `worker` never start them; tests drive `Ticks.step` and `CheckWorker.runDue` themselves.
package struct DefenceBackground: LifecycleHandler {
    package init() {}

    package static let stepInterval: Duration = .milliseconds(250)

    package func didBootAsync(_ application: Application) async throws {
        guard application.rampart.backgroundWork, ["serve", "demo"].contains(command(application.environment.arguments)) else { return }
        Self.start(application)
    }

    package static func start(_ app: Application) {
        let scheduler = Task {
            while !Task.isCancelled {
                do {
                    try await Ticks.step(app: app, now: app.dependencies.now())
                } catch {
                    app.logger.warning("tick step failed: \(error)")
                }
                try? await Task.sleep(for: stepInterval)
            }
        }
        // Stored chunks nothing links to (an upload cut off) go within the hour.
        let sweeper = Task {
            while !Task.isCancelled {
                do {
                    try await Blobs.sweep(app: app)
                } catch {
                    app.logger.warning("removing unlinked file chunks failed: \(error)")
                }
                try? await Task.sleep(for: .seconds(600))
            }
        }
        var tasks = [scheduler, sweeper]
        let zones = app.rampart.workerZones
        if !zones.isEmpty {
            let worker = CheckWorker(
                app: app, name: "\(ProcessInfo.processInfo.hostName)-server-\(ProcessInfo.processInfo.processIdentifier)", zones: zones)
            tasks.append(Task { await worker.run() })
        }
        app.defence.background.withLockedValue { $0 += tasks }
    }

    package func shutdownAsync(_ application: Application) async {
        let tasks = application.defence.background.withLockedValue { list -> [Task<Void, Never>] in
            defer { list.removeAll() }
            return list
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        await application.demoTargets?.stop()
    }
}
