import Foundation
import Ink
import Plot

/// Markdown written by the white team (challenge descriptions, hints), rendered to HTML that cannot
/// run anything.
///
/// Ink copies raw HTML through, so a judge's `<script src="…/files/notes.js">` once ran in every
/// viewer's browser. Ink's output is therefore rebuilt by an allowlist: known formatting elements
/// only, with only their harmless attributes, links and images only to `http`, `https`, `mailto` or
/// this site, every attribute value re-escaped. Anything else is shown as the text it is, so an
/// author sees what was dropped. Elements are kept balanced, so stray closing tags cannot break out
/// of the block the description sits in.
package enum Markdown {
    package static func html(_ source: String) -> String {
        sanitize(MarkdownParser().html(from: source))
    }

    /// The element a description or hint renders into.
    package static func block(_ source: String) -> Node<HTML.BodyContext> {
        .div(.class("markdown"), .raw(html(source)))
    }

    package static let allowedElements: Set<String> = [
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt", "em", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "summary",
        "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    ]
    package static let voidElements: Set<String> = ["br", "hr", "img"]
    /// Attributes kept, by element; `*` applies to every element.
    package static let allowedAttributes: [String: Set<String>] = [
        "*": ["title"],
        "a": ["href"],
        "img": ["src", "alt", "width", "height"],
        "td": ["align", "colspan", "rowspan"],
        "th": ["align", "colspan", "rowspan"],
        "ol": ["start"],
        "code": ["class"],
    ]
    package static let urlAttributes: Set<String> = ["href", "src"]

    /// Rebuilds `html` from the allowlist.
    package static func sanitize(_ html: String) -> String {
        var output = ""
        output.reserveCapacity(html.utf8.count)
        var open: [String] = []
        let scalars = Array(html.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "<" {
                if let comment = commentEnd(scalars, from: index) {
                    index = comment  // comments are dropped
                    continue
                }
                if let (tag, end) = parseTag(scalars, from: index) {
                    index = end
                    emit(tag, into: &output, open: &open)
                    continue
                }
                output += "&lt;"
            } else if scalar == "&" {
                let (text, end) = reference(scalars, from: index)
                output += text
                index = end
                continue
            } else if scalar == ">" {
                output += "&gt;"
            } else if scalar == "\0" {
                output += "\u{FFFD}"
            } else {
                output.unicodeScalars.append(scalar)
            }
            index += 1
        }
        for name in open.reversed() { output += "</\(name)>" }
        return output
    }

    package struct Tag {
        package var name: String
        package var closing: Bool
        package var attributes: [(name: String, value: String?)]
    }

    private static func emit(_ tag: Tag, into output: inout String, open: inout [String]) {
        guard allowedElements.contains(tag.name) else {
            // Shown, not run: the author sees what was left out.
            output += "&lt;" + (tag.closing ? "/" : "") + HTMLEscaping.text(tag.name) + "&gt;"
            return
        }
        if tag.closing {
            guard let position = open.lastIndex(of: tag.name) else { return }  // closes nothing of ours: dropped
            for name in open[position...].reversed() { output += "</\(name)>" }
            open.removeSubrange(position...)
            return
        }
        output += "<" + tag.name
        let allowed = (allowedAttributes["*"] ?? []).union(allowedAttributes[tag.name] ?? [])
        var seen: Set<String> = []
        for attribute in tag.attributes where allowed.contains(attribute.name) && seen.insert(attribute.name).inserted {
            let value = decodeReferences(attribute.value ?? "")
            if urlAttributes.contains(attribute.name) {
                guard isSafeURL(value) else { continue }
            }
            if tag.name == "code", attribute.name == "class" {
                guard value.hasPrefix("language-"), value.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || "-_+0123456789".unicodeScalars.contains($0) })
                else { continue }
            }
            output += " \(attribute.name)=\"\(HTMLEscaping.attribute(value))\""
        }
        if tag.name == "a" { output += " rel=\"noopener noreferrer\"" }
        output += ">"
        if !voidElements.contains(tag.name) { open.append(tag.name) }
    }

    /// `http`, `https`, `mailto`, or a link within this site (a path, `#anchor`, `?query`).
    package static func isSafeURL(_ value: String) -> Bool {
        // Browsers ignore these inside a URL (`java\tscript:`), so they are removed before deciding.
        let cleaned = String(String.UnicodeScalarView(value.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F }))
        guard let colon = cleaned.firstIndex(of: ":") else { return !cleaned.hasPrefix("//") && !cleaned.hasPrefix("\\\\") }
        let scheme = cleaned[..<colon]
        // A colon after the first `/`, `?` or `#` is part of a relative link, not a scheme.
        if scheme.contains(where: { "/?#".contains($0) }) { return !cleaned.hasPrefix("//") && !cleaned.hasPrefix("\\") }
        return ["http", "https", "mailto"].contains(scheme.lowercased())
    }

    // MARK: parsing

    /// The end of `<!-- … -->` starting at `start`, or nil when there is none there.
    private static func commentEnd(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        guard start + 3 < s.count, s[start + 1] == "!", s[start + 2] == "-", s[start + 3] == "-" else { return nil }
        var index = start + 4
        while index + 2 < s.count {
            if s[index] == "-", s[index + 1] == "-", s[index + 2] == ">" { return index + 3 }
            index += 1
        }
        return s.count
    }

    /// A start or end tag at `start` (`<name attr="v">`, `</name>`), or nil when the `<` starts none.
    private static func parseTag(_ s: [Unicode.Scalar], from start: Int) -> (Tag, Int)? {
        var index = start + 1
        var closing = false
        if index < s.count, s[index] == "/" {
            closing = true
            index += 1
        }
        guard index < s.count, isASCIILetter(s[index]) else { return nil }
        var name = ""
        while index < s.count, isASCIILetter(s[index]) || ("0"..."9").contains(s[index]) {
            name.unicodeScalars.append(s[index])
            index += 1
        }
        var attributes: [(String, String?)] = []
        while index < s.count {
            while index < s.count, isSpace(s[index]) { index += 1 }
            guard index < s.count else { return nil }
            if s[index] == ">" { return (Tag(name: name.lowercased(), closing: closing, attributes: attributes), index + 1) }
            if s[index] == "/" {
                index += 1
                continue
            }
            var attributeName = ""
            while index < s.count, !isSpace(s[index]), !"/>=".unicodeScalars.contains(s[index]) {
                attributeName.unicodeScalars.append(s[index])
                index += 1
            }
            guard !attributeName.isEmpty else { return nil }
            while index < s.count, isSpace(s[index]) { index += 1 }
            var value: String?
            if index < s.count, s[index] == "=" {
                index += 1
                while index < s.count, isSpace(s[index]) { index += 1 }
                guard index < s.count else { return nil }
                var text = ""
                if s[index] == "\"" || s[index] == "'" {
                    let quote = s[index]
                    index += 1
                    while index < s.count, s[index] != quote {
                        text.unicodeScalars.append(s[index])
                        index += 1
                    }
                    guard index < s.count else { return nil }
                    index += 1
                } else {
                    while index < s.count, !isSpace(s[index]), s[index] != ">" {
                        text.unicodeScalars.append(s[index])
                        index += 1
                    }
                }
                value = text
            }
            attributes.append((attributeName.lowercased(), value))
        }
        return nil
    }

    /// A character reference kept as it is when well formed (`&amp;`, `&#39;`, `&#x41;`), else an escaped `&`.
    private static func reference(_ s: [Unicode.Scalar], from start: Int) -> (String, Int) {
        var index = start + 1
        var body = ""
        while index < s.count, index - start <= 32, s[index].properties.isAlphabetic || ("0"..."9").contains(s[index]) || s[index] == "#" {
            body.unicodeScalars.append(s[index])
            index += 1
        }
        guard index < s.count, s[index] == ";", isWellFormedReference(body) else { return ("&amp;", start + 1) }
        return ("&" + body + ";", index + 1)
    }

    /// `name`, `#123` or `#x1F`: harmless in text whatever it stands for (never NUL).
    private static func isWellFormedReference(_ body: String) -> Bool {
        if body.hasPrefix("#") { return decodeReference(body).map { $0 != "\0" } ?? false }
        guard let first = body.unicodeScalars.first, isASCIILetter(first) else { return false }
        return body.unicodeScalars.allSatisfy { isASCIILetter($0) || ("0"..."9").contains($0) }
    }

    /// Attribute values as the browser would read them: references decoded.
    package static func decodeReferences(_ value: String) -> String {
        guard value.contains("&") else { return value }
        var result = ""
        var rest = Substring(value)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semicolon = after.prefix(33).firstIndex(of: ";"), let decoded = decodeReference(String(after[..<semicolon])) {
                result += decoded
                rest = after[after.index(after: semicolon)...]
            } else {
                result += "&"
                rest = after
            }
        }
        return result + rest
    }

    private static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "colon": ":", "tab": "\t", "newline": "\n",
        "sol": "/", "lpar": "(", "rpar": ")", "period": ".", "hellip": "…", "mdash": "—", "ndash": "–", "copy": "©",
    ]

    private static func decodeReference(_ body: String) -> String? {
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let number = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            return number.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
        }
        return named[body]
    }

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{0C}"
    }
}
