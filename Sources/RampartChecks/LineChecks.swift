import Foundation
import NIOCore
import NIOPosix

/// A line-oriented TCP conversation (SMTP, POP3, IMAP, FTP): connect, read lines, send commands.
final class LineConnection: @unchecked Sendable {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var pending = ""
    /// Everything said so far (passwords masked), for the private detail.
    private(set) var transcript: [String] = []

    struct Closed: Error {}

    private init(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        iterator = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Connects to `target` and runs `body` with the conversation; closes the connection afterwards.
    static func open<T: Sendable>(
        _ target: CheckTarget, timeout: Duration, _ body: @Sendable (LineConnection) async throws -> T
    ) async throws -> T {
        let channel = try await connect(target, timeout: timeout)
        return try await channel.executeThenClose { inbound, outbound in
            try await body(LineConnection(inbound, outbound))
        }
    }

    /// The next line, without its line break.
    func line() async throws -> String {
        while true {
            // By bytes: "\r\n" is one Character, so a Character search for "\n" would never find it.
            if let newline = pending.utf8.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Substring(pending.utf8[..<newline])
                if line.utf8.last == UInt8(ascii: "\r") { line = Substring(line.utf8.dropLast()) }
                pending = String(pending.utf8[pending.utf8.index(after: newline)...]) ?? ""
                transcript.append(String(line))
                return String(line)
            }
            guard pending.utf8.count < 64 * 1024, let chunk = try await iterator.next() else { throw Closed() }
            pending += String(decoding: chunk.readableBytesView, as: UTF8.self)
        }
    }

    /// Everything until the peer closes (a data connection), at most `limit` bytes.
    func rest(limit: Int = 1 << 20) async throws -> String {
        var text = pending
        while text.utf8.count < limit, let chunk = try await iterator.next() {
            text += String(decoding: chunk.readableBytesView, as: UTF8.self)
        }
        return text
    }

    func send(_ command: String, shown: String? = nil) async throws {
        transcript.append("> " + (shown ?? command))
        try await outbound.write(ByteBuffer(string: command + "\r\n"))
    }
}

/// Why a conversation went wrong: the team's message and the detail.
struct ProtocolFailure: Error {
    var status: CheckStatus
    var message: String
    var detail: String
}

/// Mail and file-transfer services, spoken line by line: `smtp` (banner, EHLO, optional AUTH PLAIN and
/// a test message), `pop3` and `imap` (login, optionally a mailbox), `ftp` (login, optionally fetch a file).
/// Accounts come from the service's credentials (and the teams' password change requests); a login
/// that is refused is `mumble` — the service answers, but not as it should.
public struct LineCheck: Sendable {
    public static let types: Set<String> = ["smtp", "pop3", "imap", "ftp"]
    public static let defaultPorts = ["smtp": 25, "pop3": 110, "imap": 143, "ftp": 21]

    let type: String
    let parameters: [String: String]
    private let contains: Pattern?

    public init(type: String, parameters: [String: String]) throws(CheckConfigurationError) {
        switch type {
        case "smtp": try CheckParameters.allow(parameters, ["helo", "from", "to"])
        case "pop3": try CheckParameters.allow(parameters, [])
        case "imap": try CheckParameters.allow(parameters, ["mailbox"])
        case "ftp": try CheckParameters.allow(parameters, ["file", "contains"])
        default: throw CheckConfigurationError("unknown line check '\(type)'")
        }
        if type == "smtp", (parameters["from"] == nil) != (parameters["to"] == nil) {
            throw CheckConfigurationError("smtp: give both from and to to send a test message, or neither")
        }
        self.type = type
        self.parameters = parameters
        contains = try parameters["contains"].map { pattern throws(CheckConfigurationError) in try Pattern(pattern) }
    }

    public func run(_ target: CheckTarget, timeout: Duration, account: Check.Account?) async -> CheckResult {
        let start = ContinuousClock.now
        let holder = ConnectionHolder()
        let outcome = await withDeadline(timeout) { () async throws -> (String, String) in
            try await LineConnection.open(target, timeout: timeout) { connection in
                holder.connection = connection
                switch type {
                case "smtp": return try await smtp(connection, account: account)
                case "pop3": return try await pop3(connection, account: account)
                case "imap": return try await imap(connection, account: account)
                default: return try await ftp(connection, target: target, timeout: timeout, account: account)
                }
            }
        }
        let latency = ContinuousClock.now - start
        let transcript = holder.connection?.transcript.suffix(12).joined(separator: " | ") ?? ""
        switch outcome {
        case .finished(let (message, detail)): return CheckResult(.up, message, detail: detail + " | " + transcript, latency: latency)
        case .timedOut:
            return CheckResult(.down, "No answer within \(timeout.seconds) s", detail: "\(type) \(target): timeout | \(transcript)", latency: latency)
        case .failed(let failure as ProtocolFailure):
            return CheckResult(failure.status, failure.message, detail: failure.detail + " | " + transcript, latency: latency)
        case .failed(is LineConnection.Closed):
            return CheckResult(.mumble, "The service closed the connection", detail: "\(type) \(target): closed | \(transcript)", latency: latency)
        case .failed(let error):
            let failure = connectionFailure(error)
            return CheckResult(failure.status, failure.message, detail: "\(type) \(target): \(error)", latency: latency)
        }
    }

    private final class ConnectionHolder: @unchecked Sendable {
        var connection: LineConnection?
    }

    private func needAccount(_ account: Check.Account?) throws -> Check.Account {
        guard let account else {
            throw ProtocolFailure(
                status: .error, message: CheckResult.notRun, detail: "\(type): the service lists no credentials")
        }
        return account
    }

    /// Reads a reply (SMTP and FTP: `250-…` continues, `250 …` ends) and checks its code.
    private func reply(_ connection: LineConnection, expect codes: Set<Int>, _ what: String) async throws -> String {
        var line = try await connection.line()
        while line.count >= 4, line[line.index(line.startIndex, offsetBy: 3)] == "-" { line = try await connection.line() }
        guard let code = Int(line.prefix(3)), codes.contains(code) else {
            throw ProtocolFailure(status: .mumble, message: "Unexpected answer to \(what)", detail: "\(type): \(what) answered '\(line)'")
        }
        return line
    }

    private func smtp(_ c: LineConnection, account: Check.Account?) async throws -> (String, String) {
        _ = try await reply(c, expect: [220], "the greeting")
        try await c.send("EHLO \(parameters["helo"] ?? "rampart.check")")
        var capabilities: [String] = []
        var line = try await c.line()
        capabilities.append(line)
        while line.count >= 4, line[line.index(line.startIndex, offsetBy: 3)] == "-" {
            line = try await c.line()
            capabilities.append(line)
        }
        guard line.hasPrefix("250") else {
            throw ProtocolFailure(status: .mumble, message: "Unexpected answer to EHLO", detail: "smtp: EHLO answered '\(line)'")
        }
        var done = ["EHLO"]
        if let account {
            let plain = Data("\0\(account.username)\0\(account.password)".utf8).base64EncodedString()
            try await c.send("AUTH PLAIN \(plain)", shown: "AUTH PLAIN (\(account.username))")
            let answer = try await c.line()
            guard answer.hasPrefix("235") else {
                throw ProtocolFailure(status: .mumble, message: "Login failed for \(account.username)", detail: "smtp: AUTH answered '\(answer)'")
            }
            done.append("login")
        }
        if let from = parameters["from"], let to = parameters["to"] {
            try await c.send("MAIL FROM:<\(from)>")
            _ = try await reply(c, expect: [250], "MAIL FROM")
            try await c.send("RCPT TO:<\(to)>")
            _ = try await reply(c, expect: [250, 251], "RCPT TO")
            try await c.send("DATA")
            _ = try await reply(c, expect: [354], "DATA")
            try await c.send("Subject: Rampart service check\r\nFrom: <\(from)>\r\nTo: <\(to)>\r\n\r\nService check.\r\n.")
            _ = try await reply(c, expect: [250], "the message")
            done.append("sent a message")
        }
        try? await c.send("QUIT")
        return ("Mail server answers (\(done.joined(separator: ", ")))", "smtp ok")
    }

    private func pop3(_ c: LineConnection, account: Check.Account?) async throws -> (String, String) {
        let account = try needAccount(account)
        func ok(_ what: String) async throws {
            let line = try await c.line()
            guard line.hasPrefix("+OK") else {
                throw ProtocolFailure(
                    status: .mumble, message: what == "the greeting" ? "Unexpected greeting" : "Login failed for \(account.username)",
                    detail: "pop3: \(what) answered '\(line)'")
            }
        }
        try await ok("the greeting")
        try await c.send("USER \(account.username)")
        try await ok("USER")
        try await c.send("PASS \(account.password)", shown: "PASS •••")
        try await ok("PASS")
        try? await c.send("QUIT")
        return ("Logged in as \(account.username)", "pop3 ok")
    }

    private func imap(_ c: LineConnection, account: Check.Account?) async throws -> (String, String) {
        let account = try needAccount(account)
        let greeting = try await c.line()
        guard greeting.hasPrefix("* OK") || greeting.hasPrefix("* PREAUTH") else {
            throw ProtocolFailure(status: .mumble, message: "Unexpected greeting", detail: "imap: greeting '\(greeting)'")
        }
        func tagged(_ tag: String, _ command: String, shown: String? = nil, failure: String) async throws {
            try await c.send("\(tag) \(command)", shown: shown.map { "\(tag) \($0)" })
            while true {
                let line = try await c.line()
                guard line.hasPrefix(tag + " ") else { continue }
                guard line.dropFirst(tag.count + 1).hasPrefix("OK") else {
                    throw ProtocolFailure(status: .mumble, message: failure, detail: "imap: \(tag) answered '\(line)'")
                }
                return
            }
        }
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        try await tagged(
            "a1", "LOGIN \(quoted(account.username)) \(quoted(account.password))", shown: "LOGIN \(account.username) •••",
            failure: "Login failed for \(account.username)")
        var message = "Logged in as \(account.username)"
        if let mailbox = parameters["mailbox"] {
            try await tagged("a2", "SELECT \(quoted(mailbox))", failure: "Mailbox \(mailbox) cannot be opened")
            message += ", opened \(mailbox)"
        }
        try? await c.send("a3 LOGOUT")
        return (message, "imap ok")
    }

    private func ftp(_ c: LineConnection, target: CheckTarget, timeout: Duration, account: Check.Account?) async throws -> (String, String) {
        let account = account ?? Check.Account(username: "anonymous", password: "rampart@check")
        _ = try await reply(c, expect: [220], "the greeting")
        try await c.send("USER \(account.username)")
        let user = try await reply(c, expect: [230, 331], "USER")
        if user.hasPrefix("331") {
            try await c.send("PASS \(account.password)", shown: "PASS •••")
            do {
                _ = try await reply(c, expect: [230], "PASS")
            } catch var failure as ProtocolFailure {
                failure.message = "Login failed for \(account.username)"
                throw failure
            }
        }
        guard let file = parameters["file"] else {
            try? await c.send("QUIT")
            return ("Logged in as \(account.username)", "ftp ok")
        }
        try await c.send("TYPE I")
        _ = try await reply(c, expect: [200], "TYPE I")
        try await c.send("PASV")
        let passive = try await reply(c, expect: [227], "PASV")
        // "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)": the port; the host is the target's (NAT-safe).
        let numbers = passive.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.suffix(2)
        guard numbers.count == 2 else { throw ProtocolFailure(status: .mumble, message: "Unexpected answer to PASV", detail: "ftp: '\(passive)'") }
        let dataTarget = CheckTarget(host: target.host, port: numbers.first! * 256 + numbers.last!)
        let content = try await LineConnection.open(dataTarget, timeout: timeout) { data in
            try await c.send("RETR \(file)")
            _ = try await reply(c, expect: [125, 150], "RETR \(file)")
            return try await data.rest()
        }
        _ = try await reply(c, expect: [226, 250], "the end of the transfer")
        if let contains, !contains.matches(content) {
            throw ProtocolFailure(
                status: .mumble, message: "\(file) is not what it should be",
                detail: "ftp: \(file) does not match /\(contains.source)/ (\(content.utf8.count) bytes)")
        }
        try? await c.send("QUIT")
        return ("Fetched \(file) as \(account.username)", "ftp: \(file) \(content.utf8.count) bytes")
    }
}
