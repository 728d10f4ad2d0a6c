import CSQLite
import ShardQLBase

extension SQLiteConnection {
    /// Copies this connection's `main` database into a new file at `path` with SQLite's online
    /// backup API (`sqlite3_backup_*`), `pagesPerStep` pages at a time, calling `progress` with the
    /// pages copied and the total after each step.
    ///
    /// The copy is one consistent state of the database: run it inside a read transaction opened
    /// on this connection (`BEGIN` and one read), which holds that state for every step while other
    /// connections go on writing (under WAL they do not wait for it). Without one, each step reads
    /// the latest state and SQLite restarts the copy when another connection writes.
    ///
    /// ```swift
    /// try source.execute("BEGIN")
    /// _ = try source.prepare("SELECT count(*) FROM sqlite_schema").rows()  // takes the snapshot
    /// try source.backup(into: "/backups/shard.sqlite") { copied, total in print(copied, total) }
    /// try source.execute("COMMIT")
    /// ```
    ///
    /// - Throws: ``ShardQLError`` from SQLite; the file at `path` is then incomplete (delete it).
    public func backup(
        into path: String, pagesPerStep: Int32 = 4096, progress: (_ copied: Int, _ total: Int) throws -> Void = { _, _ in }
    ) throws {
        let source = try liveHandle()
        let destination = try SQLiteConnection(
            path: path, configuration: SQLiteConfiguration(walMode: false, statementCacheCapacity: 0,
                                                           cancelsOnTaskCancellation: false))
        defer { destination.close() }
        let target = try destination.liveHandle()
        guard let backup = sqlite3_backup_init(target, "main", source, "main") else {
            throw ShardQLError(sqliteCode: sqlite3_errcode(target), db: target)
        }
        var code: Int32
        repeat {
            code = sqlite3_backup_step(backup, pagesPerStep)
            if code == SQLITE_OK || code == SQLITE_DONE {
                let total = Int(sqlite3_backup_pagecount(backup))
                do {
                    try progress(total - Int(sqlite3_backup_remaining(backup)), total)
                } catch {
                    sqlite3_backup_finish(backup)
                    throw error
                }
            }
        } while code == SQLITE_OK
        // finish reports the step's error, if any, on the destination.
        let finished = sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE, finished == SQLITE_OK else {
            throw ShardQLError(sqliteCode: code == SQLITE_DONE ? finished : code, db: target)
        }
    }
}
