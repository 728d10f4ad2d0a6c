import Catalog
import Partitioning
import SQLSyntax
import ShardQLBase
import Worker

/// The distributed planner for queries (DESIGN §1), Citus's order: the router tier when the
/// statement's distributed tables are pinned to one shard, else the pushdown tier (fragments on
/// the shards plus a coordinator merge), else the general path. Pure: no I/O.
struct PlanSelect {
    let snapshot: CatalogSnapshot
    /// Folded names of this session's TEMP views, which shadow catalog tables.
    let temporaryViews: Set<String>

    /// The plan for `select`.
    func plan(_ select: Select) -> DistributedPlan {
        do {
            let plan = try pushablePlan(select)
            try checkAttachmentsBesideShards(plan)
            return plan
        } catch let reason as NotPushable {
            return general(reason.reason)
        } catch {
            return general("\(error)")
        }
    }

    /// Why a query stays on the general path; thrown while planning, caught by ``plan(_:)``.
    struct NotPushable: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    func general(_ reason: String) -> DistributedPlan {
        DistributedPlan(
            tier: .general, fragments: [], attachments: [], merge: .concatenate(offset: 0, limit: nil),
            hiddenColumnCount: 0, shardsBeforePruning: 0, notes: [reason])
    }

    private func pushablePlan(_ select: Select) throws -> DistributedPlan {
        if let plan = try wholeStatementOnOneFile(select) { return plan }
        guard select.with == nil else { throw NotPushable("a WITH clause runs on the coordinator") }
        guard select.body.compounds.isEmpty else { throw NotPushable("compound SELECTs run on the coordinator") }
        guard case .select(let core) = select.body.first else { throw NotPushable("VALUES reads no table") }
        guard let from = core.from else { throw NotPushable("the query reads no table") }
        guard let sources = BoundSources(from, in: snapshot) else {
            throw NotPushable("FROM holds a view, subquery, table function or parenthesised join")
        }
        if let shadowed = sources.sources.first(where: { temporaryViews.contains(CatalogName.key($0.table.name)) }) {
            throw NotPushable("TEMP view \(shadowed.table.name) shadows the table")
        }
        var placement = try ShardPlacement(sources: sources, snapshot: snapshot)
        try checkJoins(sources, whereClause: core.whereClause)
        try checkSubqueries(select, core: core, sources: sources, placement: &placement)
        try checkExpressions(select, allowWindows: false)
        // Reference tables alone were answered whole above, unless the query also reads a view.
        guard let group = placement.distributedGroup else { throw NotPushable("the query reads a view") }
        let allShards = (0..<group.shardCount).map { ShardFileID(group: group.id.rawValue, index: $0) }
        let distributionColumn: PruneShards.DistributionColumn = { reference in
            guard let bound = sources.resolve(reference), let column = bound.column,
                sources.sources[bound.source].isDistributionColumn(column.name)
            else { return nil }
            return (column.affinity, column.collation)
        }
        let pinned = group.kind == .hash
            ? PruneShards.shardIndices(where: core.whereClause, shardCount: group.shardCount, distributionColumn: distributionColumn)
            : nil
        let attachments = placement.referenceFile.map { [$0] } ?? []
        if allShards.count == 1 || (pinned.map { $0.count <= 1 } ?? false) {
            // One shard holds every row the query can read. When no shard can match
            // (`k = 1 AND k = 2`) one still runs: an ungrouped aggregate answers one row.
            let shard = allShards[pinned?.first ?? 0]
            return DistributedPlan(
                tier: .router, fragments: [.init(shard: shard, sql: SQLPrinter.print(select))],
                attachments: attachments, merge: .concatenate(offset: 0, limit: nil),
                hiddenColumnCount: 0, shardsBeforePruning: allShards.count, notes: [])
        }
        let kept = pinned.map { $0.sorted() } ?? Array(allShards.indices)
        let split = try SplitQuery(select: select, core: core, sources: sources)
        let fragments = kept.map { index -> DistributedPlan.Fragment in
            var fragmentSelect = split.fragment
            if pinned != nil, case .select(var clause) = fragmentSelect.body.first, let whereClause = clause.whereClause {
                clause.whereClause = PruneShards.trimmingInLists(
                    whereClause, toShard: index, shardCount: group.shardCount, distributionColumn: distributionColumn)
                fragmentSelect.body.first = .select(clause)
            }
            return .init(shard: allShards[index], sql: SQLPrinter.print(fragmentSelect))
        }
        return DistributedPlan(
            tier: .pushdown, fragments: fragments, attachments: attachments, merge: split.merge,
            hiddenColumnCount: split.hiddenColumnCount, shardsBeforePruning: allShards.count, notes: split.notes)
    }

    /// Any statement (CTEs, compounds, window functions, any join) whose tables all live in one
    /// file — a single-shard group with reference tables attached beside it, or the reference
    /// tables alone — runs there whole.
    private func wholeStatementOnOneFile(_ select: Select) throws -> DistributedPlan? {
        var group: ColocationGroup?
        var reference: ShardFileID?
        for name in ReferencedTables(select).names {
            if temporaryViews.contains(name) || snapshot.view(named: name) != nil { return nil }
            guard let table = snapshot.table(named: name) else { continue }  // a CTE's name
            guard let tableGroup = snapshot.colocationGroups[table.colocationGroup] else { return nil }
            if tableGroup.kind == .reference {
                reference = ShardFileID(group: tableGroup.id.rawValue, index: 0)
            } else if tableGroup.shardCount != 1 || (group != nil && group?.id != tableGroup.id) {
                return nil
            } else {
                group = tableGroup
            }
        }
        guard group != nil || reference != nil else { return nil }
        try checkExpressions(select, allowWindows: true)
        let shard = group.map { ShardFileID(group: $0.id.rawValue, index: 0) } ?? reference!
        return DistributedPlan(
            tier: .router, fragments: [.init(shard: shard, sql: SQLPrinter.print(select))],
            attachments: group != nil ? reference.map { [$0] } ?? [] : [], merge: .concatenate(offset: 0, limit: nil),
            hiddenColumnCount: 0, shardsBeforePruning: 1, notes: [])
    }

    // MARK: - Checks

    /// A fragment can only attach the reference file on a node holding copies of both (placements,
    /// issue #7; a reference group has a copy on every node it was placed on, #11): otherwise the
    /// query runs on the general path, which reads each file where it is.
    private func checkAttachmentsBesideShards(_ plan: DistributedPlan) throws {
        for fragment in plan.fragments where !plan.attachments.isEmpty {
            let common = plan.attachments.reduce(nodes(holding: fragment.shard)) { $0.intersection(nodes(holding: $1)) }
            if common.isEmpty {
                let files = plan.attachments.map(\.fileName).joined(separator: ", ")
                throw NotPushable("the reference tables (\(files)) have no copy on a node holding \(fragment.shard.fileName)")
            }
        }
    }

    /// The nodes a shard file's reads can go to (``PlacementExecutor``).
    private func nodes(holding file: ShardFileID) -> Set<NodeID> {
        Set(snapshot.usablePlacements(of: ShardGroupID(group: ColocationGroupID(file.group), index: file.index)).map(\.node))
    }

    /// Joins are pushed when every row of the result comes from one shard: the first distributed
    /// table is inner-joined, and every other distributed table is joined to it on the
    /// distribution key (in `ON`/`USING`, or for inner joins in `WHERE`).
    func checkJoins(_ sources: BoundSources, whereClause: Expr?) throws {
        let distributed = sources.sources.indices.filter { sources.sources[$0].isDistributed }
        guard let first = distributed.first else { return }
        for source in sources.sources {
            if source.isNatural { throw NotPushable("NATURAL joins run on the coordinator") }
            if let kind = source.joinKind, kind == .right || kind == .full {
                throw NotPushable("RIGHT and FULL joins run on the coordinator")
            }
        }
        if sources.sources[first].joinKind == .left {
            throw NotPushable("a distributed table on the right of a LEFT JOIN with only reference tables on its left")
        }
        guard distributed.count > 1 else { return }
        guard sources.sources[first].group.kind == .hash else {
            throw NotPushable("round-robin tables join only on the coordinator")
        }
        // Union-find over the distributed tables, joined by `a.key = b.key`.
        var parent = Array(sources.sources.indices)
        func root(_ index: Int) -> Int {
            var index = index
            while parent[index] != index { index = parent[index] }
            return index
        }
        func link(_ conjuncts: [Expr], allowedRight: Int? = nil) {
            for conjunct in conjuncts {
                guard case .binary(let op, let left, let right) = conjunct.strippingParentheses.kind,
                    op == .equals || op == .doubleEquals,
                    let a = sources.distributionSource(of: left), let b = sources.distributionSource(of: right), a != b
                else { continue }
                if let allowedRight, a != allowedRight, b != allowedRight { continue }
                parent[root(a)] = root(b)
            }
        }
        link(whereClause.map(PushDownFilters.conjuncts) ?? [])
        for (index, source) in sources.sources.enumerated() {
            switch source.constraint {
            case .on(let expr)?:
                link(PushDownFilters.conjuncts(of: expr), allowedRight: source.joinKind == .left ? index : nil)
            case .using(let names)?:
                if source.isDistributed, names.contains(where: { source.isDistributionColumn($0.name) }) {
                    // USING(k) equates k with the first table on the left that has it.
                    if let other = sources.sources[..<index].indices.first(where: { candidate in
                        sources.sources[candidate].isDistributed
                            && names.contains { sources.sources[candidate].isDistributionColumn($0.name) }
                    }) {
                        parent[root(index)] = root(other)
                    }
                }
            case nil:
                break
            }
        }
        // A LEFT-joined table may only be linked by its own ON; the WHERE links above may have
        // linked it too, which is still right: `WHERE b.k = a.k` rejects b's NULL-extended rows.
        for index in distributed where root(index) != root(first) {
            throw NotPushable(
                "\(sources.sources[index].table.name) is not joined to \(sources.sources[first].table.name) on the distribution key")
        }
    }

    /// Subqueries may read reference tables (every shard attaches their file), and distributed
    /// tables only when each shard can answer them for its own rows
    /// (``colocatedSubquerySources(in:outer:group:)``).
    private func checkSubqueries(
        _ select: Select, core: SelectClause, sources: BoundSources, placement: inout ShardPlacement
    ) throws {
        var occurrences = ReferencedTables(select).occurrences
        var local = sources.sources
        if let group = placement.distributedGroup, group.kind == .hash {
            local += colocatedSubquerySources(in: core, outer: sources, group: group).flatMap(\.sources)
        }
        for source in local {
            occurrences[CatalogName.key(source.table.name), default: 0] -= 1
            if source.group.kind == .reference {
                let file = ShardFileID(group: source.group.id.rawValue, index: 0)
                guard placement.referenceFile == nil || placement.referenceFile == file else {
                    throw NotPushable("reference tables live in two files")
                }
                placement.referenceFile = file
            }
        }
        for (name, count) in occurrences where count > 0 {
            if temporaryViews.contains(name) { throw NotPushable("the query reads TEMP view \(name)") }
            if snapshot.view(named: name) != nil { throw NotPushable("the query reads view \(name)") }
            guard let table = snapshot.table(named: name) else { continue }  // a CTE's name
            guard let group = snapshot.colocationGroups[table.colocationGroup], group.kind == .reference else {
                throw NotPushable("a subquery reads distributed table \(table.name)")
            }
            let file = ShardFileID(group: group.id.rawValue, index: 0)
            guard placement.referenceFile == nil || placement.referenceFile == file else {
                throw NotPushable("reference tables live in two files")
            }
            placement.referenceFile = file
        }
    }

    /// Functions whose value is the coordinator's session state, and window functions, stay off
    /// the shards.
    private func checkExpressions(_ select: Select, allowWindows: Bool) throws {
        var problem: String?
        ExpressionWalker.visit(select) { expr in
            guard problem == nil, case .function(let call) = expr.kind else { return }
            let name = call.name.name.lowercased()
            if ["changes", "total_changes", "last_insert_rowid"].contains(name) {
                problem = "\(name)() is the coordinator's session state"
            } else if call.over != nil, !allowWindows {
                problem = "window functions run on the coordinator"
            }
        }
        if let problem { throw NotPushable(problem) }
    }
}

/// Where the tables of a query live: one distributed co-location group (or none), and the one
/// file holding the reference tables.
struct ShardPlacement {
    var distributedGroup: ColocationGroup?
    var referenceFile: ShardFileID?

    init(sources: BoundSources, snapshot: CatalogSnapshot) throws {
        for source in sources.sources {
            let group = source.group
            if group.kind == .reference {
                let file = ShardFileID(group: group.id.rawValue, index: 0)
                if let referenceFile, referenceFile != file {
                    throw PlanSelect.NotPushable("reference tables live in two files")
                }
                referenceFile = file
            } else if let distributedGroup {
                guard distributedGroup.id == group.id else {
                    throw PlanSelect.NotPushable(
                        "\(source.table.name) is not co-located with the other distributed tables")
                }
            } else {
                distributedGroup = group
            }
        }
    }
}
