import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSH

/// Logs in over SSH (swift-nio-ssh): with the service's account by password, or with a key
/// (`key_file`, and `user` when the service has no credentials), then optionally runs `command` and
/// judges its output (`expect`, a regular expression) and exit status (`exit_status`, default 0).
/// `host_key` (`ssh-ed25519 AAAA…`) pins the server's key: another key is `mumble`. A refused login is
/// `mumble` (the service answers, but not as it should); no answer within the timeout is `down`.
public struct SSHCheck: Sendable {
    public static let type = "ssh"
    let command: String?
    let expect: Pattern?
    let exitStatus: Int
    let user: String?
    let keyFile: String?
    let hostKey: String?

    public init(parameters: [String: String], local: Bool) throws(CheckConfigurationError) {
        try CheckParameters.allow(parameters, ["command", "expect", "exit_status", "user", "key_file", "host_key"])
        command = parameters["command"].flatMap { $0.isEmpty ? nil : $0 }
        expect = try parameters["expect"].map { pattern throws(CheckConfigurationError) in try Pattern(pattern) }
        if let text = parameters["exit_status"] {
            guard let status = Int(text), (0...255).contains(status) else { throw CheckConfigurationError("exit_status must be 0–255") }
            exitStatus = status
        } else {
            exitStatus = 0
        }
        if command == nil, parameters["expect"] != nil || parameters["exit_status"] != nil {
            throw CheckConfigurationError("expect and exit_status judge a command: add command")
        }
        user = parameters["user"]
        keyFile = parameters["key_file"]
        if user != nil, keyFile == nil { throw CheckConfigurationError("user logs in with a key: add key_file (or give the service credentials)") }
        if let keyFile, local { _ = try SSHKeyFile.load(keyFile) }
        if let key = parameters["host_key"] {
            guard (try? NIOSSHPublicKey(openSSHPublicKey: key)) != nil else {
                throw CheckConfigurationError("host_key must be an OpenSSH public key, e.g. ssh-ed25519 AAAA…")
            }
            hostKey = key
        } else {
            hostKey = nil
        }
    }

    public func run(_ target: CheckTarget, timeout: Duration, account: Check.Account?) async -> CheckResult {
        let start = ContinuousClock.now
        var offers: [NIOSSHUserAuthenticationOffer.Offer] = []
        if let keyFile {
            do {
                offers.append(.privateKey(.init(privateKey: try SSHKeyFile.load(keyFile))))
            } catch {
                return CheckResult(.error, CheckResult.notRun, detail: "key_file: \(error.message)")
            }
        }
        if let account { offers.append(.password(.init(password: account.password))) }
        guard let username = account?.username ?? user, !offers.isEmpty else {
            return CheckResult(.error, CheckResult.notRun, detail: "SSH checks need credentials on the service, or user and key_file")
        }
        let describe = "ssh \(username)@\(target)"
        func result(_ status: CheckStatus, _ message: String, _ detail: String) -> CheckResult {
            CheckResult(status, message, detail: "\(describe): \(detail)", latency: ContinuousClock.now - start)
        }

        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let offered = offers
        let login = SSHLogin(loop.makePromise(of: Void.self))
        let expected = hostKey.flatMap { try? NIOSSHPublicKey(openSSHPublicKey: $0) }
        let channel: any Channel
        do {
            channel = try await connect(target, timeout: timeout, group: loop) { channel in
                channel.eventLoop.makeCompletedFuture { () throws -> any Channel in
                    let ssh = NIOSSHHandler(
                        role: .client(
                            .init(
                                userAuthDelegate: SSHOffers(username: username, offers: offered, login: login),
                                serverAuthDelegate: SSHHostKeyCheck(expected: expected, login: login))),
                        allocator: channel.allocator, inboundChildChannelInitializer: nil)
                    try channel.pipeline.syncOperations.addHandler(ssh)
                    try channel.pipeline.syncOperations.addHandler(SSHLoginWatcher(login: login))
                    return channel
                }
            }
        } catch {
            login.finish(.failure(error))
            let failure = connectionFailure(error)
            return result(failure.status, failure.message, String(reflecting: error))
        }
        let deadline = ChannelDeadline(channel, start: start, timeout: timeout)
        channel.closeFuture.whenComplete { _ in login.finish(.failure(ChannelError.eof)) }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }

        do {
            try await login.promise.futureResult.get()
        } catch let failure as SSHLogin.Failure {
            switch failure {
            case .refused(let methods): return result(.mumble, "Login refused for \(username)", "login refused (tried \(methods))")
            case .hostKey(let seen): return result(.mumble, "The SSH host key has changed", "host key \(seen), expected \(hostKey ?? "")")
            }
        } catch {
            if deadline.passed { return result(.down, "No answer within \(timeout.seconds) s", "timeout before login") }
            // The connection going away is down; anything the SSH layer objects to means it answered, wrongly.
            if error is ChannelError || error is IOError { return result(.down, "Connection closed before login", String(reflecting: error)) }
            return result(.mumble, "This is not a working SSH service", String(reflecting: error))
        }
        guard let command else { return result(.up, "Logged in as \(username)", "logged in") }

        let output = loop.makePromise(of: SSHCommandOutput.self)
        channel.closeFuture.whenComplete { _ in output.fail(ChannelError.eof) }
        do {
            try await loop.submit {
                let ssh = try channel.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                let created = loop.makePromise(of: (any Channel).self)
                created.futureResult.whenFailure { output.fail($0) }
                ssh.createChannel(created) { child, _ in
                    child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.addHandler(SSHCommandHandler(command: command, output: output))
                    }
                }
            }.get()
            let ran = try await output.futureResult.get()
            if ran.exitStatus == nil, deadline.passed { throw ChannelError.eof }
            let shown = ran.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let detail =
                "$ \(command) → exit \(ran.exitStatus.map(String.init) ?? "none"); stdout: \(shown.prefix(400)); stderr: \(ran.stderr.prefix(300))"
            guard ran.exitStatus == exitStatus else {
                return result(.mumble, "The command exited with \(ran.exitStatus.map(String.init) ?? "no status") instead of \(exitStatus)", detail)
            }
            if let expect, !expect.matches(ran.stdout) { return result(.mumble, "The command's output is not what it should be", detail) }
            return result(.up, "Logged in as \(username); the command works", detail)
        } catch {
            output.fail(error)
            if deadline.passed { return result(.mumble, "The command did not finish within \(timeout.seconds) s", "$ \(command): timeout") }
            return result(.mumble, "The command could not be run", "$ \(command): \(String(reflecting: error))")
        }
    }
}

/// The outcome of logging in, completed once by whichever part learns it first.
final class SSHLogin: @unchecked Sendable {
    enum Failure: Error {
        case refused(String)
        case hostKey(String)
    }

    let promise: EventLoopPromise<Void>
    private let done = NIOLockedValueBox(false)

    init(_ promise: EventLoopPromise<Void>) { self.promise = promise }

    func finish(_ outcome: Result<Void, any Error>) {
        guard
            done.withLockedValue({ done in
                defer { done = true }; return !done
            })
        else { return }
        promise.completeWith(outcome)
    }
}

/// Offers the key, then the password, once each; when the server refuses them all, the login failed.
final class SSHOffers: NIOSSHClientUserAuthenticationDelegate {
    let username: String
    var offers: [NIOSSHUserAuthenticationOffer.Offer]
    var tried: [String] = []
    let login: SSHLogin

    init(username: String, offers: [NIOSSHUserAuthenticationOffer.Offer], login: SSHLogin) {
        self.username = username
        self.offers = offers
        self.login = login
    }

    func nextAuthenticationType(
        availableMethods: NIOSSHAvailableUserAuthenticationMethods, nextChallengePromise: EventLoopPromise<NIOSSHUserAuthenticationOffer?>
    ) {
        while !offers.isEmpty {
            let offer = offers.removeFirst()
            let (method, allowed): (String, Bool) =
                switch offer {
                case .privateKey: ("key", availableMethods.contains(.publicKey))
                case .password: ("password", availableMethods.contains(.password))
                default: ("other", false)
                }
            guard allowed else {
                tried.append("\(method) (not accepted by the server)")
                continue
            }
            tried.append(method)
            nextChallengePromise.succeed(NIOSSHUserAuthenticationOffer(username: username, serviceName: "", offer: offer))
            return
        }
        login.finish(.failure(SSHLogin.Failure.refused(tried.joined(separator: ", "))))
        nextChallengePromise.succeed(nil)
    }
}

/// Accepts any host key (teams may regenerate theirs) unless the service pins one.
final class SSHHostKeyCheck: NIOSSHClientServerAuthenticationDelegate {
    let expected: NIOSSHPublicKey?
    let login: SSHLogin

    init(expected: NIOSSHPublicKey?, login: SSHLogin) {
        self.expected = expected
        self.login = login
    }

    func validateHostKey(hostKey: NIOSSHPublicKey, validationCompletePromise: EventLoopPromise<Void>) {
        guard let expected, expected != hostKey else { return validationCompletePromise.succeed(()) }
        let failure = SSHLogin.Failure.hostKey(String(openSSHPublicKey: hostKey))
        login.finish(.failure(failure))
        validationCompletePromise.fail(failure)
    }
}

/// Hears the login succeed, or the connection fail before it did (its closing is watched by `run`).
final class SSHLoginWatcher: ChannelInboundHandler {
    typealias InboundIn = Any
    let login: SSHLogin

    init(login: SSHLogin) { self.login = login }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is UserAuthSuccessEvent { login.finish(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        login.finish(.failure(error))
        context.close(promise: nil)
    }
}

struct SSHCommandOutput: Sendable {
    var stdout = ""
    var stderr = ""
    var exitStatus: Int?
}

/// Runs one command in a session channel and collects what it prints and how it exits.
final class SSHCommandHandler: ChannelInboundHandler {
    typealias InboundIn = SSHChannelData
    let command: String
    let output: EventLoopPromise<SSHCommandOutput>
    var collected = SSHCommandOutput()
    static let limit = 64 * 1024

    init(command: String, output: EventLoopPromise<SSHCommandOutput>) {
        self.command = command
        self.output = output
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // The exit status comes after the server's end of output: keep listening until it closes.
        _ = context.channel.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
    }

    func channelActive(context: ChannelHandlerContext) {
        context.triggerUserOutboundEvent(SSHChannelRequestEvent.ExecRequest(command: command, wantReply: true), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard case .byteBuffer(let bytes) = message.data else { return }
        let text = String(decoding: bytes.readableBytesView, as: UTF8.self)
        if message.type == .stdErr {
            if collected.stderr.utf8.count < Self.limit { collected.stderr += text }
        } else if collected.stdout.utf8.count < Self.limit {
            collected.stdout += text
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let status as SSHChannelRequestEvent.ExitStatus: collected.exitStatus = status.exitStatus
        case is ChannelFailureEvent: output.fail(SSHCommandRefused())
        default: context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        output.succeed(collected)
        context.fireChannelInactive()
    }
}

struct SSHCommandRefused: Error, CustomStringConvertible {
    var description: String { "the server refused to run the command" }
}

/// Reads a private key for SSH logins: OpenSSH's own format (`ssh-keygen`'s default) for ed25519 and
/// ECDSA P-256/384/521 keys without a passphrase, or a PEM EC key. (swift-nio-ssh has no RSA.)
enum SSHKeyFile {
    static func load(_ path: String) throws(CheckConfigurationError) -> NIOSSHPrivateKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw CheckConfigurationError("cannot read the key file \(path)") }
        return try parse(String(decoding: data, as: UTF8.self))
    }

    static func parse(_ text: String) throws(CheckConfigurationError) -> NIOSSHPrivateKey {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----") { return try openSSH(text) }
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: text) { return NIOSSHPrivateKey(p256Key: key) }
        if let key = try? P384.Signing.PrivateKey(pemRepresentation: text) { return NIOSSHPrivateKey(p384Key: key) }
        if let key = try? P521.Signing.PrivateKey(pemRepresentation: text) { return NIOSSHPrivateKey(p521Key: key) }
        throw CheckConfigurationError("the key file is not an ed25519 or ECDSA private key in OpenSSH or PEM form (RSA keys are not supported)")
    }

    private static func openSSH(_ text: String) throws(CheckConfigurationError) -> NIOSSHPrivateKey {
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else { throw CheckConfigurationError("the key file is not valid base64") }
        var reader = SSHWireReader(bytes: [UInt8](data))
        let magic = Array("openssh-key-v1".utf8) + [0]
        guard reader.take(magic.count) == magic else { throw CheckConfigurationError("the key file is not an OpenSSH private key") }
        guard let cipher = reader.string(), let kdf = reader.string(), reader.string() != nil, let count = reader.uint32() else {
            throw CheckConfigurationError("the key file is truncated")
        }
        guard String(decoding: cipher, as: UTF8.self) == "none", String(decoding: kdf, as: UTF8.self) == "none" else {
            throw CheckConfigurationError("the key has a passphrase: checks need a key without one")
        }
        guard count == 1, reader.string() != nil, let secret = reader.string() else {
            throw CheckConfigurationError("the key file must hold exactly one key")
        }
        var keys = SSHWireReader(bytes: secret)
        guard let check1 = keys.uint32(), let check2 = keys.uint32(), check1 == check2, let typeBytes = keys.string() else {
            throw CheckConfigurationError("the key file is damaged")
        }
        let type = String(decoding: typeBytes, as: UTF8.self)
        do {
            switch type {
            case "ssh-ed25519":
                guard keys.string() != nil, let secret = keys.string(), secret.count == 64 else { break }
                return NIOSSHPrivateKey(ed25519Key: try Curve25519.Signing.PrivateKey(rawRepresentation: secret.prefix(32)))
            case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
                guard keys.string() != nil, keys.string() != nil, let scalar = keys.string() else { break }
                let size = ["ecdsa-sha2-nistp256": 32, "ecdsa-sha2-nistp384": 48, "ecdsa-sha2-nistp521": 66][type]!
                // An mpint: big-endian, maybe with a leading zero; the key wants exactly `size` bytes.
                var raw = Array(scalar.drop(while: { $0 == 0 }))
                guard raw.count <= size else { break }
                raw = [UInt8](repeating: 0, count: size - raw.count) + raw
                switch size {
                case 32: return NIOSSHPrivateKey(p256Key: try P256.Signing.PrivateKey(rawRepresentation: raw))
                case 48: return NIOSSHPrivateKey(p384Key: try P384.Signing.PrivateKey(rawRepresentation: raw))
                default: return NIOSSHPrivateKey(p521Key: try P521.Signing.PrivateKey(rawRepresentation: raw))
                }
            default:
                throw CheckConfigurationError("\(type) keys are not supported; use ed25519 or ECDSA")
            }
        } catch let error as CheckConfigurationError {
            throw error
        } catch {
            throw CheckConfigurationError("the \(type) key is not valid: \(error)")
        }
        throw CheckConfigurationError("the \(type) key is damaged")
    }
}

/// SSH's wire encoding: big-endian lengths before byte strings.
struct SSHWireReader {
    var bytes: [UInt8]
    var index = 0

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, index + count <= bytes.count else { return nil }
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    mutating func uint32() -> UInt32? {
        take(4).map { $0.reduce(0) { $0 << 8 | UInt32($1) } }
    }

    mutating func string() -> [UInt8]? {
        uint32().flatMap { take(Int($0)) }
    }
}
