import Catalog
import Partitioning
import SQLSyntax
import ShardQLBase
import Worker

/// The shards a statement can touch when its WHERE pins a distribution column (DESIGN §1:
/// pruning): a top-level conjunct `column = literal`, `column IN (literal, …)`, or an `OR` of
/// those. Conjuncts intersect; disjuncts unite.
///
/// Rows equal to a literal under the column's affinity and collation hash alike, so they all sit
/// on the literal's shard. A `COLLATE` on either side could change the comparison, so it stops a
/// term from pinning.
enum PruneShards {
    /// How a column reference is distributed: its affinity and collation when it is a
    /// distribution column of the statement's shard group, nil otherwise.
    typealias DistributionColumn = (ColumnReference) -> (affinity: Affinity, collation: Collation)?

    /// Shard indices (of `shardCount`) that rows matching `whereClause` can live on; nil when
    /// nothing pins the distribution column.
    static func shardIndices(
        where whereClause: Expr?, shardCount: Int, distributionColumn: DistributionColumn
    ) -> Set<Int>? {
        guard let whereClause, let ranges = try? ShardRanges(count: shardCount) else { return nil }
        var pinned: Set<Int>?
        for conjunct in PushDownFilters.conjuncts(of: whereClause) {
            guard let indices = indices(conjunct, ranges: ranges, distributionColumn: distributionColumn) else {
                continue
            }
            pinned = pinned.map { $0.intersection(indices) } ?? indices
        }
        return pinned
    }

    /// `whereClause` for one shard: each top-level `column IN (…)` on a distribution column keeps
    /// only the literals that hash to `shard` (DESIGN §1: "the list trimmed per shard").
    static func trimmingInLists(
        _ whereClause: Expr, toShard shard: Int, shardCount: Int, distributionColumn: DistributionColumn
    ) -> Expr {
        guard let ranges = try? ShardRanges(count: shardCount) else { return whereClause }
        let conjuncts = PushDownFilters.conjuncts(of: whereClause)
        var changed = false
        let trimmed = conjuncts.map { conjunct -> Expr in
            guard case .inList(var inExpr) = conjunct.strippingParentheses.kind, !inExpr.negated,
                case .column(let reference) = inExpr.value.kind, let column = distributionColumn(reference),
                case .list(let items) = inExpr.source, items.count > 1
            else { return conjunct }
            let kept = items.filter { item in
                guard let value = literalValue(item) else { return false }
                return shardIndex(of: value, column: column, ranges: ranges) == shard
            }
            guard !kept.isEmpty, kept.count < items.count else { return conjunct }
            changed = true
            inExpr.source = .list(kept)
            return Expr(.inList(inExpr))
        }
        guard changed else { return whereClause }
        return trimmed.dropFirst().reduce(Expr(.parenthesized(trimmed[0]))) { result, next in
            Expr(.binary(.and, result, Expr(.parenthesized(next))))
        }
    }

    /// The shards of `layout` an UPDATE or DELETE can touch; nil when not pinned. Pruning is
    /// skipped when the statement reads the table anywhere else (a subquery would see only the
    /// pinned shards).
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
        guard ReferencedTables(statement).occurrences[CatalogName.key(layout.name)] == 1 else { return nil }
        let qualifier = target.alias?.name ?? target.name.name.name
        let info = layout.columns[column]
        let pinned = shardIndices(where: whereClause, shardCount: shards.count) { reference in
            guard reference.schema == nil, CatalogName.equal(reference.column.name, info.name),
                reference.table.map({ CatalogName.equal($0.name, qualifier) }) ?? true
            else { return nil }
            return (info.affinity, info.collation)
        }
        return pinned.map { $0.sorted().map { shards[$0] } }
    }

    /// The shards `expr` pins rows to, or nil when it does not pin them.
    private static func indices(
        _ expr: Expr, ranges: ShardRanges, distributionColumn: DistributionColumn
    ) -> Set<Int>? {
        switch expr.kind {
        case .binary(.equals, let left, let right), .binary(.doubleEquals, let left, let right):
            for (columnSide, valueSide) in [(left, right), (right, left)] {
                guard case .column(let reference) = columnSide.kind, let column = distributionColumn(reference) else {
                    continue
                }
                if case .literal(let literal) = valueSide.kind, literal.kind == .null { return [] }
                guard let value = literalValue(valueSide) else { return nil }
                return [shardIndex(of: value, column: column, ranges: ranges)]
            }
            return nil
        case .inList(let inExpr):
            guard !inExpr.negated, case .column(let reference) = inExpr.value.kind,
                let column = distributionColumn(reference), case .list(let items) = inExpr.source
            else { return nil }
            var indices = Set<Int>()
            for item in items {
                if case .literal(let literal) = item.kind, literal.kind == .null { continue }  // never equal
                guard let value = literalValue(item) else { return nil }
                indices.insert(shardIndex(of: value, column: column, ranges: ranges))
            }
            return indices
        case .binary(.or, let left, let right):
            guard let leftIndices = indices(left, ranges: ranges, distributionColumn: distributionColumn),
                let rightIndices = indices(right, ranges: ranges, distributionColumn: distributionColumn)
            else { return nil }
            return leftIndices.union(rightIndices)
        case .parenthesized(let inner):
            return indices(inner, ranges: ranges, distributionColumn: distributionColumn)
        default:
            return nil
        }
    }

    private static func shardIndex(
        of value: SQLValue, column: (affinity: Affinity, collation: Collation), ranges: ShardRanges
    ) -> Int {
        ranges.shardIndex(forHash: DistributionHash.hash(column.affinity.apply(to: value), collation: column.collation))
    }

    /// A plain number or string literal's value (a leading `-` and parentheses included), as
    /// SQLite reads it; anything else is nil.
    static func literalValue(_ expr: Expr) -> SQLValue? {
        switch expr.kind {
        case .parenthesized(let inner):
            return literalValue(inner)
        case .unary(.negate, let operand):
            guard case .literal(let literal) = operand.strippingParentheses.kind else { return nil }
            switch literal.kind {
            case .integer: return Int64("-" + literal.text).map { .integer($0) }
            case .real: return sqliteReal(literal.text).map { .real(-$0) }
            default: return nil
            }
        case .literal(let literal):
            switch literal.kind {
            case .integer: return Int64(literal.text).map { .integer($0) }
            case .real: return sqliteReal(literal.text).map { .real($0) }
            case .string: return literal.stringValue.map { .text(SQLText($0)) }
            default: return nil
            }
        default:
            return nil
        }
    }

    /// A REAL literal's value as SQLite's tokenizer reads it (`sqlite3AtoF`, which is not always
    /// the correctly rounded double Swift's parser gives); nil for text it would not read whole.
    private static func sqliteReal(_ text: String) -> Double? {
        let parsed = SQLiteNumericText.parseReal(Array(text.utf8))
        return parsed.form == .notANumber ? nil : parsed.value
    }
}
