import Fluent
import NIOCore
import Vapor

/// SQLite allows one writer; two transactions in this process that both read then write would
/// fail with SQLITE_BUSY_SNAPSHOT instead of waiting. The gate makes them queue. PostgreSQL needs no gate.
actor WriteGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

extension Application {
    private struct WriteGateKey: StorageKey {
        typealias Value = WriteGate
    }

    var writeGate: WriteGate? {
        get { storage[WriteGateKey.self] }
        set { storage[WriteGateKey.self] = newValue }
    }

    /// Runs `body` in one transaction: everything it writes, audit record included, lands together or not at all.
    ///
    /// Afterwards this node's caches of exercise contexts and scoreboards are dropped, since any
    /// setting, team or membership may have changed. Flag submissions, which change none of them,
    /// pass `clearingCaches: false`.
    @discardableResult
    func write<T: Sendable>(clearingCaches: Bool = true, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let result: T
        if let gate = writeGate {
            await gate.acquire()
            do {
                result = try await db.transaction(body)
                await gate.release()
            } catch {
                await gate.release()
                throw error
            }
        } else {
            result = try await db.transaction(body)
        }
        if clearingCaches {
            contextCache.forgetAll()
            scores.forgetCachedReads()
        }
        return result
    }
}

extension Request {
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await application.write(body)
    }

    /// The actor for audit records written on behalf of this request.
    var auditActor: AuditActor {
        AuditActor(id: principal?.id, name: principal?.username ?? "anonymous", sourceAddress: sourceAddress)
    }

    /// The client's address: the first `X-Forwarded-For` hop behind a trusted proxy (when it is an
    /// address: the header is text a client wrote), else the peer.
    var sourceAddress: String? {
        if application.rampart.trustProxy, let forwarded = headers.first(name: "X-Forwarded-For")?.split(separator: ",").first {
            let hop = forwarded.trimmingCharacters(in: .whitespaces)
            if (try? SocketAddress(ipAddress: hop, port: 0)) != nil { return hop }
        }
        return remoteAddress?.ipAddress
    }
}
