import Benchmark
import Foundation
import ShardQLBase
import SwiftProtobuf
import WorkerProtocol

// What a row batch costs on the coordinator–worker wire, without the network: a batch of 4,096
// rows of the issue's 10-column table (4 INTEGER, 3 REAL, 3 TEXT of 16 bytes) encoded into a
// RowBatch message and serialized (the worker's side), and parsed and decoded back into values
// (the coordinator's side). Throughput is reported per batch; rows/s = batches/s × 4,096.

private let rowsPerBatch = 4096

private let rows: [[SQLValue]] = (0..<rowsPerBatch).map { index in
    let i = Int64(index)
    return [
        .integer(i), .integer(i * 7919), .integer(-i), .integer(i % 97),
        .real(Double(i) * 0.5), .real(Double(i) / 3), .real(1e6 + Double(i)),
        .text(SQLText("name-\(String(format: "%011d", index))")),
        .text(SQLText("city-\(String(format: "%011d", index * 3))")),
        .text(SQLText("note-\(String(format: "%011d", index * 7))")),
    ]
}

private let encoded: Data = {
    var batch = Shardql_V1_RowBatch()
    batch.rows = Shardql_V1_Rows(rows, columnCount: 10)
    return try! batch.serializedData()
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 5,
        maxDuration: .seconds(5),
        maxIterations: 2_000
    )

    Benchmark("encode a 4,096-row batch (10 columns) into a serialized RowBatch") { benchmark in
        for _ in benchmark.scaledIterations {
            var batch = Shardql_V1_RowBatch()
            batch.rows = Shardql_V1_Rows(rows, columnCount: 10)
            blackHole(try batch.serializedData() as Data)
        }
    }

    Benchmark("decode a serialized 4,096-row RowBatch (10 columns) into values") { benchmark in
        for _ in benchmark.scaledIterations {
            let batch = try Shardql_V1_RowBatch(serializedBytes: encoded)
            blackHole(try batch.rows.decoded())
        }
    }
}
