import Foundation
import Yams

extension ChallengeSpec {
    /// The challenge as a ctfcli `challenge.yml` that `read(yaml:)` reads back to an equal value.
    public func yaml() -> String {
        (try? Yams.serialize(node: node(), width: -1, allowUnicode: true)) ?? ""
    }

    /// The same mapping, for the `challenges:` section of an exercise file.
    public func node() -> Node {
        var pairs: [(Node, Node)] = [(Node("name"), text(name))]
        if let author { pairs.append((Node("author"), text(author))) }
        pairs.append((Node("category"), text(category)))
        if !description.isEmpty { pairs.append((Node("description"), text(description))) }
        if let attribution { pairs.append((Node("attribution"), text(attribution))) }
        var extra: [(Node, Node)] = []
        switch value {
        case .fixed(let points):
            pairs.append((Node("type"), Node("standard")))
            pairs.append((Node("value"), Node(String(points))))
        case .decaying(let initial, let minimum, let decay, let function):
            pairs.append((Node("type"), Node("dynamic")))
            extra = [
                (Node("initial"), Node(String(initial))), (Node("decay"), Node(Self.number(decay))),
                (Node("minimum"), Node(String(minimum))), (Node("function"), Node(function.rawValue)),
            ]
        }
        if !firstBlood.percents.isEmpty {
            extra.append((Node("first_blood"), Node(firstBlood.percents.map { Node(Self.number($0)) })))
        }
        if !extra.isEmpty { pairs.append((Node("extra"), Node(extra))) }
        if let connectionInfo { pairs.append((Node("connection_info"), text(connectionInfo))) }
        if let maxAttempts { pairs.append((Node("attempts"), Node(String(maxAttempts)))) }
        if logic != .any { pairs.append((Node("logic"), Node(logic.rawValue))) }
        if !flags.isEmpty {
            pairs.append(
                (
                    Node("flags"),
                    Node(
                        flags.map { flag in
                            Node([
                                (Node("type"), Node(flag.kind.rawValue)), (Node("content"), text(flag.content)),
                                (Node("data"), Node(flag.caseInsensitive ? "case_insensitive" : "case_sensitive")),
                            ])
                        })
                ))
        }
        if !topics.isEmpty { pairs.append((Node("topics"), Node(topics.map(text)))) }
        if !tags.isEmpty { pairs.append((Node("tags"), Node(tags.map(text)))) }
        if !files.isEmpty { pairs.append((Node("files"), Node(files.map(text)))) }
        if !hints.isEmpty {
            pairs.append(
                (
                    Node("hints"),
                    Node(
                        hints.map { hint in
                            var fields: [(Node, Node)] = []
                            if let key = hint.key { fields.append((Node("key"), text(key))) }
                            if let title = hint.title { fields.append((Node("title"), text(title))) }
                            fields.append((Node("content"), text(hint.content)))
                            fields.append((Node("cost"), Node(String(hint.cost))))
                            if !hint.prerequisites.isEmpty { fields.append((Node("requirements"), Node(hint.prerequisites.map(text)))) }
                            return Node(fields)
                        })
                ))
        }
        if anonymize {
            pairs.append(
                (
                    Node("requirements"),
                    Node([(Node("prerequisites"), Node(prerequisites.map(text))), (Node("anonymize"), Node("true"))])
                ))
        } else if !prerequisites.isEmpty {
            pairs.append((Node("requirements"), Node(prerequisites.map(text))))
        }
        if let next { pairs.append((Node("next"), text(next))) }
        if let scheduledAt {
            pairs.append((Node("scheduled_at"), Node(ExerciseTime.format(scheduledAt, timeZone: .gmt), .implicit, .doubleQuoted)))
        }
        pairs.append((Node("state"), Node(state.rawValue)))
        return Node(pairs)
    }

    /// How a hint is named by unlocks and by other hints: its `key`, else its place (1, 2, …).
    public func hintKey(_ index: Int) -> String { hints[index].key ?? String(index + 1) }

    private func text(_ value: String) -> Node {
        Node(value, .implicit, value.contains("\n") ? .literal : .doubleQuoted)
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
