/// Prints ASTs back to SQLite SQL.
///
/// The output is canonical: keywords in upper case, single spaces, `, ` between list items, and
/// parentheses only where SQLite's grammar needs them to keep the tree's grouping. For every
/// tree the parser produces, parsing the printed text gives the same tree (source ranges aside):
///
/// ```swift
/// let statement = try SQLParser.parseStatement("select a+b*c from t where not x")
/// SQLPrinter.print(statement)   // "SELECT a + b * c FROM t WHERE NOT x"
/// ```
///
/// Trees built by code print as SQL that SQLite groups the way the tree does:
/// `.binary(.multiply, a + b, c)` prints as `(a + b) * c`.
public enum SQLPrinter {
    /// Prints a script: the statements joined by `;` and a newline, with no trailing semicolon.
    public static func print(_ statements: [Statement]) -> String {
        var writer = SQLWriter(capacity: statements.reduce(0) { $0 + $1.range.end - $1.range.start } + 64)
        for (index, statement) in statements.enumerated() {
            if index > 0 { writer.write(";\n") }
            writer.statement(statement)
        }
        return writer.output
    }

    /// Prints one statement, without a trailing semicolon.
    public static func print(_ statement: Statement) -> String {
        var writer = SQLWriter(capacity: statement.range.end - statement.range.start + 64)
        writer.statement(statement)
        return writer.output
    }

    /// Prints a `SELECT` (or `VALUES`) statement.
    public static func print(_ select: Select) -> String {
        var writer = SQLWriter(capacity: select.range.end - select.range.start + 64)
        writer.select(select)
        return writer.output
    }

    /// Prints an expression, with parentheses only where its own tree needs them.
    public static func print(_ expr: Expr) -> String {
        var writer = SQLWriter(capacity: expr.range.end - expr.range.start + 32)
        writer.expr(expr)
        return writer.output
    }
}

extension Statement: CustomStringConvertible {
    /// The statement as SQL (``SQLPrinter/print(_:)-(Statement)``).
    public var description: String { SQLPrinter.print(self) }
}

extension Select: CustomStringConvertible {
    /// The query as SQL (``SQLPrinter/print(_:)-(Select)``).
    public var description: String { SQLPrinter.print(self) }
}

extension Expr: CustomStringConvertible {
    /// The expression as SQL (``SQLPrinter/print(_:)-(Expr)``).
    public var description: String { SQLPrinter.print(self) }
}
