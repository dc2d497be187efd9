import AsyncKit
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import NIOCore
import SQLKit
import Vapor

/// SQLite allows one writer; two transactions in this process that both read then write would
/// fail with SQLITE_BUSY_SNAPSHOT instead of waiting. The gate makes them queue, for at most the
/// configured wait (`RampartConfiguration.writeWait`): past it the write is refused as busy (503)
/// rather than left hanging behind a long one. PostgreSQL needs no gate.
package actor WriteGate {
    private var busy = false
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>, timer: Task<Void, Never>?)] = []
    private var nextID: UInt64 = 0

    /// True once the gate is this caller's; false when `wait` passed first.
    package func acquire(within wait: Duration) async -> Bool {
        if !busy {
            busy = true
            return true
        }
        nextID += 1
        let id = nextID
        return await withCheckedContinuation { continuation in
            let timer = Task {
                try? await Task.sleep(for: wait)
                self.expire(id)
            }
            waiters.append((id, continuation, timer))
        }
    }

    private func expire(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: false)
    }

    package func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            let next = waiters.removeFirst()
            next.timer?.cancel()
            next.continuation.resume(returning: true)
        }
    }

    package init() {}
}

extension AppError {
    /// A write that could not start within the bounded wait: nothing was written; try again.
    package static let busy = AppError(status: .serviceUnavailable, code: "busy", .busy, headers: ["Retry-After": "2"])

    /// Whether `error` says a write waited its bounded time for a lock or a connection (this node's
    /// gate, another process's SQLite lock, a PostgreSQL lock or the connection pool): the write did
    /// not happen and may be tried again. Answered 503 with `Retry-After`, never 500.
    package static func isBusy(_ error: any Error) -> Bool {
        switch error {
        case let error as AppError: return error.code == busy.code
        case let error as SQLiteError:
            switch error.reason {
            case .busy, .locked, .busyInSnapshot, .busyTimeout, .busyInRecovery, .lockedBySharedCache: return true
            default: return false
            }
        case let error as PSQLError:
            // lock_not_available, serialization_failure, deadlock_detected, query_canceled (a timeout)
            return ["55P03", "40001", "40P01", "57014"].contains(error.serverInfo?[.sqlState] ?? "")
        case is ConnectionPoolTimeoutError: return true
        default: return false
        }
    }
}

extension Application {
    private struct WriteGateKey: StorageKey {
        typealias Value = WriteGate
    }

    package var writeGate: WriteGate? {
        get { storage[WriteGateKey.self] }
        set { storage[WriteGateKey.self] = newValue }
    }

    /// Runs `body` in one transaction: everything it writes, audit record included, lands together or not at all.
    ///
    /// Every wait is bounded by `RampartConfiguration.writeWait`: for this node's SQLite gate, for the
    /// SQLite write lock another process holds (the transaction takes the lock first, `BEGIN
    /// IMMEDIATE`, so it never fails half-way on a snapshot another writer moved), and for PostgreSQL
    /// row and advisory locks (`lock_timeout`). A write that waited that long throws `AppError.busy`
    /// (or the database's own busy error, which `isBusy` recognises) having written nothing.
    ///
    /// Afterwards this node's caches of exercise contexts and scoreboards are dropped, since any
    /// setting, team or membership may have changed. Flag submissions, which change none of them,
    /// pass `clearingCaches: false`.
    ///
    /// `bulk`: one step of a long job (an import, an exercise file, a stored file's chunks). SQLite
    /// does not queue writers of different processes fairly, so after each such step the job pauses
    /// for `bulkPause`, long enough for a server beside it to take the lock in between.
    @discardableResult
    package func write<T: Sendable>(
        clearingCaches: Bool = true, bulk: Bool = false, _ body: @escaping @Sendable (any Database) async throws -> T
    ) async throws -> T {
        let wait = rampart.writeWait
        let result: T
        // Live events the body stages are stored as the transaction's last statement (`LiveEvents`).
        let pending = PendingLiveEvents()
        let staging: @Sendable (any Database) async throws -> T = { db in
            try await LiveEvents.$pending.withValue(pending) {
                let result = try await body(db)
                try await LiveEvents.insert(pending.take(), on: db)
                return result
            }
        }
        if let gate = writeGate {
            guard await gate.acquire(within: wait) else { throw AppError.busy }
            do {
                result = try await Self.sqliteTransaction(db, wait: wait, staging)
                await gate.release()
            } catch {
                await gate.release()
                throw error
            }
        } else {
            result = try await db.transaction { db in
                if let sql = db as? any SQLDatabase {
                    try await sql.raw("SET LOCAL lock_timeout = \(unsafeRaw: String(Int(wait.inMilliseconds)))").run()
                }
                return try await staging(db)
            }
        }
        if pending.staged { liveHub?.wake() }
        if clearingCaches {
            contextCache.forgetAll()
            for forget in readCaches { forget() }
        }
        if bulk, case .sqlite = rampart.database { try await Task.sleep(for: Self.bulkPause) }
        return result
    }

    /// How long a bulk job on SQLite pauses after each step (`write(bulk:)`).
    package static let bulkPause: Duration = .milliseconds(10)

    /// A write transaction on SQLite that holds the write lock from its first statement, waiting at
    /// most `wait` for another process to let go of it. The lock is asked for every few
    /// milliseconds rather than with SQLite's own back-off (which sleeps up to 100 ms between tries and
    /// so keeps losing to a process that takes the lock again at once).
    private static func sqliteTransaction<T: Sendable>(
        _ database: any Database, wait: Duration, _ body: @escaping @Sendable (any Database) async throws -> T
    ) async throws -> T {
        try await database.withConnection { connection in
            guard let sql = connection as? any SQLDatabase else { return try await connection.transaction(body) }
            try await sql.raw("PRAGMA busy_timeout = 0").run()
            let deadline = ContinuousClock.now + wait
            var pause = Duration.milliseconds(1)
            while true {
                do {
                    try await sql.raw("BEGIN IMMEDIATE").run()
                    break
                } catch where AppError.isBusy(error) && ContinuousClock.now < deadline {
                    try await Task.sleep(for: pause)
                    pause = min(pause * 2, .milliseconds(4))
                }
            }
            try await sql.raw("PRAGMA busy_timeout = \(unsafeRaw: String(Int(wait.inMilliseconds)))").run()
            do {
                let result = try await body(connection)
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}

extension Request {
    @discardableResult
    package func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await application.write(body)
    }

    /// The actor for audit records written on behalf of this request.
    package var auditActor: AuditActor {
        AuditActor(id: principal?.id, name: principal?.username ?? "anonymous", sourceAddress: sourceAddress)
    }

    /// The client's address: the first `X-Forwarded-For` hop behind a trusted proxy (when it is an
    /// address: the header is text a client wrote), else the peer.
    package var sourceAddress: String? {
        if application.rampart.trustProxy, let forwarded = headers.first(name: "X-Forwarded-For")?.split(separator: ",").first {
            let hop = forwarded.trimmingCharacters(in: .whitespaces)
            if (try? SocketAddress(ipAddress: hop, port: 0)) != nil { return hop }
        }
        return remoteAddress?.ipAddress
    }
}

extension Application {
    private struct ReadCachesKey: StorageKey {
        typealias Value = [@Sendable () -> Void]
    }

    /// How to forget the cached reads a write may have made stale, one for each layer above that keeps
    /// such a cache (scoring's standings), registered at boot.
    package var readCaches: [@Sendable () -> Void] {
        get { storage[ReadCachesKey.self] ?? [] }
        set { storage[ReadCachesKey.self] = newValue }
    }
}

extension Array {
    /// The array in consecutive slices of at most `size` elements: work written in batches, a
    /// transaction each.
    package func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
