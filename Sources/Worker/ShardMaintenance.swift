import ShardQLBase

/// What a node does to copy a shard file to another node while the file keeps taking writes
/// (issue #12), the way LiteFS and Citus move shards: a consistent copy of the file, then a
/// catch-up on the writes committed since.
///
/// The source keeps a **change log** while a copy is under way (``ShardControl/startChangeLog``):
/// every transaction that commits there also appends its row changes, as a redo log, to a table
/// inside the file, numbered by a growing *position*. An ``exportShard(_:)`` copy carries the log
/// up to the position it was taken at; the receiving node (``installShard(_:from:)``) notes that
/// position and replays what the source logged after it (``changes(of:after:limit:)``,
/// ``applyChanges(_:to:)``) until the two meet. To finish, the source stops taking writes
/// (``ShardControl/fenceWrites`` or, when its copy is going away, ``ShardControl/retire``), the
/// last changes are replayed, and the catalog switches the placements.
///
/// A refused call throws ``ShardQLError/Code/placementChanged``: the coordinator reads the
/// catalog again and sends the call where the shard's copies now are.
public protocol ShardMaintenance: Sendable {
    /// Takes a consistent copy of the file as committed now: returns once that state is fixed
    /// (writes go on beside it), then the copy's bytes arrive in order through the export.
    func exportShard(_ shard: ShardFileID) async throws -> ShardFileExport
    /// Makes `chunks` (an ``exportShard(_:)`` of another node's copy) this node's copy of `shard`,
    /// replacing any it had, and prepares it to be caught up: it holds no prepared transaction
    /// (their outcome arrives with the changes) and its position is the export's.
    ///
    /// - Returns: the change log position the copy was taken at.
    func installShard(_ shard: ShardFileID, from chunks: ShardFileExport) async throws -> Int64
    /// Changes the file's copy state; see ``ShardControl``. Returns the change log position: the
    /// last one logged (a source) or replayed (a copy being caught up), 0 when neither.
    @discardableResult
    func controlShard(_ shard: ShardFileID, _ control: ShardControl) async throws -> Int64
    /// The changes logged after `position`, oldest first, at most `limit` of them.
    func changes(of shard: ShardFileID, after position: Int64, limit: Int) async throws -> [ShardChange]
    /// Replays `changes` in one transaction, skipping those at or below the copy's position, and
    /// returns the new position.
    func applyChanges(_ changes: [ShardChange], to shard: ShardFileID) async throws -> Int64
}

/// One committed transaction's row changes, as logged by the source of a copy.
public struct ShardChange: Sendable, Hashable {
    /// Its place in the log: positions grow with each commit.
    public var position: Int64
    /// The redo log (`SQLiteRedoStatement.encode`).
    public var redo: [UInt8]

    public init(position: Int64, redo: [UInt8]) {
        self.position = position
        self.redo = redo
    }
}

/// A state change of a shard file's copying (``ShardMaintenance/controlShard(_:_:)``).
public enum ShardControl: String, Sendable, Hashable, CaseIterable {
    /// Starts logging committed changes (waits for the transaction writing it to end); nothing
    /// when the log runs already.
    case startChangeLog
    /// Stops logging and deletes the log.
    case stopChangeLog
    /// Refuses new write transactions until ``unfence``: waits (up to the busy timeout) for the
    /// transaction writing the file and for those prepared there to end, so the log holds every
    /// change the file will have until then.
    case fenceWrites
    /// Like ``fenceWrites``, but refuses reads too, and lasts across restarts: the file's copy has
    /// moved to another node.
    case retire
    /// Takes writes (and reads) again.
    case unfence
    /// Ends the catch-up of an installed copy: forgets its position; it then takes writes like any.
    case finishCopy
    /// Changes nothing; returns the position.
    case position
}

/// The bytes of a shard file's consistent copy, in order (``ShardMaintenance/exportShard(_:)``).
/// Iterate it once; ending early releases the copy.
public struct ShardFileExport: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    /// The size of the copy in bytes.
    public var byteCount: Int64
    private let next: @Sendable () async throws -> [UInt8]?

    /// An export of `byteCount` bytes that `next` returns a chunk at a time, then `nil`.
    public init(byteCount: Int64, next: @escaping @Sendable () async throws -> [UInt8]?) {
        self.byteCount = byteCount
        self.next = next
    }

    /// The same export, calling `onChunk` with each chunk's size as it passes (progress).
    public func observing(_ onChunk: @escaping @Sendable (Int) -> Void) -> ShardFileExport {
        let next = self.next
        return ShardFileExport(byteCount: byteCount) {
            let chunk = try await next()
            if let chunk { onChunk(chunk.count) }
            return chunk
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let produce: @Sendable () async throws -> [UInt8]?

        public mutating func next() async throws -> [UInt8]? { try await produce() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(produce: next) }
}
