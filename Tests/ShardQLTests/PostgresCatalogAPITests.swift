import Foundation
import PostgresTestSupport
import ShardQL
import Testing

/// The Swift API with its catalog in PostgreSQL: several coordinators (here two `Database`s in
/// one process, sharing the data directory that holds the in-process shards) on one catalog.
@Suite(
    "Swift API: a PostgreSQL catalog shared by coordinators",
    .enabled(if: TestPostgres.url != nil, Comment(rawValue: TestPostgres.skipReason)), .serialized)
struct PostgresCatalogAPITests {
    func withTwoCoordinators(_ body: (Database, Database) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-pg-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await TestPostgres.withDatabase { url in
            let first = try await Database.open(catalog: url, directory: directory)
            let second = try await Database.open(catalog: url, directory: directory)
            do {
                try await body(first, second)
            } catch {
                await first.close()
                await second.close()
                throw error
            }
            await first.close()
            await second.close()
        }
    }

    @Test func eachSeesTheOthersTablesAndRows() async throws {
        try await withTwoCoordinators { first, second in
            try await first.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
            try await first.execute("INSERT INTO t(v) VALUES ('a'), ('b'), ('c')")
            #expect(try await second.fetchAll(Int.self, "SELECT count(*) FROM t") == [3])
            // Keys come from the shared catalog: the second coordinator continues the sequence.
            try await second.execute("INSERT INTO t(v) VALUES ('d')")
            #expect(try await first.fetchAll(Int.self, "SELECT id FROM t ORDER BY id") == [1, 2, 3, 4])
            try await second.execute("DROP TABLE t")
            await expectError(.sqlite) { try await first.fetchAll(Int.self, "SELECT count(*) FROM t") }
            try await first.execute("CREATE TABLE t(x TEXT)")
            #expect(try await second.fetchAll(Int.self, "SELECT count(*) FROM t") == [0])
        }
    }

    @Test func concurrentDDLFromBothLandsWhole() async throws {
        try await withTwoCoordinators { first, second in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (name, database) in [("a", first), ("b", second)] {
                    group.addTask {
                        for index in 0..<5 {
                            try await database.execute("CREATE TABLE \(name)\(index)(id INTEGER PRIMARY KEY, v)")
                            try await database.execute("INSERT INTO \(name)\(index)(v) VALUES (\(index))")
                        }
                    }
                }
                try await group.waitForAll()
            }
            for database in [first, second] {
                for name in ["a", "b"] {
                    for index in 0..<5 {
                        #expect(try await database.fetchAll(Int.self, "SELECT v FROM \(name)\(index)") == [index])
                    }
                }
            }
        }
    }
}
