import Foundation

/// What one check found, in the attack-defence engines' vocabulary (HackerDom/ForcAD exit codes in
/// brackets): the service works (`up`, 101), works but lost its data (`corrupt`, 102), answers wrongly
/// (`mumble`, 103), does not answer (`down`, 104), or the check itself failed (`error`, 110) — the last
/// is the organisers' problem, never the team's.
public enum CheckStatus: String, Codable, Sendable, CaseIterable {
    case up, corrupt, mumble, down, error

    /// A failure the team is answerable for: counts towards an SLA breach. `error` is ours, not theirs.
    public var isTeamFailure: Bool { self != .up && self != .error }

    /// The status's symbol beside its colour, so that no one has to tell colours apart.
    public var symbol: String {
        switch self {
        case .up: "✓"
        case .down: "✕"
        case .mumble, .corrupt: "!"
        case .error: "?"
        }
    }
}
