import Catalog
import SQLSyntax

/// Every name a statement uses in a table position (`FROM t`, `JOIN s.t`, `x IN t`, `INSERT INTO t`,
/// `UPDATE t`, `DELETE FROM t`), folded as SQLite folds names (ASCII only), schema ignored.
///
/// Common-table-expression names are not told apart from tables: the caller loads only names
/// the catalog knows, and a table loaded needlessly because a CTE shadows it changes no answer
/// (SQLite resolves the CTE first).
struct ReferencedTables {
    /// How many times each name appears.
    private(set) var occurrences: [String: Int] = [:]

    var names: Set<String> { Set(occurrences.keys) }

    init(_ statement: Statement) {
        visit(statement)
    }

    init(_ select: Select) {
        visit(select)
    }

    private mutating func add(_ name: QualifiedName) {
        occurrences[CatalogName.key(name.name.name), default: 0] += 1
    }

    private mutating func visit(_ statement: Statement) {
        switch statement.kind {
        case .select(let select):
            visit(select)
        case .insert(let insert):
            visit(insert.with)
            add(insert.table)
            if case .select(let select) = insert.source { visit(select) }
            for upsert in insert.upserts {
                visit(upsert.targetWhere)
                if case .update(let assignments, let whereClause) = upsert.action {
                    for assignment in assignments { visit(assignment.value) }
                    visit(whereClause)
                }
            }
            visit(insert.returning)
        case .update(let update):
            visit(update.with)
            add(update.table.name)
            for assignment in update.assignments { visit(assignment.value) }
            if let from = update.from { visit(from) }
            visit(update.whereClause)
            visit(update.returning)
            for term in update.orderBy { visit(term.expr) }
            visit(update.limit)
        case .delete(let delete):
            visit(delete.with)
            add(delete.table.name)
            visit(delete.whereClause)
            visit(delete.returning)
            for term in delete.orderBy { visit(term.expr) }
            visit(delete.limit)
        case .explain(_, let inner):
            visit(inner)
        case .createView(let view):
            visit(view.select)
        default:
            break
        }
    }

    private mutating func visit(_ with: WithClause?) {
        for table in with?.tables ?? [] { visit(table.select) }
    }

    private mutating func visit(_ select: Select) {
        visit(select.with)
        visit(select.body.first)
        for part in select.body.compounds { visit(part.core) }
        for term in select.orderBy { visit(term.expr) }
        visit(select.limit)
    }

    private mutating func visit(_ limit: Limit?) {
        guard let limit else { return }
        visit(limit.count)
        visit(limit.offset)
    }

    private mutating func visit(_ core: SelectCore) {
        switch core {
        case .values(let rows):
            for row in rows { for expr in row { visit(expr) } }
        case .select(let clause):
            visit(clause.columns)
            if let from = clause.from { visit(from) }
            visit(clause.whereClause)
            for expr in clause.groupBy { visit(expr) }
            visit(clause.having)
            for window in clause.windows { visit(window.definition) }
        }
    }

    private mutating func visit(_ columns: [ResultColumn]?) {
        for column in columns ?? [] {
            if case .expr(let expr, _) = column { visit(expr) }
        }
    }

    private mutating func visit(_ join: JoinClause) {
        visit(join.first)
        for item in join.joins {
            visit(item.table)
            if case .on(let expr)? = item.constraint { visit(expr) }
        }
    }

    private mutating func visit(_ table: TableOrSubquery) {
        switch table {
        case .table(let reference): add(reference.name)
        case .tableFunction(_, let arguments, _): for argument in arguments { visit(argument) }
        case .subquery(let select, _): visit(select)
        case .join(let join): visit(join)
        }
    }

    private mutating func visit(_ window: WindowDefinition) {
        for expr in window.partitionBy { visit(expr) }
        for term in window.orderBy { visit(term.expr) }
        for bound in [window.frame?.start, window.frame?.end] {
            switch bound {
            case .preceding(let expr)?, .following(let expr)?: visit(expr)
            default: break
            }
        }
    }

    private mutating func visit(_ expr: Expr?) {
        guard let expr else { return }
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
            case .table(let name): add(name)
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
