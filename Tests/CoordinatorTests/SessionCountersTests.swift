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
