import CSQLite
import ShardQLBase

extension SQLiteConnection {
    /// Turns the database's triggers off or back on (`SQLITE_DBCONFIG_ENABLE_TRIGGER`).
    ///
    /// Replaying a redo log needs them off: the log already holds what they did. Since SQLite
    /// 3.35, TEMP triggers fire regardless; foreign key actions (`ON DELETE CASCADE`) are not
    /// triggers, so replay with `PRAGMA foreign_keys` off (the default) as well.
    ///
    /// ```swift
    /// try connection.setTriggersEnabled(false)
    /// defer { try? connection.setTriggersEnabled(true) }
    /// ```
    public func setTriggersEnabled(_ enabled: Bool) throws {
        let db = try liveHandle()
        var now: Int32 = -1
        let code = shardql_db_config_int(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, enabled ? 1 : 0, &now)
        guard code == SQLITE_OK, now == (enabled ? 1 : 0) else {
            throw ShardQLError(
                .sqlite, "cannot turn triggers \(enabled ? "on" : "off")", sqliteResultCode: code)
        }
    }
}
