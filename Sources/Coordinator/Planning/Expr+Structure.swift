import SQLSyntax

extension Expr {
    /// The expression without enclosing parentheses.
    var strippingParentheses: Expr {
        if case .parenthesized(let inner) = kind { return inner.strippingParentheses }
        return self
    }

    /// The direct sub-expressions (not those inside subqueries).
    var children: [Expr] {
        switch kind {
        case .literal, .parameter, .column, .subquery, .exists: []
        case .unary(_, let operand), .nullTest(let operand, _), .collate(let operand, _), .cast(let operand, _),
            .parenthesized(let operand):
            [operand]
        case .binary(_, let left, let right): [left, right]
        case .like(let like): [like.value, like.pattern] + (like.escape.map { [$0] } ?? [])
        case .between(let between): [between.value, between.low, between.high]
        case .inList(let inExpr):
            if case .list(let items) = inExpr.source { [inExpr.value] + items } else { [inExpr.value] }
        case .caseWhen(let caseExpr):
            [caseExpr.base].compactMap { $0 } + caseExpr.whenClauses.flatMap { [$0.condition, $0.result] }
                + [caseExpr.elseResult].compactMap { $0 }
        case .function(let call):
            (call.arguments.list ?? []) + (call.filter.map { [$0] } ?? [])
        case .row(let items): items
        case .raise(_, let message): message.map { [$0] } ?? []
        }
    }
}

extension FunctionCall.Arguments {
    var list: [Expr]? {
        if case .list(let arguments) = self { arguments } else { nil }
    }
}
