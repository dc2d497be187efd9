import Yams

/// The exercise file's `challenges:`, each in ctfcli's `challenge.yml` form; `files` name attachments
/// relative to the file.
public struct ChallengesSection: ExerciseFileSection {
    public static let key = "challenges"
    public static let position = 10
    public var challenges: [ChallengeSpec]

    public init(_ challenges: [ChallengeSpec]) {
        self.challenges = challenges
    }

    public var isEmpty: Bool { challenges.isEmpty }

    public func node() -> Node { Node(challenges.map { $0.node() }) }

    public static func read(_ node: Node, at path: String, _ reading: ExerciseFileReading) -> ChallengesSection {
        let items = reading.items(node, at: path, max: TextLimit.challenges)
        let challenges = items.map { ChallengeSpec.read($0.node, path: $0.path, issues: reading.issues) }
        check(challenges, paths: items.map(\.path), issues: reading.issues)
        return ChallengesSection(challenges.compactMap { $0 })
    }

    /// Names are how challenges find each other (prerequisites, `next`) and how a second apply finds
    /// the challenge it updates, so they must be unique and every reference must resolve.
    private static func check(_ challenges: [ChallengeSpec?], paths: [String], issues: YAMLIssues) {
        var seen: Set<String> = []
        let names = Set(challenges.compactMap { $0?.name })
        for (challenge, path) in zip(challenges, paths) {
            guard let challenge else { continue }
            let line = issues.lines[path + ".name"] ?? issues.lines[path]
            if !seen.insert(challenge.name).inserted {
                issues.report(line: line, path + ".name", "another challenge is called '\(challenge.name)'")
            }
            for missing in challenge.prerequisites where !names.contains(missing) {
                issues.report(line: line, path + ".requirements", "no challenge is called '\(missing)'")
            }
            if let next = challenge.next, !names.contains(next) {
                issues.report(line: line, path + ".next", "no challenge is called '\(next)'")
            }
        }
    }
}

extension ExerciseFile {
    /// Its `challenges:` section's challenges (none when it has none).
    public var challenges: [ChallengeSpec] {
        get { section(ChallengesSection.self)?.challenges ?? [] }
        set { set(ChallengesSection(newValue)) }
    }
}
