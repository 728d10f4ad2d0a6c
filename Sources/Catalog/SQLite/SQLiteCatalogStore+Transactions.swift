import SQLiteCore
import ShardQLBase

// The rows of the two-phase-commit decision log (table `transactions`, schema version 2). None of
// these touch `catalog_version`: the log is not schema.
extension SQLiteCatalogStore {
    /// Inserts a record; an id already in the log is refused rather than overwritten, since its
    /// record may hold a decision that participants still depend on.
    static func insertTransaction(_ record: TransactionRecord, _ connection: SQLiteConnection) throws {
        try run(
            "INSERT INTO transactions(id, state, participants, owner, started_at) VALUES (?, ?, ?, ?, ?) "
                + "ON CONFLICT(id) DO NOTHING",
            [
                .text(record.id), .text(record.state.rawValue), .text(record.participantsText),
                .text(record.owner), .integer(record.startedAt),
            ],
            connection)
        guard connection.changes == 1 else {
            throw ShardQLError.catalog("transaction \(record.id) is already logged")
        }
    }

    static func deleteTransactions(_ ids: [String], _ connection: SQLiteConnection) throws {
        for id in ids {
            try run("DELETE FROM transactions WHERE id = ?", [.text(id)], connection)
        }
    }

    /// The record's state, or nil when it is not in the log.
    static func transactionState(_ id: String, _ connection: SQLiteConnection) throws -> TransactionRecord.State? {
        let sql = "SELECT state FROM transactions WHERE id = ?"
        let statement = try connection.cachedStatement(sql)
        try statement.bind([.text(id)])
        guard let values = try statement.rows().first else { return nil }
        return try RowReader.Row(values: values, sql: sql, path: connection.path).decode(0)
    }

    static func setTransactionState(
        _ id: String, _ state: TransactionRecord.State, _ connection: SQLiteConnection
    ) throws {
        try run("UPDATE transactions SET state = ? WHERE id = ?", [.text(state.rawValue), .text(id)], connection)
    }

    static func loadTransactions(_ connection: SQLiteConnection) throws -> [TransactionRecord] {
        try RowReader(path: connection.path).rows(
            "SELECT id, state, participants, owner, started_at FROM transactions ORDER BY started_at, id", connection
        ) { row in
            guard let participants = TransactionRecord.participants(fromText: try row.text(2)) else {
                throw row.corrupt(2, "shard groups like '3:0,3:1'")
            }
            return TransactionRecord(
                id: try row.text(0), state: try row.decode(1), participants: participants, owner: try row.text(3),
                startedAt: try row.int(4))
        }
    }
}
