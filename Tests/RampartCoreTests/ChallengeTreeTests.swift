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
}
