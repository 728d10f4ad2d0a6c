/// Expressions, and the small clauses that belong to them: type names, ordering terms, windows.
///
/// Parentheses come from two precedences passed down the tree (levels in ``Precedence``):
/// `min`, the loosest node the context takes bare, and `follow`, the precedence of the operator
/// printed right after the expression (`.none` when a keyword, `)` or the end follows).
extension SQLWriter {
    /// Writes a top-level expression: one that a keyword, punctuation or the end follows.
    mutating func expr(_ expr: Expr) {
        self.expr(expr, min: .none, follow: .none)
    }

    /// Writes `expr`, in parentheses when the context would not group it as the tree does.
    /// - Parameter afterIs: `expr` is the right operand of `IS`, where a bare `NOT` would read
    ///   as `IS NOT`.
    mutating func expr(_ expr: Expr, min: Precedence, follow: Precedence, afterIs: Bool = false) {
        if Self.needsParentheses(expr, min: min, follow: follow, afterIs: afterIs) {
            write("(")
            bare(expr, follow: .none)
            write(")")
        } else {
            bare(expr, follow: follow)
        }
    }

    /// `expr`'s precedence is below what the context takes — except that the parser reads a
    /// prefix `NOT` in any operand position, with its operand at level `.not`: `a = NOT b` is
    /// `a = (NOT b)`, but in `a = NOT b = c` the `NOT` would take `b = c`.
    static func needsParentheses(_ expr: Expr, min: Precedence, follow: Precedence, afterIs: Bool) -> Bool {
        guard expr.precedence < min else { return false }
        if case .unary(.not, _) = expr.kind {
            return afterIs || follow >= .not
        }
        return true
    }

    /// `a, b, c`
    mutating func exprList(_ exprs: [Expr]) {
        commaSeparated(exprs) { $0.expr($1) }
    }

    /// Writes `expr` without parentheses of its own; `follow` is as for ``expr(_:min:follow:afterIs:)``.
    private mutating func bare(_ expr: Expr, follow: Precedence) {
        switch expr.kind {
        case .literal(let literal):
            write(literal.text)
        case .parameter(let text):
            write(text)
        case .column(let column):
            columnReference(column)
        case .unary(let op, let operand):
            unary(op, operand, follow: follow)
        case .binary(let op, let left, let right):
            let precedence = op.precedence
            self.expr(left, min: precedence, follow: precedence)
            write(" ")
            write(op.rawValue)
            write(" ")
            self.expr(right, min: precedence.tighter, follow: follow, afterIs: op == .is)
        case .like(let like):
            self.expr(like.value, min: .equality, follow: .equality)
            write(like.negated ? " NOT " : " ")
            write(like.op.rawValue)
            write(" ")
            // `ESCAPE` is no operator a `NOT` could take as its operand's: `a LIKE NOT b ESCAPE c`
            // is `a LIKE (NOT b) ESCAPE c` to the parser and to SQLite, so the pattern is followed by nothing.
            self.expr(like.pattern, min: .comparison, follow: like.escape == nil ? follow : .none)
            if let escape = like.escape {
                write(" ESCAPE ")
                self.expr(escape, min: .bitwise, follow: follow)
            }
        case .between(let between):
            self.expr(between.value, min: .equality, follow: .equality)
            write(between.negated ? " NOT BETWEEN " : " BETWEEN ")
            self.expr(between.low, min: .comparison, follow: .and)
            write(" AND ")
            self.expr(between.high, min: .comparison, follow: follow)
        case .inList(let inExpr):
            inExpression(inExpr)
        case .nullTest(let operand, let test):
            self.expr(operand, min: .equality, follow: .equality)
            write(" ")
            write(test.rawValue)
        case .collate(let operand, let collation):
            self.expr(operand, min: .collate, follow: .collate)
            write(" COLLATE ")
            identifier(collation)
        case .cast(let operand, let type):
            write("CAST(")
            self.expr(operand)
            write(" AS ")
            typeName(type)
            write(")")
        case .caseWhen(let caseExpr):
            caseExpression(caseExpr)
        case .function(let call):
            functionCall(call)
        case .subquery(let select):
            write("(")
            self.select(select)
            write(")")
        case .exists(let select):
            write("EXISTS (")
            self.select(select)
            write(")")
        case .parenthesized(let inner):
            write("(")
            self.expr(inner)
            write(")")
        case .row(let items):
            write("(")
            exprList(items)
            write(")")
        case .raise(let action, let message):
            write("RAISE(")
            write(action.rawValue)
            if let message {
                write(", ")
                self.expr(message)
            }
            write(")")
        }
    }

    /// `[[schema.]table.]column`
    private mutating func columnReference(_ column: ColumnReference) {
        if let schema = column.schema {
            identifier(schema, position: .expressionQualifier)
            write(".")
        }
        if let table = column.table {
            identifier(table, position: column.schema == nil ? .expressionQualifier : .name)
            write(".")
            identifier(column.column)
        } else {
            identifier(column.column, position: column.schema == nil ? .expressionColumn : .name)
        }
    }

    /// `-x`, `+x`, `~x`, `NOT x`. A space separates a sign from an operand that starts with a
    /// sign (`- -1`: `--` would start a comment) or with `NOT`.
    private mutating func unary(_ op: UnaryOperator, _ operand: Expr, follow: Precedence) {
        if op == .not {
            write("NOT ")
            expr(operand, min: .not, follow: follow)
            return
        }
        write(op.rawValue)
        if Self.startsWithSign(operand, min: .unary, follow: follow) {
            write(" ")
        } else if case .unary(.not, _) = operand.kind,
            !Self.needsParentheses(operand, min: .unary, follow: follow, afterIs: false)
        {
            write(" ")
        }
        expr(operand, min: .unary, follow: follow)
    }

    /// Whether `expr`, printed in a context taking `min`, starts with `-` or `+`: walks down the
    /// left edge of the tree as the printer will write it.
    static func startsWithSign(_ expr: Expr, min: Precedence, follow: Precedence) -> Bool {
        var expr = expr
        var min = min
        var follow = follow
        while !needsParentheses(expr, min: min, follow: follow, afterIs: false) {
            let next: Expr
            switch expr.kind {
            case .literal(let literal):
                return literal.text.hasPrefix("-") || literal.text.hasPrefix("+")
            case .unary(let op, _):
                return op == .negate || op == .plus
            case .binary(let op, let left, _):
                next = left
                min = op.precedence
                follow = op.precedence
            case .like(let like):
                next = like.value
                (min, follow) = (.equality, .equality)
            case .between(let between):
                next = between.value
                (min, follow) = (.equality, .equality)
            case .inList(let inExpr):
                next = inExpr.value
                (min, follow) = (.equality, .equality)
            case .nullTest(let operand, _):
                next = operand
                (min, follow) = (.equality, .equality)
            case .collate(let operand, _):
                next = operand
                (min, follow) = (.collate, .collate)
            default:
                return false
            }
            expr = next
        }
        return false
    }

    /// `x [NOT] IN (…)`, `x [NOT] IN (SELECT …)`, `x [NOT] IN [schema.]table`, `x [NOT] IN f(…)`
    private mutating func inExpression(_ inExpr: InExpression) {
        expr(inExpr.value, min: .equality, follow: .equality)
        write(inExpr.negated ? " NOT IN " : " IN ")
        switch inExpr.source {
        case .list(let items):
            write("(")
            exprList(items)
            write(")")
        case .select(let select):
            write("(")
            self.select(select)
            write(")")
        case .table(let name):
            qualifiedName(name)
        case .tableFunction(let name, let arguments):
            qualifiedName(name)
            write("(")
            exprList(arguments)
            write(")")
        }
    }

    /// `CASE [base] WHEN c THEN r … [ELSE e] END`
    private mutating func caseExpression(_ caseExpr: CaseExpression) {
        write("CASE")
        if let base = caseExpr.base {
            write(" ")
            expr(base)
        }
        for clause in caseExpr.whenClauses {
            write(" WHEN ")
            expr(clause.condition)
            write(" THEN ")
            expr(clause.result)
        }
        if let elseResult = caseExpr.elseResult {
            write(" ELSE ")
            expr(elseResult)
        }
        write(" END")
    }

    /// `name([DISTINCT] args | *) [FILTER (WHERE e)] [OVER name | OVER (…)]`
    private mutating func functionCall(_ call: FunctionCall) {
        identifier(call.name, position: .functionName)
        write("(")
        if call.distinct { write("DISTINCT ") }
        switch call.arguments {
        case .star:
            write("*")
        case .list(let arguments):
            exprList(arguments)
        }
        write(")")
        if let filter = call.filter {
            write(" FILTER (WHERE ")
            expr(filter)
            write(")")
        }
        switch call.over {
        case nil:
            break
        case .named(let name):
            write(" OVER ")
            identifier(name)
        case .definition(let definition):
            write(" OVER (")
            windowDefinition(definition)
            write(")")
        }
    }

    /// The inside of a window's parentheses: `[base] [PARTITION BY …] [ORDER BY …] [frame]`.
    mutating func windowDefinition(_ definition: WindowDefinition) {
        var separator = ""
        if let base = definition.base {
            identifier(base)
            separator = " "
        }
        if !definition.partitionBy.isEmpty {
            write(separator)
            write("PARTITION BY ")
            exprList(definition.partitionBy)
            separator = " "
        }
        if !definition.orderBy.isEmpty {
            write(separator)
            write("ORDER BY ")
            orderingTerms(definition.orderBy)
            separator = " "
        }
        if let frame = definition.frame {
            write(separator)
            frameSpec(frame)
        }
    }

    /// `ROWS|RANGE|GROUPS start` or `… BETWEEN start AND end`, then `EXCLUDE …`.
    private mutating func frameSpec(_ frame: FrameSpec) {
        write(frame.unit.rawValue)
        write(" ")
        if let end = frame.end {
            write("BETWEEN ")
            frameBound(frame.start)
            write(" AND ")
            frameBound(end)
        } else {
            frameBound(frame.start)
        }
        if let exclude = frame.exclude {
            write(" EXCLUDE ")
            write(exclude.rawValue)
        }
    }

    private mutating func frameBound(_ bound: FrameSpec.Bound) {
        switch bound {
        case .unboundedPreceding:
            write("UNBOUNDED PRECEDING")
        case .preceding(let offset):
            expr(offset, min: .comparison, follow: .and)
            write(" PRECEDING")
        case .currentRow:
            write("CURRENT ROW")
        case .following(let offset):
            expr(offset, min: .comparison, follow: .and)
            write(" FOLLOWING")
        case .unboundedFollowing:
            write("UNBOUNDED FOLLOWING")
        }
    }

    /// `WORD WORD[(a[, b])]`
    mutating func typeName(_ type: TypeName) {
        for (index, word) in type.words.enumerated() {
            if index > 0 { write(" ") }
            identifier(word, position: .typeWord)
        }
        if !type.arguments.isEmpty {
            write("(")
            commaSeparated(type.arguments) { $0.write($1) }
            write(")")
        }
    }

    /// `expr [ASC|DESC] [NULLS FIRST|LAST]`
    mutating func orderingTerm(_ term: OrderingTerm) {
        expr(term.expr)
        if let direction = term.direction {
            write(" ")
            write(direction.rawValue)
        }
        if let nulls = term.nulls {
            write(" ")
            write(nulls.rawValue)
        }
    }

    mutating func orderingTerms(_ terms: [OrderingTerm]) {
        commaSeparated(terms) { $0.orderingTerm($1) }
    }
}
