/// Queries: `WITH`, cores and compounds, `FROM` and joins, `ORDER BY`, `LIMIT`.
extension SQLWriter {
    /// `[WITH …] core [op core]… [ORDER BY …] [LIMIT …]`
    mutating func select(_ select: Select) {
        if let with = select.with {
            withClause(with)
            write(" ")
        }
        selectCore(select.body.first)
        for part in select.body.compounds {
            write(" ")
            write(part.op.rawValue)
            write(" ")
            selectCore(part.core)
        }
        orderBy(select.orderBy)
        if let limit = select.limit { self.limit(limit) }
    }

    /// `WITH [RECURSIVE] name[(cols)] AS [[NOT] MATERIALIZED] (select), …`
    mutating func withClause(_ with: WithClause) {
        write(with.recursive ? "WITH RECURSIVE " : "WITH ")
        commaSeparated(with.tables) { writer, table in
            writer.identifier(table.name)
            if let columns = table.columns {
                writer.parenthesizedIdentifiers(columns)
            }
            writer.write(" AS ")
            if let materialization = table.materialization {
                writer.write(materialization.rawValue)
                writer.write(" ")
            }
            writer.write("(")
            writer.select(table.select)
            writer.write(")")
        }
    }

    private mutating func selectCore(_ core: SelectCore) {
        switch core {
        case .select(let clause):
            selectClause(clause)
        case .values(let rows):
            write("VALUES ")
            commaSeparated(rows) { writer, row in
                writer.write("(")
                writer.exprList(row)
                writer.write(")")
            }
        }
    }

    /// `SELECT [DISTINCT|ALL] columns [FROM …] [WHERE …] [GROUP BY … [HAVING …]] [WINDOW …]`
    private mutating func selectClause(_ clause: SelectClause) {
        write("SELECT ")
        if let quantifier = clause.quantifier {
            write(quantifier.rawValue)
            write(" ")
        }
        resultColumns(clause.columns)
        if let from = clause.from {
            write(" FROM ")
            joinClause(from)
        }
        whereClause(clause.whereClause)
        if !clause.groupBy.isEmpty {
            write(" GROUP BY ")
            exprList(clause.groupBy)
        }
        if let having = clause.having {
            write(" HAVING ")
            expr(having)
        }
        if !clause.windows.isEmpty {
            write(" WINDOW ")
            commaSeparated(clause.windows) { writer, window in
                writer.identifier(window.name)
                writer.write(" AS (")
                writer.windowDefinition(window.definition)
                writer.write(")")
            }
        }
    }

    /// `*`, `t.*`, `expr [AS alias]`, separated by commas.
    mutating func resultColumns(_ columns: [ResultColumn]) {
        commaSeparated(columns) { writer, column in
            switch column {
            case .all:
                writer.write("*")
            case .allOf(let table):
                writer.identifier(table)
                writer.write(".*")
            case .expr(let expr, let alias):
                writer.expr(expr)
                writer.alias(alias)
            }
        }
    }

    /// ` AS alias`, always with `AS`: a bare alias could be taken for a keyword that continues
    /// the statement.
    mutating func alias(_ alias: Identifier?) {
        guard let alias else { return }
        write(" AS ")
        identifier(alias)
    }

    /// ` WHERE expr`, if there is one.
    mutating func whereClause(_ condition: Expr?) {
        guard let condition else { return }
        write(" WHERE ")
        expr(condition)
    }

    /// ` ORDER BY …`, if there are terms.
    mutating func orderBy(_ terms: [OrderingTerm]) {
        guard !terms.isEmpty else { return }
        write(" ORDER BY ")
        orderingTerms(terms)
    }

    /// ` LIMIT count [OFFSET offset]`
    mutating func limit(_ limit: Limit) {
        write(" LIMIT ")
        expr(limit.count)
        if let offset = limit.offset {
            write(" OFFSET ")
            expr(offset)
        }
    }

    /// The body of a `FROM` clause: the first table, then each join.
    mutating func joinClause(_ clause: JoinClause) {
        tableOrSubquery(clause.first)
        for join in clause.joins {
            if join.op.kind == .comma {
                write(", ")
            } else {
                write(join.op.natural ? " NATURAL " : " ")
                switch join.op.kind {
                case .comma, .inner: write("JOIN ")
                case .left: write("LEFT JOIN ")
                case .right: write("RIGHT JOIN ")
                case .full: write("FULL JOIN ")
                case .cross: write("CROSS JOIN ")
                }
            }
            tableOrSubquery(join.table)
            switch join.constraint {
            case nil:
                break
            case .on(let condition):
                write(" ON ")
                expr(condition)
            case .using(let columns):
                write(" USING ")
                parenthesizedIdentifiers(columns)
            }
        }
    }

    private mutating func tableOrSubquery(_ item: TableOrSubquery) {
        switch item {
        case .table(let table):
            tableReference(table)
        case .tableFunction(let name, let arguments, let alias):
            qualifiedName(name)
            write("(")
            exprList(arguments)
            write(")")
            self.alias(alias)
        case .subquery(let select, let alias):
            write("(")
            self.select(select)
            write(")")
            self.alias(alias)
        case .join(let clause):
            write("(")
            joinClause(clause)
            write(")")
        }
    }

    /// `[schema.]table [AS alias] [INDEXED BY index | NOT INDEXED]`
    mutating func tableReference(_ table: TableReference) {
        qualifiedName(table.name)
        alias(table.alias)
        switch table.indexHint {
        case nil:
            break
        case .indexedBy(let index):
            write(" INDEXED BY ")
            identifier(index)
        case .notIndexed:
            write(" NOT INDEXED")
        }
    }
}
