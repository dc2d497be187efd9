import Fluent
import RampartChallenges
import RampartDefence
import RampartKernel
import RampartReports
import RampartScoring

/// The features this server is assembled from, each named once. A new feature is a new target and a
/// line here; `configure` asks each for its migrations, routes, commands, background work, navigation
/// and (through Scoring) fact kinds and prices.
enum Features {
    static let all: [any Feature] = [
        ScoringFeature(),
        ChallengesFeature(),
        DefenceFeature(),
        ReportsFeature(),
        LiveFeature(),
    ]
}

/// Every schema step: the kernel's, then each feature's, run in the order of their numbers.
/// Append only: a released migration is never edited; a change is a new one with the next number.
enum Migrations {
    static let kernel: [any Migration] = [
        M001CreateUsers(),
        M002CreateExercises(),
        M003CreateTeamsAndMemberships(),
        M004CreateCredentials(),
        M005CreateAuditRecords(),
    ]

    static let all: [any Migration] = MigrationOrder.sorted(kernel + Features.all.flatMap(\.migrations))
}
