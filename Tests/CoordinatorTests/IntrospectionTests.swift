import Foundation
import ShardQLBase
import Testing

@testable import Coordinator

/// The public introspection API the shell's `.schema`, `.dump` and `.shards` stand on.
@Suite("Cluster introspection")
struct IntrospectionTests {
    func withCluster(shards: Int = 4, _ body: (Cluster) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("introspection-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cluster = try await Cluster.open(directory: directory, defaultShardCount: shards)
        do {
            try await body(cluster)
        } catch {
            await cluster.close()
            throw error
        }
        await cluster.close()
    }

    @Test func schemaCarriesTheDistributionAndReplaysInOrder() async throws {
        try await withCluster { cluster in
            _ = try await cluster.execute("""
                CREATE TABLE a(id INTEGER PRIMARY KEY, v) DISTRIBUTED BY HASH (id) SHARDS 2;
                CREATE TABLE r(k TEXT PRIMARY KEY) DISTRIBUTED REPLICATED;
                CREATE TABLE b(a_id INTEGER, w) DISTRIBUTED BY HASH (a_id) SHARDS 2 COLOCATE WITH a;
                CREATE TABLE plain(x, y);
                CREATE TABLE keyed(x PRIMARY KEY, y);
                CREATE INDEX b_w ON b(w);
                CREATE VIEW v AS SELECT * FROM a JOIN b ON b.a_id = a.id;
                CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (NEW.id, 0); END;
                """)
            let schema = try cluster.schema()
            #expect(schema.map(\.name) == ["a", "r", "b", "plain", "keyed", "b_w", "v", "t"])
            #expect(schema.map(\.kind) == [.table, .table, .table, .table, .table, .index, .view, .trigger])
            #expect(schema.map(\.tableName) == ["a", "r", "b", "plain", "keyed", "b", "v", "a"])
            #expect(schema[0].sql == "CREATE TABLE a (id INTEGER PRIMARY KEY, v) DISTRIBUTED BY HASH (id) SHARDS 2")
            #expect(schema[1].sql == "CREATE TABLE r (k TEXT PRIMARY KEY) DISTRIBUTED REPLICATED")
            #expect(schema[2].sql == "CREATE TABLE b (a_id INTEGER, w) DISTRIBUTED BY HASH (a_id) SHARDS 2 COLOCATE WITH a")
            // Round-robin has no clause: it is what a table without keys gets.
            #expect(schema[3].sql == "CREATE TABLE plain (x, y)")
            // The default distribution is written out.
            #expect(schema[4].sql == "CREATE TABLE keyed (x PRIMARY KEY, y) DISTRIBUTED BY HASH (x) SHARDS 4")
        }
    }

    @Test func contentsStreamInRowIDOrderWithRowIDs() async throws {
        try await withCluster { cluster in
            let values = (1...500).map { "(\($0 * 3), 'v\($0)')" }.joined(separator: ", ")
            _ = try await cluster.execute("""
                CREATE TABLE t(id INTEGER PRIMARY KEY, v) DISTRIBUTED BY HASH (id) SHARDS 4;
                INSERT INTO t VALUES \(values);
                CREATE TABLE hidden(a, b AS (a * 2));
                INSERT INTO hidden(a) VALUES (1), (2);
                INSERT INTO hidden(rowid, a) VALUES (10, 3);
                CREATE TABLE nokey(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
                INSERT INTO nokey VALUES ('b', 1), ('a', 2);
                """)
            let contents = try await cluster.contents(ofTable: "T")
            #expect(contents.table == "t")
            #expect(contents.columns == ["id", "v"])
            #expect(contents.rowIDAlias == "id")
            var rows: [TableRow] = []
            var batches = 0
            for try await batch in contents {
                rows += batch
                batches += 1
            }
            #expect(rows.count == 500)
            #expect(rows.map { $0.rowID! } == (1...500).map { Int64($0 * 3) })
            #expect(rows.first?.values == [.integer(3), .text("v1")])

            let hidden = try await cluster.contents(ofTable: "hidden")
            #expect(hidden.columns == ["a"])
            #expect(hidden.hasGeneratedColumns)
            #expect(hidden.rowIDAlias == nil)
            var hiddenRows: [TableRow] = []
            for try await batch in hidden { hiddenRows += batch }
            #expect(hiddenRows == [
                TableRow(rowID: 1, values: [.integer(1)]), TableRow(rowID: 2, values: [.integer(2)]),
                TableRow(rowID: 10, values: [.integer(3)]),
            ])

            let nokey = try await cluster.contents(ofTable: "nokey")
            #expect(!nokey.hasRowID)
            var nokeyRows: [TableRow] = []
            for try await batch in nokey { nokeyRows += batch }
            #expect(nokeyRows.map(\.values) == [[.text("a"), .integer(2)], [.text("b"), .integer(1)]])

            await #expect(throws: ShardQLError.self) { try await cluster.contents(ofTable: "missing") }
        }
    }

    @Test func explicitRowIDsGoWhereTheRowBelongs() async throws {
        try await withCluster { cluster in
            _ = try await cluster.execute("""
                CREATE TABLE h(k, v) DISTRIBUTED BY HASH (k) SHARDS 3;
                INSERT INTO h(rowid, k, v) VALUES (7, 'a', 1), (7, 'b', 2), (NULL, 'c', 3);
                INSERT INTO h(oid, k, v) VALUES ('12', 'd', 4);
                """)
            let rows = try await cluster.execute("SELECT rowid, k FROM h ORDER BY k")[0].rows
            #expect(rows == [[.integer(7), .text("a")], [.integer(7), .text("b")], [.integer(8), .text("c")], [.integer(12), .text("d")]])
            await #expect(throws: ShardQLError.self) { try await cluster.execute("INSERT INTO h(rowid, k) VALUES ('x', 'e')") }
        }
    }

    @Test func shardFiguresAddUpAndNodesListTheLocalWorker() async throws {
        try await withCluster { cluster in
            let values = (1...300).map { "(\($0))" }.joined(separator: ", ")
            _ = try await cluster.execute("""
                CREATE TABLE t(id INTEGER PRIMARY KEY) DISTRIBUTED BY HASH (id) SHARDS 3;
                CREATE TABLE u(id INTEGER PRIMARY KEY) DISTRIBUTED BY HASH (id) SHARDS 3 COLOCATE WITH t;
                CREATE TABLE r(k PRIMARY KEY) DISTRIBUTED REPLICATED;
                INSERT INTO t VALUES \(values);
                INSERT INTO u VALUES (1);
                """)
            let figures = try await cluster.shardFigures()
            #expect(figures.map(\.table) == ["t", "u"])
            let t = figures[0]
            #expect(t.shards.map(\.index) == [0, 1, 2])
            #expect(t.rows == 300)
            #expect(t.shards.allSatisfy { $0.nodes == ["local"] && $0.bytes > 0 })
            #expect(t.shards.first?.hashRange.lowerBound == 0)
            #expect(t.shards.last?.hashRange.upperBound == UInt64.max)
            let skew = try #require(t.skew)
            #expect(skew >= 1 && skew < 1.5)
            // Co-located tables share files, so their bytes are the same figures.
            #expect(figures[1].shards.map(\.bytes) == t.shards.map(\.bytes))
            #expect(figures[1].rows == 1)

            let reference = try await cluster.shardFigures(of: "R")
            #expect(reference.map(\.distribution) == ["none"])
            #expect(reference.first?.skew == nil)

            let nodes = cluster.nodeFigures()
            #expect(nodes.count == 1)
            #expect(nodes.first?.address == "local")
            #expect(nodes.first?.isInProcess == true)
            #expect(nodes.first?.shards == 4)
        }
    }
}
