import Foundation
import SQLiteCore
import ShardQLBase
import Testing
import Worker

@testable import Coordinator

/// Explicit transactions, savepoints and two-phase commit on the embedded cluster, checked
/// against one plain SQLite database running the same script (DESIGN §6).
@Suite("Transactions")
struct TransactionTests {
    /// Runs `script` statement by statement on SQLite and on a cluster; every statement must
    /// succeed or fail alike, and afterwards every table listed in `tables` must hold the same rows.
    func expectSameAsSQLite(_ script: [String], tables: [String], shards: Int = 4) async throws {
        let oracle = try SQLiteConnection(path: ":memory:")
        try await DifferentialTests.withCluster(shards: shards) { cluster in
            for sql in script {
                let expected = DifferentialTests.oracle(oracle, sql)
                let actual = await DifferentialTests.cluster(cluster, sql)
                switch (expected, actual) {
                case (.success(let a), .success(let b)):
                    #expect(DifferentialTests.same(a, b, ordered: false), "\(sql): SQLite \(a), cluster \(b)")
                case (.failure, .failure):
                    break
                default:
                    Issue.record("\(sql): SQLite \(expected), cluster \(actual)")
                }
            }
            for table in tables {
                let sql = "SELECT * FROM \(table)"
                let expected = try #require(try? DifferentialTests.oracle(oracle, sql).get())
                let actual = try await cluster.execute(sql).last?.rows ?? []
                #expect(DifferentialTests.same(expected, actual, ordered: false), "\(table): SQLite \(expected), cluster \(actual)")
            }
            try await expectNothingInDoubt(cluster)
        }
    }

    /// No prepared record on any shard, no pending entry in the decision log.
    func expectNothingInDoubt(_ cluster: Cluster) async throws {
        for shard in try cluster.allShards(in: cluster.snapshot) {
            #expect(try await cluster.executor.preparedTransactions(on: shard).isEmpty, "\(shard) holds a prepared record")
        }
        let log = try await cluster.store.transactions()
        #expect(log.allSatisfy { $0.state == .committed }, "\(log)")
    }

    @Test func committedTransactionsKeepEverythingAndRolledBackOnesNothing() async throws {
        try await expectSameAsSQLite(
            [
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "BEGIN",
                "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')",
                "SELECT count(*) FROM t",
                "UPDATE t SET v = v || '!' WHERE id % 2 = 1",
                "SELECT id, v FROM t WHERE id = 3",
                "COMMIT",
                "BEGIN",
                "DELETE FROM t WHERE id > 2",
                "INSERT INTO t VALUES (10, 'x')",
                "SELECT count(*), sum(id) FROM t",
                "ROLLBACK",
                "SELECT count(*), sum(id) FROM t",
            ], tables: ["t"])
    }

    @Test func savepointsNestAcrossShards() async throws {
        try await expectSameAsSQLite(
            [
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER)",
                "INSERT INTO t VALUES (1, 1), (2, 2)",
                "BEGIN",
                "INSERT INTO t VALUES (3, 3)",
                "SAVEPOINT a",
                "INSERT INTO t VALUES (4, 4), (5, 5), (6, 6)",
                "SAVEPOINT b",
                "UPDATE t SET v = v * 10",
                "ROLLBACK TO b",
                "SELECT sum(v) FROM t",
                "INSERT INTO t VALUES (7, 7)",
                "RELEASE b",
                "ROLLBACK TO a",
                "INSERT INTO t VALUES (8, 8)",
                "RELEASE a",
                "COMMIT",
                // A SAVEPOINT outside a transaction starts one; releasing it commits.
                "SAVEPOINT outer1",
                "INSERT INTO t VALUES (9, 9)",
                "RELEASE outer1",
                "ROLLBACK TO nosuch",
                "RELEASE nosuch",
            ], tables: ["t"])
    }

    @Test func aFailingStatementInsideATransactionUndoesOnlyItself() async throws {
        try await expectSameAsSQLite(
            [
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "BEGIN",
                "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
                // Rows 3 to 6 land on several shards before id 1 fails: the statement is undone
                // on every shard.
                "INSERT INTO t VALUES (3, 'c'), (4, 'd'), (5, 'e'), (6, 'f'), (1, 'z')",
                "INSERT INTO t VALUES (7, 'g')",
                "COMMIT",
            ], tables: ["t"])
    }

    @Test func onConflictRollbackEndsTheWholeTransaction() async throws {
        try await expectSameAsSQLite(
            [
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO t VALUES (1, 'a')",
                "BEGIN",
                "INSERT INTO t VALUES (2, 'b'), (3, 'c'), (4, 'd')",
                "INSERT OR ROLLBACK INTO t VALUES (1, 'z')",
                "COMMIT",
                "INSERT INTO t VALUES (5, 'e')",
            ], tables: ["t"])
    }

    @Test func transactionControlErrorsAreSQLites() async throws {
        try await expectSameAsSQLite(
            [
                "COMMIT", "ROLLBACK", "BEGIN", "BEGIN", "END",
                "CREATE TABLE t(a)", "BEGIN", "INSERT INTO t VALUES (1)", "ROLLBACK",
            ], tables: ["t"])
    }

    @Test func ddlInsideATransactionCommitsOrRollsBackWithIt() async throws {
        try await expectSameAsSQLite(
            [
                "BEGIN",
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')",
                "CREATE INDEX t_v ON t(v)",
                "SELECT v FROM t WHERE v > 'a' ORDER BY v",
                "ROLLBACK",
                "SELECT * FROM t",
                "BEGIN",
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')",
                "SAVEPOINT s",
                "CREATE TABLE u(x)",
                "ROLLBACK TO s",
                "COMMIT",
                "SELECT * FROM u",
            ], tables: ["t"])
    }

    @Test func rolledBackCreateTableLeavesNoShardFiles() async throws {
        try await DifferentialTests.withCluster(shards: 3) { cluster in
            _ = try await cluster.execute("BEGIN; CREATE TABLE t(id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)")
            let files = try FileManager.default.contentsOfDirectory(atPath: cluster.directory + "/shards")
            #expect(files.filter { $0.hasSuffix(".sqlite") }.count == 3)
            _ = try await cluster.execute("ROLLBACK")
            let after = try FileManager.default.contentsOfDirectory(atPath: cluster.directory + "/shards")
            #expect(after.filter { $0.hasSuffix(".sqlite") }.isEmpty, "\(after)")
            #expect(cluster.snapshot.table(named: "t") == nil)
        }
    }

    @Test func multiShardWritesGoThroughTwoPhasesAndLeaveNothingBehind() async throws {
        try await DifferentialTests.withCluster(shards: 4) { cluster in
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER)")
            _ = try await cluster.execute("INSERT INTO t VALUES " + (1...100).map { "(\($0), \($0))" }.joined(separator: ", "))
            _ = try await cluster.execute("UPDATE t SET id = id + 1000 WHERE id <= 10")  // key moves
            _ = try await cluster.execute("CREATE INDEX t_v ON t(v)")
            #expect(try await cluster.execute("SELECT count(*), sum(id) FROM t").last?.rows == [[.integer(100), .integer(15050)]])
            try await expectNothingInDoubt(cluster)
            // Every shard got the index (it commits with the catalog, on all shards or none).
            for shard in try cluster.allShards(in: cluster.snapshot) {
                let indexes = try await cluster.executor.query(
                    "SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 't_v'", parameters: [], on: shard)
                #expect(indexes.rows.count == 1, "\(shard)")
            }
        }
    }

    @Test func aCreateIndexFailingOnOneShardIsUndoneOnAll() async throws {
        try await DifferentialTests.withCluster(shards: 4) { cluster in
            _ = try await cluster.execute("CREATE TABLE t(k INTEGER, v TEXT) DISTRIBUTED BY HASH (k)")
            // The duplicate pair lives on k = 1's shard only; the other shards build the index fine.
            _ = try await cluster.execute("INSERT INTO t VALUES " + (1...40).map { "(\($0), 'x')" }.joined(separator: ", "))
            _ = try await cluster.execute("INSERT INTO t VALUES (1, 'x')")
            await #expect(throws: ShardQLError.self) {
                _ = try await cluster.execute("CREATE UNIQUE INDEX t_kv ON t(k, v)")
            }
            for shard in try cluster.allShards(in: cluster.snapshot) {
                let indexes = try await cluster.executor.query(
                    "SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 't_kv'", parameters: [], on: shard)
                #expect(indexes.rows.isEmpty, "\(shard) kept the index")
            }
            #expect(cluster.snapshot.index(named: "t_kv") == nil)
            try await expectNothingInDoubt(cluster)
        }
    }

    @Test func readersNeverSeeAPreparedButUndecidedChange() async throws {
        try await DifferentialTests.withCluster(shards: 2) { cluster in
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER)")
            _ = try await cluster.execute("INSERT INTO t VALUES (1, 1), (2, 2), (3, 3), (4, 4)")
            let shards = try cluster.allShards(in: cluster.snapshot)
            let id = TransactionID("manual")
            for shard in shards {
                _ = try await cluster.executor.write(
                    [ShardStatement("UPDATE t SET v = v + 100")], on: shard, in: id, recording: true)
            }
            // Open: another reader sees the committed state.
            #expect(try await cluster.execute("SELECT sum(v) FROM t").last?.rows == [[.integer(10)]])
            for shard in shards { #expect(try await cluster.executor.prepare(id, on: shard)) }
            // Prepared, not decided: still the committed state.
            #expect(try await cluster.execute("SELECT sum(v) FROM t").last?.rows == [[.integer(10)]])
            for shard in shards {
                try await cluster.executor.commitPrepared(id, on: shard)
                try await cluster.executor.commitPrepared(id, on: shard)  // idempotent
            }
            #expect(try await cluster.execute("SELECT sum(v) FROM t").last?.rows == [[.integer(410)]])
        }
    }

    @Test func aSecondSessionSeesOnlyCommittedRows() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await Cluster.open(directory: directory, defaultShardCount: 3)
        _ = try await first.execute("CREATE TABLE t(id INTEGER PRIMARY KEY)")
        _ = try await first.execute("BEGIN; INSERT INTO t VALUES (1), (2), (3), (4)")
        let second = try await Cluster.open(directory: directory, defaultShardCount: 3)
        #expect(try await second.execute("SELECT count(*) FROM t").last?.rows == [[.integer(0)]])
        #expect(try await first.execute("SELECT count(*) FROM t").last?.rows == [[.integer(4)]])
        _ = try await first.execute("COMMIT")
        #expect(try await second.execute("SELECT count(*) FROM t").last?.rows == [[.integer(4)]])
        await first.close()
        await second.close()
    }

    /// Two sessions (as two processes would) add to the same rows on every shard at once: each
    /// UPDATE locks the shards before it reads them, so no increment is lost; a writer that waits
    /// too long gets a clear busy error instead of a deadlock.
    @Test func concurrentWritersLoseNoUpdate() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let setup = try await Cluster.open(directory: directory, defaultShardCount: 4)
        _ = try await setup.execute("CREATE TABLE counters(id INTEGER PRIMARY KEY, n INTEGER)")
        _ = try await setup.execute("INSERT INTO counters VALUES " + (1...8).map { "(\($0), 0)" }.joined(separator: ", "))
        await setup.close()
        let rounds = 25
        let successes = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    let session = try await Cluster.open(directory: directory, defaultShardCount: 4)
                    var done = 0
                    for _ in 0..<rounds {
                        do {
                            _ = try await session.execute("UPDATE counters SET n = n + 1")
                            done += 1
                        } catch let error as ShardQLError where error.code == .busy {
                            continue
                        }
                    }
                    await session.close()
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(successes > 0)
        let check = try await Cluster.open(directory: directory)
        let rows = try await check.execute("SELECT min(n), max(n) FROM counters").last?.rows
        #expect(rows == [[.integer(Int64(successes)), .integer(Int64(successes))]])
        await check.close()
    }

    /// Two explicit transactions that lock two shards in opposite orders: the wait cannot last
    /// forever; a `busy` error ends it (after the busy timeout) and nothing is half-applied.
    @Test func crossedLocksEndWithABusyError() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let setup = try await Cluster.open(directory: directory, defaultShardCount: 2)
        _ = try await setup.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER)")
        _ = try await setup.execute("INSERT INTO t VALUES " + (1...8).map { "(\($0), 0)" }.joined(separator: ", "))
        // One key on each of the two shards.
        var keyOn: [Int: Int64] = [:]
        for key in Int64(1)...8 {
            let plan = try await setup.execute("EXPLAIN SELECT * FROM t WHERE id = \(key)").last?.rows ?? []
            for row in plan {
                if case .text(let line) = row.first, line.string.hasPrefix("Fragment on shard ") {
                    let index = Int(line.string.dropFirst("Fragment on shard ".count).prefix { $0.isNumber })!
                    keyOn[index] = keyOn[index] ?? key
                }
            }
        }
        await setup.close()
        let (x, y) = (try #require(keyOn[0]), try #require(keyOn[1]))
        let outcomes = try await withThrowingTaskGroup(of: ShardQLError?.self) { group in
            for (first, second) in [(x, y), (y, x)] {
                group.addTask {
                    let session = try await Cluster.open(directory: directory)
                    _ = try await session.execute("BEGIN; UPDATE t SET n = n + 1 WHERE id = \(first)")
                    try await Task.sleep(for: .milliseconds(200))  // both hold their first shard
                    var failure: ShardQLError?
                    do {
                        _ = try await session.execute("UPDATE t SET n = n + 1 WHERE id = \(second)")
                    } catch let error as ShardQLError {
                        failure = error
                    }
                    _ = try await session.execute("ROLLBACK")
                    await session.close()
                    return failure
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.contains { $0?.code == .busy }, "\(outcomes)")
        let check = try await Cluster.open(directory: directory)
        #expect(try await check.execute("SELECT sum(n) FROM t").last?.rows == [[.integer(0)]])
        await check.close()
    }
}
