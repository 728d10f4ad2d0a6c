import ShardQLBase

/// What turning a table's recorded row changes into statements needs to know about the table,
/// and the statement texts, built once per table.
struct SQLiteTableLayout {
    /// A column the statements write: not generated, and not the rowid's alias (the
    /// `INTEGER PRIMARY KEY`, written as the rowid).
    struct Column {
        var name: String
        /// Position among all columns (`cid`).
        var tableIndex: Int
        /// Position among the stored (not VIRTUAL) columns.
        var storageIndex: Int
    }

    var table: String
    /// All columns, generated ones included: what `sqlite3_preupdate_count` reports.
    var columnCount: Int
    var isWithoutRowID: Bool
    var hasVirtualColumns: Bool
    var columns: [Column]
    /// The primary key columns of a WITHOUT ROWID table, in key order.
    var primaryKey: [Column]

    var insertSQL: String
    /// An update keeping the row where it is (rowid or key).
    var updateSQL: String
    /// A rowid table's update that changes the rowid.
    var moveSQL: String
    var deleteSQL: String

    /// Reads the definition of `main.table` on `connection`; `nil` when there is no such table.
    static func read(_ table: String, on connection: SQLiteConnection) throws -> SQLiteTableLayout? {
        let list = try connection.cachedStatement("SELECT wr FROM pragma_table_list(?) WHERE schema = 'main'")
        defer { list.reset() }
        try list.bind([.text(table)])
        guard try list.step() else { return nil }
        let isWithoutRowID = list.column(0) == .integer(1)
        list.reset()

        let info = try connection.cachedStatement(
            "SELECT cid, name, pk, hidden FROM pragma_table_xinfo(?, 'main') ORDER BY cid")
        defer { info.reset() }
        try info.bind([.text(table)])
        var names: [String] = []
        var written: [(column: Column, keyPosition: Int)] = []
        var storageIndex = 0
        var hasVirtualColumns = false
        while try info.step() {
            guard case .integer(let cid) = info.column(0), case .text(let name) = info.column(1),
                case .integer(let keyPosition) = info.column(2), case .integer(let hidden) = info.column(3)
            else {
                throw ShardQLError(.internalError, "unexpected PRAGMA table_xinfo row for table \(table)")
            }
            names.append(name.string)
            // hidden: 2 for a VIRTUAL generated column (not stored), 3 for a STORED one.
            switch hidden {
            case 2:
                hasVirtualColumns = true
            case 3:
                storageIndex += 1
            default:
                written.append(
                    (Column(name: name.string, tableIndex: Int(cid), storageIndex: storageIndex), Int(keyPosition)))
                storageIndex += 1
            }
        }
        info.reset()

        var rowID: String?
        if !isWithoutRowID {
            // The rowid's names that no column has taken; SQLite resolves a column first.
            guard let name = ["rowid", "_rowid_", "oid"].first(where: { pseudo in
                !names.contains { $0.lowercased() == pseudo }
            }) else {
                throw ShardQLError(
                    .unsupported, "table \(table) has columns named rowid, _rowid_ and oid, hiding its rowid")
            }
            rowID = name
            // A one-column primary key is the rowid's alias unless SQLite made an index for it
            // (as for `INT PRIMARY KEY` or `INTEGER PRIMARY KEY DESC`): SQLite's own rule, which
            // the declared type alone does not settle.
            let key = written.filter { $0.keyPosition > 0 }
            if key.count == 1 {
                let index = try connection.cachedStatement(
                    "SELECT 1 FROM pragma_index_list(?, 'main') WHERE origin = 'pk'")
                defer { index.reset() }
                try index.bind([.text(table)])
                if try !index.step() {
                    written.removeAll { $0.keyPosition > 0 }
                }
            }
        }

        let columns = written.map(\.column)
        let primaryKey = written.filter { $0.keyPosition > 0 }.sorted { $0.keyPosition < $1.keyPosition }
            .map(\.column)
        let quotedTable = sqliteQuotedIdentifier(table)
        let key = (rowID.map { [$0] } ?? primaryKey.map { sqliteQuotedIdentifier($0.name) }).map { "\($0) = ?" }
            .joined(separator: " AND ")
        let insertNames = (rowID.map { [$0] } ?? []) + columns.map { sqliteQuotedIdentifier($0.name) }
        let placeholders = Array(repeating: "?", count: insertNames.count).joined(separator: ", ")
        let assignments = columns.map { "\(sqliteQuotedIdentifier($0.name)) = ?" }
        let moves = (rowID.map { ["\($0) = ?"] } ?? []) + assignments
        return SQLiteTableLayout(
            table: table, columnCount: names.count, isWithoutRowID: isWithoutRowID,
            hasVirtualColumns: hasVirtualColumns, columns: columns, primaryKey: primaryKey,
            insertSQL: "INSERT INTO \(quotedTable)(\(insertNames.joined(separator: ", "))) VALUES (\(placeholders))",
            updateSQL: "UPDATE \(quotedTable) SET \(assignments.joined(separator: ", ")) WHERE \(key)",
            moveSQL: "UPDATE \(quotedTable) SET \(moves.joined(separator: ", ")) WHERE \(key)",
            deleteSQL: "DELETE FROM \(quotedTable) WHERE \(key)")
    }

    /// The statement redoing `change`, or `nil` when it changes nothing to redo (an update of a
    /// table whose only column is its rowid, keeping the rowid).
    func statement(redoing change: SQLiteChangeCapture.RowChange) throws -> SQLiteRedoStatement? {
        guard change.columnCount == columnCount else {
            throw ShardQLError(
                .unsupported,
                "a change to table \(table) has \(change.columnCount) columns, its definition \(columnCount): "
                    + "record each schema change with appendStatement after it runs")
        }
        switch change.kind {
        case .insert:
            var parameters = isWithoutRowID ? [] : [SQLValue.integer(change.newRowID)]
            parameters += try values(change.new, .insertNew, of: columns)
            return SQLiteRedoStatement(sql: insertSQL, parameters: parameters)
        case .update:
            let assigned = try values(change.new, .updateNew, of: columns)
            if isWithoutRowID {
                let key = try values(change.old, .old, of: primaryKey)
                return SQLiteRedoStatement(sql: updateSQL, parameters: assigned + key)
            }
            if change.oldRowID != change.newRowID {
                return SQLiteRedoStatement(
                    sql: moveSQL, parameters: [.integer(change.newRowID)] + assigned + [.integer(change.oldRowID)])
            }
            guard !columns.isEmpty else { return nil }
            return SQLiteRedoStatement(sql: updateSQL, parameters: assigned + [.integer(change.oldRowID)])
        case .delete:
            let key = isWithoutRowID ? try values(change.old, .old, of: primaryKey) : [.integer(change.oldRowID)]
            return SQLiteRedoStatement(sql: deleteSQL, parameters: key)
        case .blobWrite:
            throw ShardQLError(.unsupported, "an incremental BLOB write to table \(table) cannot be replayed")
        }
    }

    /// The values of `columns` among those the hook read with `access`.
    private func values(
        _ recorded: [SQLValue?], _ access: SQLitePreupdateIndexing.Access, of columns: [Column]
    ) throws -> [SQLValue] {
        var order = SQLitePreupdateIndexing.Order.table
        if hasVirtualColumns {
            guard let probed = SQLitePreupdateIndexing.probed?.order(access, withoutRowID: isWithoutRowID) else {
                throw ShardQLError(
                    .unsupported,
                    "cannot tell how this SQLite's preupdate hook numbers the columns of table \(table), "
                        + "which has VIRTUAL generated columns")
            }
            order = probed
        }
        return try columns.map { column in
            let index = order == .table ? column.tableIndex : column.storageIndex
            guard index < recorded.count, let value = recorded[index] else {
                throw ShardQLError(
                    .internalError, "the preupdate hook gave no value for column \(column.name) of table \(table)")
            }
            return value
        }
    }
}

extension SQLiteTableLayout {
    /// Finds each change's table layout: the table as it is now when its definition has not
    /// changed since the change, else as it was then, recreated from its `CREATE TABLE` text in a
    /// scratch database.
    struct Resolver {
        let connection: SQLiteConnection
        /// Each table's `CREATE TABLE` text now.
        let current: [String: String]
        private var live: [String: SQLiteTableLayout] = [:]
        private var earlier: [String: SQLiteTableLayout] = [:]
        private var scratch: SQLiteConnection?

        init(connection: SQLiteConnection, current: [String: String]) {
            self.connection = connection
            self.current = current
        }

        /// The layout of `table` when it was defined by `definition` (`nil`: the snapshot did
        /// not have it, so the definition now is the best guess).
        mutating func layout(of table: String, definedAs definition: String?) throws -> SQLiteTableLayout {
            guard let definition, definition != current[table] else {
                if let layout = live[table] { return layout }
                guard current[table] != nil, let layout = try SQLiteTableLayout.read(table, on: connection) else {
                    throw ShardQLError(
                        .unsupported,
                        "table \(table) was changed and no longer exists, and no definition of it was recorded")
                }
                live[table] = layout
                return layout
            }
            let key = table + "\u{0}" + definition
            if let layout = earlier[key] { return layout }
            let scratch = try self.scratch ?? SQLiteConnection(path: ":memory:")
            self.scratch = scratch
            let layout: SQLiteTableLayout?
            do {
                try scratch.execute(definition)
                defer { try? scratch.execute("DROP TABLE main.\(sqliteQuotedIdentifier(table))") }
                layout = try SQLiteTableLayout.read(table, on: scratch)
            } catch {
                throw ShardQLError(
                    .unsupported,
                    "table \(table) changed after rows of it were, and its earlier definition cannot be read",
                    cause: error as? ShardQLError)
            }
            guard let layout else {
                throw ShardQLError(.internalError, "the earlier definition of table \(table) does not create it")
            }
            earlier[key] = layout
            return layout
        }
    }
}

/// `name` as an SQL identifier: in double quotes, with its own double quotes doubled.
public func sqliteQuotedIdentifier(_ name: String) -> String {
    var result = "\""
    // By scalar, not Character: a quote followed by a combining mark is one Character.
    for scalar in name.unicodeScalars {
        if scalar == "\"" { result.unicodeScalars.append(scalar) }
        result.unicodeScalars.append(scalar)
    }
    result.unicodeScalars.append("\"")
    return result
}
