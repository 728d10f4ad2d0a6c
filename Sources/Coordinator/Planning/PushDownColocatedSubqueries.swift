import Catalog
import SQLSyntax

/// Subqueries over distributed tables that each shard can answer for its own rows (TPC-H Q18's
/// shape), so they travel inside the fragment:
///
/// - `key IN (SELECT k FROM … [GROUP BY k …])` as a top-level WHERE conjunct, where `key` is the
///   outer query's distribution key and `k` the subquery's, both in one co-location group: every
///   subquery row with `k = v` is on `v`'s shard, and so is every outer row with `key = v`. (In
///   WHERE, NULL and false both reject the row, so a NULL `k` on another shard changes nothing.)
/// - `[NOT] EXISTS (SELECT … WHERE k = outer.key …)`: the correlation pins the subquery's rows to
///   the outer row's shard, so the answer is the same per row.
extension PlanSelect {
    /// The `FROM` tables of every subquery of `core` that can run on the shards.
    func colocatedSubquerySources(
        in core: SelectClause, outer: BoundSources, group: ColocationGroup
    ) -> [BoundSources] {
        var found: [BoundSources] = []
        for conjunct in core.whereClause.map(PushDownFilters.conjuncts) ?? [] {
            guard case .inList(let inExpr) = conjunct.strippingParentheses.kind, !inExpr.negated,
                case .select(let subquery) = inExpr.source, outerKey(inExpr.value, outer, group) != nil,
                let sources = localSources(of: subquery, group: group),
                case .select(let clause) = subquery.body.first, clause.columns.count == 1,
                case .expr(let selected, _) = clause.columns[0], let selectedKey = sources.distributionSource(of: selected),
                sources.sources[selectedKey].joinKind != .left, subquery.limit == nil
            else { continue }
            let grouped = !clause.groupBy.isEmpty || clause.columns.contains {
                if case .expr(let expr, _) = $0 { SplitAggregate.containsAggregate(expr) } else { false }
            }
            // Groups must be whole on a shard: grouped by the key (or not grouped at all).
            if grouped, !clause.groupBy.contains(where: { sources.distributionSource(of: $0) != nil }) { continue }
            found.append(sources)
        }
        ExpressionWalker(onExpr: { expr in
            guard case .exists(let subquery) = expr.kind, let sources = localSources(of: subquery, group: group),
                case .select(let clause) = subquery.body.first,
                (clause.whereClause.map(PushDownFilters.conjuncts) ?? []).contains(where: { conjunct in
                    guard case .binary(let op, let left, let right) = conjunct.strippingParentheses.kind,
                        op == .equals || op == .doubleEquals
                    else { return false }
                    return [(left, right), (right, left)].contains { inner, other in
                        guard let source = sources.distributionSource(of: inner), sources.sources[source].joinKind != .left,
                            case .column(let reference) = other.strippingParentheses.kind, sources.resolve(reference) == nil
                        else { return false }
                        return outerKey(other, outer, group) != nil
                    }
                })
            else { return }
            found.append(sources)
        }).visit(Select(body: SelectBody(first: .select(core))))
        return found
    }

    /// The outer source whose distribution key `expr` is, when that source is in `group` and
    /// never NULL-extended.
    private func outerKey(_ expr: Expr, _ outer: BoundSources, _ group: ColocationGroup) -> Int? {
        guard let source = outer.distributionSource(of: expr), outer.sources[source].group.id == group.id,
            outer.sources[source].joinKind != .left
        else { return nil }
        return source
    }

    /// The subquery's `FROM`, when it is one core over `group`'s tables (joined on the key) and
    /// reference tables.
    private func localSources(of subquery: Select, group: ColocationGroup) -> BoundSources? {
        guard subquery.with == nil, subquery.body.compounds.isEmpty, case .select(let clause) = subquery.body.first,
            let from = clause.from, let sources = BoundSources(from, in: snapshot),
            !sources.sources.contains(where: { temporaryViews.contains(CatalogName.key($0.table.name)) }),
            sources.sources.allSatisfy({ !$0.isDistributed || $0.group.id == group.id }),
            sources.sources.contains(where: \.isDistributed),
            (try? checkJoins(sources, whereClause: clause.whereClause)) != nil
        else { return nil }
        return sources
    }
}
