import Foundation

/// The life of an exercise: `draft → running ⇄ paused → finished`.
public enum ExerciseState: String, Codable, Sendable, CaseIterable {
    case draft
    case running
    case paused
    case finished

    /// The states this one may move to. Finished is final: a finished exercise is reopened by
    /// creating a new one, so its facts and audit trail stay as they were judged.
    public var successors: Set<ExerciseState> {
        switch self {
        case .draft: [.running]
        case .running: [.paused, .finished]
        case .paused: [.running, .finished]
        case .finished: []
        }
    }

    public func canMove(to next: ExerciseState) -> Bool {
        successors.contains(next)
    }
}

public struct InvalidStateTransition: Error, Equatable, Sendable, CustomStringConvertible {
    public let from: ExerciseState
    public let to: ExerciseState

    public var description: String {
        "an exercise cannot go from \(from.rawValue) to \(to.rawValue)"
    }
}

/// The exercise clock: how long the exercise has actually been running, pauses excluded.
///
/// Ticks, inject release times and deadlines count in *exercise time* so that a pause freezes them;
/// this type is the one place that arithmetic lives. It is a value: the server stores its fields
/// and rebuilds it, so every node derives the same clock from the database.
public struct ExerciseClock: Equatable, Sendable, Codable {
    public private(set) var state: ExerciseState
    /// When the exercise first started running.
    public private(set) var startedAt: Date?
    /// When the current running stretch began; nil unless running.
    public private(set) var runningSince: Date?
    /// Running time accumulated by stretches that have ended.
    public private(set) var accumulatedSeconds: Double
    public private(set) var finishedAt: Date?

    public init(
        state: ExerciseState = .draft,
        startedAt: Date? = nil,
        runningSince: Date? = nil,
        accumulatedSeconds: Double = 0,
        finishedAt: Date? = nil
    ) {
        self.state = state
        self.startedAt = startedAt
        self.runningSince = runningSince
        self.accumulatedSeconds = accumulatedSeconds
        self.finishedAt = finishedAt
    }

    /// Seconds of running time at `now`, pauses excluded. Never negative, never decreasing.
    public func elapsed(at now: Date) -> Double {
        guard let runningSince, state == .running else { return accumulatedSeconds }
        return accumulatedSeconds + max(0, now.timeIntervalSince(runningSince))
    }

    public var isRunning: Bool { state == .running }

    /// Moves the clock to `next` at `now`, or throws if the state machine forbids it.
    public mutating func move(to next: ExerciseState, at now: Date) throws {
        guard state.canMove(to: next) else { throw InvalidStateTransition(from: state, to: next) }
        // Close the running stretch before leaving `running`.
        if state == .running {
            accumulatedSeconds = elapsed(at: now)
            runningSince = nil
        }
        switch next {
        case .running:
            if startedAt == nil { startedAt = now }
            runningSince = now
        case .finished:
            finishedAt = now
        case .paused, .draft:
            break
        }
        state = next
    }
}
