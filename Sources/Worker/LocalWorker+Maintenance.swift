import SQLiteCore
import ShardQLBase
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a shard file is the source of a copy or a copy being caught up, and what it refuses.
/// The log and the retirement live in the file (tables, see ``ShardFileFormat``), so they survive
/// a restart; a write fence is held in memory only, by the copy under way.
final class CopyingState: Sendable {
    enum Fence: Sendable {
        case none
        /// No new write transaction (``ShardControl/fenceWrites``) until the lease ends: a
        /// coordinator that died holding the fence does not stop the file's writes for good.
        case writes(until: ContinuousClock.Instant)
        /// Nothing new at all: the file's copy moved to another node (``ShardControl/retire``).
        case retired
    }

    struct State {
        /// Committed changes are appended to ``ShardFileFormat/changeLogTable``.
        var isLogging: Bool
        var fence: Fence
    }

    let state: Mutex<State>

    /// Reads the state stored in the file on `connection`.
    init(_ connection: SQLiteConnection) throws {
        let tables = try connection.prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN (?, ?)")
        try tables.bind([.text(ShardFileFormat.changeLogTable), .text(ShardFileFormat.retiredTable)])
        let names = Set(try tables.rows().compactMap { row -> String? in
            if case .text(let name) = row[0] { return name.string }
            return nil
        })
        state = Mutex(State(
            isLogging: names.contains(ShardFileFormat.changeLogTable),
            fence: names.contains(ShardFileFormat.retiredTable) ? .retired : .none))
    }

    /// How long a write fence lasts unless renewed (fencing again) or lifted: far longer than a
    /// copy's last catch-up and catalog switch take.
    static let fenceLease: Duration = .seconds(30)

    var isLogging: Bool { state.withLock { $0.isLogging } }

    /// The fence in force (an expired write fence is none).
    var fence: Fence {
        state.withLock { state in
            if case .writes(let until) = state.fence, until < .now { return .none }
            return state.fence
        }
    }
}

extension LocalWorker: ShardMaintenance {
    /// Bytes per chunk of an export.
    static let exportChunkBytes = 1 << 20

    // MARK: Refusals

    /// Throws when the file's copy has moved to another node: no call may use it any more.
    func refuseIfRetired(_ open: OpenShard, _ shard: ShardFileID) throws {
        if case .retired = open.copying.fence { throw Self.movedError(shard) }
    }

    static func movedError(_ shard: ShardFileID) -> ShardQLError {
        ShardQLError(.placementChanged, "\(shard) has moved to another node")
    }

    static func fencedError(_ shard: ShardFileID) -> ShardQLError {
        ShardQLError(.placementChanged, "\(shard) takes no new writes while a copy of it catches up")
    }

    // MARK: Export and install

    public func exportShard(_ shard: ShardFileID) async throws -> ShardFileExport {
        _ = try await open(shard, creating: false)
        var configuration = SQLiteConfiguration()
        configuration.readOnly = true
        configuration.cancelsOnTaskCancellation = false
        let source = try await SQLiteDatabase(path: path(of: shard), configuration: configuration)
        let byteCount: Int64
        do {
            // The read transaction fixes the state the copy is of; writers go on beside it (WAL).
            byteCount = try await source.withConnection { connection in
                try connection.execute("BEGIN")
                let size = try connection.prepare(
                    "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
                ).rows()
                guard case .integer(let bytes)? = size.first?.first else { return Int64(0) }
                return bytes
            }
        } catch {
            await source.close()
            throw error
        }
        let file = ExportFile(source: source, path: temporaryPath(for: shard, purpose: "export"))
        return ShardFileExport(byteCount: byteCount) { try await file.next() }
    }

    public func installShard(_ shard: ShardFileID, from chunks: ShardFileExport) async throws -> Int64 {
        try await receive(shard, from: chunks) { path in try Self.prepareInstalledCopy(at: path, shard) }
    }

    /// Stores `chunks` as this worker's file of `shard` exactly as they are (checked, not changed,
    /// unlike ``installShard(_:from:)``): a backup keeps its copies this way.
    public func storeShard(_ shard: ShardFileID, from chunks: ShardFileExport) async throws {
        try await receive(shard, from: chunks) { path in
            let connection = try Self.checkedReceivedFile(at: path, shard)
            connection.close()
        }
    }

    /// Writes `chunks` to a temporary file, syncs it, lets `prepare` check and change it, then
    /// puts it in place of the shard's file (closing and deleting any old one first).
    private func receive<T>(_ shard: ShardFileID, from chunks: ShardFileExport, prepare: (String) throws -> T)
        async throws -> T
    {
        let temporary = temporaryPath(for: shard, purpose: "install")
        defer { Self.unlinkFile(temporary) }
        let descriptor = openFile(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.ioError("cannot create", temporary) }
        var received: Int64 = 0
        do {
            defer { closeFile(descriptor) }
            for try await chunk in chunks {
                guard writeAll(chunk, to: descriptor) else { throw Self.ioError("cannot write", temporary) }
                received += Int64(chunk.count)
            }
            guard received == chunks.byteCount else {
                throw ShardQLError(
                    .io, "the copy of \(shard) ended after \(received) of its \(chunks.byteCount) bytes")
            }
            guard fsync(descriptor) == 0 else { throw Self.ioError("cannot sync", temporary) }
        }
        let value = try prepare(temporary)
        // The old copy goes first, with its WAL: SQLite would replay a stale WAL onto the new file.
        try await dropShard(shard)
        guard rename(temporary, path(of: shard)) == 0 else { throw Self.ioError("cannot install", temporary) }
        _ = moved.withLock { $0.remove(shard) }
        Self.syncDirectory(directory)
        return value
    }

    /// Opens a received file and checks it is a whole, undamaged shard file.
    private static func checkedReceivedFile(at path: String, _ shard: ShardFileID) throws -> SQLiteConnection {
        let connection = try SQLiteConnection(
            path: path, configuration: SQLiteConfiguration(walMode: false, cancelsOnTaskCancellation: false))
        do {
            try ShardFileFormat.stampOrCheck(connection, path: path, isNew: false)
            let check = try connection.prepare("PRAGMA quick_check").rows()
            guard check.count == 1, check.first?.first == .text("ok") else {
                throw ShardQLError(
                    .io, "the copy of \(shard) is damaged: \(check.prefix(3).map { "\($0)" }.joined(separator: "; "))")
            }
            return connection
        } catch {
            connection.close()
            throw error
        }
    }

    /// Turns a received file into a copy waiting for its catch-up: checks it, drops what belongs
    /// to the source (its log, its prepared transactions, a retirement), and records the log
    /// position it was taken at.
    private static func prepareInstalledCopy(at path: String, _ shard: ShardFileID) throws -> Int64 {
        let connection = try checkedReceivedFile(at: path, shard)
        defer { connection.close() }
        return try connection.transaction {
            var position: Int64 = 0
            if try tableExists(ShardFileFormat.changeLogTable, connection) {
                if case .integer(let last)? = try connection.prepare(
                    "SELECT max(position) FROM \(ShardFileFormat.changeLogTable)"
                ).rows().first?.first {
                    position = last
                }
                try connection.execute("DROP TABLE \(ShardFileFormat.changeLogTable)")
            }
            try connection.execute(
                """
                DELETE FROM \(ShardFileFormat.preparedTable);
                DROP TABLE IF EXISTS \(ShardFileFormat.retiredTable);
                DROP TABLE IF EXISTS \(ShardFileFormat.copyTable);
                CREATE TABLE \(ShardFileFormat.copyTable)(position INTEGER NOT NULL);
                INSERT INTO \(ShardFileFormat.copyTable) VALUES (\(position));
                """)
            return position
        }
    }

    // MARK: Change log

    public func controlShard(_ shard: ShardFileID, _ control: ShardControl) async throws -> Int64 {
        let open = try await self.open(shard, creating: false)
        switch control {
        case .position:
            break
        case .startChangeLog:
            guard !open.copying.isLogging else { break }
            try await whenIdle(open, shard, waitingForPrepared: false) { connection in
                try connection.execute(
                    "CREATE TABLE IF NOT EXISTS \(ShardFileFormat.changeLogTable)(position INTEGER PRIMARY KEY, redo BLOB NOT NULL)")
                open.copying.state.withLock { $0.isLogging = true }
            }
        case .stopChangeLog:
            try await whenIdle(open, shard, waitingForPrepared: false) { connection in
                try connection.execute("DROP TABLE IF EXISTS \(ShardFileFormat.changeLogTable)")
                open.copying.state.withLock { $0.isLogging = false }
            }
        case .fenceWrites, .retire:
            let before = open.copying.state.withLock { state in
                defer {
                    if case .retired = state.fence {} else { state.fence = .writes(until: .now + CopyingState.fenceLease) }
                }
                return state.fence
            }
            do {
                try await whenIdle(open, shard, waitingForPrepared: true) { connection in
                    guard control == .retire else { return }
                    try connection.execute("CREATE TABLE IF NOT EXISTS \(ShardFileFormat.retiredTable)(at INTEGER)")
                    open.copying.state.withLock { $0.fence = .retired }
                }
            } catch {
                open.copying.state.withLock { $0.fence = before }
                throw error
            }
        case .unfence:
            try await whenIdle(open, shard, waitingForPrepared: false) { connection in
                try connection.execute("DROP TABLE IF EXISTS \(ShardFileFormat.retiredTable)")
                open.copying.state.withLock { $0.fence = .none }
            }
        case .finishCopy:
            try await whenIdle(open, shard, waitingForPrepared: false) { connection in
                try connection.execute("DROP TABLE IF EXISTS \(ShardFileFormat.copyTable)")
            }
        }
        return try await open.writer.withConnection { try Self.position(of: $0) }
    }

    public func changes(of shard: ShardFileID, after position: Int64, limit: Int) async throws -> [ShardChange] {
        let open = try await self.open(shard, creating: false)
        guard open.copying.isLogging else {
            throw ShardQLError(.invalidArgument, "\(shard) keeps no change log")
        }
        let rows = try await open.writer.withConnection { connection in
            let statement = try connection.cachedStatement(
                "SELECT position, redo FROM \(ShardFileFormat.changeLogTable) WHERE position > ? ORDER BY position LIMIT ?")
            defer { statement.reset() }
            try statement.bind([.integer(position), .integer(Int64(max(1, limit)))])
            return try statement.rows()
        }
        return rows.compactMap { row in
            guard case .integer(let position) = row[0], case .blob(let redo) = row[1] else { return nil }
            return ShardChange(position: position, redo: redo)
        }
    }

    public func applyChanges(_ changes: [ShardChange], to shard: ShardFileID) async throws -> Int64 {
        try await acquire(TransactionID("_shardql_catch_up"), on: shard, recording: false) { connection, state in
            defer { state.reset() }
            do {
                guard case .integer(var position)? = try connection.prepare(
                    "SELECT position FROM \(ShardFileFormat.copyTable)"
                ).rows().first?.first else {
                    throw ShardQLError(.invalidArgument, "\(shard) is not a copy being caught up")
                }
                try connection.setTriggersEnabled(false)
                defer { try? connection.setTriggersEnabled(true) }
                for change in changes.sorted(by: { $0.position < $1.position }) where change.position > position {
                    try Self.replay(SQLiteRedoStatement.decode(change.redo), connection)
                    position = change.position
                }
                try connection.execute("UPDATE \(ShardFileFormat.copyTable) SET position = \(position)")
                try Self.end(connection, commit: true)
                return position
            } catch {
                try? Self.end(connection, commit: false)
                throw error
            }
        }
    }

    // MARK: On the writer's queue

    /// Appends a committed transaction's redo log to the change log (inside its transaction).
    static func logChange(_ redo: [UInt8], _ connection: SQLiteConnection) throws {
        let insert = try connection.cachedStatement("INSERT INTO \(ShardFileFormat.changeLogTable)(redo) VALUES (?)")
        defer { insert.reset() }
        try insert.bind([.blob(redo)])
        try insert.run()
    }

    /// Replays a redo log (triggers must be off: the log holds what they did).
    static func replay(_ statements: [SQLiteRedoStatement], _ connection: SQLiteConnection) throws {
        for item in statements {
            let statement = try connection.cachedStatement(item.sql)
            defer { statement.reset() }
            try statement.bind(item.parameters)
            try statement.run()
        }
    }

    /// The last position logged, or replayed into a copy; 0 for neither.
    private static func position(of connection: SQLiteConnection) throws -> Int64 {
        for (table, column) in [(ShardFileFormat.changeLogTable, "max(position)"), (ShardFileFormat.copyTable, "position")]
        where try tableExists(table, connection) {
            if case .integer(let position)? = try connection.prepare("SELECT \(column) FROM \(table)").rows().first?.first {
                return position
            }
            return 0
        }
        return 0
    }

    private static func tableExists(_ name: String, _ connection: SQLiteConnection) throws -> Bool {
        let statement = try connection.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?")
        try statement.bind([.text(name)])
        return try statement.step()
    }

    /// Runs `body` on the writer's queue once no transaction owns the writer — and, with
    /// `waitingForPrepared`, none is prepared in the file — waiting up to the busy timeout.
    private func whenIdle(
        _ open: OpenShard, _ shard: ShardFileID, waitingForPrepared: Bool,
        _ body: @escaping @Sendable (SQLiteConnection) throws -> Void
    ) async throws {
        let deadline = ContinuousClock.now + busyTimeout
        var pause = Duration.milliseconds(1)
        while true {
            let blocker = try await open.writer.withConnection { connection -> String? in
                if let owner = open.transaction.owner { return "transaction \(owner) is writing it" }
                if waitingForPrepared, let prepared = try Self.otherPrepared(than: nil, connection) {
                    return "transaction \(prepared) is prepared there and waits for its decision"
                }
                try connection.transaction { try body(connection) }
                return nil
            }
            guard let blocker else { return }
            guard ContinuousClock.now < deadline else {
                throw ShardQLError(.busy, "\(shard) is locked: \(blocker) (gave up after \(busyTimeout))")
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    // MARK: Files

    private func temporaryPath(for shard: ShardFileID, purpose: String) -> String {
        "\(directory)/.\(purpose)-\(UInt64.random(in: 0...UInt64.max))-\(shard.fileName)"
    }

    static func unlinkFile(_ path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
    }

    static func ioError(_ what: String, _ path: String) -> ShardQLError {
        ShardQLError(.io, "\(what) '\(path)': \(String(cString: strerror(errno)))")
    }


    /// Makes a rename in `directory` durable.
    private static func syncDirectory(_ directory: String) {
        let descriptor = openFile(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        closeFile(descriptor)
    }
}

extension ShardFileExport {
    /// The bytes of the shard file at `path` as it is (a backup's copy, say), read a chunk at a
    /// time; the file must not change meanwhile.
    public static func reading(_ path: String) throws -> ShardFileExport {
        var status = stat()
        guard stat(path, &status) == 0 else { throw LocalWorker.ioError("cannot read", path) }
        let file = ExportFile(source: nil, path: path, deletesFile: false)
        return ShardFileExport(byteCount: Int64(status.st_size)) { try await file.next() }
    }
}

/// An export under way: the source connection holding the copy's state until the backup API has
/// written it to a temporary file, then that file, read a chunk at a time. Abandoning it deletes
/// the file (`deletesFile`).
///
/// `@unchecked Sendable`: its one iterator calls ``next()`` from one task at a time.
private final class ExportFile: @unchecked Sendable {
    private var source: SQLiteDatabase?
    private let path: String
    private let deletesFile: Bool
    private var descriptor: Int32 = -1
    private var isFinished = false

    init(source: SQLiteDatabase?, path: String, deletesFile: Bool = true) {
        self.source = source
        self.path = path
        self.deletesFile = deletesFile
    }

    func next() async throws -> [UInt8]? {
        if let source {
            self.source = nil
            do {
                try await source.withConnection { [path] connection in
                    try connection.backup(into: path) { _, _ in try Task.checkCancellation() }
                    try connection.execute("COMMIT")
                }
                await source.close()
            } catch {
                await source.close()
                finish()
                throw error
            }
        }
        if descriptor < 0, !isFinished {
            descriptor = openFile(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                let error = LocalWorker.ioError("cannot read", path)
                finish()
                throw error
            }
        }
        guard !isFinished else { return nil }
        var chunk = [UInt8](repeating: 0, count: LocalWorker.exportChunkBytes)
        var filled = 0
        while filled < chunk.count {
            let count = chunk.withUnsafeMutableBytes { readFile(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                let error = LocalWorker.ioError("cannot read", path)
                finish()
                throw error
            }
            if count == 0 { break }
            filled += count
        }
        if filled < chunk.count { finish() }
        guard filled > 0 else { return nil }
        chunk.removeSubrange(filled...)
        return chunk
    }

    private func finish() {
        guard !isFinished else { return }
        isFinished = true
        if descriptor >= 0 { closeFile(descriptor) }
        descriptor = -1
        if deletesFile { LocalWorker.unlinkFile(path) }
    }

    deinit {
        finish()
        if let source { Task { await source.close() } }
    }
}

// POSIX calls under names of their own: inside the types above, `open`, `read`, `write` and
// `close` name their methods.

private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 { open(path, flags, mode) }

private func closeFile(_ descriptor: Int32) { close(descriptor) }

private func readFile(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

/// Writes all of `bytes`; false on an error (see `errno`).
private func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}
