import Foundation
import SQLSyntax
import ShardQLBase
import Testing

@testable import Coordinator

/// How plans execute: streaming, a satisfied LIMIT or a cancelled caller stopping shard work,
/// the plan cache.
@Suite("Query execution")
struct QueryExecutionTests {
    static func load(_ cluster: Cluster, rows: Int) async throws {
        _ = try await cluster.execute("CREATE TABLE big(id INTEGER PRIMARY KEY, v INTEGER, pad TEXT)")
        _ = try await cluster.execute("CREATE TABLE small(k INTEGER PRIMARY KEY) DISTRIBUTED REPLICATED")
        _ = try await cluster.execute(
            "INSERT INTO small WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) SELECT i FROM n")
        _ = try await cluster.execute(
            "INSERT INTO big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows)) SELECT i, i % 97, 'row ' || i FROM n")
    }

    static func lines(_ result: StatementResult?) -> [String] {
        (result?.rows ?? []).compactMap { row in
            if case .text(let text) = row[0] { return text.string }
            return nil
        }
    }

    @Test func aSatisfiedLimitStopsTheShards() async throws {
        try await DifferentialTests.withCluster(shards: 4) { cluster in
            try await Self.load(cluster, rows: 40_000)
            let lines = Self.lines(try await cluster.execute("EXPLAIN ANALYZE SELECT id, pad FROM big LIMIT 5").last)
            #expect(lines.contains("Result: 5 rows") || lines.last?.hasPrefix("Result: 5 rows") == true, "\(lines)")
            // Each shard produced at most its first batch or two, not its 10,000 rows.
            // "Shard 2 on local: 1024 rows in 1 batches, …"
            let shardRows = lines.filter { $0.hasPrefix("Shard ") }.compactMap { line in
                line.split(separator: ": ").dropFirst().first.flatMap { Int($0.split(separator: " ")[0]) }
            }
            #expect(shardRows.count == 4 && shardRows.allSatisfy { $0 <= 2048 }, "\(lines)")

            // The same through the streaming API: reading one batch and dropping the result.
            let result = try await cluster.rows(of: try SQLParser.parseStatement("SELECT * FROM big"))
            var iterator = result.makeAsyncIterator()
            let first = try await iterator.next()
            #expect((first?.count ?? 0) > 0)
            _ = consume iterator
            // The shards' connections are free again: a write and a full read still work.
            _ = try await cluster.execute("UPDATE big SET v = -1 WHERE id = 7")
            #expect(try await cluster.execute("SELECT count(*), sum(v = -1) FROM big").last?.rows == [[.integer(40_000), .integer(1)]])
        }
    }

    @Test func theGeneralPathStreamsItsAnswerInBatches() async throws {
        try await DifferentialTests.withCluster(shards: 4) { cluster in
            try await Self.load(cluster, rows: 20_000)
            // A self-join not on the key: answered on the coordinator's scratch database.
            let sql = "SELECT a.id, b.pad FROM big a JOIN big b ON a.v = b.id ORDER BY a.id"
            guard case .select(let select) = try SQLParser.parseStatement(sql).kind else { return }
            #expect(cluster.plan(for: select).tier == .general)
            let result = try await cluster.rows(of: try SQLParser.parseStatement(sql))
            var batches = 0
            var rows = 0
            var previous: Int64 = 0
            for try await batch in result {
                batches += 1
                rows += batch.count
                for row in batch {
                    guard case .integer(let id) = row[0] else { continue }
                    #expect(id > previous)
                    previous = id
                }
            }
            // Not one array of every row: batches of at most 4,096, as a shard's stream gives them.
            #expect(rows == 19_794)
            #expect(batches >= 5)
            // Dropping a general-path result part-way frees its scratch database; the cluster answers on.
            var iterator = try await cluster.rows(of: try SQLParser.parseStatement(sql)).makeAsyncIterator()
            #expect((try await iterator.next()?.count ?? 0) > 0)
            _ = consume iterator
            #expect(try await cluster.execute("SELECT count(*) FROM big a JOIN big b ON a.v = b.id").last?.rows == [[.integer(19_794)]])
        }
    }

    @Test func aCancelledCallerInterruptsTheShards() async throws {
        try await DifferentialTests.withCluster(shards: 2) { cluster in
            try await Self.load(cluster, rows: 2_000)
            // Pushed down (reference tables join on every shard) and slow: 2,000 × 300 × 300 rows.
            let slow = "SELECT count(*) FROM big, small a, small b WHERE big.v + a.k + b.k > 0"
            guard case .select(let select) = try SQLParser.parseStatement(slow).kind else { return }
            #expect(cluster.plan(for: select).tier == .pushdown)
            let task = Task { try await cluster.execute(slow) }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            let outcome = await task.result
            switch outcome {
            case .success:
                Issue.record("the query finished despite the cancellation")
            case .failure(let error):
                #expect((error as? ShardQLError)?.code == .cancelled, "\(error)")
            }
            // The interrupted shards answer the next query.
            #expect(try await cluster.execute("SELECT count(*) FROM big").last?.rows == [[.integer(2_000)]])
        }
    }

    @Test func anErrorOnOneShardEndsTheQuery() async throws {
        try await DifferentialTests.withCluster(shards: 4) { cluster in
            try await Self.load(cluster, rows: 1_000)
            _ = try await cluster.execute("UPDATE big SET v = -9223372036854775808 WHERE id = 500")
            await #expect(throws: ShardQLError.self) {
                _ = try await cluster.execute("SELECT id, abs(v) FROM big")
            }
            #expect(try await cluster.execute("SELECT count(*) FROM big WHERE v >= 0").last?.rows == [[.integer(999)]])
        }
    }

    @Test func plansAreCachedPerCatalogVersion() async throws {
        try await DifferentialTests.withCluster(shards: 4) { cluster in
            try await Self.load(cluster, rows: 100)
            let query = "SELECT v, count(*) FROM big GROUP BY v ORDER BY 2 DESC LIMIT 3"
            let before = cluster.planCache.statistics
            _ = try await cluster.execute(query)
            _ = try await cluster.execute(query)
            _ = try await cluster.execute(query)
            var after = cluster.planCache.statistics
            #expect(after.misses - before.misses == 1 && after.hits - before.hits == 2, "\(before) → \(after)")
            // A catalog change (here an index) makes the old plan unreachable.
            _ = try await cluster.execute("CREATE INDEX big_v ON big(v)")
            _ = try await cluster.execute(query)
            let changed = cluster.planCache.statistics
            #expect(changed.misses - after.misses == 1, "\(after) → \(changed)")
            after = changed
            // Dropping the table and creating another with the same name plans against the new one.
            _ = try await cluster.execute("DROP TABLE big")
            _ = try await cluster.execute("CREATE TABLE big(v TEXT, w INTEGER) DISTRIBUTED REPLICATED")
            _ = try await cluster.execute("INSERT INTO big VALUES ('x', 1)")
            #expect(try await cluster.execute(query).last?.rows == [[.text(SQLText("x")), .integer(1)]])
        }
    }
}
