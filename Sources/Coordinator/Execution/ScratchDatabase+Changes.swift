import SQLiteCore
import ShardQLBase
import SQLSyntax
import Worker

extension ScratchDatabase {
    /// One row an UPDATE or DELETE changed: its rowid before, and after an UPDATE its rowid and
    /// column values (by column index; generated columns NULL).
    struct RowChange: Sendable {
        var oldRowID: Int64
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

    /// Runs an UPDATE or DELETE here with temporary triggers recording each changed row, and
    /// returns the changes and the statement's RETURNING rows.
    func captureChanges(
        of statement: Statement, table: TableLayout
    ) async throws -> (rows: [RowChange], returned: RowSet) {
        let quotedTable = Self.quoted(table.name)
        let stored = table.columns.indices.filter { !table.columns[$0].isGenerated }
        let selectNew =
            "SELECT " + stored.map { Self.quoted(table.columns[$0].name) }.joined(separator: ", ")
            + " FROM \(quotedTable) WHERE rowid = ?"
        let sql = SQLPrinter.print(statement)
        return try await database.withConnection { connection in
            try connection.execute(
                """
                CREATE TEMP TABLE shardql_changes(old_rowid INTEGER, new_rowid INTEGER);
                CREATE TEMP TRIGGER shardql_capture_update AFTER UPDATE ON main.\(quotedTable)
                BEGIN INSERT INTO shardql_changes VALUES (old.rowid, new.rowid); END;
                CREATE TEMP TRIGGER shardql_capture_delete AFTER DELETE ON main.\(quotedTable)
                BEGIN INSERT INTO shardql_changes VALUES (old.rowid, NULL); END;
                """)
            let run = try connection.prepare(sql)
            let returned = RowSet(columns: run.columnNames, rows: try run.rows())
            var changes: [RowChange] = []
            let captured = try connection.prepare("SELECT old_rowid, new_rowid FROM shardql_changes ORDER BY rowid")
            let read = try connection.prepare(selectNew)
            for row in try captured.rows() {
                guard case .integer(let old) = row[0] else { continue }
                guard case .integer(let new) = row[1] else {
                    changes.append(RowChange(oldRowID: old))
                    continue
                }
                try read.bind([.integer(new)])
                var values = [SQLValue](repeating: .null, count: table.columns.count)
                if try read.step() {
                    for (slot, index) in stored.enumerated() { values[index] = read.column(slot) }
                }
                read.reset()
                changes.append(RowChange(oldRowID: old, newRowID: new, newValues: values))
            }
            return (changes, returned)
        }
    }
}
