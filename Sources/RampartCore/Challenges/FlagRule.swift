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
    private let compiled: LinearRegex?

    public struct InvalidRegex: Error, Equatable, CustomStringConvertible {
        public let pattern: String
        public let reason: String
        public var description: String { "the flag pattern \(pattern) cannot be used: \(reason)" }
    }

    /// Refuses a regex that does not compile, so a broken flag is found when the challenge is written,
    /// not when a team submits. Regexes are matched in linear time (`LinearRegex`): no pattern can
    /// make a submission slow.
    public init(kind: Kind, content: String, caseInsensitive: Bool = false) throws(InvalidRegex) {
        self.kind = kind
        self.content = content
        self.caseInsensitive = caseInsensitive
        if kind == .regex {
            do {
                compiled = try LinearRegex(content, caseInsensitive: caseInsensitive)
            } catch {
                throw InvalidRegex(pattern: content, reason: error.message)
            }
        } else {
            compiled = nil
        }
    }

    public static func == (lhs: FlagRule, rhs: FlagRule) -> Bool {
        lhs.kind == rhs.kind && lhs.content == rhs.content && lhs.caseInsensitive == rhs.caseInsensitive
    }

    /// What matching this flag costs per character of a submission (a regex's program size).
    public var cost: Int { compiled?.size ?? 1 }

    /// Whether `submission` is this flag.
    public func matches(_ submission: String) -> Bool {
        let provided = submission.trimmingCharacters(in: .whitespacesAndNewlines)
        switch kind {
        case .static:
            return caseInsensitive
                ? constantTimeEquals(provided.lowercased(), content.lowercased())
                : constantTimeEquals(provided, content)
        case .regex:
            // Python's re.match anchors at the start and CTFd then requires the match to be the whole
            // submission: the first match found, not the longest (`a|ab` does not accept `ab`).
            return compiled?.matchesWhole(provided) ?? false
        }
    }
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
