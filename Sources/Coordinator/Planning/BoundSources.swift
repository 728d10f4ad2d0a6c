import Catalog
import Partitioning
import SQLSyntax

/// The tables of one `SELECT` core's `FROM` clause, resolved against the catalog: enough of a
/// binder for the distributed planner to tell which table a column belongs to, what affinity and
/// collation it has, and whether it is a distribution column.
///
/// Only plain catalog tables are bound (no subquery, table function, parenthesised join or view
/// in `FROM`); ``init(_:in:)`` returns nil otherwise and the planner leaves the query to a tier
/// that does not need to know.
struct BoundSources: Sendable {
    struct Source: Sendable {
        /// The name the query uses for the table: its alias, else its name.
        var qualifier: String
        var table: Table
        var group: ColocationGroup
        /// The join that brought the table in (`nil` for the first one).
        var joinKind: JoinOperator.Kind?
        var isNatural: Bool
        var constraint: JoinConstraint?

        /// The table's columns by folded name.
        var columnsByKey: [String: Column] = [:]

        var isDistributed: Bool { group.kind != .reference }

        func column(named name: String) -> Column? {
            columnsByKey[CatalogName.key(name)]
        }

        /// Whether `name` is the table's distribution column.
        func isDistributionColumn(_ name: String) -> Bool {
            guard group.kind == .hash, let column = table.distributionColumn else { return false }
            return CatalogName.equal(column, name)
        }
    }

    /// A column reference resolved to its table.
    struct BoundColumn: Sendable {
        var source: Int
        /// `nil` for the rowid (`rowid`, `oid`, `_rowid_` without a column of that name).
        var column: Column?
    }

    var sources: [Source]

    init?(_ from: JoinClause, in snapshot: CatalogSnapshot) {
        var sources: [Source] = []
        let items: [(TableOrSubquery, Join?)] = [(from.first, nil)] + from.joins.map { ($0.table, $0) }
        for (item, join) in items {
            guard case .table(let reference) = item, reference.name.schema == nil,
                let table = snapshot.table(named: reference.name.name.name),
                let group = snapshot.colocationGroups[table.colocationGroup]
            else { return nil }
            var source = Source(
                qualifier: reference.alias?.name ?? table.name, table: table, group: group,
                joinKind: join?.op.kind, isNatural: join?.op.natural ?? false, constraint: join?.constraint)
            for column in table.columns { source.columnsByKey[CatalogName.key(column.name)] = column }
            sources.append(source)
        }
        self.sources = sources
    }

    /// Resolves a column reference: by qualifier when it has one, else the one table with a column
    /// of that name. Nil when it names no column of these tables or is ambiguous.
    func resolve(_ reference: ColumnReference) -> BoundColumn? {
        guard reference.schema == nil else { return nil }
        let name = reference.column.name
        let key = CatalogName.key(name)
        let candidates = sources.indices.filter { index in
            reference.table.map { CatalogName.equal($0.name, sources[index].qualifier) } ?? true
        }
        let matches = candidates.filter { sources[$0].columnsByKey[key] != nil }
        if matches.count == 1 {
            return BoundColumn(source: matches[0], column: sources[matches[0]].columnsByKey[key])
        }
        if matches.isEmpty, candidates.count == 1, Self.isRowIDName(name), !sources[candidates[0]].table.isWithoutRowID {
            return BoundColumn(source: candidates[0], column: nil)
        }
        return nil
    }

    static func isRowIDName(_ name: String) -> Bool {
        ["rowid", "oid", "_rowid_"].contains { CatalogName.equal($0, name) }
    }

    /// The index of the source whose distribution column `expr` is (a plain column reference).
    func distributionSource(of expr: Expr) -> Int? {
        guard case .column(let reference) = expr.strippingParentheses.kind, let bound = resolve(reference),
            let column = bound.column, sources[bound.source].isDistributionColumn(column.name)
        else { return nil }
        return bound.source
    }
}
