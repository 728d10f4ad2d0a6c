import Foundation
import SQLiteCore
import ShardQLBase
import Testing
import WorkerTestSupport

@testable import Worker

/// Phase one and two on one shard file: the prepared record, its effect on other writers and
/// readers, idempotent apply and abort, and older files gaining the record's table.
@Suite("LocalWorker two-phase commit")
struct TwoPhaseCommitTests {
    let shard = ShardFileID(group: 1, index: 0)
    let first = TransactionID("first")
    let second = TransactionID("second")

    func withShard(_ body: (LocalWorker, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("worker-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let worker = try LocalWorker(directory: directory, busyTimeout: .milliseconds(200))
        try await worker.createShard(shard)
        _ = try await worker.write([ShardStatement("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")], on: shard)
        try await worker.finish(shard, commit: true)
        do {
            try await body(worker, directory)
        } catch {
            await worker.close()
            throw error
        }
        await worker.close()
    }

    func count(_ worker: LocalWorker) async throws -> [[SQLValue]] {
        try await worker.query("SELECT count(*) FROM t", parameters: [], on: shard).rows
    }

    @Test func aPreparedChangeIsInvisibleAndHoldsOffOtherWritersUntilDecided() async throws {
        try await withShard { worker, _ in
            _ = try await worker.write([ShardStatement("INSERT INTO t VALUES (1, 'x'), (2, 'y')")], on: shard, in: first, recording: true)
            #expect(try await worker.prepare(first, on: shard))
            #expect(try await worker.preparedTransactions(on: shard) == [first])
            #expect(try await count(worker) == [[.integer(0)]])
            let error = await #expect(throws: ShardQLError.self) {
                try await worker.begin(second, on: shard, recording: false)
            }
            #expect(error?.code == .busy && error?.message.contains("first") == true, "\(String(describing: error))")
            try await worker.commitPrepared(first, on: shard)
            try await worker.commitPrepared(first, on: shard)
            #expect(try await count(worker) == [[.integer(2)]])
            #expect(try await worker.preparedTransactions(on: shard).isEmpty)
            // The shard takes writers again.
            _ = try await worker.write([ShardStatement("DELETE FROM t")], on: shard, in: second, recording: false)
            try await worker.commit(second, on: shard)
            #expect(try await count(worker) == [[.integer(0)]])
        }
    }

    @Test func abortDropsAPreparedOrOpenTransactionAndRepeats() async throws {
        try await withShard { worker, _ in
            _ = try await worker.write([ShardStatement("INSERT INTO t VALUES (1, 'x')")], on: shard, in: first, recording: true)
            #expect(try await worker.prepare(first, on: shard))
            try await worker.abort(first, on: shard)
            try await worker.abort(first, on: shard)
            _ = try await worker.write([ShardStatement("INSERT INTO t VALUES (2, 'y')")], on: shard, in: second, recording: true)
            try await worker.abort(second, on: shard)
            #expect(try await count(worker) == [[.integer(0)]])
            #expect(try await worker.preparedTransactions(on: shard).isEmpty)
        }
    }

    @Test func aTransactionThatChangedNothingPreparesNothing() async throws {
        try await withShard { worker, _ in
            _ = try await worker.write([ShardStatement("DELETE FROM t WHERE a = 42")], on: shard, in: first, recording: true)
            #expect(try await worker.prepare(first, on: shard) == false)
            #expect(try await worker.preparedTransactions(on: shard).isEmpty)
        }
    }

    @Test func readsInsideTheTransactionSeeItsChangesAndOthersDoNot() async throws {
        try await withShard { worker, _ in
            _ = try await worker.write([ShardStatement("INSERT INTO t VALUES (1, 'x')")], on: shard, in: first, recording: true)
            let own = try await worker.read(ShardRead("SELECT count(*) FROM t", transaction: first), on: shard, batchRows: 10).collect()
            let other = try await worker.read(ShardRead("SELECT count(*) FROM t", transaction: second), on: shard, batchRows: 10).collect()
            #expect(own.rows == [[.integer(1)]])
            #expect(other.rows == [[.integer(0)]])
            try await worker.abort(first, on: shard)
        }
    }

    @Test func savepointsTruncateWhatPrepares() async throws {
        try await withShard { worker, _ in
            _ = try await worker.write([ShardStatement("INSERT INTO t VALUES (1, 'x')")], on: shard, in: first, recording: true)
            try await worker.savepoint(.begin("s"), on: shard, in: first)
            _ = try await worker.write([ShardStatement("INSERT INTO t VALUES (2, 'y')")], on: shard, in: first, recording: true)
            try await worker.savepoint(.rollback(to: "S"), on: shard, in: first)
            try await worker.savepoint(.release("s"), on: shard, in: first)
            #expect(try await worker.prepare(first, on: shard))
            try await worker.commitPrepared(first, on: shard)
            #expect(try await worker.query("SELECT a FROM t", parameters: [], on: shard).rows == [[.integer(1)]])
        }
    }

    @Test func aVersionOneFileGainsThePreparedTable() async throws {
        try await withShard { worker, directory in
            await worker.close()
            let path = directory + "/" + shard.fileName
            let connection = try SQLiteConnection(path: path)
            try connection.execute("DROP TABLE _shardql_prepared; PRAGMA user_version = 1")
            connection.close()
            let reopened = try LocalWorker(directory: directory)
            #expect(try await reopened.preparedTransactions(on: shard).isEmpty)
            #expect(try await reopened.query("PRAGMA user_version", parameters: [], on: shard).rows == [[.integer(2)]])
            await reopened.close()
        }
    }
}

@Suite("LocalWorker copies")
struct ShardCopyTests {
    @Test func aFileCopiedWhileWrittenCatchesUpToTheSource() async throws {
        try await withTemporaryWorker { source, _ in
            try await withTemporaryWorker { target, _ in
                try await copyWhileWriting(from: source, to: target)
            }
        }
    }
}
