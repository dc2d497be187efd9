import Foundation
import Yams

/// Collects the problems found while reading a YAML document, each with its line.
final class YAMLIssues {
    private(set) var list: [ExerciseFileIssue] = []
    /// Problems that do not stop the file being used, such as keys Rampart does not use.
    private(set) var warnings: [ExerciseFileIssue] = []

    func warn(_ node: Node?, _ field: String, _ message: String) {
        warnings.append(ExerciseFileIssue(line: node?.mark?.line, column: node?.mark?.column, field: field, message: message))
    }
    private(set) var lines: [String: Int] = [:]

    func report(_ node: Node?, _ field: String, _ message: String) {
        list.append(ExerciseFileIssue(line: node?.mark?.line, column: node?.mark?.column, field: field, message: message))
    }

    func report(line: Int?, _ field: String, _ message: String) {
        list.append(ExerciseFileIssue(line: line, field: field, message: message))
    }

    func remember(_ node: Node, at field: String) {
        if let line = node.mark?.line { lines[field] = line }
    }

    /// The fields of a mapping node, or nil (and a reported issue) when the node is something else.
    func fields(_ node: Node, at path: String) -> YAMLFields? {
        remember(node, at: path)
        guard case .mapping(let mapping) = node else {
            report(node, path, "expected a mapping of keys to values")
            return nil
        }
        var values: [String: Node] = [:]
        var order: [String] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                report(key, path, "keys must be plain names")
                continue
            }
            if values[scalar.string] != nil {
                report(key, join(path, scalar.string), "appears twice")
                continue
            }
            values[scalar.string] = value
            order.append(scalar.string)
        }
        return YAMLFields(issues: self, path: path, node: node, values: values, order: order)
    }

    /// The items of a sequence node with their paths; reports anything else.
    func items(_ node: Node, at path: String) -> [(node: Node, path: String)] {
        remember(node, at: path)
        guard case .sequence(let sequence) = node else {
            report(node, path, "expected a list")
            return []
        }
        return sequence.enumerated().map { ($0.element, "\(path)[\($0.offset)]") }
    }
}

func join(_ path: String, _ key: String) -> String {
    path.isEmpty ? key : "\(path).\(key)"
}

/// The keys of one YAML mapping, read by type; every problem goes to `issues` with its line.
/// Keys that are never read are reported by `rejectUnknown()`, so a misspelt key is an error
/// instead of a silently ignored setting.
struct YAMLFields {
    let issues: YAMLIssues
    let path: String
    let node: Node
    let values: [String: Node]
    let order: [String]

    func field(_ key: String) -> String { join(path, key) }

    func node(_ key: String) -> Node? {
        guard let value = values[key] else { return nil }
        if case .scalar(let scalar) = value, scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            return nil
        }
        issues.remember(value, at: field(key))
        return value
    }

    func string(_ key: String, maxLength: Int = TextLimit.name) -> String? {
        guard let value = node(key) else { return nil }
        guard case .scalar(let scalar) = value else {
            issues.report(value, field(key), "expected text")
            return nil
        }
        guard scalar.string.count <= maxLength else {
            issues.report(value, field(key), "is longer than \(maxLength) characters")
            return nil
        }
        return scalar.string
    }

    func required(_ key: String, maxLength: Int = TextLimit.name) -> String? {
        guard let value = string(key, maxLength: maxLength) else {
            if values[key] == nil || node(key) == nil { issues.report(node, field(key), "is required") }
            return nil
        }
        guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            issues.report(values[key], field(key), "must not be empty")
            return nil
        }
        return value
    }

    func bool(_ key: String) -> Bool? {
        guard let value = node(key) else { return nil }
        switch (value.scalar?.string).map({ $0.lowercased() }) {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            issues.report(value, field(key), "expected true or false")
            return nil
        }
    }

    /// One of an enumeration's values, written as its raw value; anything else is reported with the choices.
    func choice<Value: RawRepresentable & CaseIterable>(_ key: String, required: Bool = false) -> Value? where Value.RawValue == String {
        guard let raw = required ? self.required(key) : string(key) else { return nil }
        guard let value = Value(rawValue: raw) else {
            issues.report(node(key), field(key), "expected one of: \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    func int(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = node(key) else { return nil }
        guard let number = value.scalar.flatMap({ Int($0.string) }), range.contains(number) else {
            issues.report(value, field(key), "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return number
    }

    /// An ISO 8601 time. With an offset (`2026-02-02T09:00:00+09:00`, `…Z`) it is exact; without one
    /// (`2026-02-02 09:00`) it is read in `timeZone`, the exercise's, as organisers write schedules.
    func date(_ key: String, timeZone: TimeZone) -> Date? {
        guard let value = node(key) else { return nil }
        guard let text = value.scalar?.string, let date = ExerciseTime.parse(text, timeZone: timeZone) else {
            issues.report(value, field(key), "expected a time like 2026-02-02T09:00:00+09:00 or 2026-02-02 09:00")
            return nil
        }
        return date
    }

    /// The items of a list, at most `max` (more is reported: lists are where a document grows).
    func list(_ key: String, max: Int = TextLimit.listItems) -> [(node: Node, path: String)] {
        guard let value = node(key) else { return [] }
        let items = issues.items(value, at: field(key))
        guard items.count <= max else {
            issues.report(value, field(key), "has \(items.count) items; at most \(max) are allowed")
            return []
        }
        return items
    }

    func fields(_ key: String) -> YAMLFields? {
        guard let value = node(key) else { return nil }
        return issues.fields(value, at: field(key))
    }

    /// Warns about every key that is not in `known`: for formats Rampart shares with other tools,
    /// whose files carry keys meant for those tools.
    func warnUnknown(_ known: [String]) {
        for key in order where !known.contains(key) {
            issues.warn(keyNode(key) ?? values[key], field(key), "not used by Rampart; ignored")
        }
    }

    /// Texts from a key holding one text or a list of texts: at most `TextLimit.listItems`, each at
    /// most `maxLength` characters.
    func texts(_ key: String, maxLength: Int = TextLimit.name) -> [String] {
        guard let value = node(key) else { return [] }
        let items: [(node: Node, path: String)] = if case .scalar = value { [(value, field(key))] } else { list(key) }
        return items.compactMap { item in
            guard case .scalar(let scalar) = item.node else {
                issues.report(item.node, item.path, "expected text")
                return nil
            }
            guard scalar.string.count <= maxLength else {
                issues.report(item.node, item.path, "is longer than \(maxLength) characters")
                return nil
            }
            return scalar.string
        }
    }

    func double(_ key: String, in range: ClosedRange<Double>) -> Double? {
        guard let value = node(key) else { return nil }
        guard let number = value.scalar.flatMap({ Double($0.string) }), range.contains(number) else {
            issues.report(value, field(key), "expected a number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return number
    }

    /// Reports every key that is not in `known`, naming the ones that are.
    func rejectUnknown(_ known: [String]) {
        for key in order where !known.contains(key) {
            issues.report(keyNode(key) ?? values[key], field(key), "unknown key; expected one of: \(known.joined(separator: ", "))")
        }
    }

    private func keyNode(_ key: String) -> Node? {
        guard case .mapping(let mapping) = node else { return nil }
        return mapping.keys.first { $0.scalar?.string == key }
    }
}

/// Reading and writing times the way exercise files and forms show them.
public enum ExerciseTime {
    public static func parse(_ text: String, timeZone: TimeZone) -> Date? {
        if let date = parseExact(text) { return date }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let local = DateFormatter()
        local.locale = Locale(identifier: "en_US_POSIX")
        local.timeZone = timeZone
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            local.dateFormat = format
            if let date = local.date(from: trimmed) { return date }
        }
        return nil
    }

    /// Only exact times, with an offset or `Z`.
    public static func parseExact(_ text: String) -> Date? {
        let exact = ISO8601DateFormatter()
        exact.formatOptions = [.withInternetDateTime]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = exact.date(from: trimmed) { return date }
        exact.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return exact.date(from: trimmed)
    }

    /// `2026-02-02T09:00:00+09:00`: exact, and readable in the exercise's own zone.
    public static func format(_ date: Date, timeZone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
