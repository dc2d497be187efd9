import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A sliding-window limit on guesses (flags, passwords, join codes, API tokens) that holds however
/// many requests are in flight: a guess takes its slot *before* it is judged, in one step under a
/// lock, and gives it back only if it turns out not to count (a right answer). So with a limit of 10,
/// at most 10 of 200 simultaneous guesses are judged at all; the checked-then-noted limiters this
/// replaced judged all 200.
///
/// In memory, per node: with several nodes behind a load balancer a key gets `limit × nodes` guesses
/// per window (docs/security.md).
package final class Limiter: Sendable {
    package let limit: Int
    package let window: TimeInterval
    private let state = NIOLockedValueBox(State())
    /// Keys kept at most; past it, keys whose slots have all expired are dropped.
    package static let maxKeys = 100_000

    private struct Slot: Sendable {
        let id: UInt64
        let at: Date
    }

    private struct State: Sendable {
        var slots: [String: [Slot]] = [:]
        var nextID: UInt64 = 0
    }

    /// A slot taken: `release` it when the guess does not count; keep it otherwise.
    package struct Reservation: Sendable {
        fileprivate let key: String
        fileprivate let id: UInt64
    }

    package init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Takes a slot for `key` (with its own `limit` when given, e.g. an exercise's setting), or says
    /// how many seconds until one frees up.
    package func reserve(_ key: String, limit: Int? = nil, now: Date) -> Result<Reservation, Refusal> {
        let limit = limit ?? self.limit
        let window = self.window
        return state.withLockedValue { state -> Result<Reservation, Refusal> in
            // Slots are kept oldest first: the expired ones are a prefix, dropped in place.
            let cutoff = now.addingTimeInterval(-window)
            var recent = state.slots.removeValue(forKey: key) ?? []
            recent.removeSubrange(..<(recent.firstIndex { $0.at > cutoff } ?? recent.endIndex))
            defer {
                if !recent.isEmpty { state.slots[key] = recent }
                if state.slots.count > Self.maxKeys {
                    state.slots = state.slots.filter { $0.value.contains { $0.at > cutoff } }
                }
            }
            guard recent.count < limit else {
                let oldest = recent.first?.at ?? now
                return .failure(Refusal(retryAfter: max(1, Int((oldest.addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))))
            }
            state.nextID &+= 1
            recent.append(Slot(id: state.nextID, at: now))
            return .success(Reservation(key: key, id: state.nextID))
        }
    }

    /// Gives a slot back: the guess did not count.
    package func release(_ reservation: Reservation) {
        state.withLockedValue { state in
            state.slots[reservation.key]?.removeAll { $0.id == reservation.id }
            if state.slots[reservation.key]?.isEmpty == true { state.slots[reservation.key] = nil }
        }
    }

    /// Forgets every slot of `key`: a correct password clears its address's failures for that user.
    package func reset(_ key: String) {
        _ = state.withLockedValue { $0.slots.removeValue(forKey: key) }
    }

    package struct Refusal: Error, Sendable {
        package let retryAfter: Int
    }
}

/// The node's limiters.
package struct Limiters: Sendable {
    /// Wrong passwords for one user from one address: 10 in 5 minutes. Keyed by both, so guesses from
    /// elsewhere never lock the real user out.
    package let loginUserAddress = Limiter(limit: 10, window: 300)
    /// Wrong passwords from one address, whatever the user: 30 in 5 minutes (spraying many names).
    package let loginAddress = Limiter(limit: 30, window: 300)
    /// Wrong flags per team and challenge in a minute; the limit is the exercise's (CTFd's default 10).
    package let flags = Limiter(limit: 10, window: 60)
    /// Wrong join codes: 10 per user and 30 per address in 5 minutes.
    package let joinUser = Limiter(limit: 10, window: 300)
    package let joinAddress = Limiter(limit: 30, window: 300)
    /// Unknown, revoked or expired API tokens per address: 60 a minute (each costs a query).
    package let tokens = Limiter(limit: 60, window: 60)
    /// API tokens a user makes: 20 an hour.
    package let tokenCreation = Limiter(limit: 20, window: 3600)

    package init() {}
}

extension Application {
    private struct LimitersKey: StorageKey {
        typealias Value = Limiters
    }

    package var limiters: Limiters {
        get { storage.configured(LimitersKey.self) }
        set { storage[LimitersKey.self] = newValue }
    }
}

extension Result where Failure == Limiter.Refusal {
    /// The reservation, or a 429 with `Retry-After`.
    package func orTooMany() throws -> Success {
        switch self {
        case .success(let value): value
        case .failure(let refusal): throw AppError.tooManyAttempts(retryAfter: refusal.retryAfter)
        }
    }
}
