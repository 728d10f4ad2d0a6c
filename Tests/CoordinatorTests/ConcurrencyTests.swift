import Foundation
import ShardQLBase
import Testing

@testable import Coordinator

@Suite("Concurrent statements")
struct ConcurrencyTests {
    /// Writers share each shard's writer connection; they must not interleave inside one
    /// another's open transactions, and a failing one must not undo the others.
    @Test func concurrentWritersAndReaders() async throws {
        try await DifferentialTests.withCluster(shards: 4) { cluster in
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v NOT NULL)")
            let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
                for writer in 0..<20 {
                    group.addTask {
                        // Every fifth statement fails on one of its rows (NOT NULL): all or nothing.
                        let bad = writer % 5 == 0
                        let rows = (0..<10).map { "(\(writer * 100 + $0), \(bad && $0 == 7 ? "NULL" : "'w\(writer)'"))" }
                        do {
                            _ = try await cluster.execute("INSERT INTO t VALUES " + rows.joined(separator: ", "))
                            return false
                        } catch {
                            return true
                        }
                    }
                    group.addTask {
                        _ = try await cluster.execute("SELECT count(*) FROM t")
                        return false
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(failures == 4)
            #expect(try await cluster.execute("SELECT count(*) FROM t").last?.rows == [[.integer(160)]])
        }
    }
}
