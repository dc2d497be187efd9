import Foundation

/// Regular expressions matched in time linear in the text, whatever the pattern.
///
/// Backtracking engines (ICU's `NSRegularExpression`, Python's `re`) take exponential time on
/// patterns such as `RAMPART\{(a+)+\}`: one administrator's flag cost 1.2 s per submission and held
/// up every other team. This engine compiles a pattern to a small program and runs it as a Pike
/// machine (Thompson's construction with thread priorities, as RE2 does): every position of the text
/// is visited once with at most one thread per instruction, so a match costs at most
/// text length × program size steps. Threads keep the priority order a backtracking engine would try
/// them in, so the match found is the one Python's `re.match` finds (lazy and greedy quantifiers and
/// alternation order included), which CTFd's regex flags rely on.
///
/// The syntax is the common part of Python's and ICU's: literals and escapes (`\n`, `\t`, `\xHH`,
/// `\uHHHH`, escaped punctuation), `.`, classes (`[a-z_\d]`, `[^…]`), `\d \w \s \D \W \S`, anchors
/// (`^ $ \A \Z \z \b \B`), groups (`(…)`, `(?:…)`, `(?P<name>…)`, `(?<name>…)`), alternation,
/// quantifiers (`* + ? {n} {n,} {,m} {n,m}`, each lazy with `?`), and the flags `(?i)` and `(?s)` at
/// the start. What needs backtracking — back-references, look-around, atomic groups, possessive
/// quantifiers — is refused with a message when the pattern is saved.
public struct LinearRegex: Sendable, Equatable {
    public let pattern: String
    public let caseInsensitive: Bool
    let dotAll: Bool
    let program: [Instruction]

    /// Instructions one pattern may compile to: a match then costs at most this many steps per character.
    public static let maxInstructions = 2_000
    /// Steps one match may take; a text long enough to reach it is treated as not matching.
    public static let maxSteps = 50_000_000

    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public init(_ pattern: String, caseInsensitive: Bool = false, maxInstructions: Int = maxInstructions) throws(SyntaxError) {
        var parser = Parser(Array(pattern.unicodeScalars), caseInsensitive: caseInsensitive)
        let tree = try parser.parse()
        self.pattern = pattern
        self.caseInsensitive = parser.caseInsensitive
        self.dotAll = parser.dotAll
        var compiler = Compiler(limit: maxInstructions, caseInsensitive: parser.caseInsensitive, dotAll: parser.dotAll)
        try compiler.emit(tree)
        compiler.program.append(.match)
        guard compiler.program.count <= maxInstructions else { throw Compiler.tooLarge(maxInstructions) }
        self.program = compiler.program
    }

    public static func == (lhs: LinearRegex, rhs: LinearRegex) -> Bool {
        lhs.pattern == rhs.pattern && lhs.caseInsensitive == rhs.caseInsensitive
    }

    /// The number of instructions: what a match costs per character.
    public var size: Int { program.count }

    /// Whether the match Python's `re.match(pattern, text)` finds covers the whole text (CTFd's test
    /// for regex flags: the first match, not the longest, so `a|ab` does not accept `ab`).
    public func matchesWhole(_ text: String) -> Bool {
        let input = Array(text.unicodeScalars)
        return run(input, search: false) == input.count
    }

    /// Whether the pattern matches anywhere in `text`.
    public func matchesAnywhere(_ text: String) -> Bool {
        run(Array(text.unicodeScalars), search: true) != nil
    }

    // MARK: - Program

    enum Assertion: Equatable, Sendable {
        case start, end, textStart, textEnd, wordBoundary, notWordBoundary
    }

    enum Instruction: Equatable, Sendable {
        case char(Unicode.Scalar)  // case-folded when the pattern ignores case
        case any
        case set(CharacterClass)
        case split(Int, Int)  // try the first, then the second
        case jump(Int)
        case assert(Assertion)
        case match
    }

    struct CharacterClass: Equatable, Sendable {
        enum Item: Equatable, Sendable {
            case range(UInt32, UInt32)
            case digit(Bool), word(Bool), space(Bool)  // true: the negated shorthand
        }
        var items: [Item]
        var negated: Bool

        func contains(_ scalar: Unicode.Scalar, caseInsensitive: Bool) -> Bool {
            let found =
                test(scalar)
                || (caseInsensitive && (LinearRegex.variants(of: scalar).contains { $0 != scalar && test($0) }))
            return found != negated
        }

        private func test(_ scalar: Unicode.Scalar) -> Bool {
            items.contains { item in
                switch item {
                case .range(let low, let high): (low...high).contains(scalar.value)
                case .digit(let negated): LinearRegex.isDigit(scalar) != negated
                case .word(let negated): LinearRegex.isWord(scalar) != negated
                case .space(let negated): scalar.properties.isWhitespace != negated
                }
            }
        }
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.numericType == .decimal }
    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    /// A scalar and its one-scalar lower- and upper-case forms.
    static func variants(of scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        var result = [scalar]
        for mapping in [scalar.properties.lowercaseMapping, scalar.properties.uppercaseMapping] {
            let scalars = mapping.unicodeScalars
            if scalars.count == 1, let only = scalars.first, !result.contains(only) { result.append(only) }
        }
        return result
    }

    static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let lower = scalar.properties.lowercaseMapping.unicodeScalars
        return lower.count == 1 ? lower.first! : scalar
    }

    // MARK: - Running

    /// The end of the match with the highest priority, starting at 0 (`search: false`), or the end
    /// of the first match found anywhere (`search: true`); nil when there is none.
    private func run(_ input: [Unicode.Scalar], search: Bool) -> Int? {
        let folded = caseInsensitive ? input.map(Self.fold) : input
        var current = ThreadList(capacity: program.count)
        var next = ThreadList(capacity: program.count)
        var matched: Int?
        var steps = 0
        add(0, at: 0, into: &current, input, &steps)
        for position in 0...input.count {
            if search, matched == nil, position > 0 { add(0, at: position, into: &current, input, &steps) }
            if current.isEmpty { break }
            next.clear()
            for pc in current.list {
                steps += 1
                guard steps <= Self.maxSteps else { return nil }
                switch program[pc] {
                case .match:
                    matched = position
                    if search { return position }
                    // Lower-priority threads cannot beat this match; higher ones already moved on.
                    break
                case .char(let scalar):
                    if position < input.count, folded[position] == scalar {
                        add(pc + 1, at: position + 1, into: &next, input, &steps)
                    }
                    continue
                case .any:
                    if position < input.count, dotAll || input[position] != "\n" { add(pc + 1, at: position + 1, into: &next, input, &steps) }
                    continue
                case .set(let set):
                    if position < input.count, set.contains(input[position], caseInsensitive: caseInsensitive) {
                        add(pc + 1, at: position + 1, into: &next, input, &steps)
                    }
                    continue
                case .split, .jump, .assert:
                    continue  // followed when added
                }
                break  // a match cuts the threads after it
            }
            swap(&current, &next)
        }
        return matched
    }

    /// Adds the thread at `pc` and everything reachable from it without reading a character, in
    /// priority order, each instruction once per position.
    private func add(_ start: Int, at position: Int, into list: inout ThreadList, _ input: [Unicode.Scalar], _ steps: inout Int) {
        var stack = [start]
        while let pc = stack.popLast() {
            guard list.insert(pc) else { continue }
            steps += 1
            switch program[pc] {
            case .jump(let target):
                list.removeLast()
                stack.append(target)
            case .split(let first, let second):
                list.removeLast()
                stack.append(second)
                stack.append(first)
            case .assert(let assertion):
                list.removeLast()
                if holds(assertion, at: position, input) { stack.append(pc + 1) }
            default:
                break
            }
        }
    }

    private func holds(_ assertion: Assertion, at position: Int, _ input: [Unicode.Scalar]) -> Bool {
        switch assertion {
        case .start, .textStart: return position == 0
        case .textEnd: return position == input.count
        case .end: return position == input.count || (position == input.count - 1 && input[position] == "\n")
        case .wordBoundary, .notWordBoundary:
            let before = position > 0 && Self.isWord(input[position - 1])
            let after = position < input.count && Self.isWord(input[position])
            return (before != after) == (assertion == .wordBoundary)
        }
    }

    /// Threads in priority order, each instruction at most once per position: a set emptied in
    /// constant time by moving to the next generation.
    struct ThreadList {
        private(set) var list: [Int] = []
        private var seen: [UInt32]
        private var generation: UInt32 = 1
        init(capacity: Int) { seen = Array(repeating: 0, count: capacity) }
        var isEmpty: Bool { list.isEmpty }
        /// Marks `pc` seen and appends it; false when it was seen already.
        mutating func insert(_ pc: Int) -> Bool {
            if seen[pc] == generation { return false }
            seen[pc] = generation
            list.append(pc)
            return true
        }
        /// Takes the last appended instruction off the list; it stays seen.
        mutating func removeLast() { list.removeLast() }
        mutating func clear() {
            list.removeAll(keepingCapacity: true)
            generation &+= 1
            if generation == 0 {
                seen = Array(repeating: 0, count: seen.count)
                generation = 1
            }
        }
    }
}

// MARK: - Parsing

extension LinearRegex {
    indirect enum Tree: Equatable {
        case empty
        case char(Unicode.Scalar)
        case any
        case set(CharacterClass)
        case assert(Assertion)
        case concat([Tree])
        case alternation([Tree])
        case repeating(Tree, min: Int, max: Int?, greedy: Bool)
    }

    struct Parser {
        let s: [Unicode.Scalar]
        var i = 0
        var depth = 0
        var caseInsensitive: Bool
        var dotAll = false
        static let maxDepth = 100
        static let maxCount = 1_000

        init(_ s: [Unicode.Scalar], caseInsensitive: Bool) {
            self.s = s
            self.caseInsensitive = caseInsensitive
        }

        func error(_ message: String) -> SyntaxError { SyntaxError(message: message) }

        mutating func parse() throws(SyntaxError) -> Tree {
            // Global flags, Python's way: `(?i)` and `(?s)` at the start.
            while i + 2 < s.count, s[i] == "(", s[i + 1] == "?", "is".unicodeScalars.contains(s[i + 2]) {
                var j = i + 2
                while j < s.count, "is".unicodeScalars.contains(s[j]) {
                    if s[j] == "i" { caseInsensitive = true } else { dotAll = true }
                    j += 1
                }
                guard j < s.count, s[j] == ")" else { throw error("only the flags (?i) and (?s) are supported, at the start of the pattern") }
                i = j + 1
            }
            let tree = try alternation()
            if i < s.count { throw error("unbalanced ')' at position \(i + 1)") }
            return tree
        }

        mutating func alternation() throws(SyntaxError) -> Tree {
            var branches = [try concatenation()]
            while i < s.count, s[i] == "|" {
                i += 1
                branches.append(try concatenation())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func concatenation() throws(SyntaxError) -> Tree {
            var items: [Tree] = []
            while i < s.count, s[i] != "|", s[i] != ")" {
                let atom = try self.atom()
                items.append(try quantified(atom))
            }
            return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .concat(items))
        }

        mutating func quantified(_ atom: Tree) throws(SyntaxError) -> Tree {
            guard i < s.count else { return atom }
            var min = 0
            var max: Int? = nil
            switch s[i] {
            case "*": i += 1
            case "+":
                min = 1
                i += 1
            case "?":
                max = 1
                i += 1
            case "{":
                guard let (low, high, end) = counted(from: i) else { return atom }
                min = low
                max = high
                i = end
            default:
                return atom
            }
            if case .assert = atom { throw error("an anchor cannot be repeated") }
            var greedy = true
            if i < s.count, s[i] == "?" {
                greedy = false
                i += 1
            } else if i < s.count, s[i] == "+" {
                throw error("possessive quantifiers (*+, ++) need backtracking and are not supported")
            }
            if i < s.count, "*+?".unicodeScalars.contains(s[i]) || (s[i] == "{" && counted(from: i) != nil) {
                throw error("multiple repeat at position \(i + 1): nothing to repeat")
            }
            if let max, max < min { throw error("{\(min),\(max)}: the maximum is below the minimum") }
            return .repeating(atom, min: min, max: max, greedy: greedy)
        }

        /// `{n}`, `{n,}`, `{,m}`, `{n,m}`, `{,}` at `start`, or nil when the brace is a literal (as Python reads it).
        func counted(from start: Int) -> (Int, Int?, Int)? {
            var j = start + 1
            func number() -> Int? {
                var digits = ""
                while j < s.count, ("0"..."9").contains(s[j]), digits.count < 7 {
                    digits.unicodeScalars.append(s[j])
                    j += 1
                }
                return Int(digits)
            }
            let low = number()
            var high: Int?
            if j < s.count, s[j] == "," {
                j += 1
                high = number()  // `{,}` is `{0,}`, as in Python
            } else {
                guard let low else { return nil }
                high = low
            }
            guard j < s.count, s[j] == "}" else { return nil }
            return (min(low ?? 0, Self.maxCount + 1), high.map { min($0, Self.maxCount + 1) }, j + 1)
        }

        mutating func atom() throws(SyntaxError) -> Tree {
            let c = s[i]
            switch c {
            case "(":
                depth += 1
                guard depth <= Self.maxDepth else { throw error("groups nested more than \(Self.maxDepth) deep") }
                i += 1
                if i < s.count, s[i] == "?" {
                    guard i + 1 < s.count else { throw error("unfinished group") }
                    switch s[i + 1] {
                    case ":": i += 2
                    case "P" where i + 2 < s.count && s[i + 2] == "<":
                        i += 3
                        try skipName()
                    case "<" where i + 2 < s.count && s[i + 2] != "=" && s[i + 2] != "!":
                        i += 2
                        try skipName()
                    case "=", "!", "<": throw error("look-around ((?=, (?!, (?<=, (?<!) needs backtracking and is not supported")
                    case ">": throw error("atomic groups ((?>…)) need backtracking and are not supported")
                    case "P" where i + 2 < s.count && s[i + 2] == "=": throw error("back-references need backtracking and are not supported")
                    default: throw error("unsupported group (?\(Character(s[i + 1]))…); flags go at the start: (?i), (?s)")
                    }
                }
                let inner = try alternation()
                guard i < s.count, s[i] == ")" else { throw error("missing ')'") }
                i += 1
                depth -= 1
                return inner
            case ")": throw error("unbalanced ')' at position \(i + 1)")
            case "[":
                return .set(try characterClass())
            case ".":
                i += 1
                return .any
            case "^":
                i += 1
                return .assert(.start)
            case "$":
                i += 1
                return .assert(.end)
            case "*", "+", "?":
                throw error("nothing to repeat at position \(i + 1)")
            case "\\":
                return try escape(inClass: false).tree
            default:
                i += 1
                return .char(c)
            }
        }

        mutating func skipName() throws(SyntaxError) {
            while i < s.count, s[i] != ">" { i += 1 }
            guard i < s.count else { throw error("unfinished group name") }
            i += 1
        }

        /// An escape at `i`: a character, a shorthand class, or (outside classes) an anchor.
        mutating func escape(inClass: Bool) throws(SyntaxError) -> (tree: Tree, scalar: Unicode.Scalar?) {
            i += 1
            guard i < s.count else { throw error("the pattern ends with a backslash") }
            let c = s[i]
            i += 1
            func literal(_ scalar: Unicode.Scalar) -> (Tree, Unicode.Scalar?) { (.char(scalar), scalar) }
            switch c {
            case "d": return (.set(.init(items: [.digit(false)], negated: false)), nil)
            case "D": return (.set(.init(items: [.digit(true)], negated: false)), nil)
            case "w": return (.set(.init(items: [.word(false)], negated: false)), nil)
            case "W": return (.set(.init(items: [.word(true)], negated: false)), nil)
            case "s": return (.set(.init(items: [.space(false)], negated: false)), nil)
            case "S": return (.set(.init(items: [.space(true)], negated: false)), nil)
            case "n": return literal("\n")
            case "t": return literal("\t")
            case "r": return literal("\r")
            case "f": return literal("\u{0C}")
            case "v": return literal("\u{0B}")
            case "a": return literal("\u{07}")
            case "0": return literal("\0")
            case "x", "u", "U":
                let width = c == "x" ? 2 : (c == "u" ? 4 : 8)
                guard i + width <= s.count, let value = UInt32(String(String.UnicodeScalarView(s[i..<(i + width)])), radix: 16),
                    let scalar = Unicode.Scalar(value)
                else { throw error("\\\(c) needs \(width) hexadecimal digits") }
                i += width
                return literal(scalar)
            case "b" where !inClass: return (.assert(.wordBoundary), nil)
            case "b": return literal("\u{08}")
            case "B" where !inClass: return (.assert(.notWordBoundary), nil)
            case "A" where !inClass: return (.assert(.textStart), nil)
            case "Z" where !inClass, "z" where !inClass: return (.assert(.textEnd), nil)
            case "1"..."9": throw error("back-references (\\\(c)) need backtracking and are not supported")
            case "p", "P", "k", "g": throw error("\\\(c) is not supported")
            default:
                guard !c.properties.isAlphabetic else { throw error("unknown escape \\\(c)") }
                return literal(c)
            }
        }

        mutating func characterClass() throws(SyntaxError) -> CharacterClass {
            i += 1
            var negated = false
            if i < s.count, s[i] == "^" {
                negated = true
                i += 1
            }
            var items: [CharacterClass.Item] = []
            var first = true
            while i < s.count, s[i] != "]" || first {
                first = false
                var low: Unicode.Scalar
                if s[i] == "\\" {
                    let (tree, scalar) = try escape(inClass: true)
                    guard let scalar else {
                        if case .set(let inner) = tree { items += inner.items }
                        continue
                    }
                    low = scalar
                } else {
                    low = s[i]
                    i += 1
                }
                if i + 1 < s.count, s[i] == "-", s[i + 1] != "]" {
                    i += 1
                    var high: Unicode.Scalar
                    if s[i] == "\\" {
                        guard let scalar = try escape(inClass: true).scalar else { throw error("a class shorthand cannot end a range") }
                        high = scalar
                    } else {
                        high = s[i]
                        i += 1
                    }
                    guard low.value <= high.value else { throw error("bad range \(low)-\(high)") }
                    items.append(.range(low.value, high.value))
                } else {
                    items.append(.range(low.value, low.value))
                }
            }
            guard i < s.count else { throw error("missing ']'") }
            i += 1
            return CharacterClass(items: items, negated: negated)
        }
    }

    // MARK: - Compiling

    struct Compiler {
        let limit: Int
        let caseInsensitive: Bool
        let dotAll: Bool
        var program: [Instruction] = []

        static func tooLarge(_ limit: Int) -> SyntaxError {
            SyntaxError(message: "the pattern is too large (more than \(limit) instructions once its repetitions are counted)")
        }

        mutating func append(_ instruction: Instruction) throws(SyntaxError) -> Int {
            guard program.count < limit else { throw Self.tooLarge(limit) }
            program.append(instruction)
            return program.count - 1
        }

        mutating func emit(_ tree: Tree) throws(SyntaxError) {
            switch tree {
            case .empty: break
            case .char(let scalar): _ = try append(.char(caseInsensitive ? LinearRegex.fold(scalar) : scalar))
            case .any: _ = try append(.any)
            case .set(let set): _ = try append(.set(set))
            case .assert(let assertion): _ = try append(.assert(assertion))
            case .concat(let items):
                for item in items { try emit(item) }
            case .alternation(let branches):
                var jumps: [Int] = []
                for (index, branch) in branches.enumerated() {
                    if index < branches.count - 1 {
                        let split = try append(.split(0, 0))
                        try emit(branch)
                        jumps.append(try append(.jump(0)))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repeating(let inner, let min, let max, let greedy):
                for _ in 0..<min { try emit(inner) }
                if let max {
                    // Each optional copy: split into it or past it.
                    var splits: [Int] = []
                    for _ in min..<max {
                        splits.append(try append(.split(0, 0)))
                        try emit(inner)
                    }
                    for split in splits { program[split] = greedy ? .split(split + 1, program.count) : .split(program.count, split + 1) }
                } else {
                    let split = try append(.split(0, 0))
                    try emit(inner)
                    _ = try append(.jump(split))
                    program[split] = greedy ? .split(split + 1, program.count) : .split(program.count, split + 1)
                }
            }
        }
    }
}
