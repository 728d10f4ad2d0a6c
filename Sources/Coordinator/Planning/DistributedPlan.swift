import Partitioning
import Worker

/// How one query runs on the cluster (DESIGN §1): the tier, the SQL each shard runs, and what
/// the coordinator does with the rows that come back. A value: built by ``PlanSelect`` without
/// I/O, cached by ``PlanCache``, printed by `EXPLAIN`.
struct DistributedPlan: Sendable {
    enum Tier: String, Sendable {
        /// The whole statement runs on one shard.
        case router
        /// Fragments on the shards, a merge on the coordinator.
        case pushdown
        /// Part 1's general path: the tables are copied to the coordinator, which answers.
        case general
    }

    /// One shard's part of a pushdown or router plan.
    struct Fragment: Sendable {
        var shard: ShardFileID
        var sql: String
    }

    /// What the coordinator does with the fragments' rows.
    enum Merge: Sendable {
        /// Rows in any order, passed through (then `offset`/`limit`).
        case concatenate(offset: Int, limit: Int?)
        /// Each shard's rows are sorted by `keys`; a k-way merge keeps the order, then
        /// `offset`/`limit`.
        case mergeSort(keys: [SortKey], offset: Int, limit: Int?)
        /// The rows are loaded into a coordinator table and `FinalStep` answers over it
        /// (aggregates, `DISTINCT`, `HAVING`, ordering of what only exists after the merge).
        case finalStep(FinalStep)
    }

    /// The coordinator's half of a split query: a table for the shards' rows and a query over it.
    struct FinalStep: Sendable {
        /// `CREATE TABLE` for the rows the shards return (declared affinities and collations).
        var tableSQL: String
        var querySQL: String
    }

    var tier: Tier
    /// Per-shard SQL, in shard order (empty for the general tier).
    var fragments: [Fragment]
    /// Reference-table files each fragment's connection attaches.
    var attachments: [ShardFileID]
    var merge: Merge
    /// How many trailing columns of the fragments' rows are sort keys, not results.
    var hiddenColumnCount: Int
    /// Shards the tables have before pruning (for EXPLAIN).
    var shardsBeforePruning: Int
    /// Why the plan is not faster: what could not be pushed down, or why the general tier.
    var notes: [String]
}
