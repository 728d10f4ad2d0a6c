import SQLSyntax
import ShardQLBase
import Worker

/// The coordinator's operators driven directly, for `Benchmarks/` (a package of its own, which
/// sees only public API): the planner without its cache, the k-way merge and a split
/// aggregate's final step on rows the caller makes. Not part of the supported API.
@_spi(Benchmarks) public enum OperatorBenchmarks {
    /// Plans `sql` (a SELECT) on `cluster`'s catalog as a cache miss would; returns the tier.
    public static func plan(_ sql: String, on cluster: Cluster) throws -> String {
        guard case .select(let select) = try SQLParser.parseStatement(sql).kind else {
            throw ShardQLError(.invalidArgument, "not a SELECT")
        }
        return "\(PlanSelect(snapshot: cluster.snapshot, temporaryViews: []).plan(select).tier)"
    }

    /// Merges `inputs` — each a list of row batches already sorted ascending on `keyColumns` —
    /// with the k-way merge the pushdown tier uses for `ORDER BY`; returns the rows it produced.
    public static func merge(_ inputs: [[[[SQLValue]]]], keyColumns: [Int], limit: Int? = nil) async throws -> Int {
        let streams = inputs.map { batches in
            AsyncStream<[[SQLValue]]> { continuation in
                for batch in batches { continuation.yield(batch) }
                continuation.finish()
            }
        }
        var produced = 0
        for try await batch in MergeSortOperator(inputs: streams, keys: keyColumns.map { SortKey(column: $0) }, limit: limit) {
            produced += batch.count
        }
        return produced
    }

    /// A split aggregate's final step as the coordinator runs it: `partials` (the shards' partial
    /// rows) loaded into a table made by `tableSQL` (named `_shardql_partials`) in a pooled
    /// in-memory database, then `querySQL`; returns the result's row count.
    public static func finalStep(tableSQL: String, querySQL: String, partials: [[[SQLValue]]]) async throws -> Int {
        let rows = AsyncStream<[[SQLValue]]> { continuation in
            for batch in partials { continuation.yield(batch) }
            continuation.finish()
        }
        let result = try await finalStepDatabases.run(
            DistributedPlan.FinalStep(tableSQL: tableSQL, querySQL: querySQL), rows: rows, sizeLimit: 1 << 30)
        return result.rows.count
    }

    /// The name of the partial-rows table a final step reads.
    public static var partialTable: String { SplitAggregate.partialTable }

    private static let finalStepDatabases = FinalStepDatabases(capacity: 1)
}
