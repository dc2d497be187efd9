import Foundation
import Testing

@testable import RampartCore

@Suite struct ChallengeTreeTests {
    func write(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-tree-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func readsEveryChallengeAndReportsBrokenOnesWithoutStopping() throws {
        // setup
        let root = try write([
            "forensics/ransom/challenge.yml": "name: Ransom\ncategory: forensics\nvalue: 100\nflags: [x]\nfiles: [dist/note.txt]\n",
            "forensics/ransom/dist/note.txt": "pay up",
            "crypto/wallet/challenge.yaml": "name: Wallet\ncategory: crypto\nvalue: 200\nflags: [y]\nimage: .\n",
            "web/broken/challenge.yml": "name: Broken\ncategory: web\nflags: [z]\n",
            "web/escape/challenge.yml": "name: Escape\ncategory: web\nvalue: 1\nflags: [z]\nfiles: [../../../../etc/passwd]\n",
            "web/twin/challenge.yml": "name: Ransom\ncategory: web\nvalue: 1\nflags: [z]\n",
            ".git/challenge.yml": "not: [a challenge",
            "misc/notes.yml": "name: not a challenge file",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        // act
        let tree = try ChallengeTree.read(root: root)
        // check
        #expect(tree.entries.map(\.path) == ["crypto/wallet/challenge.yaml", "forensics/ransom/challenge.yml"])
        #expect(tree.entries[0].warnings.map(\.field) == ["image"])
        let failures = Dictionary(uniqueKeysWithValues: tree.failures.map { ($0.path, $0) })
        #expect(failures["web/broken/challenge.yml"]?.issues.first?.field == "value")
        #expect(failures["web/broken/challenge.yml"]?.description.contains("web/broken/challenge.yml: line") == true)
        #expect(failures["web/escape/challenge.yml"]?.issues.first?.message.contains("outside") == true)
        #expect(failures["web/twin/challenge.yml"]?.issues.first?.field == "name")
        #expect(tree.failures.count == 3)
    }

    @Test func aChallengeNeedingAnUnreadableOneIsDroppedAndSoOnDownTheChain() throws {
        // setup: C needs B needs the broken A; D needs one the exercise has, but its next E points
        // nowhere; F stands alone
        let root = try write([
            "a/challenge.yml": "name: A\ncategory: x\nvalue: [\n",
            "b/challenge.yml": "name: B\ncategory: x\nvalue: 1\nflags: [b]\nrequirements: [A]\n",
            "c/challenge.yml": "name: C\ncategory: x\nvalue: 1\nflags: [c]\nrequirements: [B]\n",
            "d/challenge.yml": "name: D\ncategory: x\nvalue: 1\nflags: [d]\nrequirements: [Old]\nnext: E\n",
            "e/challenge.yml": "name: E\ncategory: x\nvalue: 1\nflags: [e]\nnext: Gone\n",
            "f/challenge.yml": "name: F\ncategory: x\nvalue: 1\nflags: [f]\nrequirements: [Old]\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        var tree = try ChallengeTree.read(root: root)
        // act
        tree.dropUnresolvedReferences(existing: ["Old"])
        // check
        #expect(tree.entries.map(\.challenge.name) == ["F"])
        let failures = Dictionary(uniqueKeysWithValues: tree.failures.map { ($0.path, $0.issues.map(\.field)) })
        #expect(failures.keys.sorted() == ["a", "b", "c", "d", "e"].map { "\($0)/challenge.yml" })
        #expect(failures["b/challenge.yml"] == ["requirements"] && failures["c/challenge.yml"] == ["requirements"])
        #expect(failures["d/challenge.yml"] == ["next"] && failures["e/challenge.yml"] == ["next"])
    }

    @Test func linksOutOfTheTreeAreNotFollowed() throws {
        // setup: a repository whose attachments link to the server's files, a linked challenge file,
        // a link to a device and a folder linked to the root of the machine
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-outside-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try "name: Outside\ncategory: x\nvalue: 1\nflags: [o]\n".write(
            to: outside.appendingPathComponent("challenge.yml"), atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: outside) }
        let root = try write([
            "web/notes/challenge.yml": "name: Notes\ncategory: web\nvalue: 1\nflags: [n]\nfiles: [notes.txt]\n",
            "web/zero/challenge.yml": "name: Zero\ncategory: web\nvalue: 1\nflags: [z]\nfiles: [zero.bin]\n",
            "web/inside/challenge.yml": "name: Inside\ncategory: web\nvalue: 1\nflags: [i]\nfiles: [copy.txt]\n",
            "web/inside/real.txt": "fine",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let links = [
            ("web/notes/notes.txt", "/etc/passwd"), ("web/zero/zero.bin", "/dev/zero"), ("web/inside/copy.txt", "real.txt"),
            ("linked/challenge.yml", outside.appendingPathComponent("challenge.yml").path), ("everything", "/"),
        ]
        for (path, destination) in links {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: destination)
        }
        // act
        let tree = try ChallengeTree.read(root: root)
        // check: only the link that stays inside is followed; the linked root is not walked
        #expect(tree.entries.map(\.challenge.name) == ["Inside"])
        let failures = Dictionary(uniqueKeysWithValues: tree.failures.map { ($0.path, $0.issues.first?.message ?? "") })
        #expect(failures["web/notes/challenge.yml"]?.contains("outside") == true, "\(failures)")
        #expect(failures["web/zero/challenge.yml"]?.contains("outside") == true)
        #expect(failures["linked/challenge.yml"]?.contains("outside") == true)
        #expect(tree.failures.count == 3)
        #expect(try tree.attachment("copy.txt", of: root.appendingPathComponent("web/inside")).size == 4)
        #expect(throws: TreeFile.Refusal.self) { try tree.attachment("../../../etc/passwd", of: root.appendingPathComponent("web/inside")) }
        #expect(throws: TreeFile.Refusal.self) { try TreeFile.resolve("/etc/passwd", in: root) }
    }
}
