/// Tree heights: how deep a walk over an expression goes, counting the selects nested in it, so
/// the parser can refuse trees that would make any later recursive walk overflow its stack.
extension Expr.Kind {
    var childHeight: Int {
        switch self {
        case .literal, .parameter, .column:
            return 0
        case .subquery(let select), .exists(let select):
            return select.height
        case .unary(_, let e), .nullTest(let e, _), .collate(let e, _), .cast(let e, _),
            .parenthesized(let e):
            return e.height
        case .binary(_, let l, let r):
            return max(l.height, r.height)
        case .like(let like):
            return max(like.value.height, like.pattern.height, like.escape?.height ?? 0)
        case .between(let between):
            return max(between.value.height, between.low.height, between.high.height)
        case .inList(let inExpr):
            var height = inExpr.value.height
            if case .list(let items) = inExpr.source { height = max(height, Expr.maxHeight(items)) }
            if case .tableFunction(_, let args) = inExpr.source { height = max(height, Expr.maxHeight(args)) }
            if case .select(let select) = inExpr.source { height = max(height, select.height) }
            return height
        case .caseWhen(let c):
            var height = max(c.base?.height ?? 0, c.elseResult?.height ?? 0)
            for when in c.whenClauses { height = max(height, when.condition.height, when.result.height) }
            return height
        case .function(let f):
            var height = f.filter?.height ?? 0
            if case .list(let args) = f.arguments { height = max(height, Expr.maxHeight(args)) }
            if case .definition(let window) = f.over { height = max(height, window.height) }
            return height
        case .row(let items):
            return Expr.maxHeight(items)
        case .raise(_, let message):
            return message?.height ?? 0
        }
    }
}

extension Expr {
    static func maxHeight(_ exprs: [Expr]) -> Int {
        exprs.reduce(0) { max($0, $1.height) }
    }
}

extension Select {
    /// The height of the tallest expression anywhere in this select, nested selects included:
    /// a subquery at the bottom of a deep expression adds its own height to it.
    public var height: Int {
        var height = 0
        for table in with?.tables ?? [] { height = max(height, table.select.height) }
        height = max(height, body.first.height)
        for part in body.compounds { height = max(height, part.core.height) }
        for term in orderBy { height = max(height, term.expr.height) }
        if let limit { height = max(height, limit.count.height, limit.offset?.height ?? 0) }
        return height
    }
}

extension SelectCore {
    var height: Int {
        switch self {
        case .values(let rows):
            return rows.reduce(0) { max($0, Expr.maxHeight($1)) }
        case .select(let clause):
            var height = max(clause.whereClause?.height ?? 0, clause.having?.height ?? 0, Expr.maxHeight(clause.groupBy))
            for column in clause.columns {
                if case .expr(let expr, _) = column { height = max(height, expr.height) }
            }
            if let from = clause.from { height = max(height, from.height) }
            for window in clause.windows { height = max(height, window.definition.height) }
            return height
        }
    }
}

extension JoinClause {
    var height: Int {
        var height = first.height
        for join in joins {
            height = max(height, join.table.height)
            if case .on(let expr)? = join.constraint { height = max(height, expr.height) }
        }
        return height
    }
}

extension TableOrSubquery {
    var height: Int {
        switch self {
        case .table: 0
        case .tableFunction(_, let arguments, _): Expr.maxHeight(arguments)
        case .subquery(let select, _): select.height
        case .join(let join): join.height
        }
    }
}

extension WindowDefinition {
    var height: Int {
        var height = Expr.maxHeight(partitionBy)
        for term in orderBy { height = max(height, term.expr.height) }
        if let frame {
            for bound in [frame.start, frame.end] {
                switch bound {
                case .preceding(let expr)?, .following(let expr)?: height = max(height, expr.height)
                default: break
                }
            }
        }
        return height
    }
}
