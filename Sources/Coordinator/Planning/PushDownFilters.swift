import Catalog
import SQLSyntax

/// Chooses the parts of a query's WHERE clause that the shards can apply while the general path
/// copies rows (DESIGN §1, tier 3: "pulled with their filters pushed down").
///
/// Only what is certainly equivalent is pushed: for each plain table of the top-level FROM
/// (inner-joined, or the left side of a LEFT JOIN: filtering the NULL-extended side before the
/// join would change it) that the statement mentions exactly once, the WHERE conjuncts that
/// read only that table's columns and hold no subquery, parameter or function outside a list of
/// deterministic built-ins. The shard has the table's own definition, so types, affinities and
/// collations compare exactly as in the scratch copy, and the query still applies its whole
/// WHERE there.
struct PushDownFilters {
    /// The table's folded name, the alias the filter uses, and the filter's SQL.
    struct Filter: Sendable, Hashable {
        var table: String
        var alias: String?
        var sql: String
    }

    static func filters(for statement: Statement, in snapshot: CatalogSnapshot) -> [Filter] {
        guard case .select(let select) = statement.kind, select.with == nil, case .select(let core) = select.body.first,
            let whereClause = core.whereClause, let from = core.from, let sources = BoundSources(from, in: snapshot)
        else { return [] }
        // The scratch copy is shared by every mention of a table: filter only tables mentioned once.
        let occurrences = ReferencedTables(statement).occurrences
        // Each conjunct is bound once: the one table it reads, if it is pushable at all.
        let owners = conjuncts(of: whereClause).map { conjunct in
            (conjunct, onlySource(of: conjunct, in: sources).flatMap { isPushable(conjunct, source: $0, in: sources) ? $0 : nil })
        }
        var filters: [Filter] = []
        for (index, source) in sources.sources.enumerated() {
            guard occurrences[CatalogName.key(source.table.name)] == 1, source.joinKind != .left,
                !sources.sources[(index + 1)...].contains(where: { $0.joinKind == .right || $0.joinKind == .full })
            else { continue }
            let pushed = owners.filter { $0.1 == index }.map(\.0)
            guard !pushed.isEmpty else { continue }
            let alias = source.qualifier == source.table.name ? nil : source.qualifier
            filters.append(
                Filter(
                    table: CatalogName.key(source.table.name), alias: alias,
                    sql: pushed.map { "(" + SQLPrinter.print($0) + ")" }.joined(separator: " AND ")))
        }
        return filters
    }

    /// The one table whose columns `expr` reads (the first column reference's), if any.
    private static func onlySource(of expr: Expr, in sources: BoundSources) -> Int? {
        var stack = [expr]
        while let node = stack.popLast() {
            if case .column(let reference) = node.kind { return sources.resolve(reference)?.source }
            stack += node.children
        }
        return nil
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

    static func isPushable(_ expr: Expr, source: Int, in sources: BoundSources) -> Bool {
        switch expr.kind {
        case .literal:
            return true
        case .parameter, .subquery, .exists, .raise:
            return false
        case .column(let column):
            return sources.resolve(column)?.source == source
        case .unary(_, let operand), .nullTest(let operand, _), .collate(let operand, _), .cast(let operand, _),
            .parenthesized(let operand):
            return isPushable(operand, source: source, in: sources)
        case .binary(_, let left, let right):
            return isPushable(left, source: source, in: sources)
                && isPushable(right, source: source, in: sources)
        case .like(let like):
            return [like.value, like.pattern].allSatisfy { isPushable($0, source: source, in: sources) }
                && (like.escape.map { isPushable($0, source: source, in: sources) } ?? true)
        case .between(let between):
            return [between.value, between.low, between.high].allSatisfy {
                isPushable($0, source: source, in: sources)
            }
        case .inList(let inExpr):
            guard case .list(let items) = inExpr.source else { return false }
            return ([inExpr.value] + items).allSatisfy { isPushable($0, source: source, in: sources) }
        case .caseWhen(let caseExpr):
            let parts = [caseExpr.base, caseExpr.elseResult].compactMap { $0 }
                + caseExpr.whenClauses.flatMap { [$0.condition, $0.result] }
            return parts.allSatisfy { isPushable($0, source: source, in: sources) }
        case .function(let call):
            guard call.filter == nil, call.over == nil, !call.distinct,
                deterministicFunctions.contains(call.name.name.lowercased()),
                case .list(let arguments) = call.arguments,
                // One-argument max/min are aggregates, not the scalar functions.
                !(["max", "min"].contains(call.name.name.lowercased()) && arguments.count < 2)
            else { return false }
            return arguments.allSatisfy { isPushable($0, source: source, in: sources) }
        case .row(let items):
            return items.allSatisfy { isPushable($0, source: source, in: sources) }
        }
    }
}
