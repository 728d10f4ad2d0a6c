import Catalog
import Partitioning
import SQLSyntax
import ShardQLBase
import Worker

/// The shards an UPDATE or DELETE can touch when its WHERE pins the target's distribution column:
/// a top-level conjunct `column = literal` or `column IN (literal, …)` (DESIGN §1: pruning).
///
/// Rows equal to a literal under the column's affinity and collation hash alike, so they all sit
/// on the literal's shard. Pruning is skipped when the statement reads the table anywhere else (a
/// subquery would see only the pinned shards) or when a `COLLATE` could widen the comparison.
enum PruneShards {
    static func shards(for statement: Statement, layout: TableLayout) -> [ShardFileID]? {
        guard case .hash(let column, let shards) = layout.placement else { return nil }
        let target: TableReference
        let whereClause: Expr?
        switch statement.kind {
        case .update(let update):
            (target, whereClause) = (update.table, update.whereClause)
            if update.from != nil { return nil }
        case .delete(let delete):
            (target, whereClause) = (delete.table, delete.whereClause)
        default:
            return nil
        }
        guard let whereClause,
            ReferencedTables(statement).occurrences[CatalogName.key(layout.name)] == 1
        else { return nil }
        let qualifier = target.alias?.name ?? target.name.name.name
        let info = layout.columns[column]
        var pinned: Set<Int>?
        for conjunct in PushDownFilters.conjuncts(of: whereClause) {
            guard let literals = pinningLiterals(conjunct, column: info.name, qualifier: qualifier) else { continue }
            guard let ranges = try? ShardRanges(count: shards.count) else { return nil }
            let indices = Set(literals.map { literal in
                ranges.shardIndex(forHash: DistributionHash.hash(info.affinity.apply(to: literal), collation: info.collation))
            })
            pinned = pinned.map { $0.intersection(indices) } ?? indices
        }
        return pinned.map { $0.sorted().map { shards[$0] } }
    }

    /// The literals `expr` pins the column to, or nil when it does not pin it.
    private static func pinningLiterals(_ expr: Expr, column: String, qualifier: String) -> [SQLValue]? {
        switch expr.kind {
        case .binary(.equals, let left, let right), .binary(.doubleEquals, let left, let right):
            if isColumn(left, column, qualifier), let value = literalValue(right) { return [value] }
            if isColumn(right, column, qualifier), let value = literalValue(left) { return [value] }
            return nil
        case .inList(let inExpr):
            guard !inExpr.negated, isColumn(inExpr.value, column, qualifier), case .list(let items) = inExpr.source
            else { return nil }
            let values = items.compactMap(literalValue)
            return values.count == items.count ? values : nil
        case .parenthesized(let inner):
            return pinningLiterals(inner, column: column, qualifier: qualifier)
        default:
            return nil
        }
    }

    private static func isColumn(_ expr: Expr, _ column: String, _ qualifier: String) -> Bool {
        guard case .column(let reference) = expr.kind, reference.schema == nil,
            CatalogName.equal(reference.column.name, column)
        else { return false }
        return reference.table.map { CatalogName.equal($0.name, qualifier) } ?? true
    }

    /// A plain number or string literal's value; anything else (NULL never matches `=`) is nil.
    private static func literalValue(_ expr: Expr) -> SQLValue? {
        guard case .literal(let literal) = expr.kind else { return nil }
        switch literal.kind {
        case .integer:
            if let value = Int64(literal.text) { return .integer(value) }
            return nil
        case .real:
            return Double(literal.text).map { .real($0) }
        case .string:
            return literal.stringValue.map { .text(SQLText($0)) }
        default:
            return nil
        }
    }
}
