import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import RampartChecks

/// A small real line-protocol server on loopback: a greeting, then `answer` for each line received
/// (nil closes the connection). Enough of SMTP, POP3, IMAP or FTP for the checks to talk to.
final class ScriptedService: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let greeting: String
    let answer: @Sendable (String) -> String?
    private var buffer = ""

    init(greeting: String, answer: @escaping @Sendable (String) -> String?) {
        self.greeting = greeting
        self.answer = answer
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: greeting + "\r\n")), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        buffer += String(buffer: unwrapInboundIn(data))
        while let newline = buffer.utf8.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(Substring(buffer.utf8[..<newline])).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            buffer = String(buffer.utf8[buffer.utf8.index(after: newline)...]) ?? ""
            guard let reply = answer(line) else {
                context.close(promise: nil)
                return
            }
            if !reply.isEmpty { context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply)), promise: nil) }
        }
    }

    static func start(greeting: String, answer: @escaping @Sendable (String) -> String?) async throws -> (any Channel, Int) {
        try await startServer { try $0.pipeline.syncOperations.addHandler(ScriptedService(greeting: greeting, answer: answer)) }
    }
}

@Suite struct LineCheckTests {
    let account = Check.Account(username: "postmaster", password: "n3w-Secret")

    func run(_ type: String, port: Int, parameters: [String: String] = [:], account: Check.Account?) async throws -> CheckResult {
        try await Check(type: type, parameters: parameters).run(target: "127.0.0.1:\(port)", timeout: .seconds(5), account: account)
    }

    @Test func smtpGreetsLogsInAndSendsAMessage() async throws {
        // setup: a mail server that accepts one password and records the message
        let received = NIOLockedValueBox<[String]>([])
        let (server, port) = try await ScriptedService.start(greeting: "220 mail.example ESMTP") { line in
            received.withLockedValue { $0.append(line) }
            if line.hasPrefix("EHLO") { return "250-mail.example\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n" }
            if line.hasPrefix("AUTH PLAIN") {
                let expected = Data("\0postmaster\0n3w-Secret".utf8).base64EncodedString()
                return line == "AUTH PLAIN \(expected)" ? "235 2.7.0 ok\r\n" : "535 5.7.8 bad credentials\r\n"
            }
            if line == "DATA" { return "354 go ahead\r\n" }
            if line == "." { return "250 queued\r\n" }
            if line.hasPrefix("MAIL") || line.hasPrefix("RCPT") { return "250 ok\r\n" }
            if line == "QUIT" { return nil }
            return ""
        }
        defer { server.close(promise: nil) }
        // act
        let sent = try await run("smtp", port: port, parameters: ["from": "check@range", "to": "ops@range"], account: account)
        let wrong = try await run("smtp", port: port, account: .init(username: "postmaster", password: "old"))
        // check
        #expect(sent.status == .up && sent.publicMessage == "Mail server answers (EHLO, login, sent a message)", "\(sent)")
        #expect(received.withLockedValue { $0 }.contains("Subject: Rampart service check"))
        #expect(wrong.status == .mumble && wrong.publicMessage == "Login failed for postmaster")
        #expect(!wrong.privateDetail.contains("old"), "passwords stay out of details")
    }

    @Test func pop3AndImapLogInAndSayWhyNot() async throws {
        let (pop, popPort) = try await ScriptedService.start(greeting: "+OK POP3 ready") { line in
            if line.hasPrefix("USER") { return "+OK\r\n" }
            if line.hasPrefix("PASS") { return line == "PASS n3w-Secret" ? "+OK maildrop ready\r\n" : "-ERR invalid password\r\n" }
            return line == "QUIT" ? nil : "-ERR\r\n"
        }
        let (imap, imapPort) = try await ScriptedService.start(greeting: "* OK IMAP4rev1 ready") { line in
            if line.hasPrefix("a1 LOGIN") {
                return line == #"a1 LOGIN "postmaster" "n3w-Secret""# ? "a1 OK logged in\r\n" : "a1 NO [AUTHENTICATIONFAILED] bad\r\n"
            }
            if line.hasPrefix("a2 SELECT") {
                return line.contains("INBOX") ? "* 3 EXISTS\r\na2 OK [READ-WRITE] done\r\n" : "a2 NO no such mailbox\r\n"
            }
            return line.hasPrefix("a3") ? nil : ""
        }
        defer {
            pop.close(promise: nil)
            imap.close(promise: nil)
        }
        #expect(try await run("pop3", port: popPort, account: account).status == .up)
        let popWrong = try await run("pop3", port: popPort, account: .init(username: "postmaster", password: "x"))
        #expect(popWrong.status == .mumble && popWrong.publicMessage == "Login failed for postmaster")
        let imapOK = try await run("imap", port: imapPort, parameters: ["mailbox": "INBOX"], account: account)
        #expect(imapOK.status == .up && imapOK.publicMessage == "Logged in as postmaster, opened INBOX")
        #expect(
            try await run("imap", port: imapPort, parameters: ["mailbox": "Secret"], account: account).publicMessage
                == "Mailbox Secret cannot be opened")
        // A service without credentials is the organisers' mistake, not the team's.
        #expect(try await run("imap", port: imapPort, account: nil).status == .error)
    }

    @Test func ftpLogsInAndFetchesAFileOverAPassiveConnection() async throws {
        // setup: a data port serving the file, and a control port pointing at it
        let (data, dataPort) = try await startServer { channel in
            try channel.pipeline.syncOperations.addHandler(OneShot(text: "flag-of-the-day: harbour\n"))
        }
        let (control, controlPort) = try await ScriptedService.start(greeting: "220 FTP ready") { line in
            switch line.split(separator: " ").first.map(String.init) ?? "" {
            case "USER": return "331 password please\r\n"
            case "PASS": return line == "PASS n3w-Secret" ? "230 logged in\r\n" : "530 login incorrect\r\n"
            case "TYPE": return "200 binary\r\n"
            case "PASV": return "227 Entering Passive Mode (10,9,8,7,\(dataPort / 256),\(dataPort % 256))\r\n"
            case "RETR": return "150 opening\r\n226 done\r\n"
            case "QUIT": return nil
            default: return "500 ?\r\n"
            }
        }
        defer {
            data.close(promise: nil)
            control.close(promise: nil)
        }
        let fetched = try await run("ftp", port: controlPort, parameters: ["file": "motd.txt", "contains": "harbour"], account: account)
        #expect(fetched.status == .up && fetched.publicMessage == "Fetched motd.txt as postmaster", "\(fetched)")
        let changed = try await run("ftp", port: controlPort, parameters: ["file": "motd.txt", "contains": "lighthouse"], account: account)
        #expect(changed.status == .mumble && changed.publicMessage == "motd.txt is not what it should be")
        let refused = try await run("ftp", port: controlPort, account: .init(username: "postmaster", password: "x"))
        #expect(refused.status == .mumble && refused.publicMessage == "Login failed for postmaster")
        #expect(throws: CheckConfigurationError.self) { try Check(type: "smtp", parameters: ["from": "a@b"]) }
    }
}

/// Sends `text` to whoever connects, then closes: an FTP data connection.
final class OneShot: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let text: String
    init(text: String) { self.text = text }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text))).whenComplete { _ in channel.close(promise: nil) }
    }
}

@Suite struct ConnectionFailureTests {
    @Test func runningOutOfLocalResourcesIsOurErrorNotTheTeamsOutage() {
        #expect(connectionFailure(IOError(errnoCode: EADDRNOTAVAIL, reason: "connect")).status == .error)
        #expect(connectionFailure(IOError(errnoCode: EMFILE, reason: "socket")).status == .error)
        #expect(connectionFailure(IOError(errnoCode: EAFNOSUPPORT, reason: "socket")).status == .error)  // a worker without IPv6
        let refused = connectionFailure(IOError(errnoCode: ECONNREFUSED, reason: "connect"))
        #expect(refused.status == .down && refused.message == "Connection refused")
    }
}
