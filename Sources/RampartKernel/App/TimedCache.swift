import Foundation

/// Values remembered for `lifetime` seconds on this node, at most `capacity` of them (all are dropped
/// when it is full): what lets the hot routes skip the database. The caller decides what invalidates
/// an entry sooner (`forgetAll`, `forget(where:)`).
package final class TimedCache<Value: Sendable>: @unchecked Sendable {
    package let lifetime: TimeInterval
    private let capacity: Int
    private let lock = NSLock()
    private var entries: [String: (value: Value, cachedAt: Date)] = [:]

    package init(lifetime: TimeInterval, capacity: Int = 50_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The value, unless it is older than `lifetime` (or from a clock that has since gone back).
    package func value(_ key: String, now: Date) -> Value? {
        lock.withLock {
            guard let cached = entries[key] else { return nil }
            let age = now.timeIntervalSince(cached.cachedAt)
            guard age >= 0, age < lifetime else {
                entries[key] = nil
                return nil
            }
            return cached.value
        }
    }

    package func remember(_ value: Value, _ key: String, now: Date) {
        lock.withLock {
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = (value, now)
        }
    }

    package func forgetAll() {
        lock.withLock { entries.removeAll() }
    }

    package func forget(where matches: (Value) -> Bool) {
        lock.withLock { entries = entries.filter { !matches($0.value.value) } }
    }
}
