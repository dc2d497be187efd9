import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import NIOSSL
import RampartChecks
import RampartChallenges
import RampartDefence
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

/// Sets up an application: database, migrations, middleware, routes and commands.
/// Tests call it with their own configuration (an in-memory SQLite, or a PostgreSQL schema of their own).
public func configure(_ app: Application, _ configuration: RampartConfiguration) async throws {
    app.rampart = configuration
    app.routes.defaultMaxBodySize = ByteCount(value: configuration.maxBodyBytes)
    app.passwords.use(.bcrypt(cost: configuration.bcryptCost))
    app.limiters = Limiters()
    app.credentialCache = CredentialCache()
    app.contextCache = ExerciseContextCache()
    app.features = Features.all
    for feature in app.features { try feature.boot(app) }
    _ = app.exerciseFileSectionStores  // no exercise-file key claimed twice
    await ProcessSlots.shared.setLimit(configuration.checkerProcesses)

    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    ContentConfiguration.global.use(encoder: encoder, for: .json)
    ContentConfiguration.global.use(decoder: apiDecoder, for: .json)

    try await useDatabase(app, configuration.database)

    for migration in Migrations.all { app.migrations.add(migration) }

    // Order: errors outermost so every failure below becomes a clear answer; metrics see final statuses.
    app.middleware = Middlewares()
    app.middleware.use(MetricsMiddleware())
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(RampartErrorMiddleware())
    app.middleware.use(AuthenticationMiddleware())
    // After authentication, so an error page for bad input still knows who is looking.
    app.middleware.use(InputHygieneMiddleware())
    app.middleware.use(CSRF.CookieMiddleware())

    try routes(app)

    app.asyncCommands.use(DemoCommand(), as: "demo")
    app.asyncCommands.use(UserCommands(), as: "user")
    app.asyncCommands.use(ExerciseCommands(), as: "exercise")
    app.asyncCommands.use(AuditCommands(), as: "audit")
    for feature in app.features {
        for (name, command) in feature.commands { app.asyncCommands.use(command, as: name) }
        for handler in feature.lifecycle { app.lifecycle.use(handler) }
    }

    let passwordPool = NIOThreadPool(numberOfThreads: max(1, System.coreCount / 2))
    passwordPool.start()
    app.passwordPool = passwordPool
    app.lifecycle.use(PasswordPoolShutdown())
    let cost = configuration.bcryptCost
    let secret = app.dependencies.token()
    app.placeholderPasswordHash = try await passwordPool.runIfActive { try Bcrypt.hash(secret, cost: cost) }
}

private struct PasswordPoolShutdown: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        try? await application.passwordPool.shutdownGracefully()
    }
}

private func useDatabase(_ app: Application, _ choice: RampartConfiguration.DatabaseChoice) async throws {
    // Waiting for a connection is bounded too (a 503 past it, not a 500): at least 10 s, since new
    // connections are slow to open on a loaded server.
    let poolTimeout = TimeAmount(max(app.rampart.writeWait, .seconds(10)))
    switch choice {
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory, connectionPoolTimeout: poolTimeout), as: .sqlite)
        app.writeGate = WriteGate()
    case .sqlite(let path):
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        app.databases.use(.sqlite(.file(path), connectionPoolTimeout: poolTimeout), as: .sqlite)
        app.writeGate = WriteGate()
        // WAL lets readers go on while one writer writes; it is a property of the file, so once is enough,
        // but running it every start is harmless. `synchronous` stays at SQLite's default, FULL: a commit
        // is on disk before Rampart acknowledges it.
        if let sql = app.db as? any SQLDatabase {
            try await sql.raw("PRAGMA journal_mode=WAL").run()
        }
    case .postgres(let url, let schema):
        var postgres = try SQLPostgresConfiguration(url: url)
        if let schema {
            // Tests: one schema per test on a shared server, created here, dropped by the test helper.
            let admin = try SQLPostgresConfiguration(url: url)
            app.databases.use(.postgres(configuration: admin, maxConnectionsPerEventLoop: 1), as: DatabaseID(string: "admin"), isDefault: false)
            if let sql = app.db(DatabaseID(string: "admin")) as? any SQLDatabase {
                try await sql.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
            }
            postgres.searchPath = [schema]
        }
        // 4 connections per event loop: enough for bursts of writes on a 2–8 core node; PostgreSQL's
        // default limit of 100 then allows about 12 such nodes on 2 cores each.
        app.databases.use(
            .postgres(configuration: postgres, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: poolTimeout), as: .psql, isDefault: true)
    }
}

/// `serve` (also the default command) migrates first when configured to (see RAMPART_AUTO_MIGRATE);
/// `demo` always does. Before the application boots, so the tick loop and the worker it starts never
/// meet a database without its tables.
public func migrateBeforeServing(_ app: Application, arguments: [String]) async throws {
    let command = command(arguments)
    guard command == "demo" || (app.rampart.autoMigrate && command == "serve") else { return }
    try await app.autoMigrate()
}

func routes(_ app: Application) throws {
    Operations.register(app)
    do {  // accounts
        AccountPages.register(app)
        AdminPages.register(app)
        AccountsAPI.register(app)
    }
    do {  // exercises
        ExercisePages.register(app)
        TeamPages.register(app)
        ExercisesAPI.register(app)
        ExerciseFileRoutes.register(app)
    }
    do {  // audit
        AuditPages.register(app)
        AuditAPI.register(app)
    }
    for feature in app.features { try feature.routes(app) }
    CommandCentre.register(app)
}
