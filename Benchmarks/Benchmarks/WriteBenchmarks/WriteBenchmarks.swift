import Benchmark
import Coordinator
import Foundation
import ShardQLBase

// What atomic multi-shard writes cost: the same small insert touching one shard (one local
// transaction) and two shards (two-phase commit: decision log, prepare, decide, apply), and the
// throughput of 100-row inserts spread over 4 shards. Keys repeat (INSERT OR REPLACE), so every
// iteration writes the same shards and the tables stay small.

private final class Fixture: @unchecked Sendable {
    // Written once in setup before any benchmark body runs, then only read.
    var cluster: Cluster?
    /// Two keys whose rows live on different shards.
    var apart: (Int, Int) = (0, 0)
    var directory = ""
}

private let fixture = Fixture()

/// The shard a point lookup of `key` is routed to, read from EXPLAIN.
private func shard(of key: Int, in cluster: Cluster) async throws -> String {
    let plan = try await cluster.execute("EXPLAIN SELECT * FROM t WHERE id = \(key)").last?.rows ?? []
    let line = plan.compactMap { row -> String? in
        if case .text(let text) = row.first, text.string.hasPrefix("Fragment on shard ") { return text.string }
        return nil
    }.first
    return String(line?.split(separator: ":").first ?? "")
}

private func setUp() async throws {
    guard fixture.cluster == nil else { return }
    let directory = NSTemporaryDirectory() + "shardql-write-bench-\(UUID().uuidString)"
    fixture.directory = directory
    let cluster = try await Cluster.open(directory: directory, defaultShardCount: 4)
    _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL)")
    let home = try await shard(of: 1, in: cluster)
    var other = 2
    while try await shard(of: other, in: cluster) == home { other += 1 }
    fixture.apart = (1, other)
    fixture.cluster = cluster
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        warmupIterations: 50,
        maxDuration: .seconds(5),
        maxIterations: 20_000
    )

    Benchmark("INSERT 1 row on 1 shard (one phase)") { benchmark in
        let cluster = fixture.cluster!
        let key = fixture.apart.0
        for iteration in benchmark.scaledIterations {
            blackHole(try await cluster.execute("INSERT OR REPLACE INTO t VALUES (\(key), 'a', \(iteration))"))
        }
    } setup: {
        try await setUp()
    }

    Benchmark("INSERT 2 rows on 2 shards (two-phase commit)") { benchmark in
        let cluster = fixture.cluster!
        let (a, b) = fixture.apart
        for iteration in benchmark.scaledIterations {
            blackHole(try await cluster.execute("INSERT OR REPLACE INTO t VALUES (\(a), 'a', \(iteration)), (\(b), 'b', \(iteration))"))
        }
    } setup: {
        try await setUp()
    }

    let rows = (1...100).map { "(\($0 + 1000), 'row', ?)" }.joined(separator: ", ")
    Benchmark("INSERT 100 rows over 4 shards (two-phase commit)", configuration: .init(scalingFactor: .one)) { benchmark in
        let cluster = fixture.cluster!
        for iteration in benchmark.scaledIterations {
            let sql = "INSERT OR REPLACE INTO t VALUES " + rows.replacingOccurrences(of: "?", with: "\(iteration)")
            blackHole(try await cluster.execute(sql))
        }
    } setup: {
        try await setUp()
    }
}
