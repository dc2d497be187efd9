import Foundation
import Plot

/// The one escaping path for HTML: every text node and every attribute value a page renders goes
/// through `HTMLEscaping`.
///
/// Plot escapes text only partly (it keeps anything that looks like an entity, so `&lt;` typed by a
/// user shows as `<`) and writes attribute values exactly as given, so a display name such as
/// `Park"><input name="admin" value="true">` used to end the attribute it was in and add a field to
/// an administrator's form. This file re-declares, with the same signatures, every Plot function
/// that puts a caller's string into markup; a declaration in this module shadows Plot's, so page code
/// keeps writing `.value(name)` and `.text(name)` and gets the escaped form. Only this file and the
/// Markdown sanitizer may build raw markup (`Attribute(name:…)`, `.raw`): a test reads the sources
/// and fails on any other use.
package enum HTMLEscaping {
    /// Text between tags: `&`, `<` and `>` become references; NUL, which HTML forbids, becomes U+FFFD.
    package static func text(_ value: String) -> String {
        escape(value, quotes: false)
    }

    /// A double-quoted attribute value: the text escapes plus both quotes.
    package static func attribute(_ value: String) -> String {
        escape(value, quotes: true)
    }

    private static func escape(_ value: String, quotes: Bool) -> String {
        // Fast path: most values (slugs, numbers, ordinary names) need nothing.
        guard value.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0 || (quotes && ($0 == 0x22 || $0 == 0x27)) })
        else { return value }
        var result = ""
        result.reserveCapacity(value.utf8.count + 16)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where quotes: result += "&quot;"
            case "'" where quotes: result += "&#39;"
            case "\0": result += "\u{FFFD}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A link as text: Plot's own conversion is internal to it; a String or a URL is all pages pass.
    package static func link(_ url: any URLRepresentable) -> String {
        switch url {
        case let text as String: text
        case let url as URL: url.absoluteString
        default: "\(url)"
        }
    }
}

// MARK: - Text

extension Node {
    /// Escaped text (shadows Plot's, which keeps entity-like sequences as they are).
    package static func text(_ text: String) -> Node {
        .raw(HTMLEscaping.text(text))
    }

    /// An element holding escaped text.
    package static func element(named name: String, text: String) -> Node {
        .element(named: name, nodes: [.text(text)])
    }

    /// A custom attribute, its value escaped. A nil value leaves the attribute out — that is how optional
    /// attributes are written (`required`, `checked`, `data-confirm` only when wanted). A boolean attribute
    /// that must be there is written with its name as its value (`defer="defer"`); see `booleanAttribute`.
    package static func attribute(named name: String, value: String?, ignoreIfValueIsEmpty: Bool = true) -> Node {
        .attribute(Attribute(name: name, value: value.map(HTMLEscaping.attribute), ignoreIfValueIsEmpty: ignoreIfValueIsEmpty))
    }

    /// A boolean attribute that is present (`defer`); see `Attribute.booleanAttribute`.
    package static func booleanAttribute(_ name: String) -> Node {
        .attribute(Attribute.booleanAttribute(name))
    }
}

// MARK: - Table bodies

extension Node where Context == HTML.TableContext {
    /// A table body written without an element renderer per row and cell: a standings table of 200
    /// teams has thousands of cells, and Plot's per-element buffers were most of the page's time. Each
    /// cell's own nodes are rendered (escaped) by Plot as usual; the `tr`/`td` tags around them and
    /// their classes (escaped too) are all this writes.
    package static func tableBody(_ rows: [(class: String?, cells: [(class: String?, content: Node<HTML.BodyContext>)])]) -> Node {
        var html = "<tbody>"
        for row in rows {
            html += row.class.map { "<tr class=\"" + HTMLEscaping.attribute($0) + "\">" } ?? "<tr>"
            for cell in row.cells {
                html += cell.class.map { "<td class=\"" + HTMLEscaping.attribute($0) + "\">" } ?? "<td>"
                html += cell.content.render()
                html += "</td>"
            }
            html += "</tr>"
        }
        return .raw(html + "</tbody>")
    }
}

extension Attribute {
    /// A custom attribute, its value escaped; a nil value leaves it out.
    package static func attribute(named name: String, value: String?) -> Attribute {
        Attribute(name: name, value: value.map(HTMLEscaping.attribute))
    }

    /// A boolean attribute that is present (`defer`), written `defer="defer"`. Plot drops an attribute
    /// without a value, which once left the page script without `defer`, so it ran before the page existed.
    package static func booleanAttribute(_ name: String) -> Attribute {
        Attribute(name: name, value: name)
    }
}

// MARK: - Global attributes

extension Attribute where Context: HTMLContext {
    package static func id(_ id: String) -> Attribute { .attribute(named: "id", value: id) }
    package static func `class`(_ className: String) -> Attribute { .attribute(named: "class", value: className) }
    package static func data(named name: String, value: String) -> Attribute { .attribute(named: "data-" + name, value: value) }
    package static func title(_ title: String) -> Attribute { .attribute(named: "title", value: title) }
}

extension Node where Context: HTMLContext {
    package static func id(_ id: String) -> Node { .attribute(named: "id", value: id) }
    package static func `class`(_ className: String) -> Node { .attribute(named: "class", value: className) }
    package static func data(named name: String, value: String) -> Node { .attribute(named: "data-" + name, value: value) }
    package static func title(_ title: String) -> Node { .attribute(named: "title", value: title) }
}

extension Attribute where Context: HTMLNamableContext {
    package static func name(_ name: String) -> Attribute { .attribute(named: "name", value: name) }
}

extension Node where Context: HTMLNamableContext {
    package static func name(_ name: String) -> Node { .attribute(named: "name", value: name) }
}

extension Attribute where Context == HTML.MetaContext {
    package static func property(_ property: String) -> Attribute { .attribute(named: "property", value: property) }
    package static func content(_ content: String) -> Attribute { .attribute(named: "content", value: content) }
}

extension Attribute where Context: HTMLTypeContext {
    package static func type(_ type: String) -> Attribute { .attribute(named: "type", value: type) }
}

extension Attribute where Context: HTMLValueContext {
    package static func value(_ value: String) -> Attribute { .attribute(named: "value", value: value) }
}

extension Node where Context: HTMLValueContext {
    package static func value(_ value: String) -> Node { .attribute(named: "value", value: value) }
}

// MARK: - Links, sources, forms

extension Attribute where Context == HTML.LinkContext {
    package static func sizes(_ sizes: String) -> Attribute { .attribute(named: "sizes", value: sizes) }
    package static func color(_ color: String) -> Attribute { .attribute(named: "color", value: color) }
}

extension Attribute where Context: HTMLLinkableContext {
    package static func href(_ url: any URLRepresentable) -> Attribute { .attribute(named: "href", value: HTMLEscaping.link(url)) }
}

extension Node where Context: HTMLLinkableContext {
    package static func href(_ url: any URLRepresentable) -> Node { .attribute(named: "href", value: HTMLEscaping.link(url)) }
}

extension Node where Context == HTML.TimeContext {
    package static func datetime(_ datetime: String) -> Node { .attribute(named: "datetime", value: datetime) }
}

extension Attribute where Context: HTMLSourceContext {
    package static func src(_ url: any URLRepresentable) -> Attribute { .attribute(named: "src", value: HTMLEscaping.link(url)) }
}

extension Node where Context: HTMLSourceContext {
    package static func src(_ url: any URLRepresentable) -> Node { .attribute(named: "src", value: HTMLEscaping.link(url)) }
}

extension Attribute where Context == HTML.ObjectContext {
    package static func data(_ url: any URLRepresentable) -> Attribute { .attribute(named: "data", value: HTMLEscaping.link(url)) }
}

extension Node where Context == HTML.ObjectContext {
    package static func data(_ url: any URLRepresentable) -> Node { .attribute(named: "data", value: HTMLEscaping.link(url)) }
}

extension Attribute where Context == HTML.PictureSourceContext {
    package static func srcset(_ set: String) -> Attribute { .attribute(named: "srcset", value: set) }
    package static func media(_ query: String) -> Attribute { .attribute(named: "media", value: query) }
    package static func type(_ type: String) -> Attribute { .attribute(named: "type", value: type) }
}

extension Node where Context == HTML.FormContext {
    package static func action(_ url: any URLRepresentable) -> Node { .attribute(named: "action", value: HTMLEscaping.link(url)) }
}

extension Node where Context == HTML.LabelContext {
    package static func `for`(_ target: String) -> Node { .attribute(named: "for", value: target) }
}

extension Attribute where Context == HTML.InputContext {
    package static func placeholder(_ placeholder: String) -> Attribute { .attribute(named: "placeholder", value: placeholder) }
}

extension Node where Context == HTML.TextAreaContext {
    package static func placeholder(_ placeholder: String) -> Node { .attribute(named: "placeholder", value: placeholder) }
}

extension Attribute where Context == HTML.OptionContext {
    package static func label(_ label: String) -> Attribute { .attribute(named: "label", value: label) }
}

extension Node where Context: HTMLStylableContext {
    package static func style(_ css: String) -> Node { .attribute(named: "style", value: css) }
}

extension Attribute where Context == HTML.IFrameContext {
    package static func allow(_ features: String...) -> Attribute { .attribute(named: "allow", value: features.joined(separator: "; ")) }
}

extension Attribute where Context == HTML.ImageContext {
    package static func alt(_ text: String) -> Attribute { .attribute(named: "alt", value: text) }
}

extension Node where Context: HTML.BodyContext {
    package static func ariaLabel(_ label: String) -> Node { .attribute(named: "aria-label", value: label) }
    package static func ariaControls(_ child: String) -> Node { .attribute(named: "aria-controls", value: child) }
    package static func onclick(_ script: String) -> Node { .attribute(named: "onclick", value: script) }
}

extension Attribute where Context: HTMLIntegrityContext {
    package static func integrity(_ hash: String) -> Attribute { .attribute(named: "integrity", value: hash) }
}

extension Node where Context: HTMLIntegrityContext {
    package static func integrity(_ hash: String) -> Node { .attribute(named: "integrity", value: hash) }
}
