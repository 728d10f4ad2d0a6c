import Catalog
import SQLSyntax
import ShardQLBase
import Worker

/// Rows a query produced, with what each shard did.
struct QueryOutcome: Sendable {
    var result: StatementResult
    var plan: DistributedPlan
    var fragments: [FragmentMetrics]
    /// Time spent merging on the coordinator after the shards' first rows arrived.
    var elapsed: Duration
}

extension Cluster {
    /// Runs a query: plans it (or takes the cached plan) and executes the plan within the
    /// session's statement timeout.
    func query(_ statement: Statement) async throws -> StatementResult {
        try await withStatementLimits { try await self.run(statement).result }
    }

    /// The plan for `select` under the current catalog, from the cache when possible.
    func plan(for select: Select) -> DistributedPlan {
        let snapshot = self.snapshot
        let views = temporaryViews.withLock { Set($0.keys) }
        if settings.withLock({ $0.forceGeneralPath }) {
            return PlanSelect(snapshot: snapshot, temporaryViews: views).general("the general path is forced")
        }
        // TEMP views are session state outside the catalog's version: such plans are not cached.
        let key = views.isEmpty ? PlanCache.Key(sql: SQLPrinter.print(select), catalogVersion: snapshot.version) : nil
        if let key, let cached = planCache.plan(for: key) { return cached }
        let plan = PlanSelect(snapshot: snapshot, temporaryViews: views).plan(select)
        if let key { planCache.store(plan, for: key) }
        return plan
    }

    /// Plans and runs `statement` (a query), answering on the general path when the planner says
    /// so, or when a split `sum` overflowed (then SQLite's own order of addition decides).
    func run(_ statement: Statement) async throws -> QueryOutcome {
        guard case .select(let select) = statement.kind else {
            let plan = PlanSelect(snapshot: snapshot, temporaryViews: []).general("not a query")
            return try await runGeneral(statement, plan: plan)
        }
        let plan = plan(for: select)
        guard plan.tier != .general else { return try await runGeneral(statement, plan: plan) }
        do {
            return try await runDistributed(plan)
        } catch let error as ShardQLError where error.isIntegerOverflow && plan.tier == .pushdown {
            var fallback = plan
            fallback.notes.append("a shard's partial sum overflowed: answered on the general path")
            return try await runGeneral(statement, plan: fallback)
        }
    }

    private func runGeneral(_ statement: Statement, plan: DistributedPlan) async throws -> QueryOutcome {
        let started = ContinuousClock.now
        let result = try await generalQuery(statement)
        return QueryOutcome(result: result, plan: plan, fragments: [], elapsed: ContinuousClock.now - started)
    }

    /// Router and pushdown plans: every fragment streams from its shard at once (bounded by
    /// ``parallelism``), and the merge consumes the streams as they arrive.
    private func runDistributed(_ plan: DistributedPlan) async throws -> QueryOutcome {
        let started = ContinuousClock.now
        let recorder = MetricsRecorder(shards: plan.fragments.map(\.shard))
        let streams = try await openStreams(plan, recorder: recorder, started: started)
        let visible = max(0, streams[0].columns.count - plan.hiddenColumnCount)
        let columns = Array(streams[0].columns.prefix(visible))
        var rows: [[SQLValue]] = []
        switch plan.merge {
        case .concatenate(let offset, let limit):
            var skipped = 0
            gather: for try await batch in GatherOperator(streams: streams, parallelism: parallelism) {
                for row in batch {
                    if skipped < offset {
                        skipped += 1
                        continue
                    }
                    if let limit, rows.count >= limit { break gather }
                    rows.append(plan.hiddenColumnCount == 0 ? row : Array(row.prefix(visible)))
                }
                if let limit, rows.count >= limit { break }
            }
        case .mergeSort(let keys, let offset, let limit):
            for try await batch in MergeSortOperator(inputs: streams, keys: keys, offset: offset, limit: limit) {
                rows += batch.map { Array($0.prefix(visible)) }
            }
        case .finalStep(let step):
            let result = try await runFinalStep(step, streams: streams)
            return QueryOutcome(
                result: StatementResult(columns: result.columns, rows: result.rows), plan: plan,
                fragments: recorder.snapshot, elapsed: ContinuousClock.now - started)
        }
        return QueryOutcome(
            result: StatementResult(columns: columns, rows: rows), plan: plan, fragments: recorder.snapshot,
            elapsed: ContinuousClock.now - started)
    }

    /// Starts every fragment's read (the shards prepare at once).
    private func openStreams(
        _ plan: DistributedPlan, recorder: MetricsRecorder, started: ContinuousClock.Instant
    ) async throws -> [MeteredStream] {
        let executor = self.executor
        return try await withThrowingTaskGroup(of: (Int, ShardRowStream).self) { group in
            for (index, fragment) in plan.fragments.enumerated() {
                group.addTask {
                    let read = ShardRead(fragment.sql, attaching: plan.attachments)
                    return (index, try await executor.read(read, on: fragment.shard, batchRows: 1024))
                }
            }
            var streams = [MeteredStream?](repeating: nil, count: plan.fragments.count)
            for try await (index, stream) in group {
                streams[index] = MeteredStream(stream: stream, started: started, recorder: recorder, index: index)
            }
            return streams.map { $0! }
        }
    }

    /// Loads the shards' partial rows into a coordinator table and runs the final query there.
    private func runFinalStep(_ step: DistributedPlan.FinalStep, streams: [MeteredStream]) async throws -> RowSet {
        let scratch = try await ScratchDatabase.open(
            counters: counters.withLock { $0 }, sizeLimit: settings.withLock { $0.tempSizeLimit })
        do {
            _ = try await scratch.run(step.tableSQL)
            try await scratch.insert(
                GatherOperator(streams: streams, parallelism: parallelism), into: SplitAggregate.partialTable)
            let result = try await scratch.run(step.querySQL)
            await scratch.close()
            return result
        } catch {
            await scratch.close()
            throw error
        }
    }
}

extension ShardQLError {
    /// SQLite's `integer overflow` from `sum()` (or arithmetic).
    var isIntegerOverflow: Bool { code == .sqlite && message.contains("integer overflow") }
}
