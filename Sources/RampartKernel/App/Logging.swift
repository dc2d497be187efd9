import Foundation
import Logging
import Vapor

/// Logs as text for people (the default) or as one JSON object per line for log collectors
/// (`RAMPART_LOG_FORMAT=json`), with the request id and other metadata as fields.
public enum RampartLogging {
    public static func bootstrap(from environment: inout Environment, format: RampartConfiguration.LogFormat) throws {
        switch format {
        case .text:
            let level = try Logger.Level.detect(from: &environment)
            LoggingSystem.bootstrap { label in
                var handler = TextLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            let level = try Logger.Level.detect(from: &environment)
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// One line per event for people: `2026-12-03T09:00:00Z NOTICE failed login address=10.1.1.5 username=bob`.
/// Every value a user may have written (the message, metadata) is escaped, so a username holding a
/// line break cannot start a forged line of its own.
package struct TextLogHandler: LogHandler {
    package let label: String
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var data = Data(Self.line(event, metadata: metadata, at: Date()).utf8)
        data.append(0x0A)
        FileHandle.standardError.write(data)
    }

    package static func line(_ event: LogEvent, metadata: Logger.Metadata, at date: Date) -> String {
        var line = date.formatted(.iso8601) + " " + event.level.rawValue.uppercased() + " " + escape(event.message.description)
        let merged = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        for key in merged.keys.sorted() {
            line += " " + escape(key) + "=" + quoted("\(merged[key]!)")
        }
        if let error = event.error { line += " error=" + quoted("\(error)") }
        return line
    }

    /// Control characters as escapes (`\n`, `\u{1B}`), backslashes doubled: one event, one line.
    package static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029:
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A metadata value: as it is when it is one plain word, else quoted with its quotes escaped.
    package static func quoted(_ value: String) -> String {
        let escaped = escape(value)
        guard escaped.isEmpty || escaped.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return escaped }
        return "\"" + escaped.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

package struct JSONLogHandler: LogHandler {
    package let label: String
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { fields[key] = "\(value)" }
        fields["ts"] = Date().formatted(.iso8601)
        fields["level"] = event.level.rawValue
        fields["logger"] = label
        fields["msg"] = event.message.description
        if let error = event.error { fields["error"] = "\(error)" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var data = try? encoder.encode(fields) else { return }
        data.append(0x0A)
        FileHandle.standardError.write(data)
    }
}
