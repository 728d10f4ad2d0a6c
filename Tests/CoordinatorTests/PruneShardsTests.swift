import Foundation
import SQLiteCore
import ShardQLBase
import Testing

@testable import Coordinator

@Suite("UPDATE and DELETE pinned to their shards")
struct PruneShardsTests {
    @Test func pinnedStatementsReadOnlyTheirShards() async throws {
        let oracle = try SQLiteConnection(path: ":memory:")
        try await DifferentialTests.withCluster(shards: 8) { cluster in
            let setup = [
                "CREATE TABLE t(k TEXT COLLATE NOCASE PRIMARY KEY, n INTEGER, v)",
                "INSERT INTO t VALUES " + (1...40).map { "('key\($0)', \($0), \($0 % 3))" }.joined(separator: ", "),
            ]
            for sql in setup {
                try oracle.execute(sql)
                _ = try await cluster.execute(sql)
            }
            let cases: [(String, Int)] = [
                ("UPDATE t SET v = v + 10 WHERE k = 'KEY7'", 1),  // NOCASE: 'KEY7' finds 'key7'
                ("DELETE FROM t WHERE k IN ('key1', 'key2', 'nope') AND v >= 0", 3),
                ("UPDATE t SET k = 'moved' WHERE k = 'key3'", 1),  // and the row moves
                ("UPDATE t AS x SET n = -n WHERE x.k = 'key4' ORDER BY n LIMIT 1", 1),
                ("DELETE FROM t WHERE n > 30", 8),  // not pinned
                ("UPDATE t SET v = (SELECT max(v) FROM t) WHERE k = 'key5'", 8),  // reads t elsewhere
                ("UPDATE t SET v = 0 WHERE k = 'key6' COLLATE BINARY OR n = 9", 8),
            ]
            for (sql, shards) in cases {
                try oracle.execute(sql)
                let result = try await cluster.execute(sql).last
                #expect(result?.changes == oracle.changes, "\(sql)")
                let read = cluster.lastShardsRead.withLock { $0 }
                // Pinned: at most the literals' shards; otherwise every shard.
                #expect(shards == 8 ? read == 8 : (1...shards).contains(read), "\(sql): read \(read) shards")
                let expected = try oracle.prepare("SELECT * FROM t ORDER BY n").rows()
                #expect(try await cluster.execute("SELECT * FROM t ORDER BY n").last?.rows == expected, "after \(sql)")
            }
        }
    }
}
