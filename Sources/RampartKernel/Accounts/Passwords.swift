import NIOPosix
import Vapor

extension Application {
    private struct PlaceholderHashKey: StorageKey {
        typealias Value = String
    }

    /// A Bcrypt hash of a random secret at the configured cost, made at start-up: logins for unknown
    /// usernames verify against it so they take as long as real ones.
    package var placeholderPasswordHash: String {
        get { storage[PlaceholderHashKey.self] ?? "" }
        set { storage[PlaceholderHashKey.self] = newValue }
    }

    private struct PasswordPoolKey: StorageKey {
        typealias Value = NIOThreadPool
    }

    /// Bcrypt runs on threads of its own: never on an event loop, and never on `threadPool`, where
    /// SQLite runs its queries, so a storm of logins at the start of an exercise slows only logins.
    package var passwordPool: NIOThreadPool {
        get {
            storage.configured(PasswordPoolKey.self)
        }
        set { storage[PasswordPoolKey.self] = newValue }
    }

    package func hashPassword(_ password: String) async throws -> String {
        let cost = rampart.bcryptCost
        return try await passwordPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    package func verifyPassword(_ password: String, hash: String) async throws -> Bool {
        try await passwordPool.runIfActive { (try? Bcrypt.verify(password, created: hash)) ?? false }
    }
}
