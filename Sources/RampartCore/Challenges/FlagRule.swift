import Foundation

/// One accepted answer of a challenge, matched as CTFd matches it (`CTFd/plugins/flags/__init__.py`):
/// the submission is trimmed; a static flag must be equal (compared in constant time), a regex flag
/// must match the whole submission; either may ignore case.
public struct FlagRule: Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case `static`
        case regex
    }

    public let kind: Kind
    public let content: String
    public let caseInsensitive: Bool
    private let compiled: CompiledRegex?

    public struct InvalidRegex: Error, Equatable, CustomStringConvertible {
        public let pattern: String
        public var description: String { "the flag pattern \(pattern) is not a valid regular expression" }
    }

    /// Refuses a regex that does not compile, so a broken flag is found when the challenge is written,
    /// not when a team submits.
    public init(kind: Kind, content: String, caseInsensitive: Bool = false) throws {
        self.kind = kind
        self.content = content
        self.caseInsensitive = caseInsensitive
        if kind == .regex {
            guard let regex = try? NSRegularExpression(pattern: content, options: caseInsensitive ? [.caseInsensitive] : []) else {
                throw InvalidRegex(pattern: content)
            }
            compiled = CompiledRegex(regex: regex)
        } else {
            compiled = nil
        }
    }

    public static func == (lhs: FlagRule, rhs: FlagRule) -> Bool {
        lhs.kind == rhs.kind && lhs.content == rhs.content && lhs.caseInsensitive == rhs.caseInsensitive
    }

    /// Whether `submission` is this flag.
    public func matches(_ submission: String) -> Bool {
        let provided = submission.trimmingCharacters(in: .whitespacesAndNewlines)
        switch kind {
        case .static:
            return caseInsensitive
                ? constantTimeEquals(provided.lowercased(), content.lowercased())
                : constantTimeEquals(provided, content)
        case .regex:
            guard let regex = compiled?.regex else { return false }
            // Python's re.match anchors at the start and CTFd then requires the match to be the whole
            // submission: the first match found, not the longest (`a|ab` does not accept `ab`).
            let range = NSRange(provided.startIndex..., in: provided)
            guard let match = regex.firstMatch(in: provided, options: [.anchored], range: range) else { return false }
            return match.range == range
        }
    }
}

/// `NSRegularExpression` is immutable and documented as safe to share between threads.
private final class CompiledRegex: @unchecked Sendable {
    let regex: NSRegularExpression
    init(regex: NSRegularExpression) { self.regex = regex }
}

/// Whether two secrets are equal, comparing every byte whatever the first difference, so timing does not
/// reveal how much of a guess matched. Lengths are compared first, as CTFd does.
public func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
    let a = Array(lhs.utf8)
    let b = Array(rhs.utf8)
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
}
