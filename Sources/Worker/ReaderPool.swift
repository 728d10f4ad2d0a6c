import SQLiteCore
import ShardQLBase
import Synchronization

/// A shard file's read-only connections: one per running read, so a stream can keep its
/// statement open across batches without blocking other reads of the file.
///
/// Connections open on demand and go back to the pool when their read ends; up to
/// ``idleCapacity`` idle ones are kept, the rest close. They are confined to reading
/// (`SQLiteConnection.confineToReading`): a fragment cannot attach a file, write TEMP tables,
/// set a PRAGMA or load an extension, whoever sent it. Each is its own ``SQLiteDatabase`` (its
/// own queue and statement cache), so concurrent streams never share a statement.
final class ReaderPool: Sendable {
    private struct State {
        var idle: [ShardReader] = []
        var checkedOut = 0
        var isClosed = false
    }

    let path: String
    let idleCapacity: Int
    private let state = Mutex(State())

    init(path: String, idleCapacity: Int = 4) {
        self.path = path
        self.idleCapacity = idleCapacity
    }

    /// An idle connection, or a new one.
    func checkOut() async throws -> ShardReader {
        let idle = try state.withLock { state throws(ShardQLError) -> ShardReader? in
            guard !state.isClosed else { throw ShardQLError(.io, "shard file '\(path)' was closed") }
            state.checkedOut += 1
            // The most recently used: its caches (pages, statements, attachments) are warmest.
            return state.idle.popLast()
        }
        if let idle { return idle }
        do {
            var configuration = SQLiteConfiguration()
            configuration.readOnly = true
            // Fragments scan whole shards: reading through a memory map saves a system call per page.
            configuration.mmapSize = 1 << 30
            let database = try await SQLiteDatabase(path: path, configuration: configuration)
            do {
                try await database.withConnection { try $0.confineToReading(maxValueBytes: LocalWorker.maxValueBytes) }
            } catch {
                await database.close()
                throw error
            }
            return ShardReader(database)
        } catch {
            state.withLock { $0.checkedOut -= 1 }
            throw error
        }
    }

    /// Takes back a connection whose statement has been reset; closes it when the pool is full or
    /// closed.
    func checkIn(_ reader: ShardReader) async {
        let kept = state.withLock { state in
            state.checkedOut -= 1
            guard !state.isClosed, state.idle.count < idleCapacity else { return false }
            state.idle.append(reader)
            return true
        }
        if !kept { await reader.database.close() }
    }

    /// Closes the idle connections; the checked-out ones close when they come back.
    func close() async {
        let idle = state.withLock { state in
            state.isClosed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        for reader in idle { await reader.database.close() }
    }

    /// Idle and checked-out connections, for tests.
    var counts: (idle: Int, checkedOut: Int) {
        state.withLock { ($0.idle.count, $0.checkedOut) }
    }
}

/// A shard file to attach, identified down to the opening of it: a file dropped and created again
/// under the same ``ShardFileID`` gets a new generation, so a stale attachment is not reused.
struct Attachment: Sendable, Hashable {
    var shard: ShardFileID
    var path: String
    var generation: UInt64
}

/// One pooled read-only connection and the files it has attached.
final class ShardReader: Sendable {
    let database: SQLiteDatabase
    /// In attach order, which is the order SQLite searches for an unqualified name. Only changed
    /// inside `database.withConnection`, in step with the connection's actual attachments.
    private let attached = Mutex<[Attachment]>([])

    init(_ database: SQLiteDatabase) {
        self.database = database
    }

    /// Makes `wanted` the connection's first attachments, in order, reusing what is already
    /// attached. Files attached earlier and not wanted stay only after the wanted ones, where they
    /// cannot shadow a name the read means (main and `wanted` are searched first).
    ///
    /// Call on the database's queue, with no statement of the connection running.
    func attach(_ wanted: [Attachment], on connection: SQLiteConnection) throws {
        let limit = connection.attachedDatabaseLimit
        guard wanted.count <= limit else {
            throw ShardQLError(
                .invalidArgument, "a read can attach at most \(limit) shard files, got \(wanted.count)")
        }
        try connection.withAttachmentsPermitted {
            try attachInOrder(wanted, on: connection)
        }
    }

    private func attachInOrder(_ wanted: [Attachment], on connection: SQLiteConnection) throws {
        try attached.withLock { attached in
            var kept = 0
            while kept < attached.count, kept < wanted.count, attached[kept] == wanted[kept] { kept += 1 }
            guard kept < wanted.count else { return }
            // Detach one at a time so `attached` matches the connection even if a call fails.
            while attached.count > kept {
                try connection.execute("DETACH DATABASE \"\(attached[attached.count - 1].shard.attachmentName)\"")
                attached.removeLast()
            }
            for file in wanted[kept...] {
                // Not cached: attaching is rare once the pool is warm. The path is bound, never spliced.
                // The connection is read-only, so the attached file is opened read-only too.
                let statement = try connection.prepare("ATTACH DATABASE ? AS \"\(file.shard.attachmentName)\"")
                try statement.bind([.text(file.path)])
                try statement.run()
                attached.append(file)
            }
        }
    }
}
