import Catalog
import Partitioning
import SQLSyntax
import ShardQLBase

/// `ORDER BY … LIMIT n OFFSET m` over shards: each shard returns its own first n+m rows in
/// order, with each sort key appended as a hidden column; the coordinator merges the sorted
/// streams (``MergeSortOperator``), skips m rows and stops after n, which stops the shards.
struct PushDownLimit {
    var fragment: Select
    var merge: DistributedPlan.Merge

    init(
        select: Select, core: SelectClause, resultColumns: [SplitQuery.ResultColumn], sources: BoundSources
    ) throws {
        let columnCount = resultColumns.count
        let (count, offset) = try SplitQuery.constantLimit(select.limit)
        var clause = core
        var keys: [SortKey] = []
        for (index, term) in select.orderBy.enumerated() {
            var base = term.expr.strippingParentheses
            var explicitCollation: Collation?
            if case .collate(let operand, let name) = base.kind {
                guard let collation = Collation(name: name.name) else {
                    throw PlanSelect.NotPushable("unknown collation \(name.name)")
                }
                (base, explicitCollation) = (operand.strippingParentheses, collation)
            }
            let keyExpr = try Self.resolveOrderTerm(base, resultColumns: resultColumns, sources: sources)
            clause.columns.append(.expr(keyExpr, alias: Identifier("_sk\(index)", quoting: .doubleQuotes)))
            let descending = term.direction == .descending
            keys.append(
                SortKey(
                    column: columnCount + index, descending: descending,
                    nullsFirst: term.nulls.map { $0 == .first } ?? !descending,
                    collation: explicitCollation ?? ExpressionTraits.collation(of: keyExpr, in: sources)))
        }
        var fragment = Select(body: SelectBody(first: .select(clause)), orderBy: select.orderBy)
        if let count {
            let (sum, overflow) = count.addingReportingOverflow(offset)
            if !overflow { fragment.limit = Limit(count: Expr(.literal(Literal(.integer, text: String(sum))))) }
        }
        self.fragment = fragment
        merge = keys.isEmpty ? .concatenate(offset: offset, limit: count) : .mergeSort(keys: keys, offset: offset, limit: count)
    }

    /// The value an `ORDER BY` term sorts by, as SQLite resolves it: `K` is the K-th result
    /// column, a result alias is its expression, anything else is evaluated over the row.
    static func resolveOrderTerm(
        _ term: Expr, resultColumns: [SplitQuery.ResultColumn], sources: BoundSources
    ) throws -> Expr {
        if let position = SplitQuery.integerPosition(term) {
            guard resultColumns.indices.contains(position - 1) else {
                throw PlanSelect.NotPushable("ORDER BY term out of range")
            }
            return resultColumns[position - 1].expr
        }
        if case .column(let reference) = term.kind, reference.table == nil,
            let aliased = resultColumns.first(where: { $0.alias.map { CatalogName.equal($0, reference.column.name) } ?? false })
        {
            return aliased.expr
        }
        var unresolved: String?
        ExpressionWalker(onExpr: { expr in
            if case .column(let reference) = expr.kind, sources.resolve(reference) == nil { unresolved = reference.column.name }
        }).visit(term)
        // A name that is no column here (a result alias inside an expression, or a correlated
        // name in a subquery) is left to the coordinator.
        if let unresolved { throw PlanSelect.NotPushable("ORDER BY names \(unresolved), which is no column of FROM") }
        return term
    }
}
