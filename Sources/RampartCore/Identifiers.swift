import Foundation

/// Rules for the short names that appear in URLs and files: exercise and team slugs, usernames.
public enum Identifier {
    /// `a-z`, `0-9` and inner hyphens, 1–63 characters: safe in a URL path, a DNS label and a file name.
    public static func isValidSlug(_ value: String) -> Bool {
        guard (1...63).contains(value.utf8.count), let first = value.utf8.first, let last = value.utf8.last else {
            return false
        }
        return value.utf8.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
            && isLowerAlnum(first) && isLowerAlnum(last)
    }

    /// `a-z`, `0-9`, `.`, `_` and `-`, starting with a letter or digit, 1–64 characters.
    public static func isValidUsername(_ value: String) -> Bool {
        guard (1...64).contains(value.utf8.count), let first = value.utf8.first, isLowerAlnum(first) else {
            return false
        }
        return value.utf8.allSatisfy {
            isLowerAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }

    public static let slugRule = "lower-case letters, digits and inner hyphens, at most 63 characters"
    public static let usernameRule = "lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters"

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

/// The languages of the user interface.
public enum UILocale: String, Codable, Sendable, CaseIterable {
    case en
    case ko

    /// The closest supported locale for a raw value such as `ko-KR` or an `Accept-Language` entry.
    public init?(matching raw: String) {
        let primary = raw.split(separator: "-").first.map { $0.lowercased() } ?? ""
        guard let locale = UILocale(rawValue: primary) else { return nil }
        self = locale
    }
}

/// Limits on free text, so a hostile or accidental megabyte does not end up in every page. Counted in
/// Unicode code points, as JSON Schema's `maxLength` in the API document counts.
/// What no text field may hold, wherever it comes from (a request, a file, the command line).
public enum TextRule {
    /// The first character no text may hold: NUL, the other C0 controls but tab, line feed and
    /// carriage return, DEL and the C1 controls.
    public static func forbiddenCharacter(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first { isForbidden($0) }
    }

    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r") || (0x7F...0x9F).contains(scalar.value)
    }
}

public enum TextLimit {
    public static let name = 200
    public static let description = 20_000
    public static let password = (min: 10, max: 200)
    /// Items of a list inside one challenge or service (tags, topics, files, hints, flags, requirements,
    /// credentials, parameters), unless a list says otherwise.
    public static let listItems = 100
    /// A flag's content: what a team can submit.
    public static let flag = 1_000
    /// Whole lists of an exercise file.
    public static let users = 10_000
    public static let teams = 1_000
    public static let members = 1_000
    public static let challenges = 2_000
    public static let services = 500
}

public extension TimeZone {
    /// A time zone from an IANA identifier (`Europe/London`, `Asia/Seoul`, `UTC`), nil otherwise.
    /// Abbreviations like `KST` are refused: they are ambiguous across the world.
    static func iana(_ identifier: String) -> TimeZone? {
        guard identifier == "UTC" || identifier.contains("/") else { return nil }
        return TimeZone(identifier: identifier)
    }
}
