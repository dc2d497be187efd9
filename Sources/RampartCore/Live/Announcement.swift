import Foundation
import Yams

/// How loudly an announcement speaks: a toast, a banner that stays, or a banner that demands reading.
public enum AnnouncementLevel: String, Codable, Sendable, CaseIterable {
    case info, warning, critical
}

/// An announcement as written by the white team (and in the exercise file's `announcements:`).
public struct AnnouncementSpec: Sendable, Equatable, Codable {
    /// Names it in the exercise file, so applying the file again changes it rather than adding another.
    public var key: String
    public var title: String
    public var titleKo: String?
    /// Markdown.
    public var body: String
    public var bodyKo: String?
    public var level: AnnouncementLevel
    /// Team slugs; with `roles`, who it is for. Both empty: everyone.
    public var teams: [String]
    public var roles: [TeamKind]

    public init(
        key: String, title: String, titleKo: String? = nil, body: String, bodyKo: String? = nil, level: AnnouncementLevel = .info,
        teams: [String] = [], roles: [TeamKind] = []
    ) {
        self.key = key
        self.title = title
        self.titleKo = titleKo
        self.body = body
        self.bodyKo = bodyKo
        self.level = level
        self.teams = teams
        self.roles = roles
    }

    public static let maxTitle = TextLimit.name
    public static let maxBody = 10_000
    public static let maxPerExercise = 1_000
}

/// The exercise file's `announcements:`: messages posted when the file is applied (an announcement whose
/// `key` is already posted is updated in place, never posted twice).
public struct AnnouncementsSection: ExerciseFileSection {
    public static let key = "announcements"
    public static let position = 40
    public var announcements: [AnnouncementSpec]

    public init(_ announcements: [AnnouncementSpec]) {
        self.announcements = announcements
    }

    public var isEmpty: Bool { announcements.isEmpty }

    static let known = ["key", "title", "title_ko", "body", "body_ko", "level", "teams", "roles"]

    public static func read(_ node: Node, at path: String, _ reading: ExerciseFileReading) -> AnnouncementsSection {
        let issues = reading.issues
        var list: [AnnouncementSpec] = []
        var keys = Set<String>()
        for item in reading.items(node, at: path, max: AnnouncementSpec.maxPerExercise) {
            guard let fields = issues.fields(item.node, at: item.path) else { continue }
            fields.rejectUnknown(known)
            guard let key = fields.required("key", maxLength: 64), let title = fields.required("title", maxLength: AnnouncementSpec.maxTitle),
                let body = fields.required("body", maxLength: AnnouncementSpec.maxBody)
            else { continue }
            guard Identifier.isValidSlug(key) else {
                issues.report(fields.node("key"), fields.field("key"), "must be lowercase letters, digits and dashes")
                continue
            }
            guard keys.insert(key).inserted else {
                issues.report(fields.node("key"), fields.field("key"), "'\(key)' is used by another announcement")
                continue
            }
            let fileTeams = Set(reading.teams.compactMap { $0?.slug })
            let teams = fields.texts("teams", maxLength: 64)
            for (index, team) in teams.enumerated() where !fileTeams.isEmpty && !fileTeams.contains(team) {
                issues.report(fields.node("teams"), "\(fields.field("teams"))[\(index)]", "no team '\(team)' in this file")
            }
            var roles: [TeamKind] = []
            for (index, role) in fields.texts("roles", maxLength: 16).enumerated() {
                guard let kind = TeamKind(rawValue: role) else {
                    issues.report(fields.node("roles"), "\(fields.field("roles"))[\(index)]", "expected one of white, red, blue, green, yellow")
                    continue
                }
                roles.append(kind)
            }
            list.append(
                AnnouncementSpec(
                    key: key, title: title, titleKo: fields.string("title_ko", maxLength: AnnouncementSpec.maxTitle), body: body,
                    bodyKo: fields.string("body_ko", maxLength: AnnouncementSpec.maxBody),
                    level: fields.choice("level") ?? .info, teams: teams, roles: roles))
        }
        return AnnouncementsSection(list)
    }

    public func node() -> Node {
        Node(
            announcements.map { spec in
                var pairs: [(Node, Node)] = [(Node("key"), Node(spec.key)), (Node("title"), text(spec.title))]
                if let titleKo = spec.titleKo { pairs.append((Node("title_ko"), text(titleKo))) }
                pairs.append((Node("body"), text(spec.body)))
                if let bodyKo = spec.bodyKo { pairs.append((Node("body_ko"), text(bodyKo))) }
                pairs.append((Node("level"), Node(spec.level.rawValue)))
                if !spec.teams.isEmpty { pairs.append((Node("teams"), Node(spec.teams.map { Node($0) }, .implicit, .flow))) }
                if !spec.roles.isEmpty { pairs.append((Node("roles"), Node(spec.roles.map { Node($0.rawValue) }, .implicit, .flow))) }
                return Node(pairs)
            })
    }

    private func text(_ value: String) -> Node {
        Node(value, .implicit, value.contains("\n") ? .literal : .doubleQuoted)
    }
}
