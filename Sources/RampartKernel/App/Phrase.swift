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
}
