import Foundation
import Testing

@testable import RampartCore

/// The linear-time matcher agrees with Python's `re` (which CTFd's regex flags use) and stays linear
/// on the patterns that make backtracking engines take exponential time.
@Suite struct LinearRegexTests {
    @Test func agreesWithPythonsREOnEveryCaseOfTheTable() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/regex/python-re-cases.json")
        let cases = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[Any]])
        #expect(cases.count > 2000)
        var compiled: [String: LinearRegex] = [:]
        for row in cases {
            let (pattern, text) = (row[0] as! String, row[1] as! String)
            let (whole, anywhere) = (row[2] as! Bool, row[3] as! Bool)
            let regex = try compiled[pattern] ?? LinearRegex(pattern)
            compiled[pattern] = regex
            #expect(regex.matchesWhole(text) == whole, "re.match(\(pattern.debugDescription), \(text.debugDescription)) whole: \(whole)")
            #expect(regex.matchesAnywhere(text) == anywhere, "re.search(\(pattern.debugDescription), \(text.debugDescription)): \(anywhere)")
        }
    }

    @Test func catastrophicPatternsStayLinear() throws {
        let long = String(repeating: "a", count: 1_000)
        // Each of these takes a backtracking engine longer than the age of the universe on these texts.
        #expect(try !LinearRegex(#"RAMPART\{(a+)+\}"#).matchesWhole("RAMPART{" + long + "!}"))
        #expect(try LinearRegex(#"RAMPART\{(a+)+\}"#).matchesWhole("RAMPART{" + long + "}"))
        #expect(try !LinearRegex(#"(a|aa)+$"#).matchesWhole(long + "b"))
        #expect(try !LinearRegex(#"(a*)*b"#).matchesAnywhere(long))
        #expect(try !LinearRegex(#"(\w|\d)+x$"#).matchesAnywhere(String(repeating: "1", count: 5_000)))
        #expect(try !LinearRegex(#"(.*a){20}"#).matchesWhole(String(repeating: "a", count: 19) + String(repeating: "b", count: 2_000)))
    }

    @Test func whatNeedsBacktrackingIsRefusedWithAReason() {
        let refused: [(String, String)] = [
            (#"(a)\1"#, "back-references"), ("(?=a)a", "look-around"), ("(?<=a)b", "look-around"), ("(?!a)b", "look-around"),
            ("(?>a)", "atomic"), ("a*+", "possessive"), (#"\p{L}"#, "not supported"), ("(?x)a", "flags"), ("(a{1000}){1000}", "too large"),
            ("a{2}{3}", "multiple repeat"),
            (String(repeating: "(", count: 200) + "a" + String(repeating: ")", count: 200), "nested"), ("(a", "missing ')'"), ("a)", "unbalanced"),
            ("[a", "missing ']'"), ("*a", "nothing to repeat"), ("a**", "nothing to repeat"), (#"a\"#, "backslash"), ("[z-a]", "bad range"),
            ("a{3,2}", "maximum"), (#"\q"#, "unknown escape"),
        ]
        for (pattern, reason) in refused {
            #expect(throws: LinearRegex.SyntaxError.self, "\(pattern)") { try LinearRegex(pattern) }
            do {
                _ = try LinearRegex(pattern)
            } catch {
                #expect(error.message.contains(reason), "\(pattern): \(error.message)")
            }
        }
    }

    @Test func flagsMatchAsCTFdMatchesThem() throws {
        let flag = try FlagRule(kind: .regex, content: #"RAMPART\{(a+)+\}"#)
        #expect(flag.matches(" RAMPART{aaa} "))
        #expect(!flag.matches("RAMPART{" + String(repeating: "a", count: 1_000) + "!}"))
        #expect(try FlagRule(kind: .regex, content: "rampart\\{x\\}", caseInsensitive: true).matches("RAMPART{X}"))
        #expect(throws: FlagRule.InvalidRegex.self) { try FlagRule(kind: .regex, content: "(a)\\1") }
        // A challenge's regex flags together are bounded, since each submission tries them all.
        let many = (0..<10).map { _ in "  - {type: regex, content: \"" + String(repeating: "[a-z]", count: 400) + "\"}" }
        #expect(throws: ExerciseFileError.self) {
            try ChallengeSpec.read(yaml: "name: x\ncategory: c\nvalue: 1\nflags:\n" + many.joined(separator: "\n"))
        }
    }
}
