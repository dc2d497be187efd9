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
    /// The tree's folder, every link followed: attachments must be inside it.
    public var root = URL(fileURLWithPath: "/")

    static let fileNames: Set<String> = ["challenge.yml", "challenge.yaml"]

    /// Reads every challenge file below `root`, in path order. Hidden folders (`.git`) are skipped, and
    /// so are links to folders; a challenge file or attachment is read only if, every link followed,
    /// it is a regular file inside the tree (`TreeFile`).
    public static func read(root: URL) throws -> ChallengeTree {
        let base = URL(fileURLWithPath: try TreeFile.realRoot(root))
        guard
            let enumerator = FileManager.default.enumerator(
                at: base, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey], options: [.skipsHiddenFiles])
        else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: root.path])
        }
        var files: [String] = []
        for case let url as URL in enumerator {
            let relative = String(url.standardizedFileURL.path.dropFirst(base.path.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            if TreeFile.isLink(url) {
                // A linked folder is not walked (it may be anywhere, or the tree itself).
                if (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true { enumerator.skipDescendants() }
                if !fileNames.contains(url.lastPathComponent) { continue }
            }
            if fileNames.contains(url.lastPathComponent) { files.append(relative) }
        }
        var tree = ChallengeTree()
        tree.root = base
        for relative in files.sorted() {
            let text: String
            let folder: URL
            do {
                let file = try TreeFile.resolve(relative, in: base)
                guard file.size <= ChallengeSpec.maxFileBytes else {
                    throw TreeFile.Refusal(message: "is \(file.size) bytes; a challenge file may have \(ChallengeSpec.maxFileBytes)")
                }
                text = try String(contentsOf: file.url, encoding: .utf8)
                folder = base.appendingPathComponent(relative).deletingLastPathComponent()
            } catch let refusal as TreeFile.Refusal {
                tree.failures.append(Failure(path: relative, issues: [ExerciseFileIssue(line: nil, field: "", message: refusal.message)]))
                continue
            } catch {
                tree.failures.append(
                    Failure(path: relative, issues: [ExerciseFileIssue(line: nil, field: "", message: "cannot be read as UTF-8 text")]))
                continue
            }
            do {
                let (challenge, warnings) = try ChallengeSpec.read(yaml: text)
                var missing: [ExerciseFileIssue] = []
                for attachment in challenge.files {
                    do {
                        _ = try tree.attachment(attachment, of: folder)
                    } catch {
                        missing.append(ExerciseFileIssue(line: nil, field: "files", message: error.message))
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

    /// An attachment a challenge file in `folder` names: inside the tree, links followed (`TreeFile`).
    public func attachment(_ path: String, of folder: URL) throws(TreeFile.Refusal) -> (url: URL, size: Int) {
        let folderPath = String(folder.standardizedFileURL.path.dropFirst(root.path.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return try TreeFile.resolve(folderPath.isEmpty ? path : folderPath + "/" + path, in: root)
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
