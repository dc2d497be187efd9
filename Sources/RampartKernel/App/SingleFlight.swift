import NIOConcurrencyHelpers

/// One computation per key at a time: callers arriving while it runs wait for its result instead
/// of repeating it (a cold cache under 32 simultaneous readers costs one load, not 32).
package final class SingleFlight<Value: Sendable>: @unchecked Sendable {
    private let lock = NIOLock()
    private var waiting: [String: [CheckedContinuation<Value?, any Error>]] = [:]

    package func isRunning(_ key: String) -> Bool {
        lock.withLock { waiting[key] != nil }
    }

    package func run(_ key: String, _ work: @Sendable () async throws -> Value) async throws -> Value {
        // nil: nobody was running it, so this caller does.
        let joined: Value? = try await withCheckedThrowingContinuation { continuation in
            let leader = lock.withLock {
                if waiting[key] != nil {
                    waiting[key]?.append(continuation)
                    return false
                }
                waiting[key] = []
                return true
            }
            if leader { continuation.resume(returning: nil) }
        }
        if let joined { return joined }
        do {
            let value = try await work()
            for waiter in lock.withLock({ waiting.removeValue(forKey: key) ?? [] }) { waiter.resume(returning: value) }
            return value
        } catch {
            for waiter in lock.withLock({ waiting.removeValue(forKey: key) ?? [] }) { waiter.resume(throwing: error) }
            throw error
        }
    }

    package init() {}
}
