import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A domain event for live pages: what happened, in which exercise, for which team (nil: everyone
/// of the exercise may see it), and a small JSON payload.
package struct LiveEvent: Codable, Sendable, Equatable {
    package var kind: String
    package var exerciseID: UUID
    package var teamID: UUID?
    package var at: Date
    package var payload: [String: String]

    package init(kind: String, exerciseID: UUID, teamID: UUID? = nil, at: Date, payload: [String: String]) {
        self.kind = kind
        self.exerciseID = exerciseID
        self.teamID = teamID
        self.at = at
        self.payload = payload
    }
}

/// The in-process fan-out of live events: every subscriber gets every event published after it
/// subscribed. (Between nodes, PostgreSQL LISTEN/NOTIFY is to carry them; not built yet.)
package final class EventBus: Sendable {
    private let subscribers = NIOLockedValueBox<[UUID: AsyncStream<LiveEvent>.Continuation]>([:])

    package func publish(_ events: [LiveEvent]) {
        guard !events.isEmpty else { return }
        let current = subscribers.withLockedValue { Array($0.values) }
        for continuation in current {
            for event in events { continuation.yield(event) }
        }
    }

    /// A stream of events from now on; it ends when the caller stops iterating.
    package func subscribe(bufferingNewest limit: Int = 10_000) -> AsyncStream<LiveEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<LiveEvent>.makeStream(bufferingPolicy: .bufferingNewest(limit))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLockedValue { $0.removeValue(forKey: id) }
        }
        subscribers.withLockedValue { $0[id] = continuation }
        return stream
    }

    package init() {}
}

extension Application {
    private struct EventBusKey: StorageKey {
        typealias Value = EventBus
    }

    package var events: EventBus {
        get { storage.configured(EventBusKey.self) }
        set { storage[EventBusKey.self] = newValue }
    }
}
