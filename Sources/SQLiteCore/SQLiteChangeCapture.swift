import CSQLite
import ShardQLBase

/// Records every row change made on a connection's `main` database, to replay them elsewhere
/// or later as a redo log (``statements()``).
///
/// Two-phase commit uses it to prepare a shard without making its changes visible: run the
/// transaction inside a savepoint while capturing, turn the capture into statements, roll the
/// savepoint back and store the statements; on commit, replay them with triggers disabled (the
/// log holds what the triggers did).
///
/// ```swift
/// try connection.execute("SAVEPOINT work")
/// let capture = SQLiteChangeCapture(connection: connection)
/// try connection.execute("INSERT INTO t VALUES (1, 'a')")
/// let redo = try capture.statements()  // before rolling back: it reads the tables' definitions
/// capture.stop()
/// try connection.execute("ROLLBACK TO work; RELEASE work")
/// ```
///
/// It records through SQLite's preupdate hook, which sees each row inserted, updated or deleted,
/// by a statement, a trigger, an `INSERT OR REPLACE` removing a conflicting row, or a foreign key
/// action, in the order they happen; unlike the session extension it also covers tables without
/// a `PRIMARY KEY`. Keep the log in step with the database:
/// - when a statement fails, SQLite undoes what it changed, but the hook saw those changes:
///   ``truncate(to:)`` back to the ``position`` from before the statement; the same for
///   `ROLLBACK TO` a savepoint;
/// - a schema change (`CREATE`, `ALTER`, `DROP`) replays as itself: after it ran, drop whatever
///   it recorded (``truncate(to:)``; `CREATE TABLE … AS SELECT` inserts rows) and record the
///   statement with ``appendStatement(_:parameters:)``, which also notes the new definitions, so
///   that changes made before an `ALTER TABLE` or `DROP TABLE` replay against the table as it
///   was then.
///
/// One capture per connection at a time. Like its connection it is not `Sendable`: use it where
/// the connection is used (the hook runs inside the connection's own calls).
public final class SQLiteChangeCapture {
    /// One row change, as the hook saw it; ``SQLiteTableLayout`` makes it a statement.
    struct RowChange {
        enum Kind {
            case insert, update, delete
            /// An incremental BLOB write (`sqlite3_blob_write`): the hook reports it as a delete
            /// without the new value, so it cannot be replayed.
            case blobWrite
        }

        var kind: Kind
        var table: String
        /// The rowid before an update or delete (undefined for WITHOUT ROWID tables).
        var oldRowID: Int64
        /// The rowid after an insert or update (undefined for WITHOUT ROWID tables).
        var newRowID: Int64
        /// What `sqlite3_preupdate_count` reported: the table's columns, generated ones included.
        var columnCount: Int
        /// `sqlite3_preupdate_old(i)` for each `i < columnCount` (updates and deletes), `nil` where
        /// it gave none; see ``SQLitePreupdateIndexing`` for what `i` means.
        var old: [SQLValue?]
        /// `sqlite3_preupdate_new(i)` likewise (inserts and updates).
        var new: [SQLValue?]
    }

    enum Entry {
        case change(RowChange)
        case statement(SQLiteRedoStatement)
    }

    /// The `CREATE TABLE` text of each table from ``start`` on (until the next snapshot).
    struct SchemaSnapshot {
        var start: Int
        var tables: [String: String]
    }

    private let connection: SQLiteConnection
    private var isRecording = false
    private(set) var entries: [Entry] = []
    /// The first taken when recording starts, then one after each appended statement.
    private(set) var snapshots: [SchemaSnapshot] = []
    /// A snapshot that could not be taken: ``statements()`` throws it.
    private var snapshotError: ShardQLError?

    /// Starts recording the row changes of `connection`'s `main` database.
    ///
    /// - Precondition: no other capture (or preupdate hook) is installed on the connection.
    public init(connection: SQLiteConnection) {
        self.connection = connection
        takeSnapshot()
        guard let db = connection.handle else {
            // A closed connection changes nothing; statements() reports it.
            return
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        let previous = sqlite3_preupdate_hook(
            db,
            { context, db, operation, database, table, oldKey, newKey in
                guard let context, let db, let database, let table, sqlite3_stricmp(database, "main") == 0 else {
                    return
                }
                Unmanaged<SQLiteChangeCapture>.fromOpaque(context).takeUnretainedValue()
                    .record(db, operation, table, oldKey, newKey)
            },
            context)
        precondition(previous == nil, "the connection already has a preupdate hook (another SQLiteChangeCapture?)")
        isRecording = true
    }

    deinit {
        stop()
    }

    /// Stops recording; what was recorded stays. Calling it again does nothing.
    public func stop() {
        guard isRecording else { return }
        isRecording = false
        // A closed connection took its hook with it.
        guard let db = connection.handle else { return }
        let previous = sqlite3_preupdate_hook(db, nil, nil)
        if previous != Unmanaged.passUnretained(self).toOpaque() {
            // Not ours (cannot happen while the precondition in init holds): put it back.
            sqlite3_preupdate_hook(db, nil, previous)
        }
    }

    /// How much has been recorded; pass it to ``truncate(to:)`` to forget what comes after.
    public var position: Int { entries.count }

    /// Whether nothing has been recorded.
    public var isEmpty: Bool { entries.isEmpty }

    /// Forgets what was recorded after `position`: for `ROLLBACK TO` a savepoint, or a failed
    /// statement, whose changes SQLite undid.
    ///
    /// ```swift
    /// let before = capture.position
    /// do { try statement.run() } catch { capture.truncate(to: before); throw error }
    /// ```
    public func truncate(to position: Int) {
        precondition(position >= 0, "a capture position cannot be negative")
        guard position < entries.count else { return }
        entries.removeSubrange(position...)
        // The first snapshot starts at 0 and always stays.
        snapshots.removeAll { $0.start > position }
    }

    /// Records a statement to replay as is, in order with the row changes: a schema change such
    /// as `CREATE INDEX`, after it ran. The table definitions it left are noted, for the row
    /// changes that follow.
    public func appendStatement(_ sql: String, parameters: [SQLValue] = []) {
        entries.append(.statement(SQLiteRedoStatement(sql: sql, parameters: parameters)))
        takeSnapshot()
    }

    /// The recorded changes as statements that redo them, in order (see ``SQLiteRedoStatement``).
    ///
    /// An insert becomes `INSERT INTO "t"(rowid, "a", …) VALUES (?, …)`, an update
    /// `UPDATE "t" SET "a" = ?, … WHERE rowid = ?` (with `rowid = ?` first in the `SET` list when it
    /// changed), a delete `DELETE FROM "t" WHERE rowid = ?`; a WITHOUT ROWID table is addressed by
    /// its primary key instead. Generated columns are left to SQLite, and an `INTEGER PRIMARY KEY`
    /// is written as the rowid it is.
    ///
    /// Call it while the changes are still in the database (before rolling them back): it reads
    /// the tables' definitions on the connection (`PRAGMA table_xinfo`).
    ///
    /// - Throws: ``ShardQLError`` with code ``ShardQLError/Code/unsupported`` when a change
    ///   cannot be replayed (an incremental BLOB write, a table whose definition cannot be
    ///   known), or an error of SQLite reading the definitions.
    public func statements() throws -> [SQLiteRedoStatement] {
        if let snapshotError { throw snapshotError }
        var resolver = SQLiteTableLayout.Resolver(
            connection: connection, current: try Self.readSchema(of: connection))
        var statements: [SQLiteRedoStatement] = []
        statements.reserveCapacity(entries.count)
        var snapshot = 0
        for (position, entry) in entries.enumerated() {
            while snapshot + 1 < snapshots.count, snapshots[snapshot + 1].start <= position {
                snapshot += 1
            }
            switch entry {
            case .statement(let statement):
                statements.append(statement)
            case .change(let change):
                let layout = try resolver.layout(of: change.table, definedAs: snapshots[snapshot].tables[change.table])
                if let statement = try layout.statement(redoing: change) {
                    statements.append(statement)
                }
            }
        }
        return statements
    }

    // MARK: Recording

    /// In the hook: copies the change's values. No SQL may run here.
    private func record(
        _ db: OpaquePointer, _ operation: Int32, _ table: UnsafePointer<CChar>, _ oldKey: Int64, _ newKey: Int64
    ) {
        let count = Int(sqlite3_preupdate_count(db))
        var kind: RowChange.Kind
        switch operation {
        case SQLITE_INSERT: kind = .insert
        case SQLITE_UPDATE: kind = .update
        default: kind = sqlite3_preupdate_blobwrite(db) >= 0 ? .blobWrite : .delete
        }
        var old: [SQLValue?] = []
        var new: [SQLValue?] = []
        if kind == .update || kind == .delete {
            old = Self.values(count) { sqlite3_preupdate_old(db, $0, $1) }
        }
        if kind == .insert || kind == .update {
            new = Self.values(count) { sqlite3_preupdate_new(db, $0, $1) }
        }
        entries.append(
            .change(
                RowChange(
                    kind: kind, table: String(cString: table),
                    // For an insert, SQLite passes the new rowid in both.
                    oldRowID: oldKey, newRowID: kind == .delete ? oldKey : newKey,
                    columnCount: count, old: old, new: new)))
    }

    private static func values(
        _ count: Int, _ read: (Int32, UnsafeMutablePointer<OpaquePointer?>) -> Int32
    ) -> [SQLValue?] {
        var values: [SQLValue?] = []
        values.reserveCapacity(count)
        for index in 0..<Int32(count) {
            var value: OpaquePointer?
            // SQLITE_RANGE for a position the row does not store (see SQLitePreupdateIndexing).
            values.append(read(index, &value) == SQLITE_OK && value != nil ? SQLValue(sqliteValue: value) : nil)
        }
        return values
    }

    // MARK: Definitions

    private func takeSnapshot() {
        do {
            snapshots.append(SchemaSnapshot(start: entries.count, tables: try Self.readSchema(of: connection)))
        } catch {
            snapshotError = snapshotError ?? (error as? ShardQLError)
                ?? ShardQLError(.internalError, "cannot read the table definitions: \(error)")
        }
    }

    /// Each table of `main` with the `CREATE TABLE` text SQLite keeps for it.
    static func readSchema(of connection: SQLiteConnection) throws -> [String: String] {
        let statement = try connection.cachedStatement(
            "SELECT name, sql FROM main.sqlite_schema WHERE type = 'table'")
        defer { statement.reset() }
        var tables: [String: String] = [:]
        while try statement.step() {
            if case .text(let name) = statement.column(0), case .text(let sql) = statement.column(1) {
                tables[name.string] = sql.string
            }
        }
        return tables
    }
}
