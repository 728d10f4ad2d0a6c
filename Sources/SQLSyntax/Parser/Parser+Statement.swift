import ShardQLBase

extension Parser {
    mutating func parseStatement() throws(ShardQLError) -> Statement {
        let start = current.start
        let kind: Statement.Kind
        switch current.kind {
        case .keyword(.explain):
            advance()
            var mode = ExplainMode.plan
            if isKeyword(.query), isKeyword(.plan, at: 1) {
                advance()
                advance()
                mode = .queryPlan
            } else if isKeyword(.analyze), startsStatement(at: 1) {
                advance()
                mode = .analyze
            }
            guard !isKeyword(.explain) else { throw unexpected(expected: "a statement to explain") }
            kind = .explain(mode, try parseStatement())
        case .keyword(.with):
            let with = try parseWith()
            kind = try parseStatementAfterWith(with, start: start)
        case .keyword(.select), .keyword(.values):
            kind = .select(try parseSelect())
        case .keyword(.insert), .keyword(.replace):
            kind = .insert(try parseInsert(with: nil))
        case .keyword(.update):
            kind = .update(try parseUpdate(with: nil))
        case .keyword(.delete):
            kind = .delete(try parseDelete(with: nil))
        case .keyword(.create):
            kind = try parseCreate()
        case .keyword(.drop):
            kind = .drop(try parseDrop())
        case .keyword(.alter):
            kind = .alterTable(try parseAlterTable())
        case .keyword(.reindex):
            advance()
            kind = .reindex(isName(current) ? try parseQualifiedName("name") : nil)
        case .keyword(.analyze):
            advance()
            kind = .analyze(isName(current) ? try parseQualifiedName("name") : nil)
        case .keyword(.vacuum):
            advance()
            let schema = isName(current) && !isKeyword(.into) ? try parseName("schema name") : nil
            kind = .vacuum(schema: schema, into: accept(.into) ? try parseExpr() : nil)
        case .keyword(.attach):
            advance()
            _ = accept(.database)
            let file = try parseExpr()
            try expect(.as)
            kind = .attach(file: file, name: try parseName("schema name"))
        case .keyword(.detach):
            advance()
            _ = accept(.database)
            kind = .detach(try parseName("schema name"))
        case .keyword(.pragma):
            kind = .pragma(try parsePragma())
        case .keyword(.begin):
            kind = try parseBegin()
        case .keyword(.commit), .keyword(.end):
            advance()
            try skipTransactionName()
            kind = .commit
        case .keyword(.rollback):
            advance()
            try skipTransactionName()
            var savepoint: Identifier?
            if accept(.to) {
                _ = accept(.savepoint)
                savepoint = try parseName("savepoint name")
            }
            kind = .rollback(toSavepoint: savepoint)
        case .keyword(.savepoint):
            advance()
            kind = .savepoint(try parseName("savepoint name"))
        case .keyword(.release):
            advance()
            _ = accept(.savepoint)
            kind = .release(try parseName("savepoint name"))
        default:
            throw unexpected(expected: "a statement")
        }
        return Statement(kind, range: range(from: start))
    }

    /// Whether the token at `offset` can start a statement (used to read `EXPLAIN ANALYZE`).
    func startsStatement(at offset: Int) -> Bool {
        switch peek(offset).kind {
        case .keyword(let keyword):
            switch keyword {
            case .select, .values, .with, .insert, .replace, .update, .delete, .create, .drop, .alter, .reindex,
                .analyze, .vacuum, .attach, .detach, .pragma, .begin, .commit, .end, .rollback, .savepoint, .release:
                return true
            default:
                return false
            }
        default:
            return false
        }
    }

    private mutating func parseStatementAfterWith(_ with: WithClause, start: Int) throws(ShardQLError) -> Statement.Kind {
        switch current.kind {
        case .keyword(.select), .keyword(.values): .select(try parseSelect(with: with, start: start))
        case .keyword(.insert), .keyword(.replace): .insert(try parseInsert(with: with))
        case .keyword(.update): .update(try parseUpdate(with: with))
        case .keyword(.delete): .delete(try parseDelete(with: with))
        default: throw unexpected(expected: "SELECT, VALUES, INSERT, REPLACE, UPDATE or DELETE")
        }
    }

    /// `[TRANSACTION [name]]` after BEGIN/COMMIT/END/ROLLBACK: SQLite ignores the name.
    private mutating func skipTransactionName() throws(ShardQLError) {
        guard accept(.transaction) else { return }
        if isName(current), !isKeyword(.to) { advance() }
    }

    private mutating func parseBegin() throws(ShardQLError) -> Statement.Kind {
        advance()
        var mode: TransactionMode?
        if accept(.deferred) {
            mode = .deferred
        } else if accept(.immediate) {
            mode = .immediate
        } else if accept(.exclusive) {
            mode = .exclusive
        }
        try skipTransactionName()
        return .begin(mode)
    }

    private mutating func parsePragma() throws(ShardQLError) -> Pragma {
        try expect(.pragma)
        var pragma = Pragma(name: try parseQualifiedName("pragma name"))
        if accept(.equals) {
            pragma.form = .assign(try parsePragmaValue())
        } else if accept(.leftParen) {
            pragma.form = .call(try parsePragmaValue())
            try expect(.rightParen)
        }
        return pragma
    }

    private mutating func parsePragmaValue() throws(ShardQLError) -> Pragma.Value {
        switch current.kind {
        case .punctuation(.plus), .punctuation(.minus), .integer, .real:
            return .number(try parseSignedNumber())
        case .string:
            return .string(text(advance()))
        case .keyword(.on), .keyword(.delete), .keyword(.default):
            return .name(identifier(from: advance()))
        default:
            return .name(try parseName("pragma value"))
        }
    }

    // MARK: - Trigger bodies

    /// `stmt; stmt; … END` inside `CREATE TRIGGER … BEGIN`.
    mutating func parseTriggerBody() throws(ShardQLError) -> [Statement] {
        var body: [Statement] = []
        repeat {
            let start = current.start
            let kind: Statement.Kind
            switch current.kind {
            case .keyword(.select), .keyword(.values), .keyword(.with): kind = .select(try parseSelect())
            case .keyword(.insert), .keyword(.replace): kind = .insert(try parseInsert(with: nil))
            case .keyword(.update): kind = .update(try parseUpdate(with: nil))
            case .keyword(.delete): kind = .delete(try parseDelete(with: nil))
            default: throw unexpected(expected: "INSERT, UPDATE, DELETE or SELECT")
            }
            body.append(Statement(kind, range: range(from: start)))
            try expect(.semicolon)
        } while !isKeyword(.end)
        advance()
        return body
    }
}
