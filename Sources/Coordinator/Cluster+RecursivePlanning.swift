import Catalog
import Partitioning
import SQLSyntax
import ShardQLBase

/// Citus's recursive planning: when a query as a whole stays on the general path, its parts
/// that the planner can push down (non-recursive CTEs, subqueries in `FROM`) still run on the
/// shards; only their results are loaded into the scratch database, as tables the rest of the
/// query reads in their place. So only what cannot be pushed goes through the general path.
extension Cluster {
    /// What ``materializePushableParts(of:into:)`` did.
    struct Materialized {
        var statement: Statement
        /// Folded names of the scratch tables it created.
        var tables: Set<String> = []
        var notes: [String] = []
    }

    /// Runs the pushable CTEs and `FROM` subqueries of `statement` and loads their rows into
    /// `scratch`; returns the statement reading those tables instead.
    func materializePushableParts(of statement: Statement, into scratch: ScratchDatabase) async throws -> Materialized {
        guard case .select(var select) = statement.kind else { return Materialized(statement: statement) }
        var result = Materialized(statement: statement)
        // A part naming a CTE cannot run on the shards, which know no CTEs.
        let cteNames = Set(select.with?.tables.map { CatalogName.key($0.name.name) } ?? [])
        func readsCTE(_ part: Select) -> Bool { !ReferencedTables(part).names.isDisjoint(with: cteNames) }
        if var with = select.with, !with.recursive {
            var kept: [CommonTableExpression] = []
            for cte in with.tables {
                let name = cte.name.name
                if !readsCTE(cte.select),
                    try await materialize(cte.select, as: name, columnNames: cte.columns?.map(\.name), into: scratch)
                {
                    result.tables.insert(CatalogName.key(name))
                    result.notes.append("CTE \(name) ran on the shards")
                } else {
                    kept.append(cte)
                }
            }
            with.tables = kept
            select.with = kept.isEmpty ? nil : with
        }
        var counter = 0
        var cores = [select.body.first] + select.body.compounds.map(\.core)
        for index in cores.indices {
            guard case .select(var clause) = cores[index], var from = clause.from else { continue }
            var items = [from.first] + from.joins.map(\.table)
            for position in items.indices {
                guard case .subquery(let subquery, let alias) = items[position], !readsCTE(subquery) else { continue }
                counter += 1
                let name = "_shardql_derived\(counter)"
                guard try await materialize(subquery, as: name, columnNames: nil, into: scratch) else { continue }
                items[position] = .table(
                    TableReference(name: QualifiedName(name: Identifier(name, quoting: .doubleQuotes)), alias: alias))
                result.tables.insert(CatalogName.key(name))
                result.notes.append("subquery \(alias?.name ?? name) ran on the shards")
            }
            from.first = items[0]
            for position in from.joins.indices { from.joins[position].table = items[position + 1] }
            clause.from = from
            cores[index] = .select(clause)
        }
        select.body.first = cores[0]
        for position in select.body.compounds.indices { select.body.compounds[position].core = cores[position + 1] }
        result.statement = Statement(.select(select), range: statement.range)
        return result
    }

    /// Runs `select` on the shards and loads its rows into a scratch table `name` whose columns
    /// keep the results' affinities and collations; false (nothing done) when `select` is not
    /// pushable or its columns cannot be named as SQLite names a derived table's.
    private func materialize(
        _ select: Select, as name: String, columnNames: [String]?, into scratch: ScratchDatabase
    ) async throws -> Bool {
        guard plan(for: select).tier != .general, case .select(let core) = select.body.first, let from = core.from,
            let sources = BoundSources(from, in: snapshot),
            let expressions = try? SplitQuery.expandedResultColumns(core, sources: sources)
        else { return false }
        let running = try await stream(Statement(.select(select)))
        let names = columnNames ?? running.result.columns
        // SQLite renames duplicates inside a derived table (`a`, `a:1`); leave those to it.
        guard names.count == expressions.count, Set(names.map(CatalogName.key)).count == names.count else {
            return false
        }
        let definitions = zip(names, expressions).map { name, column in
            var definition = ScratchDatabase.quoted(name)
            let affinity = ExpressionTraits.affinity(of: column.expr, in: sources)
            if !affinity.declaredTypeName.isEmpty { definition += " " + affinity.declaredTypeName }
            let collation = ExpressionTraits.collation(of: column.expr, in: sources)
            if collation != .binary { definition += " COLLATE " + collation.rawValue }
            return definition
        }
        _ = try await scratch.run("CREATE TABLE \(ScratchDatabase.quoted(name)) (\(definitions.joined(separator: ", ")))")
        try await scratch.insert(running.result, into: name)
        return true
    }
}
