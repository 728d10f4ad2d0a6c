import Benchmark
import Coordinator
import Foundation
import PostgresCatalog
import SQLiteCore
import ShardQLBase
import Synchronization

// The router tier's overhead (issue: "router point query ≤ the plain SQLite prepared statement's
// time + 15 µs, in-process"): the same point lookup through an embedded 4-shard cluster and
// through one SQLite prepared statement on a file with the same rows. With a PostgreSQL server in
// SHARDQL_TEST_POSTGRES (run under ../scripts/with-postgres), the same cluster again with its
// catalog there: the per-query catalog cost in the steady state (no change, cache valid).

private let rowCount = 10_000
/// Keys cycled through, so the plan cache sees repeated statement texts (as an application
/// reusing its queries does).
private let keys = (0..<64).map { ($0 * 7919) % rowCount + 1 }

/// Counts lookups across body calls: the body runs once per iteration with `scaledIterations`
/// = 0..<1, so the loop index alone would always pick the first key.
private let nextKey = Atomic<Int>(0)

private func key() -> Int {
    keys[nextKey.add(1, ordering: .relaxed).oldValue % keys.count]
}

private final class Fixture: @unchecked Sendable {
    // Written once in setup before any benchmark body runs, then only read.
    var cluster: Cluster?
    var postgresCluster: Cluster?
    var connection: SQLiteConnection?
    var statement: SQLiteStatement?
    var database: SQLiteDatabase?
    var directory = ""
}

private let fixture = Fixture()

private func setUp() async throws {
    guard fixture.cluster == nil else { return }
    let directory = NSTemporaryDirectory() + "shardql-router-bench-\(UUID().uuidString)"
    fixture.directory = directory
    let cluster = try await Cluster.open(directory: directory + "/cluster", defaultShardCount: 4)
    _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL)")
    let connection = try SQLiteConnection(path: directory + "/plain.sqlite")
    try connection.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL)")
    for start in stride(from: 1, through: rowCount, by: 500) {
        let values = (start..<min(start + 500, rowCount + 1)).map { "(\($0), 'name \($0)', \(Double($0) / 3))" }
        let insert = "INSERT INTO t VALUES " + values.joined(separator: ", ")
        _ = try await cluster.execute(insert)
        try connection.execute(insert)
    }
    fixture.cluster = cluster
    if let url = ProcessInfo.processInfo.environment["SHARDQL_TEST_POSTGRES"], !url.isEmpty {
        // Same rows, same shards; only the catalog differs. Each benchmark runs in a process of
        // its own, all on this one catalog: the first loads the table, in a directory named after
        // the server, and the others find it there.
        let place = url.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(String.init).joined()
        let postgres = try await Cluster.open(
            directory: NSTemporaryDirectory() + "shardql-router-bench-" + place,
            catalog: try await PostgresCatalogStore(url: url), defaultShardCount: 4)
        _ = try await postgres.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, name TEXT, v REAL)")
        if try await postgres.execute("SELECT count(*) FROM t").last?.rows == [[.integer(0)]] {
            for start in stride(from: 1, through: rowCount, by: 500) {
                let values = (start..<min(start + 500, rowCount + 1)).map { "(\($0), 'name \($0)', \(Double($0) / 3))" }
                _ = try await postgres.execute("INSERT INTO t VALUES " + values.joined(separator: ", "))
            }
        }
        fixture.postgresCluster = postgres
    }
    fixture.connection = connection
    fixture.statement = try connection.prepare("SELECT * FROM t WHERE id = ?")
    fixture.database = try await SQLiteDatabase(path: directory + "/plain.sqlite")
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 100,
        maxDuration: .seconds(5),
        maxIterations: 200_000
    )

    Benchmark("Router point query (cluster, 4 shards)") { benchmark in
        let cluster = fixture.cluster!
        for _ in benchmark.scaledIterations {
            blackHole(try await cluster.execute("SELECT * FROM t WHERE id = \(key())"))
        }
    } setup: {
        try await setUp()
    }

    Benchmark("Router point query (cluster, 4 shards, PostgreSQL catalog)") { benchmark in
        guard let cluster = fixture.postgresCluster else {
            print("skipped: SHARDQL_TEST_POSTGRES names no PostgreSQL server (run under scripts/with-postgres)")
            return
        }
        for _ in benchmark.scaledIterations {
            blackHole(try await cluster.execute("SELECT * FROM t WHERE id = \(key())"))
        }
    } setup: {
        try await setUp()
    }

    Benchmark("Point query (plain SQLite prepared statement)") { benchmark in
        let statement = fixture.statement!
        for _ in benchmark.scaledIterations {
            try statement.bind([.integer(Int64(key()))])
            blackHole(try statement.rows())
            statement.reset()
        }
    } setup: {
        try await setUp()
    }

    // The floor under the router: one round trip to a shard connection's own queue and back.
    Benchmark("SQLiteDatabase round trip (empty closure)") { benchmark in
        let database = fixture.database!
        for _ in benchmark.scaledIterations {
            blackHole(try await database.withConnection { _ in 1 })
        }
    } setup: {
        try await setUp()
    }
}
