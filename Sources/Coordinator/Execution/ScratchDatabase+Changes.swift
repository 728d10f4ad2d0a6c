import SQLiteCore
import ShardQLBase
import SQLSyntax
import Worker

extension ScratchDatabase {
    /// One row an UPDATE or DELETE changed: its rowid before (nil for a row that appeared, e.g. an
    /// UPDATE that changed an INTEGER PRIMARY KEY), and its rowid and column values after (by
    /// column index; generated columns NULL), nil for a row that disappeared.
    struct RowChange: Sendable {
        var oldRowID: Int64?
        var newRowID: Int64?
        var newValues: [SQLValue]?
    }

    /// Loads `table` like ``load(_:from:parallelism:)`` and returns which shard holds each rowid.
    func loadLocating(
        _ table: LoadableTable, from executor: any ShardExecutor, parallelism: Int
    ) async throws -> [Int64: ShardFileID] {
        try await load([table], from: executor, parallelism: parallelism)
        let parts = try await Self.fetchAll(
            "SELECT rowid FROM \(Self.quoted(table.name))", shards: table.shards, executor: executor,
            parallelism: parallelism)
        var located: [Int64: ShardFileID] = [:]
        for (shard, part) in zip(table.shards, parts) {
            for row in part.rows {
                if case .integer(let rowID) = row[0] { located[rowID] = shard }
            }
        }
        return located
    }

    /// Runs an UPDATE or DELETE here exactly as given, and compares the table before and after.
    ///
    /// No trigger may watch the statement: a trigger makes SQLite abandon its one-pass strategy,
    /// and with it the answer SQLite gives when a subquery reads the table being changed (it sees
    /// the rows this statement already changed).
    func captureChanges(
        of statement: Statement, table: TableLayout
    ) async throws -> (rows: [RowChange], returned: RowSet, changes: Int) {
        let stored = table.columns.indices.filter { !table.columns[$0].isGenerated }
        let snapshotSQL =
            "SELECT rowid, " + stored.map { Self.quoted(table.columns[$0].name) }.joined(separator: ", ")
            + " FROM \(Self.quoted(table.name))"
        let sql = SQLPrinter.print(statement)
        return try await database.withConnection { connection in
            func rows() throws -> [Int64: [SQLValue]] {
                var result: [Int64: [SQLValue]] = [:]
                for row in try connection.prepare(snapshotSQL).rows() {
                    guard case .integer(let rowID) = row[0] else { continue }
                    var values = [SQLValue](repeating: .null, count: table.columns.count)
                    for (slot, index) in stored.enumerated() { values[index] = row[slot + 1] }
                    result[rowID] = values
                }
                return result
            }
            let before = try rows()
            let run = try connection.prepare(sql)
            let returned = RowSet(columns: run.columnNames, rows: try run.rows())
            let changeCount = connection.changes
            let after = try rows()
            var changes: [RowChange] = []
            for (rowID, old) in before.sorted(by: { $0.key < $1.key }) {
                if let new = after[rowID] {
                    if new != old { changes.append(RowChange(oldRowID: rowID, newRowID: rowID, newValues: new)) }
                } else {
                    changes.append(RowChange(oldRowID: rowID))
                }
            }
            for (rowID, new) in after.sorted(by: { $0.key < $1.key }) where before[rowID] == nil {
                changes.append(RowChange(oldRowID: nil, newRowID: rowID, newValues: new))
            }
            return (changes, returned, changeCount)
        }
    }
}
