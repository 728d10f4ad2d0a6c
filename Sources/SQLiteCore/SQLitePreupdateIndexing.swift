import ShardQLBase

/// What the column position passed to `sqlite3_preupdate_old` and `sqlite3_preupdate_new` means
/// for a table with VIRTUAL generated columns.
///
/// A row's record stores the other columns in table order and leaves the VIRTUAL ones out, so
/// the *storage* position of a column counts only the stored columns before it. SQLite 3.40 reads
/// the preupdate values by storage position for rowid tables (old and new), and for WITHOUT
/// ROWID tables by table position, except the new values of an update, which are by storage
/// position again; asking for a position past the stored columns fails with `SQLITE_RANGE`.
/// (Later versions move towards table positions throughout.) Rather than trust a version
/// number, one probe per process asks the library in use; for tables without VIRTUAL columns
/// the two positions are the same and the probe never runs.
struct SQLitePreupdateIndexing: Sendable {
    enum Order: Sendable, Hashable {
        /// Position among all columns (`cid` of `PRAGMA table_xinfo`).
        case table
        /// Position among the stored columns.
        case storage
    }

    /// Which values of a change are read.
    enum Access: Sendable, Hashable {
        case old, insertNew, updateNew
    }

    var rowidTable: [Access: Order]
    var withoutRowIDTable: [Access: Order]

    func order(_ access: Access, withoutRowID: Bool) -> Order? {
        (withoutRowID ? withoutRowIDTable : rowidTable)[access]
    }

    /// What this process's SQLite does; `nil` if the probe could not tell.
    static let probed: SQLitePreupdateIndexing? = try? probe()

    /// Changes two tables whose middle column is VIRTUAL and sees where the last one's value
    /// shows up: at position 1 by storage order, at 2 by table order.
    private static func probe() throws -> SQLitePreupdateIndexing? {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute(
            """
            CREATE TABLE r(a, v AS (NULL) VIRTUAL, b);
            CREATE TABLE w(a PRIMARY KEY, v AS (NULL) VIRTUAL, b) WITHOUT ROWID;
            """)
        let capture = SQLiteChangeCapture(connection: connection)
        try connection.execute(
            """
            INSERT INTO r(a, b) VALUES (1, 2); UPDATE r SET b = 3;
            INSERT INTO w(a, b) VALUES (1, 2); UPDATE w SET b = 3;
            """)
        capture.stop()
        let changes = capture.entries.compactMap { entry -> SQLiteChangeCapture.RowChange? in
            if case .change(let change) = entry { return change }
            return nil
        }
        guard changes.count == 4 else { return nil }

        func order(_ values: [SQLValue?], _ expected: Int64) -> Order? {
            guard values.count == 3 else { return nil }
            if values[1] == .integer(expected) { return .storage }
            if values[2] == .integer(expected) { return .table }
            return nil
        }
        func orders(_ insert: SQLiteChangeCapture.RowChange, _ update: SQLiteChangeCapture.RowChange)
            -> [Access: Order]?
        {
            guard let insertNew = order(insert.new, 2), let old = order(update.old, 2),
                let updateNew = order(update.new, 3)
            else { return nil }
            return [.old: old, .insertNew: insertNew, .updateNew: updateNew]
        }
        guard let rowid = orders(changes[0], changes[1]), let withoutRowID = orders(changes[2], changes[3]) else {
            return nil
        }
        return SQLitePreupdateIndexing(rowidTable: rowid, withoutRowIDTable: withoutRowID)
    }
}
