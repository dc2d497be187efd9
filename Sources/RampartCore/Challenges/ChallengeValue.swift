import Foundation

/// How many points a challenge is worth, as CTFd computes it.
///
/// A decaying value depends only on how many teams have solved the challenge, so it is computed from
/// the solve count whenever it is needed and never stored per solve: when a new team solves it, every
/// earlier solver's points follow the new value, exactly as in CTFd.
public enum ChallengeValue: Equatable, Sendable {
    case fixed(Int)
    /// CTFd's dynamic scoring (`CTFd/plugins/dynamic_challenges/decay.py`).
    case decaying(initial: Int, minimum: Int, decay: Double, function: DecayFunction)

    public enum DecayFunction: String, Codable, Sendable, CaseIterable {
        /// `initial − decay·s`: `decay` is the points deducted per solve.
        case linear
        /// CTFd calls it logarithmic; it is a parabola reaching `minimum` after `decay` solves.
        case logarithmic
    }

    /// The value with `solveCount` solves (by visible, non-banned teams).
    public func value(solveCount: Int) -> Int {
        switch self {
        case .fixed(let value):
            return value
        case .decaying(let initial, let minimum, let decay, let function):
            // "We subtract 1 to allow the first solver to get max point value."
            let s = Double(solveCount > 0 ? solveCount - 1 : 0)
            let raw: Double
            switch function {
            case .linear:
                raw = Double(initial) - decay * s
            case .logarithmic:
                // A decay of 0 would divide by zero; CTFd treats it as 1.
                let d = decay == 0 ? 1 : decay
                raw = (Double(minimum - initial) / (d * d)) * (s * s) + Double(initial)
            }
            return max(Int(raw.rounded(.up)), minimum)
        }
    }
}

/// Extra points for the first solvers of a challenge: CTFd's most requested missing feature.
/// `percents[0]` is the first solver's bonus as a percentage of the challenge's current value,
/// `percents[1]` the second's, and so on; later solvers get none.
public struct FirstBloodBonus: Equatable, Sendable {
    public var percents: [Double]

    public init(percents: [Double]) {
        self.percents = percents
    }

    /// The same percentage for each of the first `solvers`.
    public init(percent: Double, solvers: Int) {
        self.percents = Array(repeating: percent, count: max(0, solvers))
    }

    public static let none = FirstBloodBonus(percents: [])

    /// The bonus for the solver in `position` (1 for the first) when the challenge is worth `value`.
    public func bonus(position: Int, value: Int) -> Int {
        guard position >= 1, position <= percents.count else { return 0 }
        return Int((Double(value) * percents[position - 1] / 100).rounded())
    }
}
