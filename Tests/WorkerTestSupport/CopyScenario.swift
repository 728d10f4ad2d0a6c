import Foundation
import ShardQLBase
import Testing
import Worker

/// Copies a shard file from `source` to `target` while it takes writes, the way a shard move does
/// (``ShardMaintenance``): change log, export and install, catch-up rounds, a write fence, the
/// last catch-up. Checks the two copies hold the same rows, and what the fence and the
/// retirement refuse. Shared by the in-process and the gRPC tests.
package func copyWhileWriting(
    from source: any ShardExecutor & ShardMaintenance, to target: any ShardExecutor & ShardMaintenance,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) async throws {
    let shard = ShardFileID(group: 7, index: 1)
    try await source.makeShard(shard, rows: 2000)
    try await source.controlShard(shard, .startChangeLog)

    // Writes run all along: one-phase inserts and updates, and a two-phase transaction prepared
    // before the copy and decided after it.
    let prepared = TransactionID("prepared-before-the-copy")
    _ = try await source.write(
        [ShardStatement("UPDATE t SET b = 'prepared' WHERE a <= 10")], on: shard, in: prepared, recording: true)
    #expect(try await source.prepare(prepared, on: shard), sourceLocation: sourceLocation)
    let writer = Task {
        var next: Int64 = 10_000
        while !Task.isCancelled {
            let transaction = TransactionID("w\(next)")
            do {
                _ = try await source.write(
                    [
                        ShardStatement("INSERT INTO t VALUES (?, 'new')", parameters: [.integer(next)]),
                        ShardStatement("UPDATE t SET b = b || '+' WHERE a = ?", parameters: [.integer(100 + next % 1900)]),
                    ], on: shard, in: transaction, recording: false)
                try await source.commit(transaction, on: shard)
                next += 1
            } catch let error as ShardQLError where error.code == .placementChanged || Task.isCancelled {
                try? await source.abort(transaction, on: shard)
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        return next
    }

    let export = try await source.exportShard(shard)
    #expect(export.byteCount > 0, sourceLocation: sourceLocation)
    var position = try await target.installShard(shard, from: export)
    try await source.commitPrepared(prepared, on: shard)
    for _ in 0..<3 {
        try await Task.sleep(for: .milliseconds(30))
        position = try await target.applyChanges(source.changes(of: shard, after: position, limit: 10_000), to: shard)
    }
    // The fence: no new writer gets in; what is logged is all there is.
    let fenced = try await source.controlShard(shard, .fenceWrites)
    let refused = await #expect(throws: ShardQLError.self, sourceLocation: sourceLocation) {
        try await source.begin(TransactionID("late"), on: shard, recording: false)
    }
    #expect(refused?.code == .placementChanged, sourceLocation: sourceLocation)
    while position < fenced {
        position = try await target.applyChanges(source.changes(of: shard, after: position, limit: 100), to: shard)
    }
    // Applying again changes nothing: what is at or below the position is skipped.
    #expect(try await target.applyChanges(source.changes(of: shard, after: 0, limit: 5), to: shard) == position,
            sourceLocation: sourceLocation)
    writer.cancel()
    let written = try await writer.value
    #expect(written > 10_000, "the writer never got a row in", sourceLocation: sourceLocation)

    let content = "SELECT count(*), sum(a), total(length(b)), sum(b = 'prepared') FROM t"
    let expected = try await source.query(content, parameters: [], on: shard).rows
    #expect(try await target.query(content, parameters: [], on: shard).rows == expected, sourceLocation: sourceLocation)
    #expect(expected.first?[3] == .integer(10), sourceLocation: sourceLocation)
    #expect(try await target.preparedTransactions(on: shard).isEmpty, sourceLocation: sourceLocation)

    // The copy takes writes once finished; the source, retired, refuses even reads.
    try await target.controlShard(shard, .finishCopy)
    _ = try await target.write([ShardStatement("INSERT INTO t VALUES (1000000, 'on the copy')")], on: shard)
    try await target.finish(shard, commit: true)
    try await source.controlShard(shard, .retire)
    let gone = await #expect(throws: ShardQLError.self, sourceLocation: sourceLocation) {
        try await source.query("SELECT 1", parameters: [], on: shard)
    }
    #expect(gone?.code == .placementChanged, sourceLocation: sourceLocation)
    // Undone, it serves again (a move rolled back), without its log.
    try await source.controlShard(shard, .unfence)
    try await source.controlShard(shard, .stopChangeLog)
    #expect(try await source.query(content, parameters: [], on: shard).rows == expected, sourceLocation: sourceLocation)
    #expect(try await source.statistics(of: shard).rowsByTable.keys.sorted() == ["t"], sourceLocation: sourceLocation)
}
