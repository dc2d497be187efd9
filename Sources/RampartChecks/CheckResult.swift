import Foundation
import RampartCore

/// The statuses live in RampartCore, where scoring reads them.
public typealias CheckStatus = RampartCore.CheckStatus

/// The outcome of one check: a status, a message the team sees, a detail only the white and green
/// teams see, and how long it took.
public struct CheckResult: Sendable, Equatable {
    public var status: CheckStatus
    /// Shown to the team that owns the service: what is wrong, never how the checker works.
    public var publicMessage: String
    /// Shown to the white and green teams only: addresses, raw errors, checker output.
    public var privateDetail: String
    public var latency: Duration

    /// Messages are cut to this many characters (ForcAD keeps 1,024 of each stream).
    public static let messageLimit = 1_024

    /// What the team reads when the check itself failed (`error`); the detail says why.
    public static let notRun = "The check could not be run (the white team is told)"

    public init(_ status: CheckStatus, _ publicMessage: String, detail: String = "", latency: Duration = .zero) {
        self.status = status
        self.publicMessage = String(publicMessage.prefix(Self.messageLimit))
        privateDetail = String(detail.prefix(Self.messageLimit))
        self.latency = latency
    }
}

/// A problem with how a check is set up (unknown type, missing or malformed parameter): reported when
/// the check is declared or tried, not when it runs.
public struct CheckConfigurationError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A target written `host:port`, `[v6]:port`, or a bare host when the check has a default port.
public struct CheckTarget: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String, defaultPort: Int?) throws(CheckConfigurationError) {
        let text = text.trimmingCharacters(in: .whitespaces)
        var host = text
        var portText: Substring?
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") {
                portText = rest.dropFirst()
            } else if !rest.isEmpty {
                throw CheckConfigurationError("'\(text)' is not host:port")
            }
        } else if let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, host.count <= 253 else { throw CheckConfigurationError("'\(text)' names no host") }
        // A template such as 10.{team.number}.1.5 gives team 300 "10.300.1.5": no name to look up, a mistake.
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, host.allSatisfy({ $0.isNumber || $0 == "." }), !parts.allSatisfy({ Int($0).map { (0...255).contains($0) } ?? false }) {
            throw CheckConfigurationError("'\(host)' is not an IPv4 address (each part 0–255): give this team an override")
        }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { throw CheckConfigurationError("'\(portText)' is not a port (1–65535)") }
            self.init(host: host, port: port)
        } else if let defaultPort {
            self.init(host: host, port: defaultPort)
        } else {
            throw CheckConfigurationError("'\(text)' needs a port: host:port")
        }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The host of a target with or without a port (what enochecker tasks and exploit farms name
    /// teams by); the text itself when it cannot be read.
    public static func host(of target: String) -> String {
        (try? CheckTarget(parsing: target, defaultPort: 1).host) ?? target
    }
}
