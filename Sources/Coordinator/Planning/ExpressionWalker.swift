import SQLSyntax

/// Visits every expression of a query, subqueries included, and every name used in a table
/// position (`FROM t`, `x IN t`), in source order. One walk over the AST for every analysis
/// that needs to see all of it (``ReferencedTables``, the planner's checks).
struct ExpressionWalker {
    var onExpr: (Expr) -> Void = { _ in }
    var onTable: (QualifiedName) -> Void = { _ in }

    static func visit(_ select: Select, _ onExpr: @escaping (Expr) -> Void) {
        ExpressionWalker(onExpr: onExpr).visit(select)
    }

    func visit(_ with: WithClause?) {
        for table in with?.tables ?? [] { visit(table.select) }
    }

    func visit(_ select: Select) {
        visit(select.with)
        visit(select.body.first)
        for part in select.body.compounds { visit(part.core) }
        for term in select.orderBy { visit(term.expr) }
        visit(select.limit)
    }

    func visit(_ limit: Limit?) {
        guard let limit else { return }
        visit(limit.count)
        visit(limit.offset)
    }

    func visit(_ core: SelectCore) {
        switch core {
        case .values(let rows):
            for row in rows { for expr in row { visit(expr) } }
        case .select(let clause):
            for column in clause.columns {
                if case .expr(let expr, _) = column { visit(expr) }
            }
            if let from = clause.from { visit(from) }
            visit(clause.whereClause)
            for expr in clause.groupBy { visit(expr) }
            visit(clause.having)
            for window in clause.windows { visit(window.definition) }
        }
    }

    func visit(_ join: JoinClause) {
        visit(join.first)
        for item in join.joins {
            visit(item.table)
            if case .on(let expr)? = item.constraint { visit(expr) }
        }
    }

    func visit(_ table: TableOrSubquery) {
        switch table {
        case .table(let reference): onTable(reference.name)
        case .tableFunction(_, let arguments, _): for argument in arguments { visit(argument) }
        case .subquery(let select, _): visit(select)
        case .join(let join): visit(join)
        }
    }

    func visit(_ window: WindowDefinition) {
        for expr in window.partitionBy { visit(expr) }
        for term in window.orderBy { visit(term.expr) }
        for bound in [window.frame?.start, window.frame?.end] {
            switch bound {
            case .preceding(let expr)?, .following(let expr)?: visit(expr)
            default: break
            }
        }
    }

    func visit(_ expr: Expr?) {
        guard let expr else { return }
        onExpr(expr)
        switch expr.kind {
        case .literal, .parameter, .column:
            break
        case .unary(_, let operand), .nullTest(let operand, _), .collate(let operand, _), .cast(let operand, _),
            .parenthesized(let operand):
            visit(operand)
        case .binary(_, let left, let right):
            visit(left)
            visit(right)
        case .like(let like):
            visit(like.value)
            visit(like.pattern)
            visit(like.escape)
        case .between(let between):
            visit(between.value)
            visit(between.low)
            visit(between.high)
        case .inList(let inExpr):
            visit(inExpr.value)
            switch inExpr.source {
            case .list(let items): for item in items { visit(item) }
            case .select(let select): visit(select)
            case .table(let name): onTable(name)
            case .tableFunction(_, let arguments): for argument in arguments { visit(argument) }
            }
        case .caseWhen(let caseExpr):
            visit(caseExpr.base)
            for when in caseExpr.whenClauses {
                visit(when.condition)
                visit(when.result)
            }
            visit(caseExpr.elseResult)
        case .function(let call):
            if case .list(let arguments) = call.arguments { for argument in arguments { visit(argument) } }
            visit(call.filter)
            if case .definition(let window) = call.over { visit(window) }
        case .subquery(let select), .exists(let select):
            visit(select)
        case .row(let items):
            for item in items { visit(item) }
        case .raise(_, let message):
            visit(message)
        }
    }
}
