import ShardQLBase

/// Expressions by precedence climbing over SQLite's precedence table (``Precedence``).
extension Parser {
    /// An infix or postfix operator found at the cursor.
    enum InfixOperator {
        case binary(BinaryOperator, tokens: Int)
        /// `IS [NOT] [DISTINCT FROM]`
        case isFamily
        /// `[NOT] LIKE|GLOB|REGEXP|MATCH`
        case like(negated: Bool)
        /// `[NOT] BETWEEN`
        case between(negated: Bool)
        /// `[NOT] IN`
        case inList(negated: Bool)
        /// `ISNULL`, `NOTNULL`, `NOT NULL`
        case nullTest(NullTest)
        case collate

        var precedence: Precedence {
            switch self {
            case .binary(let op, _): op.precedence
            case .isFamily, .like, .between, .inList, .nullTest: .equality
            case .collate: .collate
            }
        }
    }

    func infixOperator() -> InfixOperator? {
        switch current.kind {
        case .punctuation(let punctuation):
            let op: BinaryOperator? =
                switch punctuation {
                case .equals: .equals
                case .doubleEquals: .doubleEquals
                case .notEquals: .notEquals
                case .lessGreater: .lessGreater
                case .less: .less
                case .lessOrEqual: .lessOrEqual
                case .greater: .greater
                case .greaterOrEqual: .greaterOrEqual
                case .ampersand: .bitAnd
                case .pipe: .bitOr
                case .shiftLeft: .shiftLeft
                case .shiftRight: .shiftRight
                case .plus: .add
                case .minus: .subtract
                case .star: .multiply
                case .slash: .divide
                case .percent: .modulo
                case .concat: .concat
                case .arrow: .extract
                case .doubleArrow: .extractText
                default: nil
                }
            return op.map { .binary($0, tokens: 1) }
        case .keyword(let keyword):
            switch keyword {
            case .or: return .binary(.or, tokens: 1)
            case .and: return .binary(.and, tokens: 1)
            case .is: return .isFamily
            case .in: return .inList(negated: false)
            case .like, .glob, .regexp, .match: return .like(negated: false)
            case .between: return .between(negated: false)
            case .isnull: return .nullTest(.isNull)
            case .notnull: return .nullTest(.notNull)
            case .collate: return .collate
            case .not:
                switch peek(1).kind {
                case .keyword(.in): return .inList(negated: true)
                case .keyword(.like), .keyword(.glob), .keyword(.regexp), .keyword(.match): return .like(negated: true)
                case .keyword(.between): return .between(negated: true)
                case .keyword(.null): return .nullTest(.notNullTwoWords)
                default: return nil
                }
            default:
                return nil
            }
        default:
            return nil
        }
    }

    /// Parses an expression whose operators all bind at least as tightly as `minimum`.
    mutating func parseExpr(_ minimum: Precedence = .or) throws(ShardQLError) -> Expr {
        try enter()
        defer { leave() }
        let startToken = current
        var left = try parseUnary()
        // Every expression is built here, so checking each result bounds every tree's height,
        // subqueries included.
        try checkHeight(left, at: startToken)
        while let op = infixOperator(), op.precedence >= minimum {
            let operatorToken = current
            left = try parseInfix(op, left: left, start: startToken.start)
            try checkHeight(left, at: operatorToken)
        }
        return left
    }

    private mutating func parseInfix(_ op: InfixOperator, left: Expr, start: Int) throws(ShardQLError) -> Expr {
        switch op {
        case .binary(let binary, let tokens):
            for _ in 0..<tokens { advance() }
            let right = try parseExpr(binary.precedence.tighter)
            return Expr(.binary(binary, left, right), range: range(from: start))
        case .isFamily:
            advance()
            let negated = accept(.not)
            var binary: BinaryOperator = negated ? .isNot : .is
            if accept(.distinct) {
                try expect(.from)
                binary = negated ? .isNotDistinctFrom : .isDistinctFrom
            }
            let right = try parseExpr(Precedence.equality.tighter)
            return Expr(.binary(binary, left, right), range: range(from: start))
        case .like(let negated):
            if negated { advance() }
            let likeOperator: LikeExpression.Operator =
                switch advance().kind {
                case .keyword(.glob): .glob
                case .keyword(.regexp): .regexp
                case .keyword(.match): .match
                default: .like
                }
            let pattern = try parseExpr(Precedence.equality.tighter)
            var escape: Expr?
            // SQLite reduces `ESCAPE e` at LIKE's level, so e takes comparisons: `ESCAPE (c <= d)`.
            if accept(.escape) { escape = try parseExpr(Precedence.equality.tighter) }
            let like = LikeExpression(value: left, negated: negated, op: likeOperator, pattern: pattern, escape: escape)
            return Expr(.like(like), range: range(from: start))
        case .between(let negated):
            if negated { advance() }
            advance()
            let low = try parseExpr(Precedence.equality.tighter)
            try expect(.and)
            let high = try parseExpr(Precedence.equality.tighter)
            let between = BetweenExpression(value: left, negated: negated, low: low, high: high)
            return Expr(.between(between), range: range(from: start))
        case .inList(let negated):
            if negated { advance() }
            advance()
            let source = try parseInSource()
            return Expr(.inList(InExpression(value: left, negated: negated, source: source)), range: range(from: start))
        case .nullTest(let test):
            advance()
            if test == .notNullTwoWords { advance() }
            return Expr(.nullTest(left, test), range: range(from: start))
        case .collate:
            advance()
            let name = try parseName("collation name")
            return Expr(.collate(left, name), range: range(from: start))
        }
    }

    /// What follows `IN`: `(list)`, `(select)`, `()`, `table` or `table-function(args)`.
    private mutating func parseInSource() throws(ShardQLError) -> InExpression.Source {
        if accept(.leftParen) {
            if accept(.rightParen) { return .list([]) }
            if startsSelect() {
                let select = try parseSelect()
                try expect(.rightParen)
                return .select(select)
            }
            let items = try parseExprList()
            try expect(.rightParen)
            return .list(items)
        }
        let name = try parseQualifiedName("'(' or table name")
        if accept(.leftParen) {
            let arguments = isPunctuation(.rightParen) ? [] : try parseExprList()
            try expect(.rightParen)
            return .tableFunction(name, arguments)
        }
        return .table(name)
    }

    /// Prefix operators, then a primary.
    private mutating func parseUnary() throws(ShardQLError) -> Expr {
        let start = current.start
        let op: UnaryOperator? =
            switch current.kind {
            case .punctuation(.minus): .negate
            case .punctuation(.plus): .plus
            case .punctuation(.tilde): .bitNot
            case .keyword(.not): .not
            default: nil
            }
        guard let op else { return try parsePrimary() }
        advance()
        let operand = try parseExpr(op == .not ? .not : .unary)
        return Expr(.unary(op, operand), range: range(from: start))
    }

    mutating func parseExprList() throws(ShardQLError) -> [Expr] {
        var items = [try parseExpr()]
        while accept(.comma) { items.append(try parseExpr()) }
        return items
    }

    func startsSelect(at offset: Int = 0) -> Bool {
        switch peek(offset).kind {
        case .keyword(.select), .keyword(.values), .keyword(.with): true
        default: false
        }
    }

    private mutating func parsePrimary() throws(ShardQLError) -> Expr {
        let token = current
        let start = token.start
        func literal(_ kind: Literal.Kind) -> Expr {
            advance()
            return Expr(.literal(Literal(kind, text: text(token))), range: range(from: start))
        }
        switch token.kind {
        case .integer: return literal(.integer)
        case .real: return literal(.real)
        case .string: return literal(.string)
        case .blob: return literal(.blob)
        case .keyword(.null): return literal(.null)
        case .keyword(.currentTime): return literal(.currentTime)
        case .keyword(.currentDate): return literal(.currentDate)
        case .keyword(.currentTimestamp): return literal(.currentTimestamp)
        case .parameter:
            advance()
            let name = text(token)
            if binder != nil {
                guard let number = parameterNumbering.number(of: name) else {
                    throw error(.syntaxError, "variable number must be between ?1 and ?\(maxParameterNumber)", at: token)
                }
                if var bound = try binder!.expression(for: name, index: number) {
                    bound.range = range(from: start)
                    return bound
                }
            }
            return Expr(.parameter(name), range: range(from: start))
        case .punctuation(.leftParen):
            return try parseParenthesized()
        case .keyword(.cast) where peek(1).kind == .punctuation(.leftParen):
            advance()
            advance()
            let value = try parseExpr()
            try expect(.as)
            let type = try parseTypeName()
            try expect(.rightParen)
            return Expr(.cast(value, type), range: range(from: start))
        case .keyword(.case):
            return try parseCase()
        case .keyword(.exists):
            advance()
            try expect(.leftParen)
            let select = try parseSubselect()
            try expect(.rightParen)
            return Expr(.exists(select), range: range(from: start))
        case .keyword(.raise) where peek(1).kind == .punctuation(.leftParen):
            return try parseRaise()
        case .identifier where peek(1).kind != .punctuation(.leftParen) && peek(1).kind != .punctuation(.dot):
            if isWord("TRUE") { return literal(.true) }
            if isWord("FALSE") { return literal(.false) }
            return try parseColumnOrCall()
        case .keyword(.cast), .keyword(.raise):
            // Without `(` SQLite does not take these as names here either.
            throw unexpected(expected: "expression")
        default:
            guard isName(token, context: .expression) else { throw unexpected(expected: "expression") }
            return try parseColumnOrCall()
        }
    }

    /// `(expr)`, `(a, b, …)` or `(SELECT …)`.
    private mutating func parseParenthesized() throws(ShardQLError) -> Expr {
        let start = current.start
        advance()
        if startsSelect() {
            let select = try parseSubselect()
            try expect(.rightParen)
            return Expr(.subquery(select), range: range(from: start))
        }
        let items = try parseExprList()
        try expect(.rightParen)
        if items.count == 1 { return Expr(.parenthesized(items[0]), range: range(from: start)) }
        return Expr(.row(items), range: range(from: start))
    }

    /// A select nested in an expression or FROM clause counts toward the nesting limit.
    mutating func parseSubselect() throws(ShardQLError) -> Select {
        try enter()
        defer { leave() }
        return try parseSelect()
    }

    private mutating func parseCase() throws(ShardQLError) -> Expr {
        let start = current.start
        advance()
        let base = isKeyword(.when) ? nil : try parseExpr()
        var whenClauses: [CaseExpression.WhenClause] = []
        while accept(.when) {
            let condition = try parseExpr()
            try expect(.then)
            whenClauses.append(.init(condition: condition, result: try parseExpr()))
        }
        guard !whenClauses.isEmpty else { throw unexpected(expected: "WHEN") }
        let elseResult = accept(.else) ? try parseExpr() : nil
        try expect(.end)
        let caseExpr = CaseExpression(base: base, whenClauses: whenClauses, elseResult: elseResult)
        return Expr(.caseWhen(caseExpr), range: range(from: start))
    }

    private mutating func parseRaise() throws(ShardQLError) -> Expr {
        let start = current.start
        advance()
        advance()
        let action: RaiseAction
        switch current.kind {
        case .keyword(.ignore): action = .ignore
        case .keyword(.rollback): action = .rollback
        case .keyword(.abort): action = .abort
        case .keyword(.fail): action = .fail
        default: throw unexpected(expected: "IGNORE, ROLLBACK, ABORT or FAIL")
        }
        advance()
        var message: Expr?
        if action != .ignore {
            try expect(.comma)
            message = try parseExpr()
        }
        try expect(.rightParen)
        return Expr(.raise(action, message), range: range(from: start))
    }

    /// `name(…)`, `column`, `table.column` or `schema.table.column`.
    private mutating func parseColumnOrCall() throws(ShardQLError) -> Expr {
        let start = current.start
        let first = identifier(from: advance())
        if isPunctuation(.leftParen) {
            return try parseFunctionCall(name: first, start: start)
        }
        guard accept(.dot) else {
            return Expr(.column(ColumnReference(column: first)), range: range(from: start))
        }
        let second = try parseName("column name")
        guard accept(.dot) else {
            return Expr(.column(ColumnReference(table: first, column: second)), range: range(from: start))
        }
        let third = try parseName("column name")
        return Expr(.column(ColumnReference(schema: first, table: second, column: third)), range: range(from: start))
    }

    private mutating func parseFunctionCall(name: Identifier, start: Int) throws(ShardQLError) -> Expr {
        try expect(.leftParen)
        var distinct = false
        let arguments: FunctionCall.Arguments
        if accept(.star) {
            arguments = .star
        } else if isPunctuation(.rightParen) {
            arguments = .list([])
        } else {
            if accept(.distinct) {
                distinct = true
            } else {
                _ = accept(.all)
            }
            arguments = .list(try parseExprList())
        }
        try expect(.rightParen)
        var filter: Expr?
        if isWord("FILTER"), peek(1).kind == .punctuation(.leftParen) {
            advance()
            advance()
            try expect(.where)
            filter = try parseExpr()
            try expect(.rightParen)
        }
        var over: WindowReference?
        if isWord("OVER"), peek(1).kind == .punctuation(.leftParen) || isName(peek(1)) {
            advance()
            if accept(.leftParen) {
                over = .definition(try parseWindowDefinition())
            } else {
                over = .named(try parseName("window name"))
            }
        }
        let call = FunctionCall(name: name, distinct: distinct, arguments: arguments, filter: filter, over: over)
        return Expr(.function(call), range: range(from: start))
    }
}
