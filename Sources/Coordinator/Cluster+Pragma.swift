import SQLSyntax
import ShardQLBase

/// Per-session settings, changed with `PRAGMA shardql.<name> = value`.
struct SessionSettings: Sendable {
    /// 1 GiB: generous for a laptop, small enough to fail before the machine swaps.
    static let defaultTempSizeLimit = 1 << 30

    /// Queries running longer fail with ``ShardQLError/Code/timeout``; nil for no limit.
    var statementTimeout: Duration?
    /// The most bytes a query's coordinator-side temporary database may hold.
    var tempSizeLimit = defaultTempSizeLimit
    /// Plans every query on the general path (for differential tests and for comparing plans).
    var forceGeneralPath = false
    /// Copies of each shard group for tables created without `REPLICAS` (in a new co-location group).
    var defaultReplicas = 1
    /// Queries skip shards no copy of which can be reached, and say so, instead of failing.
    var partialResults = false
}

extension Cluster {
    /// `PRAGMA shardql.statement_timeout [= ms]`, `PRAGMA shardql.temp_size_limit [= bytes]`
    /// (0 means no limit for the timeout), `PRAGMA shardql.default_replicas [= n]`,
    /// `PRAGMA shardql.partial_results [= on|off]`; other pragmas are not supported.
    func pragma(_ pragma: Pragma) throws -> StatementResult {
        if let result = try foreignKeys(pragma) { return result }
        guard pragma.name.schema.map({ $0.name.lowercased() == "shardql" }) ?? false else {
            throw ShardQLError(.unsupported, "PRAGMA \(pragma.name) is not supported: ShardQL's settings are PRAGMA shardql.statement_timeout, shardql.temp_size_limit, shardql.default_replicas and shardql.partial_results")
        }
        let name = pragma.name.name.name.lowercased()
        if name == "partial_results" { return try partialResults(pragma.form) }
        var value: Int64?
        switch pragma.form {
        case .query: value = nil
        case .assign(let argument), .call(let argument):
            guard case .number(let text) = argument, let number = Int64(text), number >= 0 else {
                throw ShardQLError(.invalidArgument, "PRAGMA shardql.\(name) takes a non-negative integer")
            }
            value = number
        }
        switch name {
        case "statement_timeout":
            if let value { settings.withLock { $0.statementTimeout = value == 0 ? nil : .milliseconds(value) } }
            let current = settings.withLock { $0.statementTimeout }
            let milliseconds = current.map { $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000 } ?? 0
            return StatementResult(columns: ["statement_timeout"], rows: [[.integer(milliseconds)]])
        case "temp_size_limit":
            if let value {
                guard value >= 65536 else {
                    throw ShardQLError(.invalidArgument, "PRAGMA shardql.temp_size_limit must be at least 65536 bytes")
                }
                settings.withLock { $0.tempSizeLimit = Int(value) }
            }
            return StatementResult(columns: ["temp_size_limit"], rows: [[.integer(Int64(settings.withLock { $0.tempSizeLimit }))]])
        case "default_replicas":
            if let value {
                guard (1...Int64(Self.maximumReplicas)).contains(value) else {
                    throw ShardQLError(.invalidArgument, "PRAGMA shardql.default_replicas is 1 to \(Self.maximumReplicas)")
                }
                settings.withLock { $0.defaultReplicas = Int(value) }
            }
            return StatementResult(columns: ["default_replicas"], rows: [[.integer(Int64(settings.withLock { $0.defaultReplicas }))]])
        default:
            throw ShardQLError(
                .unsupported, "unknown setting shardql.\(name): ShardQL has statement_timeout, temp_size_limit, default_replicas and partial_results")
        }
    }

    /// `PRAGMA shardql.partial_results [= on|off]` (also `1|0`, `true|false`, `yes|no`, as
    /// SQLite's boolean pragmas take): returns the setting as 0 or 1.
    private func partialResults(_ form: Pragma.Form) throws -> StatementResult {
        switch form {
        case .query:
            break
        case .assign(let argument), .call(let argument):
            let text = argument.text
            let value: Bool
            switch text.lowercased() {
            case "on", "1", "true", "yes": value = true
            case "off", "0", "false", "no": value = false
            default: throw ShardQLError(.invalidArgument, "PRAGMA shardql.partial_results takes on or off, not \(text)")
            }
            settings.withLock { $0.partialResults = value }
        }
        return StatementResult(columns: ["partial_results"], rows: [[.integer(settings.withLock { $0.partialResults } ? 1 : 0)]])
    }
}

extension Cluster {
    /// `PRAGMA foreign_keys [= OFF]`: shard connections never enforce foreign keys (a key may
    /// point into another shard), so the setting is off, and turning it off — as every sqlite3
    /// `.dump` begins — is accepted; turning it on is refused. `nil` for any other pragma.
    func foreignKeys(_ pragma: Pragma) throws -> StatementResult? {
        guard pragma.name.name.matches("foreign_keys"), pragma.name.schema.map({ $0.matches("main") }) ?? true else {
            return nil
        }
        switch pragma.form {
        case .query:
            break
        case .assign(let value), .call(let value):
            let text = value.text
            guard ["off", "0", "false", "no"].contains(text.lowercased()) else {
                throw ShardQLError(.unsupported, "PRAGMA foreign_keys = \(text): ShardQL does not enforce foreign keys across shards")
            }
            // As in SQLite, setting it returns no rows.
            return StatementResult()
        }
        return StatementResult(columns: ["foreign_keys"], rows: [[.integer(0)]])
    }
}
