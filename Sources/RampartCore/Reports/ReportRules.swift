import Foundation
import Yams

/// The access a compromise gained, as a red team reports it and the severity table prices it.
public enum AccessLevel: String, Codable, Sendable, CaseIterable {
    /// An effect without a foothold: a defacement, a denial of service, data read anonymously.
    case none
    case user
    case administrator
    /// Domain administrator or root.
    case root
}

/// What a compromise touched (`data_accessed`).
public enum DataAccessed: String, Codable, Sendable, CaseIterable {
    case credentials
    case personalData = "personal_data"
    case configuration
    case database
}

/// When a blue team may read the red team's narrative and evidence of a validated compromise against it.
public enum EvidenceVisibility: String, Codable, Sendable, CaseIterable {
    case immediately
    /// Once the exercise window the compromise happened in has ended (or the exercise, without windows).
    case afterWindow = "after_window"
    case afterExercise = "after_exercise"
}

/// Whether a blue team may dispute a validated compromise: once per compromise, or never.
public enum DisputeRule: String, Codable, Sendable, CaseIterable {
    case once
    case never
}

/// One level of a rubric criterion and what it earns.
public struct RubricLevel: Equatable, Sendable, Codable {
    public var id: String
    public var points: Int

    public init(_ id: String, _ points: Int) {
        self.id = id
        self.points = points
    }
}

/// One criterion an incident report is graded on (detection, accuracy…), with its levels, lowest first.
public struct RubricCriterion: Equatable, Sendable, Codable {
    public var criterion: String
    public var levels: [RubricLevel]

    public init(_ criterion: String, _ levels: [RubricLevel]) {
        self.criterion = criterion
        self.levels = levels
    }
}

/// How an exercise scores what people report (the exercise file's `red_team:`): the severity table
/// that prices a validated compromise, the weight of each asset, the share of a penalty a blue team's
/// incident report wins back, the rubric reports are graded on, when evidence is shown, and disputes.
public struct ReportRules: Equatable, Sendable {
    /// Points a compromise costs by the access it gained, before the asset's weight.
    public var severity: [AccessLevel: Int]
    /// Added to the severity when the red team kept persistence.
    public var persistence: Int
    /// Weight by asset (a service's name or a host as reports write it); an asset not listed weighs `defaultWeight`.
    public var assetWeights: [String: Double]
    public var defaultWeight: Double
    /// The share of a validated compromise's penalty an incident report covering it wins back (0…1).
    public var creditShare: Double
    public var evidence: EvidenceVisibility
    public var disputes: DisputeRule
    public var rubric: [RubricCriterion]

    public init(
        severity: [AccessLevel: Int] = Self.standard.severity, persistence: Int = Self.standard.persistence,
        assetWeights: [String: Double] = [:], defaultWeight: Double = 1, creditShare: Double = Self.standard.creditShare,
        evidence: EvidenceVisibility = .afterWindow, disputes: DisputeRule = .once, rubric: [RubricCriterion] = Self.standard.rubric
    ) {
        self.severity = severity
        self.persistence = persistence
        self.assetWeights = assetWeights
        self.defaultWeight = defaultWeight
        self.creditShare = creditShare
        self.evidence = evidence
        self.disputes = disputes
        self.rubric = rubric
    }

    private init(standard: ()) {
        severity = [.none: 25, .user: 50, .administrator: 100, .root: 150]
        persistence = 25
        assetWeights = [:]
        defaultWeight = 1
        creditShare = 0.5
        evidence = .afterWindow
        disputes = .once
        rubric = [
            RubricCriterion("detection", [RubricLevel("missed", 0), RubricLevel("partial", 10), RubricLevel("full", 20)]),
            RubricCriterion("accuracy", [RubricLevel("wrong", 0), RubricLevel("partial", 5), RubricLevel("accurate", 15)]),
            RubricCriterion("timeliness", [RubricLevel("late", 0), RubricLevel("same_day", 5), RubricLevel("within_hour", 10)]),
            RubricCriterion("containment", [RubricLevel("none", 0), RubricLevel("partial", 10), RubricLevel("contained", 20)]),
        ]
    }

    /// The rules an exercise has until its file says otherwise (Locked Shields' shape: access ×
    /// asset, half the penalty back for a report that covers it).
    public static let standard = ReportRules(standard: ())

    /// The weight of an asset.
    public func weight(_ asset: String) -> Double { assetWeights[asset] ?? defaultWeight }

    /// What a validated compromise costs by the table: (severity of the access + persistence) × the asset's weight.
    public func penalty(access: AccessLevel, persistence kept: Bool, asset: String) -> Int {
        let base = Double((severity[access] ?? 0) + (kept ? persistence : 0))
        return Int((base * weight(asset)).rounded())
    }

    /// What an incident report's grade earns: the points of each criterion's chosen level. Every
    /// criterion must be graded with one of its levels, and nothing else may be named.
    public func grade(_ levels: [String: String]) throws(RubricError) -> Int {
        for name in levels.keys where !rubric.contains(where: { $0.criterion == name }) { throw .unknownCriterion(name) }
        var total = 0
        for criterion in rubric {
            guard let chosen = levels[criterion.criterion] else { throw .ungraded(criterion.criterion) }
            guard let level = criterion.levels.first(where: { $0.id == chosen }) else { throw .unknownLevel(criterion.criterion, chosen) }
            total += level.points
        }
        return total
    }

    /// The most a report can earn by the rubric.
    public var rubricMaximum: Int { rubric.reduce(0) { $0 + ($1.levels.map(\.points).max() ?? 0) } }

    /// What a report covering a compromise of `penalty` points wins back.
    public func credit(forPenalty penalty: Int) -> Int { Int((Double(penalty) * creditShare).rounded()) }
}

public enum RubricError: Error, Equatable, Sendable {
    case unknownCriterion(String)
    case ungraded(String)
    case unknownLevel(String, String)
}

/// The exercise file's `red_team:` (docs/reports.md).
public struct RedTeamSection: ExerciseFileSection {
    public static let key = "red_team"
    public static let position = 30
    public var rules: ReportRules

    public init(_ rules: ReportRules) {
        self.rules = rules
    }

    public var isEmpty: Bool { rules == .standard }

    /// The section alone, as the database stores it (`yaml()`); the standard rules when it cannot be read.
    public static func stored(_ yaml: String) -> RedTeamSection {
        guard let node = try? Yams.compose(yaml: yaml) else { return RedTeamSection(.standard) }
        let issues = YAMLIssues()
        let section = read(node, at: key, ExerciseFileReading(issues: issues, teams: []))
        return issues.list.isEmpty ? section : RedTeamSection(.standard)
    }

    /// The section alone as YAML, for `stored(_:)`.
    public func yaml() -> String { (try? Yams.serialize(node: node(), width: -1, allowUnicode: true)) ?? "" }

    static let known = ["severity", "persistence", "asset_weights", "default_weight", "credit_share", "evidence_visibility", "disputes", "rubric"]

    public static func read(_ node: Node, at path: String, _ reading: ExerciseFileReading) -> RedTeamSection {
        let issues = reading.issues
        guard let fields = issues.fields(node, at: path) else { return RedTeamSection(.standard) }
        fields.rejectUnknown(known)
        var rules = ReportRules.standard
        if let severity = fields.fields("severity") {
            severity.rejectUnknown(AccessLevel.allCases.map(\.rawValue))
            for level in AccessLevel.allCases {
                if let points = severity.int(level.rawValue, in: 0...100_000) { rules.severity[level] = points }
            }
        }
        if let points = fields.int("persistence", in: 0...100_000) { rules.persistence = points }
        if let weights = fields.fields("asset_weights") {
            guard weights.order.count <= TextLimit.listItems * 10 else {
                issues.report(weights.node, weights.path, "has \(weights.order.count) assets; at most \(TextLimit.listItems * 10) are allowed")
                return RedTeamSection(rules)
            }
            for asset in weights.order where asset.count <= TextLimit.name {
                if let weight = weights.double(asset, in: 0...100) { rules.assetWeights[asset] = weight }
            }
        }
        if let weight = fields.double("default_weight", in: 0...100) { rules.defaultWeight = weight }
        if let share = fields.double("credit_share", in: 0...1) { rules.creditShare = share }
        if let visibility: EvidenceVisibility = fields.choice("evidence_visibility") { rules.evidence = visibility }
        if let disputes: DisputeRule = fields.choice("disputes") { rules.disputes = disputes }
        if fields.node("rubric") != nil {
            var rubric: [RubricCriterion] = []
            for item in fields.list("rubric", max: 20) {
                guard let criterion = issues.fields(item.node, at: item.path) else { continue }
                criterion.rejectUnknown(["criterion", "levels"])
                guard let name = criterion.required("criterion", maxLength: 100) else { continue }
                var levels: [RubricLevel] = []
                for levelItem in criterion.list("levels", max: 20) {
                    guard let level = issues.fields(levelItem.node, at: levelItem.path) else { continue }
                    level.rejectUnknown(["id", "points"])
                    guard let id = level.required("id", maxLength: 100), let points = level.int("points", in: 0...100_000) else {
                        if level.values["points"] == nil { issues.report(levelItem.node, levelItem.path + ".points", "is required") }
                        continue
                    }
                    if levels.contains(where: { $0.id == id }) { issues.report(levelItem.node, levelItem.path + ".id", "another level is called '\(id)'") }
                    levels.append(RubricLevel(id, points))
                }
                if levels.isEmpty { issues.report(item.node, item.path + ".levels", "needs at least one level") }
                if rubric.contains(where: { $0.criterion == name }) { issues.report(item.node, item.path + ".criterion", "another criterion is called '\(name)'") }
                rubric.append(RubricCriterion(name, levels))
            }
            if rubric.isEmpty { issues.report(fields.node("rubric"), fields.field("rubric"), "needs at least one criterion") }
            rules.rubric = rubric
        }
        return RedTeamSection(rules)
    }

    public func node() -> Node {
        var pairs: [(Node, Node)] = [
            (Node("severity"), Node(AccessLevel.allCases.map { (Node($0.rawValue), Node(String(rules.severity[$0] ?? 0))) })),
            (Node("persistence"), Node(String(rules.persistence))),
        ]
        if !rules.assetWeights.isEmpty {
            pairs.append(
                (Node("asset_weights"), Node(rules.assetWeights.keys.sorted().map { (text($0), Node(Self.number(rules.assetWeights[$0]!))) })))
        }
        if rules.defaultWeight != 1 { pairs.append((Node("default_weight"), Node(Self.number(rules.defaultWeight)))) }
        pairs += [
            (Node("credit_share"), Node(Self.number(rules.creditShare))),
            (Node("evidence_visibility"), Node(rules.evidence.rawValue)),
            (Node("disputes"), Node(rules.disputes.rawValue)),
            (
                Node("rubric"),
                Node(
                    rules.rubric.map { criterion in
                        Node([
                            (Node("criterion"), text(criterion.criterion)),
                            (
                                Node("levels"),
                                Node(criterion.levels.map { Node([(Node("id"), text($0.id)), (Node("points"), Node(String($0.points)))], .implicit, .flow) })
                            ),
                        ])
                    })
            ),
        ]
        return Node(pairs)
    }

    private func text(_ value: String) -> Node { Node(value, .implicit, .doubleQuoted) }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension ExerciseFile {
    /// Its `red_team:` rules (the standard ones when it has none).
    public var reportRules: ReportRules {
        get { section(RedTeamSection.self)?.rules ?? .standard }
        set { set(RedTeamSection(newValue)) }
    }
}
