import Foundation
import Yams

/// A challenge as written in a ctfcli `challenge.yml` (CTFd/ctfcli `spec/challenge-example.yml`), or in
/// the `challenges:` section of an exercise file, which uses the same keys. Keys that only matter to
/// ctfcli's deployment (`image`, `host`, `healthcheck` …) are warnings, not errors, so an organiser's
/// existing files import unchanged.
public struct ChallengeSpec: Equatable, Sendable {
    public var name: String
    public var category: String
    public var description: String
    public var attribution: String?
    public var author: String?
    public var value: ChallengeValue
    public var firstBlood: FirstBloodBonus
    public var connectionInfo: String?
    public var maxAttempts: Int?
    public var logic: FlagLogic
    public var flags: [FlagRule]
    public var tags: [String]
    public var topics: [String]
    /// Paths relative to the challenge file.
    public var files: [String]
    public var hints: [HintSpec]
    /// Names of challenges that must be solved first.
    public var prerequisites: [String]
    /// Show locked challenges as a placeholder rather than hiding them (CTFd's `anonymize`).
    public var anonymize: Bool
    public var next: String?
    public var scheduledAt: Date?
    public var state: Visibility

    public enum FlagLogic: String, Codable, Sendable, CaseIterable {
        /// Any one flag solves the challenge.
        case any
        /// Every flag must be submitted; each correct one is progress.
        case all
    }

    public enum Visibility: String, Codable, Sendable, CaseIterable {
        case visible
        case hidden
    }

    public init(
        name: String, category: String, description: String = "", attribution: String? = nil, author: String? = nil,
        value: ChallengeValue, firstBlood: FirstBloodBonus = .none, connectionInfo: String? = nil, maxAttempts: Int? = nil,
        logic: FlagLogic = .any, flags: [FlagRule] = [], tags: [String] = [], topics: [String] = [], files: [String] = [],
        hints: [HintSpec] = [], prerequisites: [String] = [], anonymize: Bool = false, next: String? = nil,
        scheduledAt: Date? = nil, state: Visibility = .visible
    ) {
        self.name = name
        self.category = category
        self.description = description
        self.attribution = attribution
        self.author = author
        self.value = value
        self.firstBlood = firstBlood
        self.connectionInfo = connectionInfo
        self.maxAttempts = maxAttempts
        self.logic = logic
        self.flags = flags
        self.tags = tags
        self.topics = topics
        self.files = files
        self.hints = hints
        self.prerequisites = prerequisites
        self.anonymize = anonymize
        self.next = next
        self.scheduledAt = scheduledAt
        self.state = state
    }
}

public struct HintSpec: Equatable, Sendable {
    /// How other hints refer to this one (ctfcli's `key`).
    public var key: String?
    public var title: String?
    public var content: String
    public var cost: Int
    /// Keys of hints that must be unlocked first.
    public var prerequisites: [String]

    public init(key: String? = nil, title: String? = nil, content: String, cost: Int = 0, prerequisites: [String] = []) {
        self.key = key
        self.title = title
        self.content = content
        self.cost = cost
        self.prerequisites = prerequisites
    }
}

extension ChallengeSpec {
    static let keys = [
        "name", "author", "category", "description", "attribution", "value", "type", "extra", "connection_info",
        "attempts", "logic", "flags", "topics", "tags", "files", "hints", "requirements", "next", "scheduled_at", "state", "version",
    ]
    /// The largest `challenge.yml` read: far more than any real one.
    public static let maxFileBytes = 1 << 20
    /// Instructions all of a challenge's regex flags may compile to together.
    static let maxFlagCost = 10_000
    /// ctfcli keys for deploying and publishing, which Rampart does not do.
    static let deploymentKeys = ["image", "protocol", "host", "healthcheck", "solution", "module"]

    /// Reads one `challenge.yml`: the challenge and its warnings, or every problem with its line.
    public static func read(yaml: String) throws(ExerciseFileError) -> (challenge: ChallengeSpec, warnings: [ExerciseFileIssue]) {
        let root = try YAMLGuard.compose(yaml)
        guard let root else { throw ExerciseFileError(issues: [ExerciseFileIssue(line: 1, field: "", message: "the file is empty")]) }
        let issues = YAMLIssues()
        let spec = read(root, path: "", issues: issues)
        guard issues.list.isEmpty, let spec else { throw ExerciseFileError(issues: issues.list) }
        return (spec, issues.warnings)
    }

    static func read(_ node: Node, path: String, issues: YAMLIssues) -> ChallengeSpec? {
        guard let fields = issues.fields(node, at: path) else { return nil }
        fields.warnUnknown(keys + deploymentKeys)
        for key in deploymentKeys where fields.values[key] != nil {
            issues.warn(fields.values[key], fields.field(key), "ctfcli deployment setting; Rampart does not deploy challenges, so it is ignored")
        }
        let name = fields.required("name")
        let category = fields.required("category")
        let value = readValue(fields)
        let flags = fields.list("flags").compactMap { readFlag($0.node, path: $0.path, issues: issues) }
        let hints = readHints(fields)
        var prerequisites: [String] = []
        var anonymize = false
        if let requirements = fields.node("requirements") {
            if case .mapping = requirements, let inner = fields.fields("requirements") {
                inner.rejectUnknown(["prerequisites", "anonymize"])
                prerequisites = readPrerequisites(inner, "prerequisites", issues: issues)
                anonymize = inner.bool("anonymize") ?? false
            } else {
                prerequisites = readPrerequisites(fields, "requirements", issues: issues)
            }
        }
        var logic = FlagLogic.any
        if let raw = fields.string("logic") {
            if let parsed = FlagLogic(rawValue: raw) {
                logic = parsed
            } else if raw == "team" {
                issues.warn(fields.node("logic"), fields.field("logic"), "'team' logic (every member submits) is not supported; using 'all'")
                logic = .all
            } else {
                issues.report(fields.node("logic"), fields.field("logic"), "expected any or all")
            }
        }
        var state = Visibility.visible
        if let raw = fields.string("state") {
            if let parsed = Visibility(rawValue: raw) {
                state = parsed
            } else {
                issues.report(fields.node("state"), fields.field("state"), "expected visible or hidden")
            }
        }
        var scheduledAt: Date?
        if let node = fields.node("scheduled_at") {
            // ctfcli requires an explicit offset; a local time would be ambiguous across sites.
            scheduledAt = node.scalar.flatMap { ExerciseTime.parseExact($0.string) }
            if scheduledAt == nil {
                issues.report(node, fields.field("scheduled_at"), "expected a time with an offset, like 2027-02-01T09:00:00+09:00")
            }
        }
        // Every regex flag is tried on each submission: their programs together bound what one costs.
        if flags.map(\.cost).reduce(0, +) > maxFlagCost {
            issues.report(
                fields.node("flags"), fields.field("flags"),
                "the regex flags are too large together (\(flags.map(\.cost).reduce(0, +)) instructions, at most \(maxFlagCost))")
        }
        if flags.isEmpty, fields.values["flags"] != nil || name != nil {
            issues.warn(fields.node, fields.field("flags"), "the challenge has no flags, so nobody can solve it")
        }
        guard let name, let category, let value else { return nil }
        return ChallengeSpec(
            name: name, category: category, description: fields.string("description", maxLength: TextLimit.description) ?? "",
            attribution: fields.string("attribution", maxLength: TextLimit.description), author: fields.string("author"),
            value: value.value, firstBlood: value.firstBlood, connectionInfo: fields.string("connection_info"),
            maxAttempts: fields.int("attempts", in: 0...1_000_000).flatMap { $0 == 0 ? nil : $0 }, logic: logic, flags: flags,
            tags: fields.texts("tags", maxLength: 100), topics: fields.texts("topics", maxLength: 100), files: fields.texts("files"), hints: hints,
            prerequisites: prerequisites, anonymize: anonymize, next: fields.string("next"), scheduledAt: scheduledAt, state: state)
    }

    /// `value` for a standard challenge; `extra: {initial, decay, minimum, function}` for CTFd's dynamic
    /// scoring; Rampart's `extra.first_blood` (percentages for the first solvers).
    private static func readValue(_ fields: YAMLFields) -> (value: ChallengeValue, firstBlood: FirstBloodBonus)? {
        let type = fields.string("type") ?? "standard"
        if !["standard", "dynamic"].contains(type) {
            fields.issues.warn(fields.node("type"), fields.field("type"), "challenge type '\(type)' is a CTFd plugin; read as standard")
        }
        let extra = fields.fields("extra")
        extra?.warnUnknown(["initial", "decay", "minimum", "function", "first_blood"])
        var firstBlood = FirstBloodBonus.none
        if let extra, extra.node("first_blood") != nil {
            let percents = extra.list("first_blood").compactMap { item -> Double? in
                guard let number = item.node.scalar.flatMap({ Double($0.string) }), (0...1000).contains(number) else {
                    fields.issues.report(item.node, item.path, "expected a percentage")
                    return nil
                }
                return number
            }
            firstBlood = FirstBloodBonus(percents: percents)
        }
        let decaying = type == "dynamic" || extra?.node("decay") != nil
        guard decaying else {
            guard let value = fields.int("value", in: 0...1_000_000) else {
                if fields.node("value") == nil { fields.issues.report(fields.node, fields.field("value"), "is required") }
                return nil
            }
            return (.fixed(value), firstBlood)
        }
        guard let extra else {
            fields.issues.report(fields.node, fields.field("extra"), "a dynamic challenge needs extra: {initial, decay, minimum}")
            return nil
        }
        let initial = extra.int("initial", in: 0...1_000_000) ?? fields.int("value", in: 0...1_000_000)
        let minimum = extra.int("minimum", in: 0...1_000_000)
        let decay = extra.double("decay", in: 0...1_000_000)
        var function = ChallengeValue.DecayFunction.logarithmic
        if let raw = extra.string("function") {
            if let parsed = ChallengeValue.DecayFunction(rawValue: raw) {
                function = parsed
            } else {
                fields.issues.report(extra.node("function"), extra.field("function"), "expected linear or logarithmic")
            }
        }
        for (key, present) in [("initial", initial != nil), ("minimum", minimum != nil), ("decay", decay != nil)] where !present {
            if extra.node(key) == nil { fields.issues.report(extra.node, extra.field(key), "is required for a decaying value") }
        }
        guard let initial, let minimum, let decay else { return nil }
        if minimum > initial {
            fields.issues.report(extra.node("minimum"), extra.field("minimum"), "must not be more than initial (\(initial))")
            return nil
        }
        return (.decaying(initial: initial, minimum: minimum, decay: decay, function: function), firstBlood)
    }

    /// `- RAMPART{x}` (static, case-sensitive) or `{type: static|regex, content, data: case_insensitive}`.
    private static func readFlag(_ node: Node, path: String, issues: YAMLIssues) -> FlagRule? {
        if case .scalar(let scalar) = node {
            guard scalar.string.count <= TextLimit.flag else {
                issues.report(node, path, "is longer than \(TextLimit.flag) characters")
                return nil
            }
            return try? FlagRule(kind: .static, content: scalar.string)
        }
        guard let fields = issues.fields(node, at: path) else { return nil }
        fields.warnUnknown(["type", "content", "data"])
        guard let content = fields.required("content", maxLength: TextLimit.flag) else { return nil }
        var kind = FlagRule.Kind.static
        if let raw = fields.string("type") {
            guard let parsed = FlagRule.Kind(rawValue: raw) else {
                issues.report(fields.node("type"), fields.field("type"), "expected static or regex")
                return nil
            }
            kind = parsed
        }
        // CTFd reads only `case_insensitive`; anything else (ctfcli's own example has junk here) is case-sensitive.
        let data = fields.string("data") ?? "case_sensitive"
        if !["case_sensitive", "case_insensitive", ""].contains(data) {
            issues.warn(fields.node("data"), fields.field("data"), "'\(data)' is not case_insensitive, so the flag is case-sensitive")
        }
        do {
            return try FlagRule(kind: kind, content: content, caseInsensitive: data == "case_insensitive")
        } catch {
            issues.report(fields.node("content"), fields.field("content"), "is not a usable regular expression: \(error.reason)")
            return nil
        }
    }

    private static func readHints(_ fields: YAMLFields) -> [HintSpec] {
        let issues = fields.issues
        var hints: [(hint: HintSpec, path: String, node: Node)] = []
        for (node, path) in fields.list("hints") {
            if case .scalar(let scalar) = node {
                hints.append((HintSpec(content: scalar.string), path, node))
                continue
            }
            guard let hint = issues.fields(node, at: path) else { continue }
            hint.warnUnknown(["content", "cost", "title", "key", "requirements"])
            guard let content = hint.required("content", maxLength: TextLimit.description) else { continue }
            hints.append(
                (
                    HintSpec(
                        key: hint.string("key"), title: hint.string("title"), content: content,
                        cost: hint.int("cost", in: 0...1_000_000) ?? 0, prerequisites: hint.texts("requirements")),
                    path, node
                ))
        }
        let keys = Set(hints.compactMap(\.hint.key))
        for (hint, path, node) in hints {
            for missing in hint.prerequisites where !keys.contains(missing) {
                issues.report(node, "\(path).requirements", "no hint has the key '\(missing)'")
            }
        }
        return hints.map(\.hint)
    }

    private static func readPrerequisites(_ fields: YAMLFields, _ key: String, issues: YAMLIssues) -> [String] {
        fields.list(key).compactMap { item in
            guard case .scalar(let scalar) = item.node else {
                issues.report(item.node, item.path, "expected a challenge name")
                return nil
            }
            if Int(scalar.string) != nil, scalar.style == .plain {
                issues.warn(item.node, item.path, "a CTFd challenge id is not portable; name the challenge instead")
                return nil
            }
            return scalar.string
        }
    }
}
