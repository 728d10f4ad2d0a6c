import SQLSyntax
import ShardQLBase
import Worker

extension Cluster {
    /// `EXPLAIN query`: the tier, the shards kept after pruning, each fragment's SQL, the merge
    /// and why anything was not pushed down. `EXPLAIN ANALYZE query` runs it and adds each
    /// fragment's rows and time. One row per line, in a column named `plan`.
    func explain(_ statement: Statement, analyze: Bool) async throws -> StatementResult {
        guard case .select(let select) = statement.kind else {
            throw ShardQLError(.unsupported, "EXPLAIN supports queries (SELECT) only")
        }
        var lines: [String]
        if analyze {
            let running = try await stream(statement)
            var rows = 0
            for try await batch in running.result { rows += batch.count }
            lines = ExplainText.lines(for: running.plan, metrics: running.metrics.snapshot)
            lines.append("Result: \(rows) rows in \(ExplainText.format(ContinuousClock.now - running.started))")
        } else {
            lines = ExplainText.lines(for: plan(for: select), metrics: nil)
        }
        return StatementResult(columns: ["plan"], rows: lines.map { [.text(SQLText($0))] })
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
                lines.append(
                    "Shard \(fragment.shard.index): \(fragment.rows) rows in \(fragment.batches) batches, first batch after \(format(fragment.firstBatch)), last after \(format(max(fragment.firstBatch, fragment.elapsed)))")
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
