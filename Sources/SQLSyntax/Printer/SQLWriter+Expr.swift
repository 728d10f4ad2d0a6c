/// Expressions (windows, type names and ordering terms are in `SQLWriter+Window`).
///
/// Parentheses come from three precedences passed down the tree (levels in ``Precedence``):
/// `min`, the loosest node the context takes bare; `follow`, the precedence of the operator
/// printed right after the expression (`.none` when a keyword, `)` or the end follows); and
/// `start`, the level the parser reads operators at where the expression's text begins (the
/// level of the operand slot it opens; a left operand shares its parent's).
extension SQLWriter {
    /// Writes a top-level expression: one that a keyword, punctuation or the end follows.
    mutating func expr(_ expr: Expr) {
        self.expr(expr, min: .none, follow: .none)
    }

    /// Writes `expr`, in parentheses when the context would not group it as the tree does.
    /// - Parameters:
    ///   - start: where the expression's text begins; `nil` for an operand slot of its own,
    ///     which the parser reads at `min`.
    ///   - afterIs: `expr` is the right operand of `IS`, where a bare `NOT` would read as `IS NOT`.
    mutating func expr(
        _ expr: Expr, min: Precedence, follow: Precedence, start: Precedence? = nil, afterIs: Bool = false
    ) {
        let start = start ?? min
        if Self.needsParentheses(expr, min: min, follow: follow, start: start, afterIs: afterIs) {
            write("(")
            bare(expr, follow: .none, start: .none)
            write(")")
        } else {
            bare(expr, follow: follow, start: start)
        }
    }

    /// `expr`'s precedence is below what the context takes, with two exceptions where the parser
    /// groups the bare text as the tree does anyway:
    /// - a prefix `NOT`, which the parser reads in any operand position with its operand at level
    ///   `.not`: `a = NOT b` is `a = (NOT b)`, but in `a = NOT b = c` the `NOT` would take `b = c`;
    /// - a postfix form (`ISNULL`, `NOT NULL`, `IN (…)`, `COLLATE`) as a left operand, when the
    ///   parser takes its operator where its text starts: nothing after it can join it, so
    ///   `a ISNULL <= b` is `(a ISNULL) <= b`, but `c + a ISNULL * b` would be `(c + a) ISNULL * b`.
    static func needsParentheses(
        _ expr: Expr, min: Precedence, follow: Precedence, start: Precedence, afterIs: Bool
    ) -> Bool {
        guard expr.precedence < min else { return false }
        switch expr.kind {
        case .unary(.not, _):
            return afterIs || follow >= .not
        case .nullTest, .inList, .collate:
            return expr.precedence < start
        default:
            return true
        }
    }

    /// `a, b, c`
    mutating func exprList(_ exprs: [Expr]) {
        commaSeparated(exprs) { $0.expr($1) }
    }

    /// Writes `expr` without parentheses of its own; `follow` is as for ``expr(_:min:follow:start:afterIs:)``.
    ///
    /// Only dispatches, on a plain tag: each form's function takes its payload out itself. A
    /// switch over `expr.kind` here would give this frame, paid once per level of the tree, room
    /// for every payload in debug builds (kilobytes), and deep trees would overflow the stack.
    private mutating func bare(_ expr: Expr, follow: Precedence, start: Precedence) {
        switch Form(expr) {
        case .leaf: leaf(expr)
        case .column: columnReference(expr)
        case .unary: unary(expr, follow: follow)
        case .binary: binary(expr, follow: follow, start: start)
        case .like: likeExpression(expr, follow: follow, start: start)
        case .between: betweenExpression(expr, follow: follow, start: start)
        case .inList: inExpression(expr, start: start)
        case .nullTest: nullTest(expr, start: start)
        case .collate: collate(expr, start: start)
        case .cast: cast(expr)
        case .caseWhen: caseExpression(expr)
        case .function: functionCall(expr)
        case .subquery: subquery(expr)
        case .parenthesized: parenthesized(expr)
        case .row: row(expr)
        case .raise: raise(expr)
        }
    }

    /// Which printing function an expression goes to.
    private enum Form {
        case leaf, column, unary, binary, like, between, inList, nullTest, collate, cast, caseWhen, function
        case subquery, parenthesized, row, raise

        init(_ expr: Expr) {
            switch expr.kind {
            case .literal, .parameter: self = .leaf
            case .column: self = .column
            case .unary: self = .unary
            case .binary: self = .binary
            case .like: self = .like
            case .between: self = .between
            case .inList: self = .inList
            case .nullTest: self = .nullTest
            case .collate: self = .collate
            case .cast: self = .cast
            case .caseWhen: self = .caseWhen
            case .function: self = .function
            case .subquery, .exists: self = .subquery
            case .parenthesized: self = .parenthesized
            case .row: self = .row
            case .raise: self = .raise
            }
        }
    }

    /// A literal or parameter, as written.
    private mutating func leaf(_ node: Expr) {
        switch node.kind {
        case .literal(let literal): write(literal.text)
        case .parameter(let text): write(text)
        default: return
        }
    }

    /// `left op right`, all operators left-associative.
    private mutating func binary(_ node: Expr, follow: Precedence, start: Precedence) {
        guard case .binary(let op, let left, let right) = node.kind else { return }
        let precedence = op.precedence
        expr(left, min: precedence, follow: precedence, start: start)
        write(" ")
        write(op.rawValue)
        write(" ")
        expr(right, min: precedence.tighter, follow: follow, afterIs: op == .is)
    }

    /// `x [NOT] LIKE|GLOB|REGEXP|MATCH pattern [ESCAPE e]`
    private mutating func likeExpression(_ node: Expr, follow: Precedence, start: Precedence) {
        guard case .like(let like) = node.kind else { return }
        expr(like.value, min: .equality, follow: .equality, start: start)
        write(like.negated ? " NOT " : " ")
        write(like.op.rawValue)
        write(" ")
        // `ESCAPE` is no operator a `NOT` could take as its operand's: `a LIKE NOT b ESCAPE c`
        // is `a LIKE (NOT b) ESCAPE c` to the parser and to SQLite, so the pattern is followed by nothing.
        expr(like.pattern, min: .comparison, follow: like.escape == nil ? follow : .none)
        if let escape = like.escape {
            write(" ESCAPE ")
            expr(escape, min: .comparison, follow: follow)
        }
    }

    /// `x [NOT] BETWEEN low AND high`
    private mutating func betweenExpression(_ node: Expr, follow: Precedence, start: Precedence) {
        guard case .between(let between) = node.kind else { return }
        expr(between.value, min: .equality, follow: .equality, start: start)
        write(between.negated ? " NOT BETWEEN " : " BETWEEN ")
        expr(between.low, min: .comparison, follow: .and)
        write(" AND ")
        expr(between.high, min: .comparison, follow: follow)
    }

    /// `x ISNULL`, `x NOTNULL`, `x NOT NULL`
    private mutating func nullTest(_ node: Expr, start: Precedence) {
        guard case .nullTest(let operand, let test) = node.kind else { return }
        expr(operand, min: .equality, follow: .equality, start: start)
        write(" ")
        write(test.rawValue)
    }

    /// `x COLLATE name`
    private mutating func collate(_ node: Expr, start: Precedence) {
        guard case .collate(let operand, let collation) = node.kind else { return }
        expr(operand, min: .collate, follow: .collate, start: start)
        write(" COLLATE ")
        identifier(collation)
    }

    /// `CAST(x AS type)`
    private mutating func cast(_ node: Expr) {
        guard case .cast(let operand, let type) = node.kind else { return }
        write("CAST(")
        expr(operand)
        write(" AS ")
        typeName(type)
        write(")")
    }

    /// `(SELECT …)` or `EXISTS (SELECT …)`
    private mutating func subquery(_ node: Expr) {
        switch node.kind {
        case .subquery(let select):
            write("(")
            self.select(select)
        case .exists(let select):
            write("EXISTS (")
            self.select(select)
        default:
            return
        }
        write(")")
    }

    /// `(x)`, as written in the source.
    private mutating func parenthesized(_ node: Expr) {
        guard case .parenthesized(let inner) = node.kind else { return }
        write("(")
        expr(inner)
        write(")")
    }

    /// The row value `(a, b, …)`
    private mutating func row(_ node: Expr) {
        guard case .row(let items) = node.kind else { return }
        write("(")
        exprList(items)
        write(")")
    }

    /// `RAISE(IGNORE)`, `RAISE(ABORT, message)`, …
    private mutating func raise(_ node: Expr) {
        guard case .raise(let action, let message) = node.kind else { return }
        write("RAISE(")
        write(action.rawValue)
        if let message {
            write(", ")
            expr(message)
        }
        write(")")
    }

    /// `[[schema.]table.]column`
    private mutating func columnReference(_ node: Expr) {
        guard case .column(let column) = node.kind else { return }
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
    private mutating func unary(_ node: Expr, follow: Precedence) {
        guard case .unary(let op, let operand) = node.kind else { return }
        if op == .not {
            write("NOT ")
            expr(operand, min: .not, follow: follow)
            return
        }
        write(op.rawValue)
        if Self.startsWithSign(operand, min: .unary, follow: follow) {
            write(" ")
        } else if case .unary(.not, _) = operand.kind,
            !Self.needsParentheses(operand, min: .unary, follow: follow, start: .unary, afterIs: false)
        {
            write(" ")
        }
        expr(operand, min: .unary, follow: follow)
    }

    /// Whether `expr`, printed in an operand slot taking `min`, starts with `-` or `+`: walks down
    /// the left edge of the tree as the printer will write it (left operands share the slot's start).
    static func startsWithSign(_ expr: Expr, min: Precedence, follow: Precedence) -> Bool {
        var expr = expr
        var min = min
        var follow = follow
        let start = min
        while !needsParentheses(expr, min: min, follow: follow, start: start, afterIs: false) {
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
    private mutating func inExpression(_ node: Expr, start: Precedence) {
        guard case .inList(let inExpr) = node.kind else { return }
        expr(inExpr.value, min: .equality, follow: .equality, start: start)
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
    private mutating func caseExpression(_ node: Expr) {
        guard case .caseWhen(let caseExpr) = node.kind else { return }
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
    private mutating func functionCall(_ node: Expr) {
        guard case .function(let call) = node.kind else { return }
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
}
