import Fluent
import RampartCore
import Vapor

package final class Exercise: Model, @unchecked Sendable {
    package static let schema = "exercises"

    // managed fields
    @ID(key: .id) package var id: UUID?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) package var updatedAt: Date?

    // data fields
    @Field(key: "slug") package var slug: String
    @Field(key: "name") package var name: String
    @OptionalField(key: "name_ko") package var nameKo: String?
    @Field(key: "description") package var description: String
    @Field(key: "time_zone") package var timeZone: String
    @OptionalField(key: "starts_at") package var startsAt: Date?
    @OptionalField(key: "ends_at") package var endsAt: Date?
    @OptionalField(key: "freeze_at") package var freezeAt: Date?

    // scoring
    /// First-blood percentages, comma-separated, for challenges that set none.
    @Field(key: "first_blood") package var firstBloodText: String
    @Field(key: "attempts_per_minute") package var attemptsPerMinute: Int
    @Field(key: "scoring_version") package var scoringVersion: Int
    /// Scoreboard and CTFtime feed readable without logging in.
    @Field(key: "public_scoreboard") package var publicScoreboard: Bool

    // defence
    @Field(key: "tick_seconds") package var tickSeconds: Int
    @Field(key: "jitter_seconds") package var jitterSeconds: Int

    // clock fields (RampartCore.ExerciseClock)
    @Field(key: "state") package var state: ExerciseState
    @OptionalField(key: "started_at") package var startedAt: Date?
    @OptionalField(key: "running_since") package var runningSince: Date?
    @Field(key: "accumulated_seconds") package var accumulatedSeconds: Double
    @OptionalField(key: "finished_at") package var finishedAt: Date?

    // relationships
    @Children(for: \.$exercise) package var windows: [ScheduleWindow]

    package init() {}

    package init(id: UUID? = nil, slug: String, name: String, nameKo: String? = nil, description: String = "", timeZone: String = "UTC") {
        self.id = id
        self.slug = slug
        self.name = name
        self.nameKo = nameKo
        self.description = description
        self.timeZone = timeZone
        self.state = .draft
        self.accumulatedSeconds = 0
        self.firstBloodText = ""
        self.attemptsPerMinute = ExerciseSpec.defaultAttemptsPerMinute
        self.scoringVersion = 0
        self.publicScoreboard = false
        self.tickSeconds = ExerciseSpec.defaultTickSeconds
        self.jitterSeconds = 0
    }

    package var ticks: TickSchedule { TickSchedule(length: Double(tickSeconds)) }

    package var firstBlood: FirstBloodBonus {
        get { Self.firstBlood(firstBloodText) }
        set { firstBloodText = Self.firstBloodText(newValue) }
    }

    package static func firstBlood(_ text: String) -> FirstBloodBonus {
        FirstBloodBonus(percents: text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) })
    }

    package static func firstBloodText(_ bonus: FirstBloodBonus) -> String {
        bonus.percents.map { $0 == $0.rounded() ? String(Int($0)) : String($0) }.joined(separator: ",")
    }

    package var clock: ExerciseClock {
        get {
            ExerciseClock(
                state: state, startedAt: startedAt, runningSince: runningSince, accumulatedSeconds: accumulatedSeconds, finishedAt: finishedAt)
        }
        set {
            state = newValue.state
            startedAt = newValue.startedAt
            runningSince = newValue.runningSince
            accumulatedSeconds = newValue.accumulatedSeconds
            finishedAt = newValue.finishedAt
        }
    }

    package var zone: TimeZone { TimeZone.iana(timeZone) ?? .gmt }

    package func displayName(_ locale: UILocale) -> String {
        locale == .ko ? (nameKo ?? name) : name
    }
}

/// A stretch of play, usually one day.
package final class ScheduleWindow: Model, @unchecked Sendable {
    package static let schema = "schedule_windows"

    @ID(key: .id) package var id: UUID?
    @Parent(key: "exercise_id") package var exercise: Exercise
    @Field(key: "name") package var name: String
    @Field(key: "starts_at") package var startsAt: Date
    @Field(key: "ends_at") package var endsAt: Date

    package init() {}

    package init(exerciseID: UUID, name: String, startsAt: Date, endsAt: Date) {
        self.$exercise.id = exerciseID
        self.name = name
        self.startsAt = startsAt
        self.endsAt = endsAt
    }
}
