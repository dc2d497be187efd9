import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PostgresKit
import PostgresNIO
import RampartCore
import SQLKit
import Vapor
import NIOWebSocket

/// One node's live delivery. A pump reads `live_events` after the last number it delivered and hands
/// each event to the connections of its exercise that may see it. It is woken by this node's commits,
/// by PostgreSQL notifications from other nodes, and once a second regardless, so a node whose LISTEN
/// connection broke, or an SQLite file another process writes, still catches up by itself.
package final class LiveHub: Sendable {
    /// Messages a connection may have in flight before it counts as stalled and is closed (the
    /// client resumes with `since`, so nothing is lost to it; nothing else waits for it).
    package static let inFlightLimit = 256
    /// Events replayed on a resume; a client further behind is told to reload (`resync`).
    package static let replayLimit = 2_000
    /// The close code for a connection dropped for falling behind.
    package static let slowClose: UInt16 = 4000
    static let pollInterval: Duration = .seconds(1)

    private struct State {
        var lastSeq: Int64 = 0
        var started = false
        var connections: [UUID: [ObjectIdentifier: LiveConnection]] = [:]
        var perViewer: [String: Int] = [:]
        var total = 0
    }

    private let state = NIOLockedValueBox(State())
    private let wakes = WakeSignal()
    package let stats = LiveStats()
    private let tasks = NIOLockedValueBox<[Task<Void, Never>]>([])

    package init() {}

    /// The last event this node has read: a page rendered now shows everything up to it.
    package var latestSeq: Int64 { state.withLockedValue { $0.lastSeq } }

    /// Asks the pump to read new events (coalesced: many wakes while it reads make one more read).
    package func wake() { wakes.fire() }

    // MARK: running

    /// Starts the pump (and on PostgreSQL the listener) from the newest event on: a node delivers
    /// what happens after it starts; a client resuming from before reads the table.
    package func start(_ app: Application) async throws {
        let latest = try await LiveEvents.latest(on: app.db)
        let first = state.withLockedValue { state -> Bool in
            defer { state.started = true }
            guard !state.started else { return false }
            state.lastSeq = latest
            return true
        }
        guard first else { return }
        let pump = Task { [self] in await self.pump(app) }
        // The once-a-second read, as a wake like any other.
        let ticker = Task { [wakes] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.pollInterval)
                wakes.fire()
            }
        }
        var started = [pump, ticker]
        if case .postgres(let url, let schema) = app.rampart.database {
            started.append(Task { [self] in await self.listen(app, url: url, schema: schema) })
        }
        tasks.withLockedValue { $0 += started }
    }

    package func stop() async {
        let running = tasks.withLockedValue { tasks in defer { tasks = [] }; return tasks }
        for task in running { task.cancel() }
        wakes.fire()  // the pump sees it is cancelled
        for task in running { await task.value }
        let open = state.withLockedValue { state in state.connections.values.flatMap(\.values) }
        for connection in open { connection.close(code: .goingAway) }
    }

    private func pump(_ app: Application) async {
        let logger = Logger(label: "rampart.live")
        while !Task.isCancelled {
            // A commit of this node, a notification, or the ticker. (This was an AsyncStream raced
            // against a sleep in a task group: cancelling the losing `next()` finished the stream, and
            // from then on the pump read the table in a busy loop.)
            await wakes.wait()
            if Task.isCancelled { return }
            stats.reads.add(1)
            do {
                try await drain(app)
            } catch {
                stats.readErrors.add(1)
                logger.warning("live events could not be read: \(String(reflecting: error))")
            }
        }
    }

    /// Reads and delivers every event after the last one delivered.
    package func drain(_ app: Application) async throws {
        while true {
            let after = latestSeq
            let events = try await LiveEvents.read(after: after, limit: 500, on: app.db)
            guard let last = events.last else { return }
            let exercises = Set(events.map(\.exerciseID))
            let freezes = try await freezeTimes(Array(exercises), on: app.db)
            for event in events { dispatch(event, freezeAt: freezes[event.exerciseID] ?? nil) }
            stats.eventsRead.add(events.count)
            state.withLockedValue { $0.lastSeq = max($0.lastSeq, last.seq) }
            if events.count < 500 { return }
        }
    }

    private func freezeTimes(_ exercises: [UUID], on db: any Database) async throws -> [UUID: Date?] {
        let rows = try await Exercise.query(on: db).filter(\.$id ~~ exercises).field(\.$id).field(\.$freezeAt).all()
        return Dictionary(uniqueKeysWithValues: rows.compactMap { row in row.id.map { ($0, row.freezeAt) } })
    }

    private func dispatch(_ event: StoredLiveEvent, freezeAt: Date?) {
        let watching = state.withLockedValue { $0.connections[event.exerciseID].map { Array($0.values) } ?? [] }
        guard !watching.isEmpty else { return }
        // The message is encoded once, and the writes of each event loop go to it in one task: a hop
        // per loop, not per viewer.
        var whole: (text: String, bytes: ByteBuffer)?
        var batches: [ObjectIdentifier: (loop: any EventLoop, writes: [(LiveConnection, ByteBuffer)])] = [:]
        for connection in watching {
            let text: String
            let bytes: ByteBuffer
            switch connection.viewer.delivery(event, freezeAt: freezeAt) {
            case .nothing: continue
            case .whole:
                if whole == nil {
                    let message = event.message()
                    whole = (message, ByteBuffer(string: message))
                }
                (text, bytes) = whole!
            case .ownTeamOnly(let team):
                text = event.message(onlyTeam: team)
                bytes = ByteBuffer(string: text)
            }
            guard connection.admit(seq: event.seq, text, stats: stats) else { continue }
            let loop = connection.ws.eventLoop
            batches[ObjectIdentifier(loop), default: (loop, [])].writes.append((connection, bytes))
        }
        for (loop, writes) in batches.values {
            loop.execute { [stats] in
                for (connection, bytes) in writes { connection.write(bytes, stats: stats) }
            }
        }
    }

    /// LISTEN on a connection of its own; on any failure, wait a second, catch up and listen again.
    private func listen(_ app: Application, url: String, schema: String?) async {
        let logger = Logger(label: "rampart.live")
        var attempt = 0
        while !Task.isCancelled {
            do {
                let configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
                defer { Task { try? await connection.close() } }
                stats.listening.store(1)
                if attempt > 0 {
                    logger.info("live: listening again after \(attempt) failed attempts")
                    wake()  // what other nodes committed meanwhile
                }
                attempt = 0
                try await connection.listen(on: LiveEvents.channel) { notifications in
                    for try await notification in notifications {
                        self.wake()
                        // `seq|commit time`: how long the notification took to arrive.
                        if let sent = notification.payload.split(separator: "|").last.flatMap({ Double($0) }) {
                            self.stats.lag.record(Date().timeIntervalSince1970 - sent)
                        }
                    }
                }
            } catch {
                if Task.isCancelled { break }
                logger.warning("live: LISTEN connection lost, retrying: \(String(reflecting: error))")
            }
            stats.listening.store(0)
            stats.listenReconnects.add(1)
            attempt += 1
            try? await Task.sleep(for: .seconds(1))
        }
        stats.listening.store(0)
    }

    // MARK: connections

    /// Whether another connection of `key` (a user or an address) would stay within the limits.
    package func hasRoom(for key: String, app: Application) -> Bool {
        state.withLockedValue {
            $0.total < app.rampart.liveMaxConnections && ($0.perViewer[key] ?? 0) < app.rampart.liveMaxPerViewer
        }
    }

    /// Serves one upgraded WebSocket until it closes: a `hello` with the current number, the events
    /// after `since` it may see (or `resync` when too many were missed), then every new one.
    package func serve(_ ws: WebSocket, viewer: LiveViewer, exercise: Exercise, since: Int64?, key: String, app: Application) async {
        guard let exerciseID = exercise.id else { return }
        do {
            try await start(app)
        } catch {
            try? await ws.close(code: .unexpectedServerError)
            return
        }
        let connection = LiveConnection(ws, viewer: viewer, exerciseID: exerciseID, from: since ?? latestSeq)
        let admitted = state.withLockedValue { state -> Bool in
            guard state.total < app.rampart.liveMaxConnections, (state.perViewer[key] ?? 0) < app.rampart.liveMaxPerViewer else { return false }
            state.total += 1
            state.perViewer[key, default: 0] += 1
            state.connections[exerciseID, default: [:]][ObjectIdentifier(connection)] = connection
            return true
        }
        guard admitted else {
            stats.refused.add(1)
            try? await ws.close(code: .policyViolation)
            return
        }
        stats.opened.add(1)
        ws.onClose.whenComplete { [self] _ in
            state.withLockedValue { state in
                state.total -= 1
                state.perViewer[key, default: 1] -= 1
                if state.perViewer[key] == 0 { state.perViewer[key] = nil }
                state.connections[exerciseID]?[ObjectIdentifier(connection)] = nil
                if state.connections[exerciseID]?.isEmpty == true { state.connections[exerciseID] = nil }
            }
            stats.closed.add(1)
        }
        // On the socket's own event loop, as WebSocketKit requires. What a client says is not read;
        // pings keep proxies from closing a quiet socket and find dead peers.
        try? await ws.eventLoop.submit {
            ws.onText { _, _ in }
            ws.pingInterval = .seconds(25)
        }.get()

        let current = latestSeq
        connection.sendNow(LiveMessage(seq: since ?? current, type: "hello", at: Date(), data: ["role": viewer.role.rawValue]).encoded(), stats: stats)
        if let since, since < current {
            do {
                let missed = try await LiveEvents.read(after: since, exercise: exerciseID, limit: Self.replayLimit + 1, on: app.db)
                    .filter { $0.seq <= current }
                if missed.count > Self.replayLimit {
                    connection.resync(to: current, stats: stats)
                } else {
                    for event in missed {
                        switch viewer.delivery(event, freezeAt: exercise.freezeAt) {
                        case .nothing: continue
                        case .whole: connection.replay(seq: event.seq, event.message(), stats: stats)
                        case .ownTeamOnly(let team): connection.replay(seq: event.seq, event.message(onlyTeam: team), stats: stats)
                        }
                    }
                    connection.skip(to: current)
                }
            } catch {
                connection.resync(to: current, stats: stats)
            }
        } else {
            connection.skip(to: current)
        }
        connection.finishReplay(stats: stats)
    }

    /// Open connections on this node.
    package var connectionCount: Int { state.withLockedValue { $0.total } }
}

/// One viewer's WebSocket: what it has been sent and what is still in flight.
final class LiveConnection: Sendable {
    let ws: WebSocket
    let viewer: LiveViewer
    let exerciseID: UUID

    private struct State {
        /// The last number sent (or skipped as not visible).
        var lastSeq: Int64
        var inFlight = 0
        /// Live events that arrive while the replay is read, sent after it.
        var buffered: [(seq: Int64, text: String)] = []
        var replaying = true
        var closed = false
    }

    private let state: NIOLockedValueBox<State>

    init(_ ws: WebSocket, viewer: LiveViewer, exerciseID: UUID, from seq: Int64) {
        self.ws = ws
        self.viewer = viewer
        self.exerciseID = exerciseID
        state = NIOLockedValueBox(State(lastSeq: seq))
    }

    /// A live event: sent now, buffered during the replay, or — when the client has too much in
    /// flight — the connection is closed with `slowClose` (the client resumes from its last number).
    func deliver(seq: Int64, _ text: String, stats: LiveStats) {
        if admit(seq: seq, text, stats: stats) { write(ByteBuffer(string: text), stats: stats) }
    }

    /// Whether a live event is to be written now (counted as in flight): not during the replay (it is
    /// buffered), not twice, and not to a connection too far behind (closed instead).
    func admit(seq: Int64, _ text: String, stats: LiveStats) -> Bool {
        enum Action { case none, send, drop }
        let action = state.withLockedValue { state -> Action in
            guard !state.closed else { return .none }
            if state.replaying {
                guard state.buffered.count < LiveHub.inFlightLimit else {
                    state.closed = true
                    return .drop
                }
                state.buffered.append((seq, text))
                return .none
            }
            guard seq > state.lastSeq else { return .none }
            guard state.inFlight < LiveHub.inFlightLimit else {
                state.closed = true
                return .drop
            }
            state.inFlight += 1
            state.lastSeq = seq
            return .send
        }
        switch action {
        case .none: return false
        case .drop:
            drop(stats: stats)
            return false
        case .send: return true
        }
    }

    /// A message outside the numbered stream (`hello`).
    func sendNow(_ text: String, stats: LiveStats) {
        state.withLockedValue { $0.inFlight += 1 }
        write(ByteBuffer(string: text), stats: stats)
    }

    /// A missed event read from the table during the replay.
    func replay(seq: Int64, _ text: String, stats: LiveStats) {
        let send = state.withLockedValue { state -> Bool in
            guard !state.closed, seq > state.lastSeq else { return false }
            state.lastSeq = seq
            state.inFlight += 1
            return true
        }
        if send { write(ByteBuffer(string: text), stats: stats) }
    }

    /// Marks every number up to `seq` as handled (the replay covered them, or there was none).
    func skip(to seq: Int64) {
        state.withLockedValue { $0.lastSeq = max($0.lastSeq, seq) }
    }

    /// Too much was missed to replay: the client reloads its page and goes on from `seq`.
    func resync(to seq: Int64, stats: LiveStats) {
        skip(to: seq)
        sendNow(LiveMessage(seq: seq, type: "resync", at: Date()).encoded(), stats: stats)
    }

    /// Sends what arrived during the replay, then delivers live.
    func finishReplay(stats: LiveStats) {
        let waiting = state.withLockedValue { state -> [(seq: Int64, text: String)] in
            state.replaying = false
            defer { state.buffered = [] }
            return state.buffered
        }
        for (seq, text) in waiting { deliver(seq: seq, text, stats: stats) }
    }

    /// Writes a text frame (on the socket's event loop, or with a hop to it); done when written.
    func write(_ bytes: ByteBuffer, stats: LiveStats) {
        let promise = ws.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { [state] result in
            state.withLockedValue { $0.inFlight -= 1 }
            if case .success = result { stats.sent.add(1) }
        }
        ws.send(raw: bytes.readableBytesView, opcode: .text, fin: true, promise: promise)
    }

    private func drop(stats: LiveStats) {
        stats.dropped.add(1)
        close(code: .unknown(LiveHub.slowClose))
    }

    func close(code: WebSocketErrorCode) {
        state.withLockedValue { $0.closed = true }
        ws.eventLoop.execute { [ws] in _ = ws.close(code: code) }
    }
}

/// Counters for `/metrics`, kept here and read by the server's metrics at each scrape.
package final class LiveStats: Sendable {
    package let opened = ManagedCounter()
    package let closed = ManagedCounter()
    package let refused = ManagedCounter()
    package let sent = ManagedCounter()
    package let dropped = ManagedCounter()
    package let eventsRead = ManagedCounter()
    /// Reads of `live_events` (each wake makes one, or a few when many events arrived).
    package let reads = ManagedCounter()
    package let readErrors = ManagedCounter()
    package let listenReconnects = ManagedCounter()
    package let listening = ManagedCounter()
    /// Seconds from a commit's NOTIFY to this node receiving it (PostgreSQL only).
    package let lag = LagRecorder()
}

/// Wakes one waiter; wakes while nobody waits collapse into one, so many commits during a read make
/// exactly one more read.
final class WakeSignal: Sendable {
    private let state = NIOLockedValueBox<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func fire() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next `fire`, or at once if one came since the last wait. One waiter at a time.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLockedValue { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }
}

package final class ManagedCounter: Sendable {
    private let value = NIOLockedValueBox<Int>(0)
    package func add(_ amount: Int) { value.withLockedValue { $0 += amount } }
    package func store(_ amount: Int) { value.withLockedValue { $0 = amount } }
    package var current: Int { value.withLockedValue { $0 } }
}

/// Lags, bucketed like a Prometheus histogram (cumulative counts by upper bound) plus their sum.
package final class LagRecorder: Sendable {
    package static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    private let state = NIOLockedValueBox<(counts: [Int], sum: Double, count: Int)>((Array(repeating: 0, count: bounds.count), 0, 0))

    func record(_ seconds: Double) {
        let seconds = max(0, seconds)
        state.withLockedValue { state in
            for (index, bound) in Self.bounds.enumerated() where seconds <= bound { state.counts[index] += 1 }
            state.sum += seconds
            state.count += 1
        }
    }

    package var snapshot: (counts: [Int], sum: Double, count: Int) { state.withLockedValue { $0 } }
}

extension Application {
    private struct LiveHubKey: StorageKey {
        typealias Value = LiveHub
    }

    /// This node's live delivery; nil in a command that does not serve pages (it still stores events).
    package var liveHub: LiveHub? {
        get { storage[LiveHubKey.self] }
        set { storage[LiveHubKey.self] = newValue }
    }
}

/// Starts the hub when the application boots to serve (`serve`, `demo`; tests start it with their first
/// connection) and stops it on shutdown.
package struct LiveLifecycle: LifecycleHandler {
    package init() {}

    package func didBootAsync(_ application: Application) async throws {
        guard let hub = application.liveHub, ["serve", "demo"].contains(command(application.environment.arguments)) else { return }
        try await hub.start(application)
    }

    package func shutdownAsync(_ application: Application) async {
        await application.liveHub?.stop()
    }
}
