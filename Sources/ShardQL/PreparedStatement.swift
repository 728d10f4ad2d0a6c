import SQLSyntax

/// A statement checked once and run many times with different parameters.
///
/// ```swift
/// let insert = try database.prepare("INSERT INTO people VALUES (?, ?)")
/// for (id, name) in people { try await insert.execute(parameters: [id, name]) }
/// ```
///
/// Preparing parses the statement (a syntax error is thrown here, with its position) and learns
/// its parameters; each run binds the values into the statement's tree and plans it (query plans
/// are cached by the cluster).
public struct PreparedStatement: Sendable {
    /// The statement's text, as prepared.
    public let sql: String
    /// How many parameters the statement has (SQLite's `sqlite3_bind_parameter_count`).
    public let parameterCount: Int
    /// The statement's parameter names (`:id`, `@name`, `$x`), in order of number.
    public let parameterNames: [String]
    private let executor: any SQLExecutor

    init(_ sql: String, on executor: any SQLExecutor) throws(ShardQLError) {
        var census = ParameterCensus()
        let statements = try SQLParser.parse(sql, binding: &census)
        guard statements.count == 1 else {
            throw ShardQLError(.invalidArgument, "a prepared statement holds one statement; found \(statements.count)")
        }
        self.sql = sql
        self.parameterCount = census.count
        self.parameterNames = census.names
        self.executor = executor
    }

    /// Runs the statement with `parameters`; returns the rows it inserted, updated or deleted.
    @discardableResult
    public func execute(parameters: StatementParameters = .none) async throws(ShardQLError) -> Int {
        try await executor.execute(sql, parameters: parameters)
    }

    /// Runs the query with `parameters` and returns its rows as they arrive.
    public func query(parameters: StatementParameters = .none) async throws(ShardQLError) -> RowSequence {
        try await executor.query(sql, parameters: parameters)
    }

    /// Every row of the query run with `parameters`.
    public func fetchAll(parameters: StatementParameters = .none) async throws(ShardQLError) -> [Row] {
        try await executor.fetchAll(sql, parameters: parameters)
    }

    /// The first row of the query run with `parameters`, or nil; the rest of its work is stopped.
    public func fetchOne(parameters: StatementParameters = .none) async throws(ShardQLError) -> Row? {
        try await executor.fetchOne(sql, parameters: parameters)
    }

    /// Every row of the query run with `parameters`, decoded as `T` (see ``Row/decode(_:)``).
    public func fetchAll<T: Decodable>(_ type: T.Type, parameters: StatementParameters = .none) async throws -> [T] {
        try await executor.fetchAll(T.self, sql, parameters: parameters)
    }

    /// The first row of the query run with `parameters`, decoded as `T`, or nil.
    public func fetchOne<T: Decodable>(_ type: T.Type, parameters: StatementParameters = .none) async throws -> T? {
        try await executor.fetchOne(T.self, sql, parameters: parameters)
    }
}

/// Counts and names a statement's parameters, leaving them unbound.
private struct ParameterCensus: ParameterBinder {
    var count = 0
    var names: [String] = []

    mutating func expression(for token: String, index: Int) throws(ShardQLError) -> Expr? {
        count = max(count, index)
        if token.first != "?", !names.contains(token) { names.append(token) }
        return nil
    }
}
