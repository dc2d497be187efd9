import Foundation
import Yams

/// Every YAML text Rampart reads (exercise files, challenges, services) passes through here before
/// and after it is composed, so that no document costs more than its size suggests.
///
/// Aliases let a small document stand for a huge one: a judge's 104 KB challenge expanded to 100 MB
/// of tags that were then stored and served on every board read. Composing is cheap (an alias shares
/// the node it names), so the limits apply where the cost is: before composing, the text may not nest
/// deeper than `maxDepth` (the composer and Swift's release of the tree recurse once per level) and
/// may not use an alias or a collection as a mapping key (Yams hashes keys in full to find duplicates);
/// after composing, the tree is walked once, without recursion, counting every node and character as
/// if aliases were copied out, and the walk stops at `maxNodes` nodes or `maxCharacters` characters.
/// The walk also refuses text that no field may hold: NUL and other control characters but tab and
/// line breaks.
public enum YAMLGuard {
    public static let maxDepth = 64
    public static let maxNodes = 200_000
    /// Characters of every scalar, aliases counted: four times the text, and at least 256 KiB.
    public static func maxCharacters(for text: String) -> Int { max(4 * text.utf8.count, 256 * 1024) }

    /// Composes `yaml` within the limits, or throws the first problem with its line.
    public static func compose(_ yaml: String) throws(ExerciseFileError) -> Node? {
        if let issue = scan(yaml) { throw ExerciseFileError(issues: [issue]) }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ExerciseFileError(issues: [ExerciseFile.issue(from: error)])
        }
        guard let root else { return nil }
        if let issue = measure(root, budget: maxCharacters(for: yaml)) { throw ExerciseFileError(issues: [issue]) }
        return root
    }

    // MARK: after composing

    static func measure(_ root: Node, budget: Int) -> ExerciseFileIssue? {
        var stack = [root]
        var nodes = 0
        var characters = 0
        while let node = stack.popLast() {
            nodes += 1
            if nodes > maxNodes {
                return ExerciseFileIssue(
                    line: node.mark?.line, field: "", message: "the document has more than \(maxNodes) values once its aliases are expanded")
            }
            switch node {
            case .scalar(let scalar):
                characters += scalar.string.utf8.count
                if let bad = TextRule.forbiddenCharacter(in: scalar.string) {
                    return ExerciseFileIssue(
                        line: node.mark?.line, column: node.mark?.column, field: "",
                        message: "contains the control character U+\(String(format: "%04X", bad.value)), which no field may hold")
                }
            case .mapping(let mapping):
                for (key, value) in mapping {
                    stack.append(key)
                    stack.append(value)
                }
            case .sequence(let sequence):
                stack.append(contentsOf: sequence)
            case .alias:
                break
            }
            if characters > budget {
                return ExerciseFileIssue(
                    line: node.mark?.line, field: "",
                    message: "the document holds more than \(budget) characters once its aliases are expanded (it has \(budget / 4) or fewer itself)")
            }
        }
        return nil
    }

    // MARK: before composing

    /// Nesting depth, and keys that are aliases or collections, read from the text itself: outside
    /// quoted scalars, block scalars and comments. Indicators count only where a value starts (at a
    /// line's first character, after `- `, `: `, `[`, `{` or `,`), as in YAML, so `it's` or `a*b`
    /// inside plain text are text.
    static func scan(_ yaml: String) -> ExerciseFileIssue? {
        var indents: [Int] = []  // the block collections open at this point, by column
        var flow = 0  // open [ and {
        var blockScalarIndent: Int?  // inside `|` or `>` content: lines indented more than this
        var quote: Character?  // inside a quoted scalar, which may span lines
        for (number, rawLine) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Array(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            let lineNumber = number + 1
            let column = line.firstIndex { $0 != " " } ?? line.count
            if let parent = blockScalarIndent {
                if column >= line.count || column > parent { continue }
                blockScalarIndent = nil
            }
            var index = quote == nil ? column : 0
            if quote == nil, flow == 0, index < line.count, line[index] != "#" {
                while let top = indents.last, top >= column { indents.removeLast() }
                indents.append(column)
            }
            var valueStart = quote == nil
            func spaceOrEnd(_ position: Int) -> Bool { position >= line.count || line[position] == " " || line[position] == "\t" }
            while index < line.count {
                let character = line[index]
                if let open = quote {
                    if open == "\"", character == "\\" {
                        index += 2
                        continue
                    }
                    if character == open {
                        if open == "'", index + 1 < line.count, line[index + 1] == "'" {
                            index += 2
                            continue
                        }
                        quote = nil
                    }
                    index += 1
                    continue
                }
                if character == " " || character == "\t" {
                    index += 1
                    continue
                }
                if character == "#", index == 0 || line[index - 1] == " " || line[index - 1] == "\t" { break }
                if character == ":", spaceOrEnd(index + 1) || (flow > 0 && index + 1 < line.count && ",]}".contains(line[index + 1])) {
                    valueStart = true
                    index += 1
                    continue
                }
                if flow > 0, character == "," {
                    valueStart = true
                    index += 1
                    continue
                }
                if flow > 0, character == "]" || character == "}" {
                    flow -= 1
                    if let issue = collectionKey(line, after: index, lineNumber) { return issue }
                    valueStart = false
                    index += 1
                    continue
                }
                guard valueStart else {
                    index += 1
                    continue
                }
                switch character {
                case "-" where flow == 0 && spaceOrEnd(index + 1):
                    // `- - x`: each dash opens a sequence one level deeper.
                    indents.append(index + 1)
                case "?" where spaceOrEnd(index + 1):
                    return ExerciseFileIssue(line: lineNumber, field: "", message: "explicit `?` keys are not supported")
                case "[", "{":
                    flow += 1
                case "\"", "'":
                    quote = character
                    valueStart = false
                case "&", "!":
                    // An anchor or a tag: the value follows it.
                    while index + 1 < line.count, !" ,[]{}".contains(line[index + 1]) { index += 1 }
                case "*":
                    var next = index + 1
                    while next < line.count, !" ,[]{}".contains(line[next]) {
                        if line[next] == ":", spaceOrEnd(next + 1) { break }
                        next += 1
                    }
                    while next < line.count, line[next] == " " { next += 1 }
                    if next < line.count, line[next] == ":" {
                        return ExerciseFileIssue(line: lineNumber, field: "", message: "an alias cannot be a key")
                    }
                    valueStart = false
                    index = next
                    continue
                case "|" where flow == 0, ">" where flow == 0:
                    // A block scalar: its content is the following, more indented lines.
                    blockScalarIndent = indents.last ?? column
                    index = line.count
                    continue
                default:
                    valueStart = false
                }
                index += 1
            }
            if indents.count + flow > maxDepth {
                return ExerciseFileIssue(line: lineNumber, field: "", message: "nested more than \(maxDepth) levels deep")
            }
        }
        return nil
    }

    /// A collection closed at `index` and followed by `:` is a key, which may not be.
    private static func collectionKey(_ line: [Character], after index: Int, _ lineNumber: Int) -> ExerciseFileIssue? {
        var next = index + 1
        while next < line.count, line[next] == " " { next += 1 }
        guard next < line.count, line[next] == ":", next + 1 == line.count || line[next + 1] == " " else { return nil }
        return ExerciseFileIssue(line: lineNumber, field: "", message: "a list or mapping cannot be a key")
    }
}
