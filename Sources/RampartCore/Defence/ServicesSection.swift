import Yams

/// The exercise file's `services:`, checked every tick (docs/checks.md).
public struct ServicesSection: ExerciseFileSection {
    public static let key = "services"
    public static let position = 20
    public var services: [ServiceSpec]

    public init(_ services: [ServiceSpec]) {
        self.services = services
    }

    public var isEmpty: Bool { services.isEmpty }

    public func node() -> Node { Node(services.map { $0.node() }) }

    public static func read(_ node: Node, at path: String, _ reading: ExerciseFileReading) -> ServicesSection {
        let items = reading.items(node, at: path, max: TextLimit.services)
        let services = items.map { ServiceSpec.read($0.node, path: $0.path, issues: reading.issues) }
        check(services, teams: reading.teams, paths: items.map(\.path), issues: reading.issues)
        return ServicesSection(services.compactMap { $0 })
    }

    /// Service names are unique (checks, requests and the API name services by them) and overrides
    /// name teams of the file, when it lists teams.
    private static func check(_ services: [ServiceSpec?], teams: [TeamSpec?], paths: [String], issues: YAMLIssues) {
        var seen: Set<String> = []
        let slugs = Set(teams.compactMap { $0?.slug })
        for (service, path) in zip(services, paths) {
            guard let service else { continue }
            if !seen.insert(service.name).inserted {
                issues.report(line: issues.lines[path + ".name"] ?? issues.lines[path], path + ".name", "another service is called '\(service.name)'")
            }
            guard !slugs.isEmpty else { continue }
            for slug in service.overrides.keys.sorted() where !slugs.contains(slug) {
                issues.report(line: issues.lines[path + ".overrides"], path + ".overrides.\(slug)", "no team is called '\(slug)'")
            }
        }
    }
}

extension ExerciseFile {
    /// Its `services:` section's services (none when it has none).
    public var services: [ServiceSpec] {
        get { section(ServicesSection.self)?.services ?? [] }
        set { set(ServicesSection(newValue)) }
    }
}
