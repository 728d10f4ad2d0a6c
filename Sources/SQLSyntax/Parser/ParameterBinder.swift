import ShardQLBase

/// Supplies the values of a statement's parameters (`?`, `?NNN`, `:name`, `@name`, `$name`)
/// while it is parsed, so a value never passes through the lexer: it becomes an expression node
/// in the tree (``SQLParser/parseStatement(_:binding:options:)``).
///
/// Parameters are numbered as SQLite numbers them (`sqlite3ExprAssignVarNumber`): `?` takes the
/// next number, `?NNN` is number NNN, and a name takes the next number the first time it appears
/// and the same number after.
public protocol ParameterBinder {
    /// The expression that stands for parameter number `index` (1-based), written `token`
    /// (`?`, `?3`, `:name` …); nil leaves the parameter unbound.
    mutating func expression(for token: String, index: Int) throws(ShardQLError) -> Expr?
}

/// SQLite's largest parameter number (`SQLITE_MAX_VARIABLE_NUMBER` in 3.40).
let maxParameterNumber = 32766

/// The numbers given to one statement's parameters so far.
struct ParameterNumbering {
    private var byName: [String: Int] = [:]
    /// The highest number given (SQLite's `nVar`).
    private(set) var count = 0

    /// The number of parameter `token`; nil for `?NNN` outside 1…32766.
    mutating func number(of token: String) -> Int? {
        if token == "?" {
            count += 1
            return count
        }
        if token.hasPrefix("?") {
            guard let number = Int(token.dropFirst()), (1...maxParameterNumber).contains(number) else { return nil }
            count = max(count, number)
            return number
        }
        if let number = byName[token] { return number }
        count += 1
        byName[token] = count
        return count
    }
}
