// swift-tools-version:6.0
import PackageDescription

// Shared by every target so a setting is changed in one place.
var swiftSettings: [SwiftSetting] {
    [
        .enableUpcomingFeature("ExistentialAny"),
        // Release builds let the optimiser see across our own targets (the kernel's generic helpers on
        // every request: writes, caches, limiters), as it did when they were one module.
        .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
    ]
}

/// What a target that serves pages and the API builds on.
var webServer: [Target.Dependency] {
    [
        .product(name: "Vapor", package: "vapor"),
        .product(name: "Fluent", package: "fluent"),
        .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
        .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
        .product(name: "Plot", package: "Plot"),
        .product(name: "Ink", package: "Ink"),
    ]
}

let package = Package(
    name: "Rampart",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rampart", targets: ["rampart"]),
        .library(name: "RampartCore", targets: ["RampartCore"]),
        .library(name: "RampartServer", targets: ["RampartServer"]),
        .library(name: "RampartChecks", targets: ["RampartChecks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/JohnSundell/Plot.git", from: "0.14.0"),
        .package(url: "https://github.com/JohnSundell/Ink.git", from: "0.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssh.git", from: "0.15.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        .target(
            name: "RampartCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            // The MITRE ATT&CK Enterprise list reports are checked against (scripts/attack-techniques.py).
            resources: [.copy("Reports/Resources/attack-enterprise.tsv")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RampartChecks",
            dependencies: [
                "RampartCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // What every feature stands on: configuration, database helpers and the write gate, access and
        // principals, accounts, exercises and teams, the audit trail, web layout, components and strings.
        .target(
            name: "RampartKernel",
            dependencies: [
                "RampartCore",
                "RampartChecks",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ] + webServer,
            swiftSettings: swiftSettings
        ),
        // Score facts and their projection, the scoreboard: fact kinds and prices come from the features.
        .target(
            name: "RampartScoring",
            dependencies: ["RampartCore", "RampartKernel"] + webServer,
            swiftSettings: swiftSettings
        ),
        // Features: each stands on the layers below and never on another feature.
        .target(
            name: "RampartChallenges",
            dependencies: ["RampartCore", "RampartKernel", "RampartScoring"] + webServer,
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RampartDefence",
            dependencies: ["RampartCore", "RampartChecks", "RampartKernel", "RampartScoring"] + webServer,
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RampartReports",
            dependencies: ["RampartCore", "RampartKernel", "RampartScoring"] + webServer,
            swiftSettings: swiftSettings
        ),
        // The assembly: the features plugged in, the exercise file, commands and resources.
        .target(
            name: "RampartServer",
            dependencies: [
                "RampartCore",
                "RampartChecks",
                "RampartKernel",
                "RampartScoring",
                "RampartChallenges",
                "RampartDefence",
                "RampartReports",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ] + webServer,
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "rampart",
            dependencies: ["RampartServer", "RampartKernel"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RampartCoreTests",
            dependencies: ["RampartCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RampartChecksTests",
            dependencies: [
                "RampartChecks", .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RampartServerTests",
            dependencies: [
                "RampartServer",
                "RampartKernel",
                "RampartScoring",
                "RampartChallenges",
                "RampartDefence",
                "RampartReports",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Plot", package: "Plot"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
