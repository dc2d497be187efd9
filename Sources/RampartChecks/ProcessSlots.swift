import NIOCore

/// How many checker processes run at once on this machine. Starting a process is serialised in the
/// kernel and C library (a few hundred a second here), so thousands of checks starting their checkers
/// in the same instant would wait for one another — and a wait counted against the check's timeout
/// would mark healthy services down for our own load. A check waits for a slot first; its timeout
/// starts when its checker does.
public actor ProcessSlots {
    private var limit: Int
    private var running = 0
    private var waiting = CircularBuffer<CheckedContinuation<Void, Never>>()

    /// The slots external checkers share (`RAMPART_CHECKER_PROCESSES`, default 64).
    public static let shared = ProcessSlots(limit: 64)

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    public func setLimit(_ limit: Int) {
        self.limit = max(1, limit)
        wakeWaiters()
    }

    /// Checkers running now and checks waiting for a slot.
    public var load: (running: Int, waiting: Int) { (running, waiting.count) }

    /// Runs `body` once a slot is free.
    public nonisolated func run<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        await acquire()
        let result = await body()
        await release()
        return result
    }

    private func acquire() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        running -= 1
        wakeWaiters()
    }

    private func wakeWaiters() {
        while running < limit, let next = waiting.popFirst() {
            running += 1
            next.resume()
        }
    }
}
