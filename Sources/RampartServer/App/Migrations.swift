import Fluent
import RampartCore
import RampartChallenges
import RampartDefence
import RampartKernel
import RampartScoring

/// Every schema step, in order. Append only: a released migration is never edited; a change is a new one.
enum Migrations {
    static let all: [any Migration] = [
        M001CreateUsers(),
        M002CreateExercises(),
        M003CreateTeamsAndMemberships(),
        M004CreateCredentials(),
        M005CreateAuditRecords(),
        M006CreateChallengesAndScores(),
        M007AddPublicScoreboard(),
        M008CreateDefence(),
        M009CreateServiceFlags(),
        M010ChunkedFiles(),
        M011ChallengeOrigins(),
        M012ScoreFactReferences(),
    ]
}
