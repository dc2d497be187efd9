import Foundation
import Testing

@testable import RampartServer

/// Rules about the source tree itself, so that they survive later edits.
@Suite struct SourceRulesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every Swift file under `Sources/`, by its path from the repository's root.
    static func swiftSources() throws -> [(path: String, text: String)] {
        let sources = root.appendingPathComponent("Sources")
        let enumerator = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var files: [(String, String)] = []
        for case let url as URL in enumerator where url.pathExtension == "swift" {
            files.append((String(url.path.dropFirst(root.path.count + 1)), try String(contentsOf: url, encoding: .utf8)))
        }
        return files
    }

    /// Korean text lives in string catalogues (files named `…Strings.swift`) only: a sentence written
    /// anywhere else is one a translator never sees, and one a feature's catalogue does not carry.
    @Test func koreanAppearsOnlyInStringCatalogues() throws {
        let files = try Self.swiftSources()
        var catalogues = 0
        for (path, text) in files {
            if path.hasSuffix("Strings.swift") {
                catalogues += 1
                continue
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().filter { _, line in
                line.unicodeScalars.contains { (0xAC00...0xD7A3).contains($0.value) || (0x1100...0x11FF).contains($0.value) || (0x3130...0x318F).contains($0.value) }
            }
            #expect(lines.isEmpty, "\(path) has Korean outside a string catalogue, on line(s) \(lines.map { $0.offset + 1 })")
        }
        #expect(files.count > 80 && catalogues >= 7, "\(files.count) sources, \(catalogues) catalogues")
    }

    /// A database remembers the migrations it ran by name, and a migration's default name is its type's
    /// full name, module included: moving one into another target must not make it new (and run again).
    @Test func migrationsKeepTheNamesDatabasesRememberThemBy() {
        let names = Migrations.all.map(\.name)
        #expect(
            names == [
                "RampartServer.M001CreateUsers", "RampartServer.M002CreateExercises", "RampartServer.M003CreateTeamsAndMemberships",
                "RampartServer.M004CreateCredentials", "RampartServer.M005CreateAuditRecords", "RampartServer.M006CreateChallengesAndScores",
                "RampartServer.M007AddPublicScoreboard", "RampartServer.M008CreateDefence", "RampartServer.M009CreateServiceFlags",
                "RampartServer.M010ChunkedFiles", "RampartServer.M011ChallengeOrigins",
            ])
    }
}
