import SQLSyntax

/// How statements reach SQLite until the sharded engine lands: ShardQL's parser reads the text,
/// the distribution clause is checked and then dropped (SQLite does not know it), and ShardQL's
/// printer writes the SQL that runs. `BatchRunner` and `shardql slt` both go through here.
enum UnshardedSQL {
    /// The SQLite SQL for each statement in `text`, in order.
    ///
    /// - Throws: the parser's ``ShardQLBase/ShardQLError``, positioned in `text`.
    static func statements(in text: Substring) throws -> [String] {
        try SQLParser.parse(String(text)).map { statement in
            var statement = statement
            if case .createTable(var table) = statement.kind, table.distribution != nil {
                table.distribution = nil
                statement.kind = .createTable(table)
            }
            return SQLPrinter.print(statement)
        }
    }
}
