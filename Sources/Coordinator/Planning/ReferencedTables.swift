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
        var occurrences: [String: Int] = [:]
        let walker = ExpressionWalker(onTable: { occurrences[CatalogName.key($0.name.name), default: 0] += 1 })
        Self.visit(statement, with: walker) { occurrences[CatalogName.key($0.name.name), default: 0] += 1 }
        self.occurrences = occurrences
    }

    init(_ select: Select) {
        var occurrences: [String: Int] = [:]
        ExpressionWalker(onTable: { occurrences[CatalogName.key($0.name.name), default: 0] += 1 }).visit(select)
        self.occurrences = occurrences
    }

    private static func visit(_ statement: Statement, with walker: ExpressionWalker, add: (QualifiedName) -> Void) {
        switch statement.kind {
        case .select(let select):
            walker.visit(select)
        case .insert(let insert):
            walker.visit(insert.with)
            add(insert.table)
            if case .select(let select) = insert.source { walker.visit(select) }
            for upsert in insert.upserts {
                walker.visit(upsert.targetWhere)
                if case .update(let assignments, let whereClause) = upsert.action {
                    for assignment in assignments { walker.visit(assignment.value) }
                    walker.visit(whereClause)
                }
            }
            visit(insert.returning, with: walker)
        case .update(let update):
            walker.visit(update.with)
            add(update.table.name)
            for assignment in update.assignments { walker.visit(assignment.value) }
            if let from = update.from { walker.visit(from) }
            walker.visit(update.whereClause)
            visit(update.returning, with: walker)
            for term in update.orderBy { walker.visit(term.expr) }
            walker.visit(update.limit)
        case .delete(let delete):
            walker.visit(delete.with)
            add(delete.table.name)
            walker.visit(delete.whereClause)
            visit(delete.returning, with: walker)
            for term in delete.orderBy { walker.visit(term.expr) }
            walker.visit(delete.limit)
        case .explain(_, let inner):
            visit(inner, with: walker, add: add)
        case .createView(let view):
            walker.visit(view.select)
        default:
            break
        }
    }

    private static func visit(_ columns: [ResultColumn]?, with walker: ExpressionWalker) {
        for column in columns ?? [] {
            if case .expr(let expr, _) = column { walker.visit(expr) }
        }
    }
}
