import Foundation
import ShardQLBase
import Testing

@testable import Coordinator

@Suite("Filters pushed to the shards")
struct PushDownFiltersTests {
    func run(_ cluster: Cluster, _ sql: String) async throws -> (rows: [[SQLValue]], copied: Int) {
        let rows = try await cluster.execute(sql).last?.rows ?? []
        return (rows, cluster.lastRowsCopied.withLock { $0 })
    }

    @Test func shardsApplyWhatTheyCan() async throws {
        try await DifferentialTests.withCluster(shards: 4) { cluster in
            // The general path's own filters: the planner's tiers would answer these without copying.
            cluster.settings.withLock { $0.forceGeneralPath = true }
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b TEXT COLLATE NOCASE)")
            let values = (1...100).map { "(\($0), \($0 % 10), '\($0 % 2 == 0 ? "Even" : "odd")')" }
            _ = try await cluster.execute("INSERT INTO t VALUES " + values.joined(separator: ", "))

            var (rows, copied) = try await run(cluster, "SELECT count(*) FROM t WHERE a = 5")
            #expect(rows == [[.integer(10)]] && copied == 10)
            // Aliases, functions, collations: the shard compares exactly as SQLite would.
            (rows, copied) = try await run(cluster, "SELECT count(*) FROM t AS x WHERE x.b = 'EVEN' AND length(x.b) = 4 AND id > 90")
            #expect(rows == [[.integer(5)]] && copied == 5)
            // The subquery reads t too, and must see all of it: nothing is pushed.
            (rows, copied) = try await run(cluster, "SELECT count(*) FROM t WHERE a = 1 AND id IN (SELECT id + 1 FROM t WHERE a = 0)")
            #expect(rows == [[.integer(9)]] && copied == 100)
            // A result alias in WHERE (SQLite allows it) is not a column: nothing is pushed.
            (rows, copied) = try await run(cluster, "SELECT a + 100 AS z FROM t WHERE z = 100")
            #expect(rows.count == 10 && copied == 100)
            // Random or aggregate functions are never pushed.
            (rows, copied) = try await run(cluster, "SELECT count(*) FROM t WHERE random() IS NOT NULL")
            #expect(rows == [[.integer(100)]] && copied == 100)
        }
    }

    @Test func joinsFilterEachTableReadOnce() async throws {
        try await DifferentialTests.withCluster(shards: 2) { cluster in
            cluster.settings.withLock { $0.forceGeneralPath = true }
            _ = try await cluster.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)")
            _ = try await cluster.execute("CREATE TABLE u(y, z); INSERT INTO u VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')")
            // A self-join shares one copy: nothing is pushed.
            var (rows, copied) = try await run(cluster, "SELECT count(*) FROM t AS p JOIN t AS q ON p.x = q.x WHERE p.x = 1")
            #expect(rows == [[.integer(1)]] && copied == 3)
            (rows, copied) = try await run(cluster, "SELECT x FROM t WHERE x = 1 UNION SELECT x FROM t WHERE x = 2")
            #expect(rows.count == 2 && copied == 3)
            // Each table of an inner join gets the conjuncts that read only it.
            (rows, copied) = try await run(cluster, "SELECT x, z FROM t, u WHERE t.x = u.y AND x >= 2 AND z < 'c'")
            #expect(rows == [[.integer(2), .text(SQLText("b"))]] && copied == 2 + 2)
            // The NULL-extended side of a LEFT JOIN is copied whole; its left side is filtered.
            (rows, copied) = try await run(cluster, "SELECT x, z FROM t LEFT JOIN u ON u.y = t.x + 2 WHERE x < 3 AND z IS NULL")
            #expect(rows == [] && copied == 2 + 4)
            (rows, copied) = try await run(cluster, "SELECT x, z FROM t LEFT JOIN u ON u.y = t.x + 2 AND u.z > 'c' WHERE x < 3 ORDER BY x")
            #expect(rows == [[.integer(1), .null], [.integer(2), .text(SQLText("d"))]] && copied == 2 + 4)
        }
    }
}
