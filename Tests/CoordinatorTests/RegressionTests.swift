import Foundation
import SQLiteCore
import ShardQLBase
import Testing

@testable import Coordinator

/// Mismatches the randomized differential test found, kept as plain scripts: each statement's
/// rows and `changes()` must equal SQLite's.
@Suite("Regressions found by differential testing")
struct RegressionTests {
    static let scripts: [[String]] = [
        // A failed multi-row INSERT must not consume keys: SQLite takes max(rowid) + 1.
        [
            "CREATE TABLE t(f INTEGER PRIMARY KEY, g)",
            "INSERT INTO t VALUES (1, 'a')",
            "INSERT INTO t VALUES (5, 'x'), (1, 'dup')",
            "INSERT INTO t(g) VALUES ('b')",
            "INSERT INTO t VALUES (10, 'c'), (NULL, 'd')",
            "DELETE FROM t WHERE f = 11",
            "INSERT INTO t(g) VALUES ('e')",
            "SELECT * FROM t ORDER BY f",
        ],
        // SQLite's one-pass UPDATE lets a subquery see rows the statement already changed.
        [
            "CREATE TABLE t1(f REAL PRIMARY KEY, g)",
            "INSERT INTO t1 VALUES (1, -20), (2, 5), (3, -2), (4, -7), (5, -6), (6, NULL)",
            "UPDATE t1 SET g = NULL WHERE NOT EXISTS (SELECT 1 FROM t1 AS s WHERE s.g < t1.g)",
            "SELECT * FROM t1 ORDER BY f",
        ],
        // With an index, SQLite's DELETE sees rows it already deleted.
        [
            "CREATE TABLE t0(a REAL, b NUMERIC)",
            "CREATE INDEX t0_b ON t0(b)",
            "INSERT INTO t0 VALUES (5.0, 12), (12.0, NULL), (0, 5)",
            "DELETE FROM t0 WHERE a IN (SELECT b FROM t0)",
            "SELECT * FROM t0 ORDER BY a",
        ],
        // Shifting an INTEGER PRIMARY KEY: rowids now hold what other rows held.
        [
            "CREATE TABLE k(id INTEGER PRIMARY KEY, v)",
            "INSERT INTO k VALUES (1, 'a'), (2, 'b'), (3, 'c')",
            "UPDATE k SET id = id + 1",
            "SELECT * FROM k ORDER BY id",
        ],
    ]

    @Test(arguments: [1, 3, 8])
    func scriptsMatchSQLite(shards: Int) async throws {
        for script in Self.scripts {
            let oracle = try SQLiteConnection(path: ":memory:")
            try await DifferentialTests.withCluster(shards: shards) { cluster in
                for sql in script {
                    let expected = DifferentialTests.oracle(oracle, sql)
                    let got = await DifferentialTests.cluster(cluster, sql)
                    switch (expected, got) {
                    case (.success(let e), .success(let g)):
                        #expect(e == g, "\(sql)")
                        let changes = try await cluster.execute("SELECT changes()").last?.rows
                        #expect(changes == [[.integer(Int64(oracle.changes))]], "\(sql)")
                    case (.failure, .failure):
                        break
                    default:
                        Issue.record("\(sql): SQLite \(expected), cluster \(got)")
                    }
                }
            }
        }
    }
}
