import Logging
import RampartKernel
import RampartServer
import Vapor

// The executable only hands over to RampartServer; everything else lives there.
var environment = try Environment.detect()
let configuration: RampartConfiguration
do {
    configuration = try RampartConfiguration.fromEnvironment()
} catch {
    FileHandle.standardError.write(Data("rampart: \(error)\n".utf8))
    exit(2)
}
try RampartLogging.bootstrap(from: &environment, format: configuration.logFormat)

let app = try await Application.make(environment)
do {
    try await configure(app, configuration)
    try await migrateBeforeServing(app, arguments: environment.arguments)
} catch {
    app.logger.report(error: error)
    try? await app.asyncShutdown()
    exit(1)
}
do {
    try await app.execute()  // reports a command's error itself
} catch {
    try? await app.asyncShutdown()
    exit(1)
}
try await app.asyncShutdown()
