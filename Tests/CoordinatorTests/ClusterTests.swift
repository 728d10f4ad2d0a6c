import Foundation
import ShardQLBase
import Testing
import Worker

@testable import Coordinator

@Suite("Cluster DDL and DML")
struct ClusterTests {
    func withCluster(shards: Int = 4, _ body: (Cluster) async throws -> Void) async throws {
        try await DifferentialTests.withCluster(shards: shards, body)
    }

    /// Rows of `table` physically in each shard file.
    func rowsPerShard(_ cluster: Cluster, _ table: String) async throws -> [ShardFileID: [[SQLValue]]] {
        let snapshot = cluster.snapshot
        let layout = try cluster.layout(of: try #require(snapshot.table(named: table)), in: snapshot)
        var result: [ShardFileID: [[SQLValue]]] = [:]
        for shard in layout.placement.allShards {
            result[shard] = try await cluster.executor.query("SELECT * FROM \(table) ORDER BY 1", parameters: [], on: shard).rows
        }
        return result
    }

    @Test func defaultDistributionFollowsKeys() async throws {
        try await withCluster { cluster in
            _ = try await cluster.execute("""
                CREATE TABLE a(x TEXT, id INTEGER PRIMARY KEY);
                CREATE TABLE b(x TEXT UNIQUE, y INT);
                CREATE TABLE c(x, y);
                """)
            let snapshot = cluster.snapshot
            #expect(snapshot.table(named: "a")?.distributionColumn == "id")
            #expect(snapshot.table(named: "b")?.distributionColumn == "x")
            #expect(snapshot.table(named: "c")?.distribution == .roundRobin)
        }
    }

    @Test func uniquenessWithoutTheDistributionColumnIsRefused() async throws {
        try await withCluster { cluster in
            await #expect(throws: ShardQLError.self) {
                _ = try await cluster.execute("CREATE TABLE t(a PRIMARY KEY, b UNIQUE)")
            }
            do {
                _ = try await cluster.execute("CREATE TABLE t(a, b, UNIQUE (b)) DISTRIBUTED BY HASH (a)")
                Issue.record("expected a refusal")
            } catch let error as ShardQLError {
                #expect(error.message.contains("UNIQUE constraint (b) of t does not include its distribution column a"))
            }
            // A reference table enforces anything (one copy).
            _ = try await cluster.execute("CREATE TABLE ok(a PRIMARY KEY, b UNIQUE) DISTRIBUTED REPLICATED")
            #expect(cluster.snapshot.table(named: "t") == nil)
        }
    }

    @Test func shardCountsOutsideTheRangeAreRefused() async throws {
        try await withCluster { cluster in
            for count in [4097, 100_000] {
                await #expect(throws: ShardQLError.self) {
                    _ = try await cluster.execute("CREATE TABLE t(a PRIMARY KEY) DISTRIBUTED BY HASH (a) SHARDS \(count)")
                }
            }
            _ = try await cluster.execute("CREATE TABLE t(a PRIMARY KEY) DISTRIBUTED BY HASH (a) SHARDS 7")
            #expect(try await rowsPerShard(cluster, "t").count == 7)
        }
    }

    @Test func rowsLandWhereTheirHashSays() async throws {
        try await withCluster { cluster in
            _ = try await cluster.execute("CREATE TABLE t(k TEXT COLLATE NOCASE PRIMARY KEY, v)")
            _ = try await cluster.execute("INSERT INTO t VALUES ('a', 1), ('b', 2), ('c', 3), ('d', 4), ('e', 5)")
            let perShard = try await rowsPerShard(cluster, "t")
            #expect(perShard.values.map(\.count).reduce(0, +) == 5)
            #expect(perShard.values.filter { !$0.isEmpty }.count > 1)
            // Values equal under NOCASE collide on one shard: the key 'A' conflicts with 'a'.
            await #expect(throws: ShardQLError.self) { _ = try await cluster.execute("INSERT INTO t VALUES ('A', 9)") }
        }
    }

    @Test func aFailingMultiShardInsertLeavesEveryShardAsItWas() async throws {
        try await withCluster { cluster in
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v NOT NULL)")
            _ = try await cluster.execute("INSERT INTO t VALUES (1, 'one')")
            await #expect(throws: ShardQLError.self) {
                _ = try await cluster.execute("INSERT INTO t VALUES (2, 'two'), (3, 'three'), (4, NULL), (5, 'five')")
            }
            #expect(try await cluster.execute("SELECT id FROM t").last?.rows == [[.integer(1)]])
        }
    }

    @Test func keysAreClusterUnique() async throws {
        try await withCluster { cluster in
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v); CREATE TABLE u(v)")
            _ = try await cluster.execute("INSERT INTO t(v) VALUES (1), (2), (3), (4), (5), (6)")
            _ = try await cluster.execute("INSERT INTO t VALUES (100, 'explicit')")
            _ = try await cluster.execute("INSERT INTO t(v) VALUES ('after')")
            let ids = try await cluster.execute("SELECT id FROM t ORDER BY id").last?.rows.map { $0[0] }
            #expect(ids == [1, 2, 3, 4, 5, 6, 100, 101].map { SQLValue.integer($0) })
            // Round-robin tables get cluster-unique rowids too, spread over the shards.
            _ = try await cluster.execute("INSERT INTO u VALUES (1), (2), (3), (4), (5), (6), (7), (8)")
            let rowids = try await cluster.execute("SELECT rowid FROM u").last?.rows.map { $0[0] } ?? []
            #expect(Set(rowids).count == 8)
            #expect(try await rowsPerShard(cluster, "u").values.filter { !$0.isEmpty }.count == 4)
        }
    }

    @Test func updatingTheDistributionColumnMovesTheRow() async throws {
        try await withCluster(shards: 8) { cluster in
            _ = try await cluster.execute("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)")
            _ = try await cluster.execute("INSERT INTO t VALUES (1, 'x')")
            let before = try await rowsPerShard(cluster, "t").first { !$0.value.isEmpty }?.key
            var moved = false
            for key in 2...40 where !moved {
                _ = try await cluster.execute("UPDATE t SET k = \(key) WHERE v = 'x'")
                let now = try await rowsPerShard(cluster, "t").first { !$0.value.isEmpty }
                #expect(now?.value == [[.integer(Int64(key)), .text("x")]])
                moved = now?.key != before
            }
            #expect(moved)
            #expect(try await cluster.execute("SELECT count(*) FROM t").last?.rows == [[.integer(1)]])
        }
    }

    @Test func dropTableRemovesItsShards() async throws {
        try await withCluster { cluster in
            _ = try await cluster.execute("CREATE TABLE t(a PRIMARY KEY) DISTRIBUTED BY HASH (a) SHARDS 3")
            _ = try await cluster.execute("CREATE INDEX ta ON t(a)")
            _ = try await cluster.execute("DROP TABLE t")
            #expect(cluster.snapshot.table(named: "t") == nil)
            #expect(cluster.snapshot.index(named: "ta") == nil)
            let files = try FileManager.default.contentsOfDirectory(atPath: cluster.directory + "/shards")
            #expect(files.filter { $0.hasSuffix(".sqlite") }.isEmpty)
            await #expect(throws: ShardQLError.self) { _ = try await cluster.execute("DROP TABLE t") }
            _ = try await cluster.execute("DROP TABLE IF EXISTS t")
        }
    }
}
