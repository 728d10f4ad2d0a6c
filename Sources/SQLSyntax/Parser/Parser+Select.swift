import ShardQLBase

extension Parser {
    /// `[WITH …] core [compound core]… [ORDER BY …] [LIMIT …]`
    mutating func parseSelect() throws(ShardQLError) -> Select {
        let start = current.start
        let with = isKeyword(.with) ? try parseWith() : nil
        return try parseSelect(with: with, start: start)
    }

    /// The rest of a select whose `WITH` clause, if any, is already parsed.
    mutating func parseSelect(with: WithClause?, start: Int) throws(ShardQLError) -> Select {
        var body = SelectBody(first: try parseSelectCore())
        while let op = try parseCompoundOperator() {
            body.compounds.append(CompoundPart(op: op, core: try parseSelectCore()))
        }
        var select = Select(with: with, body: body)
        // SQLite's grammar attaches ORDER BY and LIMIT to a final SELECT core, never to VALUES.
        if case .values = body.compounds.last?.core ?? body.first {
            select.range = range(from: start)
            return select
        }
        if accept(.order) {
            try expect(.by)
            select.orderBy = try parseOrderingTerms()
        }
        select.limit = try parseLimit()
        select.range = range(from: start)
        return select
    }

    private mutating func parseCompoundOperator() throws(ShardQLError) -> CompoundOperator? {
        if accept(.union) { return accept(.all) ? .unionAll : .union }
        if accept(.intersect) { return .intersect }
        if accept(.except) { return .except }
        return nil
    }

    /// `LIMIT count [OFFSET offset]` or `LIMIT offset, count`.
    mutating func parseLimit() throws(ShardQLError) -> Limit? {
        guard accept(.limit) else { return nil }
        let first = try parseExpr()
        if accept(.offset) { return Limit(count: first, offset: try parseExpr()) }
        if accept(.comma) { return Limit(count: try parseExpr(), offset: first) }
        return Limit(count: first)
    }

    mutating func parseWith() throws(ShardQLError) -> WithClause {
        try expect(.with)
        let recursive = accept(.recursive)
        var tables: [CommonTableExpression] = []
        repeat {
            let name = try parseName("common table expression name")
            let columns = isPunctuation(.leftParen) ? try parseParenthesizedNames("column name") : nil
            try expect(.as)
            var materialization: CommonTableExpression.Materialization?
            if accept(.materialized) {
                materialization = .materialized
            } else if isKeyword(.not), isKeyword(.materialized, at: 1) {
                advance()
                advance()
                materialization = .notMaterialized
            }
            try expect(.leftParen)
            let select = try parseSubselect()
            try expect(.rightParen)
            tables.append(CommonTableExpression(name: name, columns: columns, materialization: materialization, select: select))
        } while accept(.comma)
        return WithClause(recursive: recursive, tables: tables)
    }

    private mutating func parseSelectCore() throws(ShardQLError) -> SelectCore {
        if accept(.values) {
            var rows: [[Expr]] = []
            repeat {
                try expect(.leftParen)
                rows.append(try parseExprList())
                try expect(.rightParen)
            } while accept(.comma)
            return .values(rows)
        }
        guard accept(.select) else { throw unexpected(expected: "SELECT or VALUES") }
        var clause = SelectClause(columns: [])
        if accept(.distinct) {
            clause.quantifier = .distinct
        } else if accept(.all) {
            clause.quantifier = .all
        }
        clause.columns = try parseResultColumns()
        if accept(.from) { clause.from = try parseJoinClause() }
        if accept(.where) { clause.whereClause = try parseExpr() }
        if accept(.group) {
            try expect(.by)
            clause.groupBy = try parseExprList()
        }
        if accept(.having) { clause.having = try parseExpr() }
        if isWord("WINDOW"), isName(peek(1)), isKeyword(.as, at: 2) {
            advance()
            repeat {
                let name = try parseName("window name")
                try expect(.as)
                try expect(.leftParen)
                clause.windows.append(NamedWindow(name: name, definition: try parseWindowDefinition()))
            } while accept(.comma)
        }
        return .select(clause)
    }

    /// `*`, `t.*`, `expr [[AS] alias]`, comma-separated.
    mutating func parseResultColumns() throws(ShardQLError) -> [ResultColumn] {
        var columns: [ResultColumn] = []
        repeat {
            if accept(.star) {
                columns.append(.all)
            } else if isName(current), peek(1).kind == .punctuation(.dot), peek(2).kind == .punctuation(.star) {
                let table = identifier(from: advance())
                advance()
                advance()
                columns.append(.allOf(table))
            } else {
                let expr = try parseExpr()
                columns.append(.expr(expr, alias: try parseOptionalAlias()))
            }
        } while accept(.comma)
        return columns
    }

    // MARK: - FROM

    mutating func parseJoinClause() throws(ShardQLError) -> JoinClause {
        var clause = JoinClause(first: try parseTableOrSubquery())
        if isKeyword(.on) || isKeyword(.using) {
            // SQLite's message; it is also why `INSERT … SELECT … FROM t ON CONFLICT` needs a WHERE.
            throw error(.syntaxError, "a JOIN clause is required before \(text(current).uppercased())", at: current)
        }
        while let op = try parseJoinOperator() {
            let table = try parseTableOrSubquery()
            clause.joins.append(Join(op: op, table: table, constraint: try parseJoinConstraint()))
        }
        return clause
    }

    private mutating func parseJoinOperator() throws(ShardQLError) -> JoinOperator? {
        if accept(.comma) { return JoinOperator(.comma) }
        let natural = accept(.natural)
        var kind: JoinOperator.Kind?
        if accept(.left) {
            kind = .left
        } else if accept(.right) {
            kind = .right
        } else if accept(.full) {
            kind = .full
        }
        if kind != nil {
            _ = accept(.outer)
        } else if accept(.inner) {
            kind = .inner
        } else if accept(.cross) {
            kind = .cross
        }
        if kind == nil, !natural, !isKeyword(.join) { return nil }
        try expect(.join)
        return JoinOperator(kind ?? .inner, natural: natural)
    }

    private mutating func parseJoinConstraint() throws(ShardQLError) -> JoinConstraint? {
        // As in SQLite, `INSERT … SELECT … FROM t ON CONFLICT …` reads this ON as a join
        // constraint (and fails): such a SELECT needs a WHERE clause, which the printer adds.
        if accept(.on) { return .on(try parseExpr()) }
        if accept(.using) { return .using(try parseParenthesizedNames("column name")) }
        return nil
    }

    private mutating func parseTableOrSubquery() throws(ShardQLError) -> TableOrSubquery {
        if isPunctuation(.leftParen) {
            advance()
            if startsSelect() {
                let select = try parseSubselect()
                try expect(.rightParen)
                return .subquery(select, alias: try parseOptionalAlias())
            }
            try enter()
            defer { leave() }
            let join = try parseJoinClause()
            try expect(.rightParen)
            return .join(join)
        }
        let name = try parseQualifiedName("table name")
        if accept(.leftParen) {
            let arguments = isPunctuation(.rightParen) ? [] : try parseExprList()
            try expect(.rightParen)
            return .tableFunction(name: name, arguments: arguments, alias: try parseOptionalAlias())
        }
        return .table(try parseTableReference(name: name))
    }

    /// The alias and index hint after a table name.
    mutating func parseTableReference(name: QualifiedName) throws(ShardQLError) -> TableReference {
        var reference = TableReference(name: name, alias: try parseOptionalAlias())
        if accept(.indexed) {
            try expect(.by)
            reference.indexHint = .indexedBy(try parseName("index name"))
        } else if isKeyword(.not), isKeyword(.indexed, at: 1) {
            advance()
            advance()
            reference.indexHint = .notIndexed
        }
        return reference
    }
}
