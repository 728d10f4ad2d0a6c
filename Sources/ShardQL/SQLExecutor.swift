/// What runs SQL: a ``Database`` (each statement its own transaction) or a ``Transaction``.
/// Every call takes its parameters as ``StatementParameters``, never spliced into the text.
public protocol SQLExecutor: Sendable {
    /// Runs `sql` (without parameters it may hold several statements, run in order); returns the
    /// number of rows the last statement inserted, updated or deleted.
    @discardableResult
    func execute(_ sql: String, parameters: StatementParameters) async throws(ShardQLError) -> Int

    /// Runs one query and returns its rows as they arrive.
    func query(_ sql: String, parameters: StatementParameters) async throws(ShardQLError) -> RowSequence

    /// The distributed plan of one query; with `analyze`, the query runs and the plan carries
    /// each shard's rows and times.
    func explain(_ sql: String, parameters: StatementParameters, analyze: Bool) async throws(ShardQLError) -> QueryPlan
}

extension SQLExecutor {
    /// Runs `sql`, which has no parameters (it may hold several statements).
    @discardableResult
    public func execute(_ sql: String) async throws(ShardQLError) -> Int {
        try await execute(sql, parameters: .none)
    }

    /// Runs one query without parameters and returns its rows as they arrive.
    public func query(_ sql: String) async throws(ShardQLError) -> RowSequence {
        try await query(sql, parameters: .none)
    }

    /// The distributed plan of one query, without running it.
    public func explain(_ sql: String, parameters: StatementParameters = .none) async throws(ShardQLError) -> QueryPlan {
        try await explain(sql, parameters: parameters, analyze: false)
    }

    /// Every row of a query.
    public func fetchAll(_ sql: String, parameters: StatementParameters = .none) async throws(ShardQLError) -> [Row] {
        var rows: [Row] = []
        for try await row in try await query(sql, parameters: parameters) { rows.append(row) }
        return rows
    }

    /// The first row of a query, or nil; the rest of the query's work is stopped.
    public func fetchOne(_ sql: String, parameters: StatementParameters = .none) async throws(ShardQLError) -> Row? {
        var iterator = try await query(sql, parameters: parameters).makeAsyncIterator()
        return try await iterator.next()
    }

    /// Every row decoded as `T` (a `Decodable` type whose properties are named like the columns,
    /// or, for a one-column query, a single value such as `Int`).
    public func fetchAll<T: Decodable>(_ type: T.Type, _ sql: String, parameters: StatementParameters = .none)
        async throws -> [T]
    {
        var values: [T] = []
        for try await row in try await query(sql, parameters: parameters) { values.append(try row.decode(T.self)) }
        return values
    }

    /// The first row decoded as `T`, or nil.
    public func fetchOne<T: Decodable>(_ type: T.Type, _ sql: String, parameters: StatementParameters = .none)
        async throws -> T?
    {
        try await fetchOne(sql, parameters: parameters)?.decode(T.self)
    }

    /// Prepares `sql` for repeated runs with different parameters: it is checked now (syntax,
    /// parameters), and each run binds its values (``PreparedStatement``).
    public func prepare(_ sql: String) throws(ShardQLError) -> PreparedStatement {
        try PreparedStatement(sql, on: self)
    }
}
