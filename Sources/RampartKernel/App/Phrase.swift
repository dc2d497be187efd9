import RampartCore

/// A sentence a user reads, in English and Korean. Phrases are written only in string catalogues,
/// the files named `…Strings.swift`, one per part of the server, so that no Korean (and no sentence
/// that needs it) hides elsewhere in the code; a test holds the sources to this.
package struct Phrase: Sendable, Hashable {
    package let en: String
    package let ko: String

    package init(_ en: String, ko: String) {
        self.en = en
        self.ko = ko
    }

    package func text(_ locale: UILocale) -> String { locale == .ko ? ko : en }

    /// Words a person typed, shown as they were written in either language.
    package static func verbatim(_ text: String) -> Phrase { Phrase(text, ko: text) }

    package static func + (lhs: Phrase, rhs: Phrase) -> Phrase { Phrase(lhs.en + rhs.en, ko: lhs.ko + rhs.ko) }
}
