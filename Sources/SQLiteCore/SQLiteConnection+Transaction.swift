import CSQLite
import ShardQLBase

extension SQLiteConnection {
    /// When a transaction takes its locks.
    public enum TransactionKind: String, Sendable {
        /// Takes the read lock at the first read and the write lock at the first write; a later
        /// write can fail with `SQLITE_BUSY` that no busy timeout can resolve.
        case deferred = "DEFERRED"
        /// Takes the write lock at `BEGIN`, waiting up to the busy timeout for it. The default:
        /// a busy failure happens before any work is done.
        case immediate = "IMMEDIATE"
        /// Like ``immediate`` (they only differ outside WAL mode, where it also blocks readers).
        case exclusive = "EXCLUSIVE"
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// ```swift
    /// try connection.transaction {
    ///     try connection.execute("UPDATE accounts SET balance = balance - 10 WHERE id = 1")
    ///     try connection.execute("UPDATE accounts SET balance = balance + 10 WHERE id = 2")
    /// }
    /// ```
    ///
    /// Transactions do not nest; use `SAVEPOINT` inside one.
    ///
    /// - Throws: what `body` throws (after rolling back), or ``ShardQLError`` when `BEGIN` or
    ///   `COMMIT` fails; a failed commit is rolled back too.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        // Cached: a shard runs many short transactions, and these three texts never change.
        try cachedStatement("BEGIN \(kind.rawValue) TRANSACTION").run()
        let result: T
        do {
            result = try body()
            try cachedStatement("COMMIT TRANSACTION").run()
        } catch {
            rollbackIfNeeded()
            throw error
        }
        return result
    }

    /// Rolls back the open transaction, if any.
    ///
    /// SQLite already rolled back by itself after some errors (`SQLITE_FULL`, `SQLITE_IOERR`,
    /// an interrupt), and a second `ROLLBACK` would fail with a misleading error; the original
    /// error is what matters, so a failing rollback is not reported.
    private func rollbackIfNeeded() {
        guard !isAutocommit, let db = handle else { return }
        sqlite3_exec(db, "ROLLBACK TRANSACTION", nil, nil, nil)
    }
}
