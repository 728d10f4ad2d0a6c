import ShardQLBase

/// One statement of a redo log: SQL text and the values for its `?` parameters, replayed as is.
///
/// ``SQLiteChangeCapture/statements()`` turns recorded row changes into these; replaying them in
/// order, with triggers disabled, repeats the changes on a database that started in the same
/// state:
///
/// ```swift
/// try connection.setTriggersEnabled(false)
/// defer { try? connection.setTriggersEnabled(true) }
/// for redo in statements {
///     let statement = try connection.cachedStatement(redo.sql)
///     try statement.bind(redo.parameters)
///     try statement.run()
/// }
/// ```
public struct SQLiteRedoStatement: Sendable, Hashable {
    /// One SQL statement with `?` parameters.
    public var sql: String
    /// The values for the parameters, in order.
    public var parameters: [SQLValue]

    /// A statement to replay: `sql` with `parameters` bound to its `?`s in order.
    public init(sql: String, parameters: [SQLValue] = []) {
        self.sql = sql
        self.parameters = parameters
    }
}
