import Coordinator
import ShardQLBase
import Worker

/// The routing end of the pipeline: one batch filling per shard; a full batch goes to its shard's
/// writer, with at most one batch per shard in flight (the next waits for it: a bounded queue,
/// so memory stays flat whatever the file size), every shard writing at once.
///
/// Used by one task; the writes run on their own tasks.
final class ShardBatches {
    /// Where each row of a batch came from, to name it when a shard refuses it.
    struct Origins: Sendable {
        var files: [Int32] = []
        var lines: [Int] = []
        /// The rows as they stood in the input, back to back.
        var raw: [UInt8] = []
        var rawEnds: [Int] = []

        mutating func append(file: Int, line: Int, raw bytes: UnsafeBufferPointer<UInt8>?) {
            files.append(Int32(file))
            lines.append(line)
            if let bytes { raw.append(contentsOf: bytes) }
            rawEnds.append(raw.count)
        }

        func raw(ofRow row: Int) -> [UInt8] {
            Array(raw[(row == 0 ? 0 : rawEnds[row - 1])..<rawEnds[row]])
        }
    }

    /// What a refused row is reported as: its file index, line, input text (empty when not kept)
    /// and SQLite's message.
    typealias Describe = (_ file: Int, _ line: Int, _ raw: [UInt8], _ message: String) -> String

    static let maxBatchRows = 8_192
    static let maxBatchBytes = 2 << 20

    let load: BulkLoad
    private let errors: ImportErrorLog
    private let describe: Describe
    // Unchecked: only this object's one task touches them, and the dynamic exclusivity checks
    // were a measurable part of every row.
    @exclusivity(unchecked) private(set) var filling: [IngestBatch]
    @exclusivity(unchecked) private var fillingOrigins: [Origins]
    private var ready: [(shard: Int, batch: IngestBatch, origins: Origins)] = []
    private var inFlight: [(task: Task<IngestOutcome, any Error>, origins: Origins)?]
    private(set) var rowsPerShard: [Int]
    private var batchesSent = 0

    /// Rows' input text is kept for their errors only when some may be skipped: with none
    /// allowed, the first error ends the import, and its text is read again from the file.
    private let keepsText: Bool

    init(load: BulkLoad, errors: ImportErrorLog, describe: @escaping Describe) {
        self.load = load
        keepsText = errors.maxErrors > 0
        self.errors = errors
        self.describe = describe
        let shards = load.shards.count
        filling = (0..<shards).map { _ in Self.emptyBatch(load) }
        fillingOrigins = Array(repeating: Origins(), count: shards)
        inFlight = Array(repeating: nil, count: shards)
        rowsPerShard = Array(repeating: 0, count: shards)
    }

    /// Appends one row's values to shard `shard`'s batch with `fill`, which may throw to give
    /// the row up (nothing of it stays). Synchronous: full batches wait in a list for ``send()``.
    func add(
        toShard shard: Int, file: Int, line: Int, raw: UnsafeBufferPointer<UInt8>, _ fill: (inout IngestBatch) throws -> Void
    ) rethrows {
        let mark = filling[shard].valueCount
        do {
            try fill(&filling[shard])
        } catch {
            filling[shard].truncate(toValueCount: mark)
            throw error
        }
        fillingOrigins[shard].append(file: file, line: line, raw: keepsText ? raw : nil)
        if filling[shard].rowCount >= Self.maxBatchRows || filling[shard].byteCount >= Self.maxBatchBytes {
            ready.append((shard, filling[shard], fillingOrigins[shard]))
            filling[shard] = Self.emptyBatch(load)
            fillingOrigins[shard] = Origins()
        }
    }

    private static func emptyBatch(_ load: BulkLoad) -> IngestBatch {
        IngestBatch(columnCount: load.batchColumnCount, reservingRows: maxBatchRows, bytes: maxBatchBytes + (64 << 10))
    }

    /// Sends the full batches, each after its shard's previous one is done.
    func send() async throws {
        let batches = ready
        ready = []
        for (shard, batch, origins) in batches {
            try await settle(shard)
            let load = self.load
            let limit = errors.remaining + 1
            inFlight[shard] = (Task { try await load.write(batch, toShard: shard, rejectionLimit: limit) }, origins)
            batchesSent += 1
            FaultInjection.reach("import.batch", batchesSent)
        }
    }

    /// Sends what is left and waits for every shard.
    func finish() async throws {
        for shard in filling.indices where !filling[shard].isEmpty {
            ready.append((shard, filling[shard], fillingOrigins[shard]))
            filling[shard] = IngestBatch(columnCount: load.batchColumnCount)
            fillingOrigins[shard] = Origins()
        }
        try await send()
        for shard in inFlight.indices { try await settle(shard) }
    }

    /// Stops every write in flight and waits for them to end.
    func cancel() async {
        for item in inFlight { item?.task.cancel() }
        for item in inFlight { _ = try? await item?.task.value }
        inFlight = inFlight.map { _ in nil }
        ready = []
    }

    private func settle(_ shard: Int) async throws {
        guard let (task, origins) = inFlight[shard] else { return }
        inFlight[shard] = nil
        let outcome = try await task.value
        rowsPerShard[shard] += outcome.inserted
        for rejection in outcome.rejected {
            let row = rejection.row
            try errors.record(
                describe(Int(origins.files[row]), origins.lines[row], origins.raw(ofRow: row), rejection.message))
        }
        if outcome.stoppedEarly { throw errors.aborted() }
    }
}
