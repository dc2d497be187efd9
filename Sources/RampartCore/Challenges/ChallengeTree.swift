import Foundation

/// A folder tree of ctfcli challenges, as organisers keep them: `category/name/challenge.yml` with the
/// challenge's files beside it. Every `challenge.yml` (or `challenge.yaml`) below the root is read; a
/// broken one is reported with its path and lines and does not stop the others.
public struct ChallengeTree: Sendable {
    public struct Entry: Sendable {
        /// The file's path relative to the root, e.g. `forensics/ransom-note/challenge.yml`.
        public var path: String
        /// Absolute folder of the file: attachment paths are relative to it.
        public var folder: URL
        public var challenge: ChallengeSpec
        public var warnings: [ExerciseFileIssue]
    }

    public struct Failure: Sendable, CustomStringConvertible {
        public var path: String
        public var issues: [ExerciseFileIssue]
        public var description: String { issues.map { "\(path): \($0)" }.joined(separator: "\n") }

        public init(path: String, issues: [ExerciseFileIssue]) {
            self.path = path
            self.issues = issues
        }
    }

    public var entries: [Entry] = []
    public var failures: [Failure] = []

    static let fileNames: Set<String> = ["challenge.yml", "challenge.yaml"]

    /// Reads every challenge file below `root`, in path order. Hidden folders (`.git`) are skipped.
    public static func read(root: URL) throws -> ChallengeTree {
        let root = root.resolvingSymlinksInPath().standardizedFileURL
        guard
            let enumerator = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: root.path])
        }
        var files: [URL] = []
        for case let url as URL in enumerator where fileNames.contains(url.lastPathComponent) {
            files.append(url.resolvingSymlinksInPath().standardizedFileURL)
        }
        var tree = ChallengeTree()
        for file in files.sorted(by: { $0.path < $1.path }) {
            let relative = String(file.path.dropFirst(root.path.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            let text: String
            do {
                text = try String(contentsOf: file, encoding: .utf8)
            } catch {
                tree.failures.append(
                    Failure(path: relative, issues: [ExerciseFileIssue(line: nil, field: "", message: "cannot be read as UTF-8 text")]))
                continue
            }
            do {
                let (challenge, warnings) = try ChallengeSpec.read(yaml: text)
                let folder = file.deletingLastPathComponent()
                var missing: [ExerciseFileIssue] = []
                for attachment in challenge.files {
                    let target = folder.appendingPathComponent(attachment).standardizedFileURL
                    // An attachment must stay inside the tree: `../../etc/passwd` is refused.
                    if !target.path.hasPrefix(root.path + "/") {
                        missing.append(ExerciseFileIssue(line: nil, field: "files", message: "'\(attachment)' points outside the challenge tree"))
                    } else if !FileManager.default.fileExists(atPath: target.path) {
                        missing.append(ExerciseFileIssue(line: nil, field: "files", message: "'\(attachment)' does not exist"))
                    }
                }
                if missing.isEmpty {
                    tree.entries.append(Entry(path: relative, folder: folder, challenge: challenge, warnings: warnings))
                } else {
                    tree.failures.append(Failure(path: relative, issues: missing))
                }
            } catch {
                tree.failures.append(Failure(path: relative, issues: error.issues))
            }
        }
        // Names must be unique: ctfcli and Rampart find a challenge again by its name.
        var seen: [String: String] = [:]
        tree.entries.removeAll { entry in
            if let first = seen[entry.challenge.name] {
                tree.failures.append(
                    Failure(
                        path: entry.path,
                        issues: [ExerciseFileIssue(line: nil, field: "name", message: "'\(entry.challenge.name)' is also the name of \(first)")]))
                return true
            }
            seen[entry.challenge.name] = entry.path
            return false
        }
        return tree
    }

    /// Moves to `failures` every challenge whose prerequisites or `next` name a challenge that is
    /// neither in the tree nor in `existing` (the exercise's), and then those that named one of them,
    /// until every reference left resolves: one broken file costs only the challenges that need it.
    public mutating func dropUnresolvedReferences(existing: Set<String>) {
        while true {
            let names = existing.union(entries.map(\.challenge.name))
            var dropped = false
            entries.removeAll { entry in
                let spec = entry.challenge
                let missing = spec.prerequisites.filter { !names.contains($0) } + [spec.next].compactMap { $0 }.filter { !names.contains($0) }
                guard !missing.isEmpty else { return false }
                failures.append(
                    Failure(
                        path: entry.path,
                        issues: missing.map { name in
                            ExerciseFileIssue(
                                line: nil, field: spec.prerequisites.contains(name) ? "requirements" : "next",
                                message: "'\(name)' is neither a readable challenge in this tree nor one of the exercise's")
                        }))
                dropped = true
                return true
            }
            if !dropped { return }
        }
    }
}
