import Yams

/// A top-level section of an exercise file that belongs to one feature: `challenges` and `services`
/// today, `red_team`, `injects` or `announcements` later. `ExerciseFile` reads and writes its own part
/// (the exercise, its teams and users); every other section is read, written and compared by its own
/// type, which the server's feature registers at boot together with how the section is applied and
/// exported (`ExerciseFileSectionStore`), so a new section needs no edit here or in the file's reader.
public protocol ExerciseFileSection: Sendable, Equatable {
    /// Its top-level key.
    static var key: String { get }
    /// Where it is written, after `users`: lower first.
    static var position: Int { get }
    /// Reads the section from its node; every problem goes to `reading` with its line.
    static func read(_ node: Node, at path: String, _ reading: ExerciseFileReading) -> Self
    /// Nothing to write: an empty section is left out of the file and equals a missing one.
    var isEmpty: Bool { get }
    /// The section as YAML that `read` reads back to an equal value.
    func node() -> Node
}

extension ExerciseFileSection {
    func isEqual(to other: any ExerciseFileSection) -> Bool {
        (other as? Self) == self
    }

    /// `read` at the section's own key, for a type known only as `any ExerciseFileSection.Type`.
    static func erasedRead(_ node: Node, _ reading: ExerciseFileReading) -> any ExerciseFileSection {
        read(node, at: key, reading)
    }
}

/// What a section's reader is given: where its problems go, and the file's teams, for sections that
/// name teams.
public struct ExerciseFileReading {
    let issues: YAMLIssues
    /// The file's teams in the order listed, nil for one that could not be read.
    public let teams: [TeamSpec?]

    /// The items of a list node, at most `max` (more is reported, and none is read).
    func items(_ node: Node, at path: String, max: Int) -> [(node: Node, path: String)] {
        let items = issues.items(node, at: path)
        guard items.count <= max else {
            issues.report(node, path, "has \(items.count) items; at most \(max) are allowed")
            return []
        }
        return items
    }
}

extension ExerciseFile {
    /// The section of type `S`, when the file has it.
    public func section<S: ExerciseFileSection>(_ type: S.Type) -> S? {
        sections[S.key] as? S
    }

    /// Sets (or, when empty, removes) a section.
    public mutating func set(_ section: some ExerciseFileSection) {
        let key = type(of: section).key
        sections[key] = section.isEmpty ? nil : section
    }
}
