import Catalog
import Partitioning
import SQLSyntax
import ShardQLBase

/// Splits one pushable `SELECT` core into the SQL every shard runs and the coordinator's merge
/// (DESIGN §1, tier 2):
///
/// - no aggregate, no `DISTINCT`, or groups that each live on one shard (`GROUP BY` the
///   distribution key): the whole core runs on the shards; `ORDER BY … LIMIT n OFFSET m`
///   becomes a per-shard top-(n+m) (``PushDownLimit``) and a k-way merge;
/// - otherwise aggregates travel as partial states (``SplitAggregate``) and a final query over
///   the merged partial rows runs on the coordinator's SQLite.
struct SplitQuery {
    var fragment: Select
    var merge: DistributedPlan.Merge
    var hiddenColumnCount = 0
    var notes: [String] = []

    init(select: Select, core: SelectClause, sources: BoundSources) throws {
        let resultColumns = try Self.expandedResultColumns(core, sources: sources)
        let usesAggregates =
            resultColumns.contains { SplitAggregate.containsAggregate($0.expr) }
            || core.having.map(SplitAggregate.containsAggregate) ?? false
            || select.orderBy.contains { SplitAggregate.containsAggregate($0.expr) }
        let groupKeys = try core.groupBy.map { try Self.resolveGroupTerm($0, resultColumns: resultColumns, sources: sources) }
        let groupsAreLocal = groupKeys.contains { key in
            guard let source = sources.distributionSource(of: key) else { return false }
            return sources.sources[source].joinKind != .left
        }
        let isDistinct = core.quantifier == .distinct
        if !isDistinct && ((!usesAggregates && groupKeys.isEmpty) || groupsAreLocal) {
            let limit = try PushDownLimit(
                select: select, core: core, resultColumns: resultColumns, sources: sources)
            fragment = limit.fragment
            merge = limit.merge
            hiddenColumnCount = select.orderBy.count
            if groupsAreLocal { notes.append("GROUP BY the distribution key: every group is on one shard") }
            return
        }
        let split = try SplitAggregate(
            select: select, core: core, resultColumns: resultColumns, groupKeys: groupKeys, sources: sources)
        fragment = split.fragment
        merge = .finalStep(split.finalStep)
        notes += split.notes
    }

    /// A result column with `*` and `t.*` expanded.
    struct ResultColumn {
        var expr: Expr
        var alias: String?
    }

    /// The select list with stars expanded to the tables' columns, in SQLite's order.
    static func expandedResultColumns(_ core: SelectClause, sources: BoundSources) throws -> [ResultColumn] {
        var result: [ResultColumn] = []
        for column in core.columns {
            switch column {
            case .expr(let expr, let alias):
                result.append(ResultColumn(expr: expr, alias: alias?.name))
            case .all, .allOf:
                if sources.sources.contains(where: { $0.constraint.map { if case .using = $0 { true } else { false } } ?? false }) {
                    throw PlanSelect.NotPushable("* with USING is expanded on the coordinator")
                }
                for source in sources.sources {
                    if case .allOf(let name) = column, !CatalogName.equal(name.name, source.qualifier) { continue }
                    for tableColumn in source.table.columns.sorted(by: { $0.ordinal < $1.ordinal }) {
                        let reference = ColumnReference(
                            table: Identifier(source.qualifier, quoting: .doubleQuotes),
                            column: Identifier(tableColumn.name, quoting: .doubleQuotes))
                        result.append(ResultColumn(expr: Expr(.column(reference)), alias: nil))
                    }
                }
            }
        }
        return result
    }

    /// A `GROUP BY` term as SQLite reads it: `K` is the K-th result column, a name that is no
    /// column but a result alias is that column's expression, anything else is itself.
    static func resolveGroupTerm(_ term: Expr, resultColumns: [ResultColumn], sources: BoundSources) throws -> Expr {
        if let position = integerPosition(term) {
            guard resultColumns.indices.contains(position - 1) else {
                throw PlanSelect.NotPushable("GROUP BY term out of range")
            }
            return resultColumns[position - 1].expr
        }
        if case .column(let reference) = term.kind, reference.table == nil, sources.resolve(reference) == nil,
            let aliased = resultColumns.first(where: { $0.alias.map { CatalogName.equal($0, reference.column.name) } ?? false })
        {
            return Expr(.parenthesized(aliased.expr))
        }
        return term
    }

    /// `K` when `expr` is an integer literal (SQLite's column-position form of ORDER/GROUP BY).
    static func integerPosition(_ expr: Expr) -> Int? {
        guard case .literal(let literal) = expr.strippingParentheses.kind, literal.kind == .integer else { return nil }
        return Int(literal.text)
    }

    /// LIMIT and OFFSET when both are integer literals (a negative count is no limit).
    static func constantLimit(_ limit: Limit?) throws -> (count: Int?, offset: Int) {
        guard let limit else { return (nil, 0) }
        guard case .integer(let count)? = PruneShards.literalValue(limit.count) else {
            throw PlanSelect.NotPushable("LIMIT is not an integer constant")
        }
        var offset: Int64 = 0
        if let offsetExpr = limit.offset {
            guard case .integer(let value)? = PruneShards.literalValue(offsetExpr) else {
                throw PlanSelect.NotPushable("OFFSET is not an integer constant")
            }
            offset = max(0, value)
        }
        return (count < 0 ? nil : Int(count), Int(offset))
    }
}
