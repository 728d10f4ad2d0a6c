import ShardQLBase

extension Parser {
    mutating func parseInsert(with: WithClause?) throws(ShardQLError) -> Insert {
        let verb: Insert.Verb
        if accept(.replace) {
            verb = .replace
        } else {
            try expect(.insert)
            verb = .insert(accept(.or) ? try parseConflictResolution() : nil)
        }
        try expect(.into)
        let table = try parseQualifiedName("table name")
        let alias = accept(.as) ? try parseName("alias") : nil
        let columns = isPunctuation(.leftParen) ? try parseParenthesizedNames("column name") : nil
        let source: Insert.Source
        if accept(.default) {
            try expect(.values)
            source = .defaultValues
        } else if startsSelect() {
            source = .select(try parseSelect())
        } else {
            throw unexpected(expected: "VALUES, SELECT or DEFAULT VALUES")
        }
        var insert = Insert(with: with, verb: verb, table: table, alias: alias, columns: columns, source: source)
        if source != .defaultValues {
            while isKeyword(.on), isKeyword(.conflict, at: 1) {
                insert.upserts.append(try parseUpsert())
            }
        }
        insert.returning = try parseReturning()
        return insert
    }

    mutating func parseConflictResolution() throws(ShardQLError) -> ConflictResolution {
        let resolution: ConflictResolution
        switch current.kind {
        case .keyword(.rollback): resolution = .rollback
        case .keyword(.abort): resolution = .abort
        case .keyword(.fail): resolution = .fail
        case .keyword(.ignore): resolution = .ignore
        case .keyword(.replace): resolution = .replace
        default: throw unexpected(expected: "ROLLBACK, ABORT, FAIL, IGNORE or REPLACE")
        }
        advance()
        return resolution
    }

    private mutating func parseUpsert() throws(ShardQLError) -> Upsert {
        try expect(.on)
        try expect(.conflict)
        var target: [IndexedColumn]?
        var targetWhere: Expr?
        if accept(.leftParen) {
            target = try parseIndexedColumns()
            if accept(.where) { targetWhere = try parseExpr() }
        }
        try expect(.do)
        if accept(.nothing) { return Upsert(target: target, targetWhere: targetWhere, action: .nothing) }
        try expect(.update)
        try expect(.set)
        let assignments = try parseAssignments()
        let whereClause = accept(.where) ? try parseExpr() : nil
        return Upsert(target: target, targetWhere: targetWhere, action: .update(assignments, whereClause: whereClause))
    }

    /// `col = expr | (a, b) = expr, …`
    private mutating func parseAssignments() throws(ShardQLError) -> [Assignment] {
        var assignments: [Assignment] = []
        repeat {
            if isPunctuation(.leftParen) {
                let columns = try parseParenthesizedNames("column name")
                try expect(.equals)
                assignments.append(Assignment(columns: columns, parenthesized: true, value: try parseExpr()))
            } else {
                let column = try parseName("column name")
                try expect(.equals)
                assignments.append(Assignment(columns: [column], value: try parseExpr()))
            }
        } while accept(.comma)
        return assignments
    }

    private mutating func parseReturning() throws(ShardQLError) -> [ResultColumn]? {
        accept(.returning) ? try parseResultColumns() : nil
    }

    mutating func parseUpdate(with: WithClause?) throws(ShardQLError) -> Update {
        try expect(.update)
        let conflict = accept(.or) ? try parseConflictResolution() : nil
        let table = try parseTableReference(name: try parseQualifiedName("table name"))
        try expect(.set)
        var update = Update(with: with, conflict: conflict, table: table, assignments: try parseAssignments())
        if accept(.from) { update.from = try parseJoinClause() }
        if accept(.where) { update.whereClause = try parseExpr() }
        update.returning = try parseReturning()
        if accept(.order) {
            try expect(.by)
            update.orderBy = try parseOrderingTerms()
        }
        update.limit = try parseLimit()
        return update
    }

    mutating func parseDelete(with: WithClause?) throws(ShardQLError) -> Delete {
        try expect(.delete)
        try expect(.from)
        var delete = Delete(with: with, table: try parseTableReference(name: try parseQualifiedName("table name")))
        if accept(.where) { delete.whereClause = try parseExpr() }
        delete.returning = try parseReturning()
        if accept(.order) {
            try expect(.by)
            delete.orderBy = try parseOrderingTerms()
        }
        delete.limit = try parseLimit()
        return delete
    }

    /// `expr [ASC|DESC], … )` — the `(` already consumed.
    mutating func parseIndexedColumns() throws(ShardQLError) -> [IndexedColumn] {
        var columns: [IndexedColumn] = []
        repeat {
            let expr = try parseExpr()
            columns.append(IndexedColumn(expr: expr, direction: parseDirection()))
        } while accept(.comma)
        try expect(.rightParen)
        return columns
    }
}
