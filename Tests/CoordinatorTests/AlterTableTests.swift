import Foundation
import ShardQLBase
import Testing

@testable import Coordinator

@Suite("ALTER TABLE on every shard")
struct AlterTableTests {
    @Test func renamesAddsAndDropsEverywhere() async throws {
        try await DifferentialTests.withCluster(shards: 3) { cluster in
            _ = try await cluster.execute("""
                CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b INT);
                CREATE INDEX t_a ON t(a);
                INSERT INTO t VALUES (1, 'x', 10), (2, 'y', 20), (3, 'z', 30);
                """)
            _ = try await cluster.execute("ALTER TABLE t ADD COLUMN c REAL DEFAULT 1.5")
            _ = try await cluster.execute("ALTER TABLE t RENAME COLUMN a TO label")
            _ = try await cluster.execute("ALTER TABLE t DROP COLUMN b")
            _ = try await cluster.execute("ALTER TABLE t RENAME TO items")
            let rows = try await cluster.execute("SELECT id, label, c FROM items INDEXED BY t_a ORDER BY id").last?.rows
            #expect(rows == [
                [.integer(1), .text("x"), .real(1.5)], [.integer(2), .text("y"), .real(1.5)],
                [.integer(3), .text("z"), .real(1.5)],
            ])
            let snapshot = cluster.snapshot
            let table = try #require(snapshot.table(named: "items"))
            #expect(table.columns.map(\.name) == ["id", "label", "c"])
            #expect(snapshot.index(named: "t_a")?.sql.contains("\"items\"") == true)
            // New rows still route by the (unchanged) distribution column.
            _ = try await cluster.execute("INSERT INTO items(label) VALUES ('w')")
            #expect(try await cluster.execute("SELECT count(*) FROM items").last?.rows == [[.integer(4)]])
        }
    }

    @Test func refusalsLeaveShardsAndCatalogAlone() async throws {
        try await DifferentialTests.withCluster(shards: 2) { cluster in
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a); CREATE TABLE u(x)")
            let before = cluster.snapshot
            for bad in [
                "ALTER TABLE t DROP COLUMN id",  // the distribution column
                "ALTER TABLE t ADD COLUMN a INT",  // SQLite: duplicate column name
                "ALTER TABLE t RENAME TO u",  // taken
                "ALTER TABLE nosuch ADD COLUMN z",
            ] {
                await #expect(throws: ShardQLError.self, "\(bad)") { _ = try await cluster.execute(bad) }
            }
            #expect(cluster.snapshot == before)
            _ = try await cluster.execute("INSERT INTO t VALUES (1, 2)")
            #expect(try await cluster.execute("SELECT * FROM t").last?.rows == [[.integer(1), .integer(2)]])
        }
    }
}

@Suite("CREATE TABLE AS SELECT")
struct CreateTableAsSelectTests {
    @Test func takesSQLitesDefinitionsAndTheRows() async throws {
        try await DifferentialTests.withCluster(shards: 4) { cluster in
            _ = try await cluster.execute("""
                CREATE TABLE src(id INTEGER PRIMARY KEY, name TEXT, score REAL);
                INSERT INTO src VALUES (1, 'a', 1.5), (2, 'b', NULL), (3, 'c', 3.0);
                CREATE TABLE copy AS SELECT id, upper(name) AS name, score * 2 AS doubled FROM src WHERE id > 1
                    DISTRIBUTED BY HASH (id);
                CREATE TABLE plain AS SELECT 1 AS one, 'x' AS text;
                """)
            let snapshot = cluster.snapshot
            let copy = try #require(snapshot.table(named: "copy"))
            #expect(copy.distributionColumn == "id")
            // As SQLite declares them: only a bare column reference keeps a type.
            #expect(copy.columns.map(\.declaredType) == ["INT", "", ""])
            #expect(snapshot.table(named: "plain")?.distribution == .roundRobin)
            #expect(try await cluster.execute("SELECT * FROM copy ORDER BY id").last?.rows == [
                [.integer(2), .text("B"), .null], [.integer(3), .text("C"), .real(6.0)],
            ])
            #expect(try await cluster.execute("SELECT * FROM plain").last?.rows == [[.integer(1), .text("x")]])
            await #expect(throws: ShardQLError.self) { _ = try await cluster.execute("CREATE TABLE copy AS SELECT 1") }
        }
    }
}
