import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

/// A write that cannot start soon is refused with a clear, retryable answer, never a 500, and a tick
/// that could not be recorded is recorded late, once.
@Suite struct BusyTests {
    /// A write that holds its locks (and on SQLite the node's write queue) until `release` is called.
    final class LongWrite: Sendable {
        let started = AsyncStream<Void>.makeStream()
        let finish = AsyncStream<Void>.makeStream()
        let task: Task<Void, any Error>

        init(_ app: Application, locking lock: @escaping @Sendable (any Database) async throws -> Void) {
            let (started, finish) = (self.started, self.finish)
            task = Task {
                try await app.write(clearingCaches: false) { db in
                    try await lock(db)
                    started.continuation.yield()
                    for await _ in finish.stream {}
                }
            }
        }

        func begun() async { for await _ in started.stream { return } }

        func release() async throws {
            finish.continuation.finish()
            try await task.value
        }
    }

    @Test(arguments: TestDatabase.all)
    func aWriteThatWaitsTooLongIsABusy503AndNothingIsLost(_ database: TestDatabase) async throws {
        try await withRampart(database, adjust: { $0.writeWait = .milliseconds(300) }) { app, _ in
            // setup: a running exercise, and a long write holding the lock submissions need
            let fixture = try await Fixture.make(app)
            let challenge = try await TestChallenges.add(app, fixture)
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            let blue = try await fixture.headers(.blue)
            let exerciseID = try fixture.exercise.requireID()
            let long = LongWrite(app) { db in
                if let sql = db as? any SQLDatabase, database == .postgres {
                    try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: ScoreEngine.lockKey(exerciseID)))").run()
                }
            }
            await long.begun()
            // act
            let refused: TestingHTTPResponse
            do {
                refused = try await app.testing().sendRequest(
                    .POST, "/api/v1/exercises/ex/challenges/\(challenge)/attempts", headers: .json(blue), body: .json(["flag": "wrong"]))
            } catch {
                try await long.release()
                throw error
            }
            try await long.release()
            let retried = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/challenges/\(challenge)/attempts", headers: .json(blue), body: .json(["flag": "wrong"]))
            // check
            #expect(refused.status == .serviceUnavailable, "\(refused.status) \(refused.body.string)")
            #expect(refused.errorCode == "busy" && refused.headers.first(name: .retryAfter) == "2")
            #expect(retried.status == .ok)
            let stored = try await Submission.query(on: app.db).all()
            #expect(stored.count == 1, "the refused one was not stored: it was not acknowledged either")
        }
    }

    @Test(arguments: TestDatabase.all)
    func aTickThatCouldNotBeRecordedIsRecordedLateOnceAndInOrder(_ database: TestDatabase) async throws {
        try await withRampart(database, adjust: { $0.writeWait = .milliseconds(300) }) { app, clock in
            // setup: a running exercise with one service; ticks of 60 s
            let fixture = try await Fixture.make(app)
            let exerciseID = try fixture.exercise.requireID()
            try await TestServices.add(app, exerciseID)
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            #expect(try await Ticks.step(app: app, now: clock.now).created == [1])
            // act: tick 2 falls due while a long write holds the database (on PostgreSQL, the lock ticks are made under)
            clock.advance(60)
            let long = LongWrite(app) { db in try await Ticks.lock(exerciseID, on: db) }
            await long.begun()
            var failed = false
            do { _ = try await Ticks.step(app: app, now: clock.now) } catch { failed = AppError.isBusy(error) }
            try await long.release()
            // ... and tick 3 comes before the database is free again for the node
            clock.advance(60)
            let late = try await Ticks.step(app: app, now: clock.now)
            let again = try await Ticks.step(app: app, now: clock.now)
            // check
            #expect(failed)
            #expect(late.created == [2, 3], "\(late.created)")
            #expect(again.created == [])
            let ticks = try await TickRecord.query(on: app.db).filter(\.$exerciseID == exerciseID).sort(\.$number).all()
            #expect(ticks.map(\.number) == [1, 2, 3])
            #expect(try await CheckJob.query(on: app.db).filter(\.$tick == 2).count() == 1)
        }
    }
}
