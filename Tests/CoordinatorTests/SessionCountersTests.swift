import Foundation
import SQLiteCore
import ShardQLBase
import Testing

@testable import Coordinator

@Suite("changes(), total_changes(), last_insert_rowid()")
struct SessionCountersTests {
    @Test(arguments: [1, 4])
    func matchSQLite(shards: Int) async throws {
        let script = [
            "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
            "INSERT INTO t(v) VALUES ('a'), ('b'), ('c')",
            "INSERT OR IGNORE INTO t(id, v) VALUES (1, 'dup')",
            "INSERT INTO t VALUES (42, 'd')",
            "UPDATE t SET v = v || '!' WHERE id < 3",
            "DELETE FROM t WHERE v = 'c'",
        ]
        let oracle = try SQLiteConnection(path: ":memory:")
        try await DifferentialTests.withCluster(shards: shards) { cluster in
            for sql in script {
                try oracle.execute(sql)
                _ = try await cluster.execute(sql)
                let probe = "SELECT changes(), total_changes(), last_insert_rowid()"
                let expected = try oracle.prepare(probe).rows()
                let got = try await cluster.execute(probe).last?.rows
                #expect(got == expected, "after \(sql)")
            }
        }
    }
}

@Suite("INSERT … DEFAULT VALUES")
struct DefaultValuesTests {
    @Test(arguments: [1, 4])
    func defaultsApplyOnTheShard(shards: Int) async throws {
        try await DifferentialTests.withCluster(shards: shards) { cluster in
            _ = try await cluster.execute("""
                CREATE TABLE t(id INTEGER PRIMARY KEY, a DEFAULT 7, b TEXT DEFAULT 'x', c);
                INSERT INTO t DEFAULT VALUES;
                INSERT INTO t DEFAULT VALUES;
                CREATE TABLE r(a DEFAULT 1, b);
                INSERT INTO r DEFAULT VALUES;
                """)
            #expect(try await cluster.execute("SELECT * FROM t ORDER BY id").last?.rows == [
                [.integer(1), .integer(7), .text("x"), .null], [.integer(2), .integer(7), .text("x"), .null],
            ])
            #expect(try await cluster.execute("SELECT rowid, * FROM r").last?.rows == [[.integer(1), .integer(1), .null]])
        }
    }
}
