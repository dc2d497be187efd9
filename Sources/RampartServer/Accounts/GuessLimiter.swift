import Foundation
import Vapor

/// Counts failed guesses per key (a username, an address) in a sliding window and refuses more
/// once a key reaches the limit. In memory, per node: with several nodes an attacker gets
/// `limit × nodes` guesses per window, which Bcrypt keeps slow regardless.
actor GuessLimiter {
    let limit: Int
    let window: TimeInterval
    private var failures: [String: [Date]] = [:]

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until `key` may try again, or nil if it may try now.
    func retryAfter(_ key: String, now: Date) -> Int? {
        let recent = prune(key, now: now)
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, Int((oldest.addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))
    }

    func fail(_ key: String, now: Date) {
        var recent = prune(key, now: now)
        recent.append(now)
        failures[key] = recent
        // Bound memory under a spray of usernames: drop keys whose failures have all expired.
        if failures.count > 10_000 {
            failures = failures.filter { $0.value.last.map { now.timeIntervalSince($0) < window } ?? false }
        }
    }

    func reset(_ key: String) {
        failures[key] = nil
    }

    private func prune(_ key: String, now: Date) -> [Date] {
        let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
        failures[key] = recent.isEmpty ? nil : recent
        return recent
    }
}

extension Application {
    private struct LoginLimiterKey: StorageKey {
        typealias Value = GuessLimiter
    }

    /// Failed logins: 10 per username and 30 per address in 5 minutes.
    var loginLimiters: (user: GuessLimiter, address: GuessLimiter) {
        get { (storage.configured(LoginLimiterKey.self), storage.configured(AddressLimiterKey.self)) }
        set {
            storage[LoginLimiterKey.self] = newValue.user
            storage[AddressLimiterKey.self] = newValue.address
        }
    }

    private struct AddressLimiterKey: StorageKey {
        typealias Value = GuessLimiter
    }
}
