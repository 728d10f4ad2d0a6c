import Foundation
import SQLiteCore
import ShardQLBase
import Testing
import Worker

@testable import Coordinator

/// Shard files placed on registered nodes (issue #7), with ``LocalWorker``s in directories of
/// their own standing in for remote workers through `Cluster.open`'s `connectingWith`.
@Suite("Nodes and placements")
struct NodePlacementTests {
    static let addresses = ["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"]

    /// A coordinator directory and one directory per fake node, deleted afterwards.
    struct FakeCluster {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("nodes-\(UUID().uuidString)").path
        var coordinatorShards: String { base + "/coordinator/shards" }

        func nodeDirectory(_ address: String) -> String {
            base + "/nodes/" + address.replacingOccurrences(of: ":", with: "_")
        }

        func open(shards: Int = 4) async throws -> Cluster {
            let base = self.base
            return try await Cluster.open(
                directory: base + "/coordinator", defaultShardCount: shards,
                connectingWith: { address in
                    try LocalWorker(directory: base + "/nodes/" + address.replacingOccurrences(of: ":", with: "_"))
                })
        }

        /// Runs `body` on a cluster with `nodes` fake nodes registered.
        func with<T>(nodes: Int, shards: Int = 4, _ body: (Cluster) async throws -> T) async throws -> T {
            defer { try? FileManager.default.removeItem(atPath: base) }
            let cluster = try await open(shards: shards)
            do {
                for address in NodePlacementTests.addresses.prefix(nodes) { try await cluster.addNode(address: address) }
                let result = try await body(cluster)
                await cluster.close()
                return result
            } catch {
                await cluster.close()
                throw error
            }
        }

        /// The shard files in a directory, by name.
        func files(in directory: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasSuffix(".sqlite") }.sorted()
        }
    }

    static func rows(_ cluster: Cluster, _ sql: String) async throws -> [[SQLValue]] {
        try await cluster.execute(sql).last?.rows ?? []
    }

    func group(of table: String, in cluster: Cluster) throws -> Int64 {
        try #require(cluster.snapshot.table(named: table)).colocationGroup.rawValue
    }

    @Test func newGroupsSpreadRoundRobinOverTheNodes() async throws {
        let fake = FakeCluster()
        try await fake.with(nodes: 3) { cluster in
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v) DISTRIBUTED BY HASH (id) SHARDS 4")
            let t = try group(of: "t", in: cluster)
            // Shard i on node i mod 3: a group's shards spread.
            #expect(fake.files(in: fake.nodeDirectory(Self.addresses[0])) == ["g\(t)-s0.sqlite", "g\(t)-s3.sqlite"])
            #expect(fake.files(in: fake.nodeDirectory(Self.addresses[1])) == ["g\(t)-s1.sqlite"])
            #expect(fake.files(in: fake.nodeDirectory(Self.addresses[2])) == ["g\(t)-s2.sqlite"])
            #expect(fake.files(in: fake.coordinatorShards).isEmpty)

            // The next group continues the rotation (4 placements held: start at node 4 mod 3 = 1).
            _ = try await cluster.execute("CREATE TABLE u(k TEXT PRIMARY KEY) DISTRIBUTED BY HASH (k) SHARDS 2")
            let u = try group(of: "u", in: cluster)
            #expect(fake.files(in: fake.nodeDirectory(Self.addresses[1])) == ["g\(t)-s1.sqlite", "g\(u)-s0.sqlite"])
            #expect(fake.files(in: fake.nodeDirectory(Self.addresses[2])) == ["g\(t)-s2.sqlite", "g\(u)-s1.sqlite"])

            // A co-located table shares the files, so it is wherever its group is.
            _ = try await cluster.execute("CREATE TABLE c(id INTEGER PRIMARY KEY) DISTRIBUTED BY HASH (id) SHARDS 4 COLOCATE WITH t")
            #expect(try group(of: "c", in: cluster) == t)
            #expect(fake.files(in: fake.nodeDirectory(Self.addresses[0])) == ["g\(t)-s0.sqlite", "g\(t)-s3.sqlite"])

            let nodes = cluster.nodeFigures()
            #expect(nodes.map(\.address) == Self.addresses + ["local"])
            #expect(nodes.map(\.shards) == [2, 2, 2, 0])
            #expect(nodes[0].shardFiles == ["g\(t)-s0.sqlite", "g\(t)-s3.sqlite"])
            let figures = try await cluster.shardFigures(of: "t")
            #expect(figures.first?.shards.map(\.nodes) == [[Self.addresses[0]], [Self.addresses[1]], [Self.addresses[2]], [Self.addresses[0]]])
        }
    }

    @Test func withoutNodesEverythingStaysInProcess() async throws {
        let fake = FakeCluster()
        try await fake.with(nodes: 0) { cluster in
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY) DISTRIBUTED BY HASH (id) SHARDS 3; INSERT INTO t VALUES (1), (2), (3)")
            let t = try group(of: "t", in: cluster)
            #expect(fake.files(in: fake.coordinatorShards) == (0..<3).map { "g\(t)-s\($0).sqlite" })
            #expect(!FileManager.default.fileExists(atPath: fake.base + "/nodes"))
            #expect(cluster.nodeFigures().map(\.shards) == [3])
        }
    }

    @Test func drainingNodesTakeNoNewShards() async throws {
        let fake = FakeCluster()
        try await fake.with(nodes: 2) { cluster in
            _ = try await cluster.store.apply(
                [.setNodeState(try #require(cluster.snapshot.node(address: Self.addresses[0])).id, .draining)])
            // Changed behind the cluster's back (as another coordinator would): a new one sees it.
            let reopened = try await fake.open()
            _ = try await reopened.execute("CREATE TABLE t(id INTEGER PRIMARY KEY) DISTRIBUTED BY HASH (id) SHARDS 2")
            #expect(fake.files(in: fake.nodeDirectory(Self.addresses[0])).isEmpty)
            #expect(fake.files(in: fake.nodeDirectory(Self.addresses[1])).count == 2)
            await reopened.close()
        }
    }

    @Test(arguments: [2, 3])
    func queriesAndWritesAcrossNodesMatchSQLite(nodes: Int) async throws {
        let oracle = try SQLiteConnection(path: ":memory:")
        try oracle.execute(DifferentialTests.schema.replacingOccurrences(of: " DISTRIBUTED REPLICATED", with: ""))
        for statement in DifferentialTests.data { try oracle.execute(statement) }
        let writes = [
            "UPDATE t1 SET a = a + 100 WHERE b = 'apple'",
            "UPDATE t2 SET k = 'moved' || k WHERE id = 3",
            "DELETE FROM t1 WHERE c > 10",
            "INSERT INTO t3 SELECT a, b FROM t1 WHERE a IS NOT NULL",
            "UPDATE r SET label = upper(label) WHERE code > 2",
        ]
        try await FakeCluster().with(nodes: nodes, shards: 4) { cluster in
            _ = try await cluster.execute(DifferentialTests.schema)
            for statement in DifferentialTests.data { _ = try await cluster.execute(statement) }
            try await Self.compare(cluster, oracle, after: "loading")
            for write in writes {
                try oracle.execute(write)
                let changes = try await cluster.execute(write).last?.changes
                #expect(changes == oracle.changes, "\(write)")
                try await Self.compare(cluster, oracle, after: write)
            }
        }
    }

    static func compare(_ cluster: Cluster, _ oracle: SQLiteConnection, after step: String) async throws {
        for (sql, ordered) in DifferentialTests.queries where !sql.contains("rowid") {
            let expected = DifferentialTests.oracle(oracle, sql)
            let got = await DifferentialTests.cluster(cluster, sql)
            if case .success(let e) = expected, case .success(let g) = got {
                #expect(DifferentialTests.same(e, g, ordered: ordered), "after \(step): \(sql)\nexpected \(e)\ngot      \(g)")
            } else {
                Issue.record("after \(step): \(sql): expected \(expected), got \(got)")
            }
        }
    }

    @Test func colocatedJoinsStayOnTheShardsAndReferenceJoinsAreAnswered() async throws {
        try await FakeCluster().with(nodes: 3) { cluster in
            _ = try await cluster.execute("""
                CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT) DISTRIBUTED BY HASH (id) SHARDS 3;
                CREATE TABLE orders(id INTEGER, customer INTEGER, country INTEGER, amount INTEGER)
                    DISTRIBUTED BY HASH (customer) SHARDS 3 COLOCATE WITH customers;
                CREATE TABLE countries(code INTEGER PRIMARY KEY, label TEXT) DISTRIBUTED REPLICATED;
                INSERT INTO countries VALUES (1, 'one'), (2, 'two'), (3, 'three');
                """)
            for id in 1...30 {
                _ = try await cluster.execute(
                    "INSERT INTO customers VALUES (\(id), 'c\(id)'); INSERT INTO orders VALUES (\(id), \(id), \(id % 3 + 1), \(id * 10)), (\(id + 100), \(id), 1, 5)")
            }
            let join = "SELECT c.name, sum(o.amount) FROM customers c JOIN orders o ON o.customer = c.id GROUP BY c.name ORDER BY c.name"
            let explained = try await cluster.execute("EXPLAIN " + join).last?.rows.map { "\($0)" }.joined() ?? ""
            #expect(explained.contains("pushdown"), "\(explained)")
            let joined = try await cluster.execute(join).last?.rows ?? []
            #expect(joined.count == 30)
            #expect(joined.first == [.text("c1"), .integer(15)])

            // The reference file has a copy on each of the three nodes: the join runs on the shards.
            let withReference = """
                SELECT k.label, count(*), sum(o.amount) FROM orders o JOIN countries k ON k.code = o.country
                GROUP BY k.label ORDER BY k.label
                """
            let plan = try await cluster.execute("EXPLAIN " + withReference).last?.rows.map { "\($0)" }.joined() ?? ""
            #expect(plan.contains("pushdown"), "\(plan)")
            let rows = try await cluster.execute(withReference).last?.rows ?? []
            let expected: [[SQLValue]] = [
                [.text("one"), .integer(40), .integer(1800)],
                [.text("three"), .integer(10), .integer(1550)],
                [.text("two"), .integer(10), .integer(1450)],
            ]
            #expect(rows == expected)
        }
    }

    @Test func referenceJoinsPushDownWhenTheFilesShareANode() async throws {
        try await FakeCluster().with(nodes: 1) { cluster in
            _ = try await cluster.execute("""
                CREATE TABLE t(id INTEGER PRIMARY KEY, code INTEGER) DISTRIBUTED BY HASH (id) SHARDS 3;
                CREATE TABLE r(code INTEGER PRIMARY KEY, label TEXT) DISTRIBUTED REPLICATED;
                INSERT INTO r VALUES (1, 'a'), (2, 'b');
                INSERT INTO t VALUES (1, 1), (2, 2), (3, 1), (4, 2), (5, 1);
                """)
            let sql = "SELECT r.label, count(*) FROM t JOIN r ON r.code = t.code GROUP BY r.label ORDER BY 1"
            let plan = try await cluster.execute("EXPLAIN " + sql).last?.rows.map { "\($0)" }.joined() ?? ""
            #expect(plan.contains("pushdown"), "\(plan)")
            let answer = try await Self.rows(cluster, sql)
            #expect(answer == [[.text("a"), .integer(3)], [.text("b"), .integer(2)]])
        }
    }

    @Test func transactionsAcrossNodesAreAllOrNothing() async throws {
        try await FakeCluster().with(nodes: 3) { cluster in
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT) DISTRIBUTED BY HASH (id) SHARDS 6")
            _ = try await cluster.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e'), (6, 'f')")
            // A multi-shard insert failing on one shard leaves every node as it was.
            await #expect(throws: (any Error).self) {
                _ = try await cluster.execute("INSERT INTO t VALUES (7, 'g'), (8, 'h'), (9, 'i'), (3, 'dup')")
            }
            let count = try await Self.rows(cluster, "SELECT count(*) FROM t")
            #expect(count == [[.integer(6)]])

            _ = try await cluster.execute("BEGIN; UPDATE t SET v = v || '!'; DELETE FROM t WHERE id = 6; INSERT INTO t VALUES (10, 'j')")
            _ = try await cluster.execute("ROLLBACK")
            let rolledBack = try await Self.rows(cluster, "SELECT group_concat(v, '') FROM (SELECT v FROM t ORDER BY id)")
            #expect(rolledBack == [[.text("abcdef")]])

            _ = try await cluster.execute("BEGIN; UPDATE t SET v = v || '!'; DELETE FROM t WHERE id = 6; INSERT INTO t VALUES (10, 'j'); COMMIT")
            let committed = try await Self.rows(cluster, "SELECT group_concat(v, '') FROM (SELECT v FROM t ORDER BY id)")
            #expect(committed == [[.text("a!b!c!d!e!j")]])
            // Every node's files took part.
            let held = cluster.nodeFigures().filter { !$0.isInProcess }.map(\.shards)
            #expect(held == [2, 2, 2])
        }
    }

    @Test func dataSurvivesReopening() async throws {
        // Routes come back from the catalog: the reopened coordinator finds every shard file.
        let again = FakeCluster()
        defer { try? FileManager.default.removeItem(atPath: again.base) }
        var cluster = try await again.open()
        for address in Self.addresses.prefix(2) { try await cluster.addNode(address: address) }
        _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v) DISTRIBUTED BY HASH (id) SHARDS 4; INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)")
        await cluster.close()
        cluster = try await again.open()
        let sum = try await Self.rows(cluster, "SELECT sum(v) FROM t")
        #expect(sum == [[.integer(6)]])
        _ = try await cluster.execute("INSERT INTO t VALUES (4, 4)")
        let count = try await Self.rows(cluster, "SELECT count(*) FROM t")
        #expect(count == [[.integer(4)]])
        await cluster.close()
    }

    @Test func removingANodeThatHoldsDataIsRefused() async throws {
        try await FakeCluster().with(nodes: 2) { cluster in
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY) DISTRIBUTED BY HASH (id) SHARDS 2")
            let t = try group(of: "t", in: cluster)
            let error = await #expect(throws: ShardQLError.self) { try await cluster.removeNode(address: Self.addresses[1]) }
            #expect(error?.message.contains("g\(t)-s1.sqlite (shard 1 of t)") == true, "\(String(describing: error))")
            await #expect(throws: ShardQLError.self) { try await cluster.removeNode(address: "local") }
            await #expect(throws: ShardQLError.self) { try await cluster.removeNode(address: "10.9.9.9:1") }
            _ = try await cluster.execute("DROP TABLE t")
            try await cluster.removeNode(address: Self.addresses[1])
            #expect(cluster.nodeFigures().map(\.address) == [Self.addresses[0], "local"])
        }
    }

    @Test func addingANodeChecksTheAddress() async throws {
        try await FakeCluster().with(nodes: 1) { cluster in
            for bad in ["local", "host", "host:0", "host:65536", ":80", "host:8x", "a b:1", "[::1:80"] {
                await #expect(throws: ShardQLError.self, "\(bad)") { try await cluster.addNode(address: bad) }
            }
            await #expect(throws: ShardQLError.self) { try await cluster.addNode(address: Self.addresses[0]) }
            let added = try await cluster.addNode(address: "[::1]:65535")
            #expect(added.address == "[::1]:65535" && added.state == "active" && added.shards == 0)
        }
    }

    @Test func aRemoteNodeWithoutAConnectorIsNamed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nodes-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cluster = try await Cluster.open(directory: directory)
        try await cluster.addNode(address: "127.0.0.1:7001")
        let error = await #expect(throws: ShardQLError.self) {
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY)")
        }
        #expect(error?.message.contains("127.0.0.1:7001") == true, "\(String(describing: error))")
        #expect(cluster.snapshot.table(named: "t") == nil)
        await cluster.close()
    }
}
