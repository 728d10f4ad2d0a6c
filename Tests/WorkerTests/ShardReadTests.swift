import Foundation
import SQLiteCore
import ShardQLBase
import Testing
import WorkerTestSupport

@testable import Worker

@Suite("ShardRead streams")
struct ShardReadTests {
    let shard = ShardFileID(group: 1, index: 0)

    func makeShard(_ worker: LocalWorker, _ shard: ShardFileID, rows count: Int) async throws {
        try await worker.makeShard(shard, rows: count)
    }

    /// Waits (boundedly) until no read holds a connection of `shard`: early termination releases
    /// it from a scheduled task.
    func expectReleased(_ worker: LocalWorker, _ shard: ShardFileID) async throws {
        for _ in 0..<1000 where worker.readerCounts(of: shard)?.checkedOut != 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(worker.readerCounts(of: shard)?.checkedOut == 0)
    }

    @Test func batchesConcatenateToTheFullResult() async throws {
        try await withTemporaryWorker { worker, _ in
            try await makeShard(worker, shard, rows: 1000)
            let stream = try await worker.read(ShardRead("SELECT a, b FROM t ORDER BY a"), on: shard, batchRows: 64)
            #expect(stream.columns == ["a", "b"])
            var rows: [[SQLValue]] = []
            var batches = 0
            for try await batch in stream {
                #expect(!batch.isEmpty && batch.count <= 64)
                rows += batch
                batches += 1
            }
            #expect(batches == 16)
            #expect(rows == (1...1000).map { [.integer(Int64($0)), .text("row \($0)")] })
            #expect(try await worker.query("SELECT a, b FROM t ORDER BY a", parameters: [], on: shard).rows == rows)
            // An empty result is a stream without batches.
            let empty = try await worker.read(ShardRead("SELECT a FROM t WHERE a < ?", parameters: [.integer(0)]), on: shard, batchRows: 8)
            #expect(try await empty.collect() == RowSet(columns: ["a"], rows: []))
        }
    }

    @Test func wideRowsEndABatchEarly() async throws {
        try await withTemporaryWorker { worker, _ in
            try await worker.createShard(shard)
            let read = ShardRead(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40) SELECT x, zeroblob(100000) FROM c")
            var sizes: [Int] = []
            for try await batch in try await worker.read(read, on: shard, batchRows: 1000) { sizes.append(batch.count) }
            // About 1 MiB of values per batch: 11 rows of 100 kB.
            #expect(sizes.reduce(0, +) == 40)
            #expect(sizes.count > 1 && sizes.allSatisfy { $0 <= 11 })
        }
    }

    @Test func earlyTerminationReleasesTheConnection() async throws {
        try await withTemporaryWorker { worker, directory in
            try await makeShard(worker, shard, rows: 1000)
            for _ in 0..<100 {
                for try await batch in try await worker.read(ShardRead("SELECT a FROM t"), on: shard, batchRows: 10) {
                    #expect(batch.count == 10)
                    break
                }
            }
            // A stream dropped before its first batch too.
            _ = try await worker.read(ShardRead("SELECT a FROM t"), on: shard, batchRows: 10)
            try await expectReleased(worker, shard)
            let counts = try #require(worker.readerCounts(of: shard))
            #expect(counts.idle <= 4)

            // No statement is left holding a read transaction: a commit and a full checkpoint go through.
            _ = try await worker.write([ShardStatement("DELETE FROM t WHERE a > 10")], on: shard)
            try await worker.finish(shard, commit: true)
            let checkpoint = try SQLiteConnection(path: directory + "/" + shard.fileName)
            defer { checkpoint.close() }
            let result = try checkpoint.prepare("PRAGMA wal_checkpoint(TRUNCATE)").rows()
            #expect(result.first?.first == .integer(0), "checkpoint blocked: \(result)")
            #expect(try await worker.query("SELECT count(*) FROM t", parameters: [], on: shard).rows == [[.integer(10)]])
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func cancellingTheConsumerInterruptsALongQuery() async throws {
        try await withTemporaryWorker { worker, _ in
            try await worker.createShard(shard)
            let start = ContinuousClock.now
            let (consumer, started) = try await worker.startSlowRead(on: shard)
            #expect(started)
            // Most likely inside the long step by now; cancelled between steps works too.
            try await Task.sleep(for: .milliseconds(100))
            consumer.cancel()
            await #expect {
                _ = try await consumer.value
            } throws: { error in
                (error as? ShardQLError)?.code == .cancelled
            }
            #expect(ContinuousClock.now - start < .seconds(10))
            try await expectReleased(worker, shard)
            #expect(try await worker.query("SELECT 1", parameters: [], on: shard).rows == [[.integer(1)]])
        }
    }

    @Test func errorsMidStreamAreThrownByNext() async throws {
        try await withTemporaryWorker { worker, _ in
            try await worker.createShard(shard)
            _ = try await worker.write(
                [
                    ShardStatement("CREATE TABLE n(x INTEGER)"),
                    ShardStatement("INSERT INTO n VALUES (1), (-2), (3), (-4), (5), (?)", parameters: [.integer(.min)]),
                ], on: shard)
            try await worker.finish(shard, commit: true)
            // abs() of the last row overflows: the error comes after five good batches.
            let stream = try await worker.read(ShardRead("SELECT abs(x) FROM n ORDER BY rowid"), on: shard, batchRows: 1)
            var rows: [[SQLValue]] = []
            var iterator = stream.makeAsyncIterator()
            await #expect {
                while let batch = try await iterator.next() { rows += batch }
            } throws: { error in
                (error as? ShardQLError)?.message.contains("integer overflow") == true
            }
            #expect(rows == (1...5).map { [.integer(Int64($0))] })
            #expect(try await iterator.next() == nil)
            #expect(worker.readerCounts(of: shard)?.checkedOut == 0)
        }
    }

    @Test func statementErrorsAreThrownByRead() async throws {
        try await withTemporaryWorker { worker, _ in
            try await makeShard(worker, shard, rows: 1)
            await #expect(throws: ShardQLError.self) {
                _ = try await worker.read(ShardRead("SELECT FROM t"), on: shard, batchRows: 1)
            }
            await #expect(throws: ShardQLError.self) {
                _ = try await worker.read(ShardRead("SELECT * FROM missing"), on: shard, batchRows: 1)
            }
            await #expect(throws: ShardQLError.self) {
                _ = try await worker.read(ShardRead("SELECT ?"), on: shard, batchRows: 1)
            }
            await #expect(throws: ShardQLError.self) {
                _ = try await worker.read(ShardRead("SELECT 1"), on: shard, batchRows: 0)
            }
            #expect(worker.readerCounts(of: shard)?.checkedOut == 0)
        }
    }

    @Test func aStreamIsIteratedOnce() async throws {
        try await withTemporaryWorker { worker, _ in
            try await makeShard(worker, shard, rows: 3)
            let stream = try await worker.read(ShardRead("SELECT a FROM t ORDER BY a"), on: shard, batchRows: 2)
            var first = stream.makeAsyncIterator()
            var second = stream.makeAsyncIterator()
            await #expect(throws: ShardQLError.self) { _ = try await second.next() }
            #expect(try await first.next()?.count == 2)
            #expect(try await first.next()?.count == 1)
            #expect(try await first.next() == nil)
        }
    }

    @Test func concurrentStreamsOnOneShardBothComplete() async throws {
        try await withTemporaryWorker { worker, _ in
            try await makeShard(worker, shard, rows: 500)
            let expected = (1...500).map { [SQLValue.integer(Int64($0))] }
            // Interleaved in one task: each stream keeps its statement open on its own connection.
            let first = try await worker.read(ShardRead("SELECT a FROM t ORDER BY a"), on: shard, batchRows: 50)
            let second = try await worker.read(ShardRead("SELECT a FROM t ORDER BY a"), on: shard, batchRows: 70)
            #expect(worker.readerCounts(of: shard)?.checkedOut == 2)
            var firstIterator = first.makeAsyncIterator()
            var secondIterator = second.makeAsyncIterator()
            var firstRows: [[SQLValue]] = []
            var secondRows: [[SQLValue]] = []
            var firstDone = false
            var secondDone = false
            while !(firstDone && secondDone) {
                if !firstDone {
                    if let batch = try await firstIterator.next() { firstRows += batch } else { firstDone = true }
                }
                if !secondDone {
                    if let batch = try await secondIterator.next() { secondRows += batch } else { secondDone = true }
                }
            }
            #expect(firstRows == expected && secondRows == expected)

            // And from concurrent tasks.
            let results = try await withThrowingTaskGroup(of: [[SQLValue]].self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await worker.read(ShardRead("SELECT a FROM t ORDER BY a"), on: shard, batchRows: 7).collect().rows
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 6 && results.allSatisfy { $0 == expected })
            try await expectReleased(worker, shard)
            #expect(try #require(worker.readerCounts(of: shard)).idle <= 4)
        }
    }

    @Test func attachedReferenceFilesAreNamedUnqualified() async throws {
        try await withTemporaryWorker { worker, _ in
            let europe = ShardFileID(group: 9, index: 0)
            let asia = ShardFileID(group: 10, index: 0)
            try await worker.createShard(shard)
            _ = try await worker.write(
                [
                    ShardStatement("CREATE TABLE orders(id INTEGER PRIMARY KEY, country TEXT)"),
                    ShardStatement("INSERT INTO orders VALUES (1, 'fr'), (2, 'jp'), (3, 'fr')"),
                ], on: shard)
            try await worker.finish(shard, commit: true)
            for (file, rows) in [(europe, "('fr', 'France'), ('jp', 'Japon')"), (asia, "('fr', 'フランス'), ('jp', '日本')")] {
                try await worker.createShard(file)
                _ = try await worker.write(
                    [
                        ShardStatement("CREATE TABLE countries(code TEXT PRIMARY KEY, name TEXT)"),
                        ShardStatement("INSERT INTO countries VALUES \(rows)"),
                    ], on: file)
                try await worker.finish(file, commit: true)
            }
            let join = "SELECT o.id, c.name FROM orders o JOIN countries c ON c.code = o.country ORDER BY o.id"
            func names(_ attaching: [ShardFileID]) async throws -> [SQLValue] {
                try await worker.read(ShardRead(join, attaching: attaching), on: shard, batchRows: 2).collect().rows.map { $0[1] }
            }
            #expect(try await names([europe]) == [.text("France"), .text("Japon"), .text("France")])
            #expect(try await names([europe]) == [.text("France"), .text("Japon"), .text("France")])
            // The first listed file wins a name, whatever the pooled connection attached before.
            #expect(try await names([asia]) == [.text("フランス"), .text("日本"), .text("フランス")])
            #expect(try await names([europe, asia]) == [.text("France"), .text("Japon"), .text("France")])
            #expect(try await names([asia, europe]) == [.text("フランス"), .text("日本"), .text("フランス")])
            // Attachment names qualify.
            let qualified = try await worker.read(
                ShardRead("SELECT name FROM \(asia.attachmentName).countries WHERE code = 'jp'", attaching: [europe, asia]),
                on: shard, batchRows: 1)
            #expect(try await qualified.collect().rows == [[.text("日本")]])
            // Attached read-only.
            await #expect(throws: ShardQLError.self) {
                _ = try await worker.read(ShardRead("DELETE FROM countries", attaching: [europe]), on: shard, batchRows: 1).collect()
            }

            // A reference file dropped and created again is attached afresh, not from a stale handle.
            try await worker.dropShard(europe)
            try await worker.createShard(europe)
            _ = try await worker.write(
                [
                    ShardStatement("CREATE TABLE countries(code TEXT PRIMARY KEY, name TEXT)"),
                    ShardStatement("INSERT INTO countries VALUES ('fr', 'Frankreich'), ('jp', 'Japan')"),
                ], on: europe)
            try await worker.finish(europe, commit: true)
            #expect(try await names([europe]) == [.text("Frankreich"), .text("Japan"), .text("Frankreich")])
            try await expectReleased(worker, shard)
        }
    }

    @Test func aMissingAttachmentIsAClearError() async throws {
        try await withTemporaryWorker { worker, _ in
            try await makeShard(worker, shard, rows: 1)
            let missing = ShardFileID(group: 42, index: 3)
            await #expect {
                _ = try await worker.read(ShardRead("SELECT 1", attaching: [missing]), on: shard, batchRows: 1)
            } throws: { error in
                guard let error = error as? ShardQLError else { return false }
                return error.code == .io && error.message.contains(missing.fileName)
            }
            #expect(worker.readerCounts(of: shard)?.checkedOut ?? 0 == 0)
        }
    }

    @Test func atMostTenFilesAttach() async throws {
        try await withTemporaryWorker { worker, _ in
            try await makeShard(worker, shard, rows: 1)
            let files = (0..<11).map { ShardFileID(group: 20, index: $0) }
            for file in files { try await worker.createShard(file) }
            #expect(
                try await worker.read(ShardRead("SELECT 1", attaching: Array(files.prefix(10))), on: shard, batchRows: 1)
                    .collect().rows == [[.integer(1)]])
            await #expect {
                _ = try await worker.read(ShardRead("SELECT 1", attaching: files), on: shard, batchRows: 1)
            } throws: { error in
                (error as? ShardQLError)?.code == .invalidArgument
            }
            try await expectReleased(worker, shard)
        }
    }
}
