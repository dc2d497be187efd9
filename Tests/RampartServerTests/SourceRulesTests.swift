import Foundation
import Testing

@testable import RampartChallenges
@testable import RampartKernel
@testable import RampartScoring
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
                "RampartServer.M010ChunkedFiles", "RampartServer.M011ChallengeOrigins", "RampartScoring.M012ScoreFactReferences",
                "RampartScoring.M013ScoreFactReasonKo", "RampartScoring.M014CreateJudgingClaims", "RampartReports.M015CreateReports", "RampartKernel.M016CreateLiveEvents",
                "RampartKernel.M017CreateAnnouncements",
            ])
    }

    /// Every colour token is a `light-dark()` pair, and the fallback for browsers without `light-dark()`
    /// declares the same values: the light one by default, the dark one under both dark selectors.
    @Test func theColourFallbackMatchesTheLightDarkPairs() throws {
        let css = try String(contentsOf: Self.root.appendingPathComponent("Sources/RampartServer/Resources/static/rampart.css"), encoding: .utf8)
        let pair = try Regex(#"(?m)^\s*(--[a-z0-9-]+):\s*light-dark\(([^,]+),\s*([^)]+)\);"#)
        let pairs = css.matches(of: pair).map { match in
            (String(css[match.output[1].range!]), String(css[match.output[2].range!]), String(css[match.output[3].range!]))
        }
        #expect(pairs.count >= 25)
        let fallback = try #require(css.range(of: "@supports not (color: light-dark(#000, #fff)) {")).upperBound
        let blocks = css[fallback...].components(separatedBy: "{").dropFirst().prefix(4).map { $0.components(separatedBy: "}")[0] }
        // :root { light } · @media (…) { · :root:not([data-theme=light]) { dark } · :root[data-theme=dark] { dark }
        #expect(blocks.count == 4)
        for (name, light, dark) in pairs {
            #expect(blocks[0].contains("\(name): \(light);"), "\(name) light")
            #expect(blocks[2].contains("\(name): \(dark);") && blocks[3].contains("\(name): \(dark);"), "\(name) dark")
        }
    }

    /// The audit trail names each action in the reader's language: every action the sources record
    /// (`action: "team.create"`, and the create/update pairs written with an interpolation) has a name
    /// in the kernel's catalogue or its feature's `auditActions`.
    @Test func everyAuditActionHasAName() throws {
        let named = Phrase.kernelAuditActions.merging(Features.all.flatMap(\.auditActions)) { kernel, _ in kernel }
        let literal = try Regex(#"action: "([a-z_]+(?:\.[a-z_]+)+)""#)
        let paired = try Regex(#"action: "([a-z_]+)\.\\\(outcome == \.created"#)
        var recorded: Set<String> = []
        for (_, text) in try Self.swiftSources() {
            for match in text.matches(of: literal) { recorded.insert(String(text[match.output[1].range!])) }
            for match in text.matches(of: paired) {
                let noun = String(text[match.output[1].range!])
                recorded.formUnion([noun + ".create", noun + ".update"])
            }
        }
        #expect(recorded.count >= 30, "\(recorded.sorted())")
        #expect(recorded.subtracting(named.keys).sorted() == [], "actions recorded without a name on the trail")
        for (action, phrase) in named { #expect(!phrase.ko.isEmpty && phrase.ko != phrase.en, "\(action)") }
    }

    /// Plot writes attribute values as given; `HTMLEscaping` re-declares its string-taking functions
    /// with escaping ones, and a module's own declarations win over imported ones only inside that
    /// module. So every target that builds HTML compiles the kernel's one escaping file (a link to it,
    /// not a copy); a target without it would write user data into attributes unescaped.
    @Test func everyTargetThatBuildsHTMLCompilesTheOneEscapingFile() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let kernelFile = sources.appendingPathComponent("RampartKernel/Web/HTMLEscaping.swift").resolvingSymlinksInPath()
        let files = try Self.swiftSources()
        let targets = Set(files.map { $0.path.split(separator: "/")[1] })
        var htmlTargets = 0
        for target in targets.sorted() {
            let buildsHTML = files.contains { $0.path.hasPrefix("Sources/\(target)/") && $0.text.contains("import Plot") }
            guard buildsHTML else { continue }
            htmlTargets += 1
            let escaping = sources.appendingPathComponent("\(target)/Web/HTMLEscaping.swift")
            #expect(FileManager.default.fileExists(atPath: escaping.path), "\(target) imports Plot but does not compile Web/HTMLEscaping.swift")
            #expect(escaping.resolvingSymlinksInPath() == kernelFile, "\(target)/Web/HTMLEscaping.swift must be a link to the kernel's")
        }
        #expect(htmlTargets >= 2)
    }

    /// The arrows between targets, from `Package.swift` itself so the rule survives later edits: each
    /// target depends only on lower layers, and a feature never on another feature (what two features
    /// share moves down). A new target is a feature unless it is named here.
    static let layers: [String: Int] = [
        "RampartCore": 0, "RampartChecks": 1, "RampartKernel": 2,
        // Between the kernel and the features: what features score with (and Live, when it is its own).
        "RampartScoring": 3,
        "RampartServer": 5, "rampart": 6,
    ]
    static let featureLayer = 4

    /// Each target's name and the targets (not products) it depends on, read from the manifest.
    static func targets(inManifest manifest: String) throws -> [(name: String, test: Bool, dependencies: [String])] {
        let start = try NSRegularExpression(pattern: #"\.(target|executableTarget|testTarget)\(\s*name:\s*"(\w+)""#)
        let matches = start.matches(in: manifest, range: NSRange(manifest.startIndex..., in: manifest))
        let text = manifest as NSString
        var targets: [(name: String, test: Bool, dependencies: [String])] = []
        for (index, match) in matches.enumerated() {
            let kind = text.substring(with: match.range(at: 1))
            let name = text.substring(with: match.range(at: 2))
            let end = index + 1 < matches.count ? matches[index + 1].range.location : text.length
            var body = text.substring(with: NSRange(location: match.range.location, length: end - match.range.location))
            // Products (`.product(name: …, package: …)`) are other packages, not our targets.
            body = body.replacingOccurrences(of: #"\.product\([^)]*\)"#, with: "", options: .regularExpression)
            var dependencies: [String] = []
            if let list = body.components(separatedBy: "dependencies:").dropFirst().first {
                let inside = list.components(separatedBy: "]").first ?? ""
                dependencies = inside.matches(of: /"(\w+)"/).map { String($0.1) }
            }
            targets.append((name, kind == "testTarget", dependencies))
        }
        return targets
    }

    static func violations(_ targets: [(name: String, test: Bool, dependencies: [String])]) -> [String] {
        var found: [String] = []
        for target in targets where !target.test {
            let layer = layers[target.name] ?? featureLayer
            for dependency in target.dependencies {
                let lower = layers[dependency] ?? featureLayer
                if lower >= layer {
                    found.append(
                        layer == featureLayer && lower == featureLayer
                            ? "feature \(target.name) depends on feature \(dependency)"
                            : "\(target.name) depends on \(dependency), which is not below it")
                }
            }
        }
        return found
    }

    @Test func targetsDependOnlyOnLowerLayersAndNoFeatureOnAnother() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let targets = try Self.targets(inManifest: manifest)
        #expect(Set(targets.map(\.name)).isSuperset(of: ["RampartCore", "RampartKernel", "RampartServer", "rampart"]))
        #expect(targets.first { $0.name == "RampartServer" }?.dependencies.contains("RampartKernel") == true)
        #expect(Self.violations(targets).isEmpty, "\(Self.violations(targets))")
        // The rule itself: a feature that uses another, or the kernel reaching up, is caught.
        let broken = """
            .target(name: "Reports", dependencies: ["RampartKernel", "Injects", .product(name: "Vapor", package: "vapor")]),
            .target(name: "Injects", dependencies: ["RampartKernel"]),
            .target(name: "RampartKernel", dependencies: ["RampartCore", "Reports"]),
            """
        #expect(
            Self.violations(try Self.targets(inManifest: broken)) == [
                "feature Reports depends on feature Injects", "RampartKernel depends on Reports, which is not below it",
            ])
    }

    /// Every feature target (and Scoring) plugs in through one `Feature`, and the assembly lists it: a
    /// feature target whose routes, migrations and commands no one registers cannot slip in unnoticed.
    @Test func everyFeatureTargetIsPluggedIntoTheAssembly() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let pluggable = try Self.targets(inManifest: manifest).filter { !$0.test && (Self.layers[$0.name] ?? Self.featureLayer) >= 3 && $0.name != "RampartServer" && $0.name != "rampart" }
        #expect(pluggable.count >= 3)
        let files = try Self.swiftSources()
        let listed = Set(Features.all.map { String(reflecting: type(of: $0)) })
        for target in pluggable {
            let declared = files.filter { $0.path.hasPrefix("Sources/\(target.name)/") }.flatMap { file in
                file.text.matches(of: /package struct (\w+): (?:Scored)?Feature \{/).map { "\(target.name).\($0.1)" }
            }
            #expect(declared.count == 1, "\(target.name) declares \(declared) as its Feature; it needs exactly one")
            for name in declared { #expect(listed.contains(name), "\(name) is not in Features.all") }
        }
    }

    /// Schema steps run in the order of their numbers across the kernel and features, whatever order
    /// the assembly lists features in.
    @Test func migrationsRunByTheirNumbersWhateverTheFeaturesOrder() {
        #expect(MigrationOrder.number(M012ScoreFactReferences()) == 12)
        #expect(MigrationOrder.number(M006CreateChallengesAndScores()) == 6)
        let shuffled = MigrationOrder.sorted(Features.all.reversed().flatMap(\.migrations) + Migrations.kernel.reversed())
        #expect(shuffled.map(\.name) == Migrations.all.map(\.name))
        #expect(Migrations.all.compactMap(MigrationOrder.number) == Array(1...17))
    }
}
