import Benchmark
import Coordinator
import Foundation
import ShardQLBase
import Synchronization
import Worker
import WorkerClient
import WorkerServer

// The multi-process worker issue's figures, over real gRPC on loopback TCP: a worker server
// (`WorkerServer` over a `LocalWorker`, as `shardql worker` runs it, here in this process) and the
// coordinator's `RemoteWorker` talking to it.
// - a full scan of one shard streamed in 4,096-row batches (target ≥ 2 M rows/s);
// - the router's point query on a cluster whose shard files are all on one worker node
//   (target p50 ≤ 250 µs), beside the same query on an embedded cluster.

/// Rows of the scanned shard.
private let scanRows = 1_000_000
/// Rows of the point-query table, and the keys cycled through (as RouterBenchmarks does).
private let pointRows = 10_000
private let keys = (0..<64).map { ($0 * 7919) % pointRows + 1 }

private let scanShard = ShardFileID(group: 1, index: 0)

/// A worker server on 127.0.0.1 (a free port) over a LocalWorker in `directory`.
private struct ServedWorker: Sendable {
    let local: LocalWorker
    let server: WorkerServer
    let serving: Task<Void, any Error>
    let address: String

    static func start(directory: String) async throws -> ServedWorker {
        let local = try LocalWorker(directory: directory + "/shards")
        let server = try WorkerServer(host: "127.0.0.1", port: 0, executor: local, token: nil)
        let serving = Task { try await server.run() }
        let port = try await server.listeningPort
        return ServedWorker(local: local, server: server, serving: serving, address: "127.0.0.1:\(port)")
    }

    func stop() async {
        server.beginGracefulShutdown()
        serving.cancel()
        _ = await serving.result
        await local.close()
    }
}

private final class ScanFixture: @unchecked Sendable {
    // Written once in setup before the benchmark body runs, then only read; teardown runs after.
    var directory = ""
    var worker: ServedWorker?
    var remote: RemoteWorker?
    /// Bytes of the scanned rows in ShardQL's binary row encoding (what RowBatch messages carry,
    /// protobuf framing aside).
    var payloadBytes = 0
}

private final class PointFixture: @unchecked Sendable {
    // Written once in setup before the benchmark bodies run, then only read; teardown runs after.
    var directory = ""
    var worker: ServedWorker?
    var remoteCluster: Cluster?
    var embeddedCluster: Cluster?
}

/// Counts point queries across body calls: the body runs once per iteration with
/// `scaledIterations` = 0..<1, so the loop index alone would always pick the first key.
private let nextKey = Atomic<Int>(0)

private func key() -> Int {
    keys[nextKey.add(1, ordering: .relaxed).oldValue % keys.count]
}

private let scan = ScanFixture()
private let point = PointFixture()

private func temporaryDirectory(_ name: String) -> String {
    NSTemporaryDirectory() + "shardql-\(name)-bench-\(UUID().uuidString)"
}

private func setUpScan() async throws {
    guard scan.worker == nil else { return }
    scan.directory = temporaryDirectory("remote-scan")
    let worker = try await ServedWorker.start(directory: scan.directory + "/worker")
    let remote = try RemoteWorker(address: worker.address)
    // Created through the wire, as a coordinator would: 4 INTEGER, 3 REAL, 3 TEXT of 16 bytes.
    let load = TransactionID("remote-bench-load")
    try await remote.createShard(scanShard)
    _ = try await remote.write(
        [
            ShardStatement(
                "CREATE TABLE t(a INTEGER, b INTEGER, c INTEGER, d INTEGER, e REAL, f REAL, g REAL, h TEXT, i TEXT, j TEXT)"),
            ShardStatement(
                """
                WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)
                INSERT INTO t SELECT x, x * 7919, -x, x % 97, x * 0.5, x / 3.0, 1e6 + x,
                    printf('name-%011d', x), printf('city-%011d', x * 3), printf('note-%011d', x * 7) FROM c
                """, parameters: [.integer(Int64(scanRows))]),
        ], on: scanShard, in: load, recording: false)
    try await remote.commit(load, on: scanShard)
    // The payload, counted once on the worker's side (no network).
    var bytes = 0
    var rows = 0
    for try await batch in try await worker.local.read(ShardRead("SELECT * FROM t"), on: scanShard, batchRows: 4096) {
        var writer = SQLBinaryWriter(capacity: batch.count * 100)
        // Value after value, as `Shardql_V1_Rows` lays a batch out (no per-row count).
        for row in batch { for value in row { writer.write(value) } }
        bytes += writer.bytes.count
        rows += batch.count
    }
    guard rows == scanRows else { throw ShardQLError(.internalError, "the scan shard holds \(rows) rows, expected \(scanRows)") }
    scan.payloadBytes = bytes
    scan.worker = worker
    scan.remote = remote
}

private func tearDownScan() async {
    await scan.remote?.close()
    await scan.worker?.stop()
    try? FileManager.default.removeItem(atPath: scan.directory)
}

private func insertPointRows(into cluster: Cluster) async throws {
    _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL)")
    for start in stride(from: 1, through: pointRows, by: 500) {
        let values = (start..<min(start + 500, pointRows + 1)).map { "(\($0), 'name \($0)', \(Double($0) / 3))" }
        _ = try await cluster.execute("INSERT INTO t VALUES " + values.joined(separator: ", "))
    }
}

private func setUpPoint() async throws {
    guard point.worker == nil else { return }
    point.directory = temporaryDirectory("remote-point")
    let worker = try await ServedWorker.start(directory: point.directory + "/worker")
    let remoteCluster = try await Cluster.open(
        directory: point.directory + "/cluster", defaultShardCount: 4,
        connectingWith: { try RemoteWorker(address: $0) })
    // Registered before the table exists, so all four shard files are placed on the node.
    _ = try await remoteCluster.addNode(address: worker.address)
    try await insertPointRows(into: remoteCluster)
    let onNode = remoteCluster.nodeFigures().first { $0.address == worker.address }?.shards ?? 0
    guard onNode == 4 else { throw ShardQLError(.internalError, "\(onNode) of 4 shard files are on the worker node") }
    let embeddedCluster = try await Cluster.open(directory: point.directory + "/embedded", defaultShardCount: 4)
    try await insertPointRows(into: embeddedCluster)
    point.worker = worker
    point.remoteCluster = remoteCluster
    point.embeddedCluster = embeddedCluster
}

private func tearDownPoint() async {
    await point.remoteCluster?.close()
    await point.embeddedCluster?.close()
    await point.worker?.stop()
    try? FileManager.default.removeItem(atPath: point.directory)
}

private let rowsPerSecond = BenchmarkMetric.custom("rows/s (K)", polarity: .prefersLarger, useScalingFactor: false)
private let payloadPerSecond = BenchmarkMetric.custom("payload MB/s", polarity: .prefersLarger, useScalingFactor: false)

/// Streams `SELECT * FROM t` of the scan shard through `executor` and records rows/s and payload MB/s.
private func measureScan(_ executor: any ShardExecutor, _ benchmark: Benchmark) async throws {
    benchmark.startMeasurement()
    let start = ContinuousClock.now
    var rows = 0
    for try await batch in try await executor.read(ShardRead("SELECT * FROM t"), on: scanShard, batchRows: 4096) {
        rows += batch.count
        blackHole(batch)
    }
    let elapsed = ContinuousClock.now - start
    benchmark.stopMeasurement()
    guard rows == scanRows else { throw ShardQLError(.internalError, "scanned \(rows) rows, expected \(scanRows)") }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    benchmark.measurement(rowsPerSecond, Int(Double(rows) / seconds / 1e3))
    benchmark.measurement(payloadPerSecond, Int(Double(scan.payloadBytes) / seconds / 1e6))
}

let benchmarks: @Sendable () -> Void = {
    let scanConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident, rowsPerSecond, payloadPerSecond],
        warmupIterations: 1,
        maxDuration: .seconds(20),
        maxIterations: 20
    )

    Benchmark("Remote scan (1 worker, loopback)", configuration: scanConfiguration) { benchmark in
        try await measureScan(scan.remote!, benchmark)
    } setup: {
        try await setUpScan()
    } teardown: {
        await tearDownScan()
    }

    // The same scan without the wire: SQLite stepping and value building only.
    Benchmark("Local scan (same shard, LocalWorker, no network)", configuration: scanConfiguration) { benchmark in
        try await measureScan(scan.worker!.local, benchmark)
    } setup: {
        try await setUpScan()
    } teardown: {
        await tearDownScan()
    }

    // The floors under a remote point query: one unary call, and one streamed read of one row.
    let roundTripConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 100,
        maxDuration: .seconds(5),
        maxIterations: 100_000
    )

    Benchmark("Remote unary round trip (query SELECT 1)", configuration: roundTripConfiguration) { benchmark in
        let remote = scan.remote!
        for _ in benchmark.scaledIterations {
            blackHole(try await remote.query("SELECT 1", parameters: [], on: scanShard))
        }
    } setup: {
        try await setUpScan()
    } teardown: {
        await tearDownScan()
    }

    Benchmark("Remote streamed read round trip (read SELECT 1)", configuration: roundTripConfiguration) { benchmark in
        let remote = scan.remote!
        for _ in benchmark.scaledIterations {
            blackHole(try await remote.read(ShardRead("SELECT 1"), on: scanShard, batchRows: 4096).collect())
        }
    } setup: {
        try await setUpScan()
    } teardown: {
        await tearDownScan()
    }

    let pointConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 100,
        maxDuration: .seconds(5),
        maxIterations: 100_000
    )

    Benchmark("Router point query over loopback (cluster, 1 worker node)", configuration: pointConfiguration) {
        benchmark in
        let cluster = point.remoteCluster!
        for _ in benchmark.scaledIterations {
            blackHole(try await cluster.execute("SELECT * FROM t WHERE id = \(key())"))
        }
    } setup: {
        try await setUpPoint()
    } teardown: {
        await tearDownPoint()
    }

    Benchmark("Router point query embedded (cluster, 4 shards, no node)", configuration: pointConfiguration) {
        benchmark in
        let cluster = point.embeddedCluster!
        for _ in benchmark.scaledIterations {
            blackHole(try await cluster.execute("SELECT * FROM t WHERE id = \(key())"))
        }
    } setup: {
        try await setUpPoint()
    } teardown: {
        await tearDownPoint()
    }
}
