import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A domain event for live pages: what happened, in which exercise, for which team (nil: everyone
/// of the exercise may see it), and a small JSON payload.
struct LiveEvent: Codable, Sendable, Equatable {
    var kind: String
    var exerciseID: UUID
    var teamID: UUID?
    var at: Date
    var payload: [String: String]
}

/// The in-process fan-out of live events: every subscriber gets every event published after it
/// subscribed. (Between nodes, PostgreSQL LISTEN/NOTIFY is to carry them; not built yet.)
final class EventBus: Sendable {
    private let subscribers = NIOLockedValueBox<[UUID: AsyncStream<LiveEvent>.Continuation]>([:])

    func publish(_ events: [LiveEvent]) {
        guard !events.isEmpty else { return }
        let current = subscribers.withLockedValue { Array($0.values) }
        for continuation in current {
            for event in events { continuation.yield(event) }
        }
    }

    /// A stream of events from now on; it ends when the caller stops iterating.
    func subscribe(bufferingNewest limit: Int = 10_000) -> AsyncStream<LiveEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<LiveEvent>.makeStream(bufferingPolicy: .bufferingNewest(limit))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLockedValue { $0.removeValue(forKey: id) }
        }
        subscribers.withLockedValue { $0[id] = continuation }
        return stream
    }
}

extension Application {
    private struct EventBusKey: StorageKey {
        typealias Value = EventBus
    }

    var events: EventBus {
        get { storage.configured(EventBusKey.self) }
        set { storage[EventBusKey.self] = newValue }
    }
}
