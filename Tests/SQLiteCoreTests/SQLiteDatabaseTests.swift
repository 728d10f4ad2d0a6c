import Dispatch
import Foundation
import ShardQLBase
import SQLiteCore
import Synchronization
import Testing

@testable import SQLiteCore

/// A flag one task sets and another reads.
private final class Flag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

@Suite("SQLiteDatabase runs SQLite off the cooperative pool")
struct SQLiteDatabaseTests {
    /// Runs for minutes unless interrupted.
    static let countToABillion = """
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000)
        SELECT count(*) FROM c
        """

    @Test func bodyRunsOnTheDatabaseQueue() async throws {
        let database = try await SQLiteDatabase(path: ":memory:")
        #expect(!database.isOnQueue)
        let onQueue = try await database.withConnection { _ in database.isOnQueue }
        #expect(onQueue)
        // Another database has its own queue.
        let other = try await SQLiteDatabase(path: ":memory:")
        #expect(try await other.withConnection { _ in database.isOnQueue } == false)
    }

    @Test(.timeLimit(.minutes(1)))
    func blockingQueriesLeaveTheCooperativePoolFree() async throws {
        // More blocking queries than the pool has threads: if they ran on the pool, the last ones
        // (and the probe task below) could not start until the first were interrupted.
        let width = ProcessInfo.processInfo.activeProcessorCount + 1
        var databases: [SQLiteDatabase] = []
        for _ in 0..<width {
            databases.append(try await SQLiteDatabase(path: ":memory:"))
        }
        // A starved pool would also starve `.timeLimit`, so a Dispatch timer, which does not need
        // the pool, unblocks a broken run after 10 s; the elapsed time then fails the test.
        let watchdog = DispatchSource.makeTimerSource(queue: .global())
        watchdog.schedule(deadline: .now() + 10, repeating: 0.1)
        watchdog.setEventHandler { [databases] in databases.forEach { $0.interrupt() } }
        watchdog.resume()
        defer { watchdog.cancel() }

        let start = ContinuousClock.now
        let started = (0..<width).map { _ in Flag() }
        let queries = zip(databases, started).map { database, flag in
            Task {
                try await database.withConnection { connection in
                    flag.set()
                    return try connection.prepare(Self.countToABillion).rows()
                }
            }
        }
        while !started.allSatisfy(\.isSet) {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(await Task.detached { 42 }.value == 42)
        #expect(ContinuousClock.now - start < .seconds(10))
        for query in queries { query.cancel() }
        for query in queries {
            await #expect(throws: ShardQLError.self) { try await query.value }
        }
    }

    @Test func openFailureIsThrown() async throws {
        await #expect(throws: ShardQLError.self) {
            try await SQLiteDatabase(path: "/nonexistent-\(UInt64.random(in: 0 ... .max))/db.sqlite")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func interruptFromAnotherTaskCancelsALongQuery() async throws {
        let database = try await SQLiteDatabase(path: ":memory:")
        let query = Task {
            try await database.withConnection { connection in
                try connection.prepare(Self.countToABillion).rows()
            }
        }
        // An interrupt before the statement starts is dropped by SQLite, so keep sending them.
        let interrupter = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(20))
                database.interrupt()
            }
        }
        let error = await #expect(throws: ShardQLError.self) { try await query.value }
        interrupter.cancel()
        await interrupter.value
        #expect(error?.code == .cancelled)
        #expect(error?.sqliteResultCode == 9)  // SQLITE_INTERRUPT
        #expect(error?.message == "interrupted")
        // The connection is fine afterwards.
        #expect(try await database.withConnection { try $0.prepare("SELECT 1").rows() } == [[.integer(1)]])
    }

    @Test(.timeLimit(.minutes(1)))
    func cancellingTheTaskCancelsALongQuery() async throws {
        let database = try await SQLiteDatabase(path: ":memory:")
        let started = Flag()
        let query = Task {
            try await database.withConnection { connection in
                started.set()
                return try connection.prepare(Self.countToABillion).rows()
            }
        }
        while !started.isSet {
            try await Task.sleep(for: .milliseconds(5))
        }
        query.cancel()
        let error = await #expect(throws: ShardQLError.self) { try await query.value }
        #expect(error?.code == .cancelled)
        #expect(error?.sqliteResultCode == 9)
    }

    @Test func alreadyCancelledTaskDoesNotRunTheBody() async throws {
        let database = try await SQLiteDatabase(path: ":memory:")
        let ran = Flag()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await database.withConnection { _ in ran.set() }
        }
        let error = await #expect(throws: ShardQLError.self) { try await task.value }
        #expect(error?.code == .cancelled)
        #expect(!ran.isSet)
    }

    @Test func concurrentCallsAreSerialized() async throws {
        try await withTemporaryDirectory { directory in
            let database = try await SQLiteDatabase(path: directory + "/serial.sqlite")
            try await database.withConnection { try $0.execute("CREATE TABLE t(a)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for value in 0..<100 {
                    group.addTask {
                        try await database.write { connection in
                            let insert = try connection.cachedStatement("INSERT INTO t VALUES (?)")
                            try insert.bind([.integer(Int64(value))])
                            try insert.run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let rows = try await database.withConnection {
                try $0.prepare("SELECT count(*), sum(a) FROM t").rows()
            }
            #expect(rows == [[.integer(100), .integer(4950)]])
            await database.close()
        }
    }

    struct Boom: Error {}

    @Test func writeRollsBackOnError() async throws {
        let database = try await SQLiteDatabase(path: ":memory:")
        try await database.withConnection { try $0.execute("CREATE TABLE t(a)") }
        await #expect(throws: Boom.self) {
            try await database.write { connection in
                try connection.execute("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        let rows = try await database.withConnection { try $0.prepare("SELECT count(*) FROM t").rows() }
        #expect(rows == [[.integer(0)]])
    }

    @Test func interruptAfterCloseIsANoOp() async throws {
        let database = try await SQLiteDatabase(path: ":memory:")
        await database.close()
        database.interrupt()
        let error = await #expect(throws: ShardQLError.self) {
            try await database.withConnection { try $0.execute("SELECT 1") }
        }
        #expect(error?.code == .invalidArgument)
    }
}
