import SQLSyntax
import ShardQLBase
import Worker

extension Cluster {
    /// `EXPLAIN query`: the tier, the shards kept after pruning, each fragment's SQL, the merge
    /// and why anything was not pushed down. `EXPLAIN ANALYZE query` runs it and adds each
    /// fragment's rows and time. One row per line, in a column named `plan`.
    func explain(_ statement: Statement, analyze: Bool) async throws -> StatementResult {
        let plan = try await queryPlan(statement, analyze: analyze)
        return StatementResult(columns: ["plan"], rows: plan.lines.map { [.text(SQLText($0))] })
    }

    /// The distributed plan of a query, as `EXPLAIN` shows it; with `analyze`, the query runs
    /// (its rows are counted, not kept) and the plan carries each fragment's rows and times.
    public func queryPlan(_ statement: Statement, analyze: Bool = false) async throws -> QueryPlan {
        guard case .select(let select) = statement.kind else {
            throw ShardQLError(.unsupported, "EXPLAIN supports queries (SELECT) only")
        }
        guard analyze else {
            let plan = plan(for: select)
            return QueryPlan(plan, lines: ExplainText.lines(for: plan, metrics: nil), metrics: nil)
        }
        let running = try await stream(statement)
        var rows = 0
        for try await batch in running.result { rows += batch.count }
        let elapsed = ContinuousClock.now - running.started
        let metrics = running.metrics.snapshot
        var lines = ExplainText.lines(for: running.plan, metrics: metrics)
        lines.append("Result: \(rows) rows in \(ExplainText.format(elapsed))")
        var result = QueryPlan(running.plan, lines: lines, metrics: metrics)
        result.resultRows = rows
        result.elapsed = elapsed
        return result
    }
}

/// A query's distributed plan: how ``Cluster/queryPlan(_:analyze:)`` (and `EXPLAIN`) says it
/// runs, and with `ANALYZE`, what each shard did.
public struct QueryPlan: Sendable, CustomStringConvertible {
    /// The planner's tiers, cheapest first (DESIGN §1).
    public enum Tier: String, Sendable {
        /// The whole statement runs on one shard.
        case router
        /// Fragments run on the shards; the coordinator merges their rows.
        case pushdown
        /// The rows read are copied to the coordinator, where SQLite answers.
        case general
    }

    /// The SQL one shard runs.
    public struct Fragment: Sendable {
        /// The shard: its co-location group and its index in that group.
        public var shardGroup: Int
        public var shard: Int
        public var sql: String
        /// With `ANALYZE`: rows the shard returned, and the time from the query's start to its last batch.
        public var rows: Int?
        public var elapsed: Duration?
    }

    /// How the shards' rows become the result.
    public enum Merge: Sendable, Equatable {
        /// Concatenated in shard order (one shard: its rows are the result).
        case concatenate(offset: Int, limit: Int?)
        /// A k-way merge of sorted shard streams.
        case mergeSort(offset: Int, limit: Int?)
        /// Loaded into a coordinator table, then a final query (split aggregates).
        case finalQuery(tableSQL: String, querySQL: String)
        /// The general path: no fragments; the coordinator's SQLite runs the query.
        case coordinator
    }

    public var tier: Tier
    /// The shards of the tables read, before pruning.
    public var shardsBeforePruning: Int
    /// One per shard kept after pruning (none on the general path).
    public var fragments: [Fragment]
    public var merge: Merge
    /// Why parts were not pushed down, and other remarks.
    public var notes: [String]
    /// With `ANALYZE`: the result's row count and the query's time.
    public var resultRows: Int?
    public var elapsed: Duration?
    /// The plan as `EXPLAIN` prints it, one line each.
    public var lines: [String]

    public var description: String { lines.joined(separator: "\n") }

    init(_ plan: DistributedPlan, lines: [String], metrics: [FragmentMetrics]?) {
        tier = Tier(rawValue: plan.tier.rawValue) ?? .general
        shardsBeforePruning = plan.shardsBeforePruning
        fragments = plan.fragments.map { fragment in
            let measured = metrics?.first { $0.shard == fragment.shard }
            return Fragment(
                shardGroup: Int(fragment.shard.group), shard: fragment.shard.index, sql: fragment.sql,
                rows: measured?.rows, elapsed: measured?.elapsed)
        }
        switch (plan.tier, plan.merge) {
        case (.general, _): merge = .coordinator
        case (_, .concatenate(let offset, let limit)): merge = .concatenate(offset: offset, limit: limit)
        case (_, .mergeSort(_, let offset, let limit)): merge = .mergeSort(offset: offset, limit: limit)
        case (_, .finalStep(let step)): merge = .finalQuery(tableSQL: step.tableSQL, querySQL: step.querySQL)
        }
        notes = plan.notes
        self.lines = lines
    }
}

/// The text of `EXPLAIN` (stable, for golden files: no timings unless analysing).
enum ExplainText {
    static func lines(for plan: DistributedPlan, metrics: [FragmentMetrics]?) -> [String] {
        var lines = ["Tier: \(plan.tier.rawValue)"]
        if plan.tier != .general {
            let kept = plan.fragments.count
            lines.append(
                kept == plan.shardsBeforePruning
                    ? "Shards: all \(kept)"
                    : "Shards: \(kept) of \(plan.shardsBeforePruning) after pruning: "
                        + plan.fragments.map { "\($0.shard.index)" }.joined(separator: ", "))
            if !plan.attachments.isEmpty {
                lines.append("Reference tables: attached from " + plan.attachments.map(\.fileName).joined(separator: ", "))
            }
            // Fragments with the same SQL are shown once.
            var groups: [(sql: String, shards: [Int])] = []
            for (index, fragment) in plan.fragments.enumerated() {
                if let position = groups.firstIndex(where: { $0.sql == fragment.sql }) {
                    groups[position].shards.append(index)
                } else {
                    groups.append((fragment.sql, [index]))
                }
            }
            for group in groups {
                let shards = group.shards.map { "\(plan.fragments[$0].shard.index)" }.joined(separator: ", ")
                lines.append("Fragment on shard\(group.shards.count == 1 ? "" : "s") \(shards): \(group.sql)")
            }
            lines.append("Merge: " + describe(plan.merge, tier: plan.tier))
            if case .finalStep(let step) = plan.merge {
                lines.append("Final table: \(step.tableSQL)")
                lines.append("Final query: \(step.querySQL)")
            }
        }
        for note in plan.notes {
            lines.append((plan.tier == .general ? "Not pushed down: " : "Note: ") + note)
        }
        if let metrics {
            for fragment in metrics {
                // Which copy answered: the node, or nodes in order after a failover.
                let nodes = fragment.servedBy?.addresses ?? []
                let served = nodes.isEmpty ? "" : " on " + nodes.joined(separator: " then ")
                lines.append(
                    "Shard \(fragment.shard.index)\(served): \(fragment.rows) rows in \(fragment.batches) batches, first batch after \(format(fragment.firstBatch)), last after \(format(max(fragment.firstBatch, fragment.elapsed)))")
            }
        }
        return lines
    }

    private static func describe(_ merge: DistributedPlan.Merge, tier: DistributedPlan.Tier) -> String {
        switch merge {
        case .concatenate(let offset, let limit):
            let base = tier == .router ? "none (the shard's rows are the result)" : "concatenate the shards' rows"
            return base + limitText(offset: offset, limit: limit)
        case .mergeSort(let keys, let offset, let limit):
            let keyText = keys.map { key in
                "column \(key.column + 1) \(key.descending ? "DESC" : "ASC") NULLS \(key.nullsFirst ? "FIRST" : "LAST")"
                    + (key.collation == .binary ? "" : " COLLATE \(key.collation.rawValue)")
            }.joined(separator: ", ")
            return "k-way merge of sorted shard streams on \(keyText)" + limitText(offset: offset, limit: limit)
        case .finalStep:
            return "load the shards' partial rows into a coordinator table, then run the final query"
        }
    }

    private static func limitText(offset: Int, limit: Int?) -> String {
        var text = ""
        if let limit { text += ", stop after \(limit) rows" }
        if offset > 0 { text += ", skip \(offset)" }
        return text
    }

    static func format(_ duration: Duration) -> String {
        let microseconds = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        let fraction = String(microseconds % 1000)
        return "\(microseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count) + fraction) ms"
    }
}
