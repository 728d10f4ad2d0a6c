import Catalog
import SQLSyntax

/// Chooses the parts of a query's WHERE clause that the shards can apply while the general path
/// copies rows (DESIGN §1, tier 3: "pulled with their filters pushed down").
///
/// Only what is certainly equivalent is pushed: the query reads one table (no join, no compound),
/// and a conjunct is pushed when it references only that table's columns and holds no subquery,
/// parameter or function outside a list of deterministic built-ins. The shard has the table's own
/// definition, so types, affinities and collations compare exactly as in the scratch copy, and the
/// query still applies its whole WHERE there.
struct PushDownFilters {
    /// The table's folded name, the alias the filter uses, and the filter's SQL.
    struct Filter: Sendable, Hashable {
        var table: String
        var alias: String?
        var sql: String
    }

    static func filter(for statement: Statement, in snapshot: CatalogSnapshot) -> Filter? {
        guard case .select(let select) = statement.kind, select.body.compounds.isEmpty,
            case .select(let core) = select.body.first, let whereClause = core.whereClause,
            let from = core.from, from.joins.isEmpty, case .table(let reference) = from.first,
            reference.name.schema == nil, let table = snapshot.table(named: reference.name.name.name)
        else { return nil }
        // The scratch copy is shared by every mention of the table: it must be the statement's
        // only table, mentioned once (no subquery or view reading it, no CTE shadowing it).
        guard ReferencedTables(statement).occurrences == [CatalogName.key(table.name): 1],
            select.with == nil
        else { return nil }
        let qualifier = reference.alias?.name ?? reference.name.name.name
        let columns = Set(table.columns.map { CatalogName.key($0.name) } + ["rowid", "oid", "_rowid_"])
        let pushed = conjuncts(of: whereClause).filter { isPushable($0, qualifier: qualifier, columns: columns) }
        guard !pushed.isEmpty else { return nil }
        let sql = pushed.map { "(" + SQLPrinter.print($0) + ")" }.joined(separator: " AND ")
        return Filter(table: CatalogName.key(table.name), alias: reference.alias?.name, sql: sql)
    }

    static func conjuncts(of expr: Expr) -> [Expr] {
        switch expr.kind {
        case .binary(.and, let left, let right): conjuncts(of: left) + conjuncts(of: right)
        case .parenthesized(let inner): conjuncts(of: inner)
        default: [expr]
        }
    }

    /// Deterministic built-ins whose result depends only on their arguments.
    static let deterministicFunctions: Set<String> = [
        "abs", "coalesce", "glob", "hex", "ifnull", "iif", "instr", "length", "like", "lower", "ltrim", "max",
        "min", "nullif", "quote", "replace", "round", "rtrim", "sign", "substr", "substring", "trim", "typeof",
        "unicode", "upper",
    ]

    static func isPushable(_ expr: Expr, qualifier: String, columns: Set<String>) -> Bool {
        switch expr.kind {
        case .literal:
            return true
        case .parameter, .subquery, .exists, .raise:
            return false
        case .column(let column):
            guard column.schema == nil, columns.contains(CatalogName.key(column.column.name)) else { return false }
            return column.table.map { CatalogName.equal($0.name, qualifier) } ?? true
        case .unary(_, let operand), .nullTest(let operand, _), .collate(let operand, _), .cast(let operand, _),
            .parenthesized(let operand):
            return isPushable(operand, qualifier: qualifier, columns: columns)
        case .binary(_, let left, let right):
            return isPushable(left, qualifier: qualifier, columns: columns)
                && isPushable(right, qualifier: qualifier, columns: columns)
        case .like(let like):
            return [like.value, like.pattern].allSatisfy { isPushable($0, qualifier: qualifier, columns: columns) }
                && (like.escape.map { isPushable($0, qualifier: qualifier, columns: columns) } ?? true)
        case .between(let between):
            return [between.value, between.low, between.high].allSatisfy {
                isPushable($0, qualifier: qualifier, columns: columns)
            }
        case .inList(let inExpr):
            guard case .list(let items) = inExpr.source else { return false }
            return ([inExpr.value] + items).allSatisfy { isPushable($0, qualifier: qualifier, columns: columns) }
        case .caseWhen(let caseExpr):
            let parts = [caseExpr.base, caseExpr.elseResult].compactMap { $0 }
                + caseExpr.whenClauses.flatMap { [$0.condition, $0.result] }
            return parts.allSatisfy { isPushable($0, qualifier: qualifier, columns: columns) }
        case .function(let call):
            guard call.filter == nil, call.over == nil, !call.distinct,
                deterministicFunctions.contains(call.name.name.lowercased()),
                case .list(let arguments) = call.arguments,
                // One-argument max/min are aggregates, not the scalar functions.
                !(["max", "min"].contains(call.name.name.lowercased()) && arguments.count < 2)
            else { return false }
            return arguments.allSatisfy { isPushable($0, qualifier: qualifier, columns: columns) }
        case .row(let items):
            return items.allSatisfy { isPushable($0, qualifier: qualifier, columns: columns) }
        }
    }
}
