import SQLiteCore
import ShardQLBase
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The in-process worker: shard files in one directory, each opened through ``SQLiteDatabase``
/// (so SQLite's blocking calls run on the file's own queue, never on Swift's cooperative pool).
///
/// Each file has a writer connection and a pool of read-only reader connections (one per running
/// read, see ``ReaderPool``): under WAL, reads see the last committed state while a write
/// transaction is open on the writer.
public final class LocalWorker: ShardExecutor {
    struct OpenShard: Sendable {
        var writer: SQLiteDatabase
        /// The transaction open on `writer`, if any.
        var transaction: WriterTransaction
        var readers: ReaderPool
        /// Distinguishes this opening of the file from earlier ones (see ``Attachment``).
        var generation: UInt64
        /// Whether the file is being copied to another node (``ShardMaintenance``).
        var copying: CopyingState
    }

    /// How long a write waits for a shard's lock: another transaction, or one prepared there and
    /// not yet decided. (Another process's write is waited for by SQLite's own busy timeout.)
    public let busyTimeout: Duration

    public let directory: String
    // Guarded by the mutex; the databases inside are actors, used outside the lock.
    let shards = Mutex<[ShardFileID: OpenShard]>([:])
    private let openings = Atomic<UInt64>(0)
    /// Files this process deleted after their copy moved to another node (``ShardMaintenance``).
    let moved = Mutex<Set<ShardFileID>>([])

    /// Rows per batch when ``query(_:parameters:on:)`` collects a whole result.
    static let queryBatchRows = 4096

    /// Uses (and creates) `directory` for shard files.
    public init(directory: String, busyTimeout: Duration = .seconds(5)) throws {
        self.directory = directory
        self.busyTimeout = busyTimeout
        try Self.makeDirectory(directory)
    }

    public func createShard(_ shard: ShardFileID) async throws {
        let path = self.path(of: shard)
        guard access(path, F_OK) != 0 else {
            throw ShardQLError(.internalError, "shard file '\(path)' already exists")
        }
        _ = try await open(shard, creating: true)
    }

    public func dropShard(_ shard: ShardFileID) async throws {
        if let open = shards.withLock({ $0.removeValue(forKey: shard) }) {
            // A copy that moved away: calls still routed here learn where it went.
            if case .retired = open.copying.fence { _ = moved.withLock { $0.insert(shard) } }
            // The read-only readers first: the writer, closing last, checkpoints and removes the WAL.
            await open.readers.close()
            await open.writer.close()
        }
        let path = self.path(of: shard)
        for suffix in ["", "-wal", "-shm"] {
            if unlink(path + suffix) != 0, errno != ENOENT {
                throw ShardQLError(.io, "cannot delete '\(path + suffix)': \(String(cString: strerror(errno)))")
            }
        }
    }

    public func query(_ sql: String, parameters: [SQLValue], on shard: ShardFileID) async throws -> RowSet {
        try await read(ShardRead(sql, parameters: parameters), on: shard, batchRows: Self.queryBatchRows).collect()
    }

    public func close() async {
        let open = shards.withLock { shards in
            defer { shards.removeAll() }
            return Array(shards.values)
        }
        // Every pool before any writer: a writer closing last checkpoints and removes its WAL, and
        // readers of other files may have this one attached.
        for shard in open { await shard.readers.close() }
        for shard in open { await shard.writer.close() }
    }

    // MARK: - Files

    func path(of shard: ShardFileID) -> String { directory + "/" + shard.fileName }

    /// Idle and checked-out reader connections of an open shard file, for tests.
    func readerCounts(of shard: ShardFileID) -> (idle: Int, checkedOut: Int)? {
        shards.withLock { $0[shard] }?.readers.counts
    }

    /// The largest string or blob a shard holds or a statement builds (SQLite's own limit is
    /// 1 GB): several concurrent reads can hold such a value without exhausting the worker, and
    /// it fits one message on the wire.
    public static let maxValueBytes = 128 << 20

    func open(_ shard: ShardFileID, creating: Bool) async throws -> OpenShard {
        if let open = shards.withLock({ $0[shard] }) { return open }
        let path = self.path(of: shard)
        let exists = access(path, F_OK) == 0
        guard exists || creating else {
            if moved.withLock({ $0.contains(shard) }) { throw Self.movedError(shard) }
            throw ShardQLError(.io, "shard file '\(path)' is missing")
        }
        if creating { _ = moved.withLock { $0.remove(shard) } }
        let writer = try await SQLiteDatabase(path: path)
        let copying = try await writer.withConnection { connection in
            try ShardFileFormat.stampOrCheck(connection, path: path, isNew: !exists)
            let copying = try CopyingState(connection)
            // Writes come from coordinators: they may change this file, never reach another.
            try connection.confineToOwnFile(maxValueBytes: Self.maxValueBytes)
            return copying
        }
        let opened = OpenShard(
            writer: writer, transaction: WriterTransaction(), readers: ReaderPool(path: path),
            generation: openings.add(1, ordering: .relaxed).newValue, copying: copying)
        // Another task may have opened it meanwhile: keep the first, close ours.
        let winner = shards.withLock { shards in
            if let existing = shards[shard] { return existing }
            shards[shard] = opened
            return opened
        }
        if winner.writer !== writer {
            await writer.close()
        }
        return winner
    }

    static func makeDirectory(_ path: String) throws {
        var components: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            components.append(String(part))
            let prefix = components.joined(separator: "/")
            guard !prefix.isEmpty else { continue }
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw ShardQLError(.io, "cannot create directory '\(prefix)': \(String(cString: strerror(errno)))")
            }
        }
    }
}
