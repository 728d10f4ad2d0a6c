import Coordinator
import SQLSyntax
import Synchronization

/// A Coordinator session as the API uses it: statements are parsed here, with their parameters
/// bound, and run on the session.
final class Session: Sendable {
    enum Kind: Sendable {
        /// The ``Database``'s own session, shared by every task: no transaction control.
        case shared
        /// A ``Transaction``'s session: savepoints only.
        case transaction
    }

    let cluster: Cluster
    let kind: Kind
    private let ended = Mutex(false)

    init(cluster: Cluster, kind: Kind) {
        self.cluster = cluster
        self.kind = kind
    }

    /// Refuses every later statement (the transaction ended, or the database closed).
    func end() { ended.withLock { $0 = true } }

    /// Runs every statement of `sql` (several only without parameters); returns the rows the
    /// last one inserted, updated or deleted (SQLite's `changes()`).
    func execute(_ sql: String, parameters: StatementParameters) async throws(ShardQLError) -> Int {
        var changes = 0
        for statement in try statements(sql, parameters: parameters) {
            changes = try await publicErrors { try await cluster.execute(statement).changes }
        }
        return changes
    }

    func query(_ sql: String, parameters: StatementParameters) async throws(ShardQLError) -> RowSequence {
        let statement = try single(sql, parameters: parameters)
        let result = try await publicErrors { try await cluster.rows(of: statement) }
        return RowSequence(result)
    }

    func explain(_ sql: String, parameters: StatementParameters, analyze: Bool) async throws(ShardQLError) -> QueryPlan {
        let statement = try single(sql, parameters: parameters)
        return try await publicErrors { try await cluster.queryPlan(statement, analyze: analyze) }
    }

    private func single(_ sql: String, parameters: StatementParameters) throws(ShardQLError) -> Statement {
        let parsed = try statements(sql, parameters: parameters)
        guard parsed.count == 1 else {
            throw ShardQLError(.invalidArgument, "expected one statement, found \(parsed.count)")
        }
        return parsed[0]
    }

    /// Parses `sql`, binding `parameters` into its one statement; a script of several
    /// statements is accepted only without parameters.
    func statements(_ sql: String, parameters: StatementParameters) throws(ShardQLError) -> [Statement] {
        guard !ended.withLock({ $0 }) else {
            throw ShardQLError(
                .invalidArgument,
                kind == .transaction ? "the transaction has ended: run statements inside withTransaction's closure" : "the database is closed")
        }
        // Without values, a parameter is an error rather than SQLite's silent NULL.
        var binder = ValueBinder(parameters)
        let parsed = try SQLParser.parse(sql, binding: &binder)
        if !parameters.isEmpty {
            guard parsed.count == 1 else {
                throw ShardQLError(.invalidArgument, "parameters bind one statement; found \(parsed.count)")
            }
            try binder.checkAllUsed()
        }
        for statement in parsed { try check(statement) }
        return parsed
    }

    private func check(_ statement: Statement) throws(ShardQLError) {
        switch statement.kind {
        case .begin, .commit, .rollback(toSavepoint: nil):
            throw ShardQLError(
                .invalidArgument,
                kind == .shared
                    ? "use withTransaction { … } for transactions: a Database is shared by concurrent tasks"
                    : "withTransaction commits when its closure returns and rolls back when it throws")
        case .savepoint, .release, .rollback:
            if kind == .shared {
                throw ShardQLError(.invalidArgument, "savepoints work inside withTransaction { … } only")
            }
        default:
            break
        }
    }
}
