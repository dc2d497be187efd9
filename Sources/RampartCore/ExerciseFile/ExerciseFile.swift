import Foundation

/// An exercise file: the whole definition of an exercise in one YAML document, applied with
/// `rampart exercise apply` and written by `rampart exercise export`. Reference: docs/exercise-file.md.
///
/// The file's own part, `exercise`, `teams` and `users`, is read by `ExerciseFile+Read.swift` and
/// written by `ExerciseFile+Write.swift`. Every other top-level key is a feature's section
/// (`ExerciseFileSection`: `challenges`, `services`, …), read by the section types the reader is given.
public struct ExerciseFile: Sendable {
    public static let currentVersion = 1
    /// The keys of the file's own part.
    public static let ownKeys = ["rampart", "exercise", "teams", "users"]

    public var exercise: ExerciseSpec
    public var teams: [TeamSpec]
    public var users: [UserSpec]
    /// Features' sections by key; none is empty (`set(_:)`).
    public internal(set) var sections: [String: any ExerciseFileSection] = [:]
    /// Source line of every field that was read, by its path (`teams[2].members[0].user`),
    /// so checks made later, against the database, can still name the line.
    public var lines: [String: Int] = [:]

    public init(exercise: ExerciseSpec, teams: [TeamSpec] = [], users: [UserSpec] = [], sections: [any ExerciseFileSection] = []) {
        self.exercise = exercise
        self.teams = teams
        self.users = users
        for section in sections { set(section) }
    }
}

extension ExerciseFile: Equatable {
    /// Two files are equal when they define the same exercise, wherever their lines were.
    public static func == (lhs: ExerciseFile, rhs: ExerciseFile) -> Bool {
        lhs.exercise == rhs.exercise && lhs.teams == rhs.teams && lhs.users == rhs.users
            && lhs.sections.keys.sorted() == rhs.sections.keys.sorted()
            && lhs.sections.allSatisfy { key, section in rhs.sections[key].map(section.isEqual) ?? false }
    }
}

public struct ExerciseSpec: Equatable, Sendable {
    public var slug: String
    public var name: String
    public var nameKo: String?
    public var description: String
    public var timeZone: String
    public var schedule: ScheduleSpec
    /// First-blood bonus for challenges that set none of their own.
    public var firstBlood: FirstBloodBonus
    /// Incorrect flag submissions a team may make per challenge per minute (CTFd: 10).
    public var attemptsPerMinute: Int
    /// The scoreboard and CTFtime feed can be read without logging in (what CTFtime polls).
    public var publicScoreboard: Bool
    /// Length of a scoring tick in seconds, and the most a check may start after its tick does
    /// (random per check, so teams cannot predict it).
    public var tickSeconds: Int
    public var jitterSeconds: Int

    public static let defaultAttemptsPerMinute = 10
    public static let defaultTickSeconds = 60

    public init(
        slug: String, name: String, nameKo: String? = nil, description: String = "",
        timeZone: String = "UTC", schedule: ScheduleSpec = ScheduleSpec(), firstBlood: FirstBloodBonus = .none,
        attemptsPerMinute: Int = ExerciseSpec.defaultAttemptsPerMinute, publicScoreboard: Bool = false,
        tickSeconds: Int = ExerciseSpec.defaultTickSeconds, jitterSeconds: Int = 0
    ) {
        self.tickSeconds = tickSeconds
        self.jitterSeconds = jitterSeconds
        self.publicScoreboard = publicScoreboard
        self.firstBlood = firstBlood
        self.attemptsPerMinute = attemptsPerMinute
        self.slug = slug
        self.name = name
        self.nameKo = nameKo
        self.description = description
        self.timeZone = timeZone
        self.schedule = schedule
    }
}

public struct ScheduleSpec: Equatable, Sendable {
    public var startsAt: Date?
    public var endsAt: Date?
    /// After this the scoreboard shows everyone but the white team the standings as they were.
    public var freezeAt: Date?
    public var windows: [WindowSpec]

    public init(startsAt: Date? = nil, endsAt: Date? = nil, freezeAt: Date? = nil, windows: [WindowSpec] = []) {
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.freezeAt = freezeAt
        self.windows = windows
    }

    /// Problems with the schedule as a whole; empty when it is coherent.
    public func problems() -> [ScheduleProblem] {
        var problems: [ScheduleProblem] = []
        if let startsAt, let endsAt, endsAt <= startsAt {
            problems.append(.init(field: "ends_at", kind: .endsBeforeStart))
        }
        if let freezeAt {
            if let startsAt, freezeAt < startsAt { problems.append(.init(field: "freeze_at", kind: .freezeBeforeStart)) }
            if let endsAt, freezeAt > endsAt { problems.append(.init(field: "freeze_at", kind: .freezeAfterEnd)) }
        }
        for (index, window) in windows.enumerated() {
            let field = "windows[\(index)]"
            if window.endsAt <= window.startsAt {
                problems.append(.init(field: "\(field).ends_at", kind: .windowEndsBeforeStart))
            }
            if let startsAt, window.startsAt < startsAt {
                problems.append(.init(field: "\(field).starts_at", kind: .windowBeforeExercise))
            }
            if let endsAt, window.endsAt > endsAt {
                problems.append(.init(field: "\(field).ends_at", kind: .windowAfterExercise))
            }
            if index > 0, window.startsAt < windows[index - 1].endsAt {
                problems.append(.init(field: "\(field).starts_at", kind: .windowsOverlap))
            }
        }
        return problems
    }
}

/// One thing wrong with a schedule: which field, and what (the server translates `kind`).
public struct ScheduleProblem: Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case endsBeforeStart, freezeBeforeStart, freezeAfterEnd
        case windowEndsBeforeStart, windowBeforeExercise, windowAfterExercise, windowsOverlap
    }

    public var field: String
    public var kind: Kind

    public var message: String {
        switch kind {
        case .endsBeforeStart, .windowEndsBeforeStart: "must be after starts_at"
        case .freezeBeforeStart: "must not be before starts_at"
        case .freezeAfterEnd: "must not be after ends_at"
        case .windowBeforeExercise: "must not be before the exercise starts_at"
        case .windowAfterExercise: "must not be after the exercise ends_at"
        case .windowsOverlap: "overlaps or precedes the window before it; list windows in time order"
        }
    }
}

/// A stretch of play, usually one day of a multi-day exercise.
public struct WindowSpec: Equatable, Sendable {
    public var name: String
    public var startsAt: Date
    public var endsAt: Date

    public init(name: String, startsAt: Date, endsAt: Date) {
        self.name = name
        self.startsAt = startsAt
        self.endsAt = endsAt
    }
}

public struct TeamSpec: Equatable, Sendable {
    public var slug: String
    public var kind: TeamKind
    public var name: String
    public var nameKo: String?
    public var nation: Nation?
    /// A small positive number, unique in the exercise, used in per-team addresses (`10.{team.number}.1.5`).
    /// Assigned on apply when the file leaves it out.
    public var number: Int?
    public var members: [MemberSpec]

    public init(
        slug: String, kind: TeamKind, name: String, nameKo: String? = nil, nation: Nation? = nil,
        number: Int? = nil, members: [MemberSpec] = []
    ) {
        self.slug = slug
        self.kind = kind
        self.name = name
        self.nameKo = nameKo
        self.nation = nation
        self.number = number
        self.members = members
    }
}

public struct MemberSpec: Equatable, Sendable {
    public var username: String
    /// A white-team member who grades (reports, injects).
    public var judge: Bool

    public init(username: String, judge: Bool = false) {
        self.username = username
        self.judge = judge
    }
}

public struct UserSpec: Equatable, Sendable {
    public var username: String
    public var displayName: String
    public var admin: Bool
    public var locale: UILocale
    public var timeZone: String?

    public init(username: String, displayName: String, admin: Bool = false, locale: UILocale = .en, timeZone: String? = nil) {
        self.username = username
        self.displayName = displayName
        self.admin = admin
        self.locale = locale
        self.timeZone = timeZone
    }
}

/// One thing wrong with an exercise file, located as precisely as the file allows.
public struct ExerciseFileIssue: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int?
    public var column: Int?
    /// The field's path, e.g. `teams[2].nation`.
    public var field: String
    public var message: String

    public init(line: Int?, column: Int? = nil, field: String, message: String) {
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    public var description: String {
        let place = line.map { "line \($0)" + (column.map { ":\($0)" } ?? "") + ": " } ?? ""
        return "\(place)\(field.isEmpty ? "" : field + ": ")\(message)"
    }
}

/// Every problem found in a file; reading does not stop at the first.
public struct ExerciseFileError: Error, Sendable, CustomStringConvertible {
    public var issues: [ExerciseFileIssue]

    public init(issues: [ExerciseFileIssue]) {
        self.issues = issues
    }

    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
