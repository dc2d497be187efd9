import Fluent
import RampartCore
import Vapor

final class Exercise: Model, @unchecked Sendable {
    static let schema = "exercises"

    // managed fields
    @ID(key: .id) var id: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    // data fields
    @Field(key: "slug") var slug: String
    @Field(key: "name") var name: String
    @OptionalField(key: "name_ko") var nameKo: String?
    @Field(key: "description") var description: String
    @Field(key: "time_zone") var timeZone: String
    @OptionalField(key: "starts_at") var startsAt: Date?
    @OptionalField(key: "ends_at") var endsAt: Date?
    @OptionalField(key: "freeze_at") var freezeAt: Date?

    // scoring
    /// First-blood percentages, comma-separated, for challenges that set none.
    @Field(key: "first_blood") var firstBloodText: String
    @Field(key: "attempts_per_minute") var attemptsPerMinute: Int
    @Field(key: "scoring_version") var scoringVersion: Int
    /// Scoreboard and CTFtime feed readable without logging in.
    @Field(key: "public_scoreboard") var publicScoreboard: Bool

    // defence
    @Field(key: "tick_seconds") var tickSeconds: Int
    @Field(key: "jitter_seconds") var jitterSeconds: Int

    // clock fields (RampartCore.ExerciseClock)
    @Field(key: "state") var state: ExerciseState
    @OptionalField(key: "started_at") var startedAt: Date?
    @OptionalField(key: "running_since") var runningSince: Date?
    @Field(key: "accumulated_seconds") var accumulatedSeconds: Double
    @OptionalField(key: "finished_at") var finishedAt: Date?

    // relationships
    @Children(for: \.$exercise) var windows: [ScheduleWindow]

    init() {}

    init(id: UUID? = nil, slug: String, name: String, nameKo: String? = nil, description: String = "", timeZone: String = "UTC") {
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

    var ticks: TickSchedule { TickSchedule(length: Double(tickSeconds)) }

    var firstBlood: FirstBloodBonus {
        get { Self.firstBlood(firstBloodText) }
        set { firstBloodText = Self.firstBloodText(newValue) }
    }

    static func firstBlood(_ text: String) -> FirstBloodBonus {
        FirstBloodBonus(percents: text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) })
    }

    static func firstBloodText(_ bonus: FirstBloodBonus) -> String {
        bonus.percents.map { $0 == $0.rounded() ? String(Int($0)) : String($0) }.joined(separator: ",")
    }

    var clock: ExerciseClock {
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

    var zone: TimeZone { TimeZone.iana(timeZone) ?? .gmt }

    func displayName(_ locale: UILocale) -> String {
        locale == .ko ? (nameKo ?? name) : name
    }
}

/// A stretch of play, usually one day.
final class ScheduleWindow: Model, @unchecked Sendable {
    static let schema = "schedule_windows"

    @ID(key: .id) var id: UUID?
    @Parent(key: "exercise_id") var exercise: Exercise
    @Field(key: "name") var name: String
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "ends_at") var endsAt: Date

    init() {}

    init(exerciseID: UUID, name: String, startsAt: Date, endsAt: Date) {
        self.$exercise.id = exerciseID
        self.name = name
        self.startsAt = startsAt
        self.endsAt = endsAt
    }
}
