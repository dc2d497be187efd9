/// The kinds of team in an exercise (see the glossary in DESIGN.md).
public enum TeamKind: String, Codable, Sendable, CaseIterable, Comparable {
    /// Exercise control and judges.
    case white
    /// Attackers.
    case red
    /// Defenders.
    case blue
    /// Range operators: see every service's health, never score.
    case green
    /// Observers: read-only.
    case yellow

    public static func < (lhs: TeamKind, rhs: TeamKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Whether members may join with a join code. White team membership grants control of the
    /// exercise, so it is only ever given by someone who already has it.
    public var acceptsJoinCodes: Bool { self != .white }
}
