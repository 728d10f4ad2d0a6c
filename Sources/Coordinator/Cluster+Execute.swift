import Catalog
import SQLSyntax
import ShardQLBase
import Worker

/// A query on its way: its rows, the plan that makes them, and what each shard did.
struct RunningQuery: Sendable {
    var result: QueryResult
    var plan: DistributedPlan
    /// Per-fragment figures, filled in as the rows are read (empty on the general path).
    var metrics: MetricsRecorder
    var started: ContinuousClock.Instant
}

extension Cluster {
    /// Runs a query to the end (``QueryResult/collect()``).
    func query(_ statement: Statement) async throws -> StatementResult {
        try await stream(statement).result.collect()
    }

    /// Starts a query under the session's statement timeout: plans it (or takes the cached plan)
    /// and opens the shards' streams; rows arrive as the result is iterated.
    ///
    /// Under `PRAGMA shardql.partial_results = on`, a shard none of whose copies can be reached
    /// adds no rows instead of failing the query (``StatementReads``); the result names it.
    func stream(_ statement: Statement) async throws -> RunningQuery {
        let (timeout, partial) = settings.withLock { ($0.statementTimeout, $0.partialResults) }
        let deadline = timeout.map(StatementDeadline.init)
        let unavailable = partial ? UnavailableShards(describing: describer(of: snapshot)) : nil
        var running = try await Self.$queryUnavailableShards.withValue(unavailable) {
            guard let deadline else { return try await run(statement, deadline: nil) }
            return try await deadline.run { try await self.run(statement, deadline: deadline) }
        }
        running.result.unavailable = unavailable
        return running
    }

    /// Names shard files for people: `shard 1 of orders, items (g4-s1.sqlite)`.
    private func describer(of snapshot: CatalogSnapshot) -> @Sendable (ShardFileID) -> String {
        { shard in
            let tables = snapshot.tables(in: ColocationGroupID(shard.group)).map(\.name)
            return "shard \(shard.index) of \(tables.isEmpty ? "a dropped table" : tables.joined(separator: ", ")) (\(shard.fileName))"
        }
    }

    /// The plan for `select` under the current catalog, from the cache when possible.
    func plan(for select: Select) -> DistributedPlan {
        let snapshot = self.snapshot
        let views = temporaryViews.withLock { Set($0.keys) }
        if settings.withLock({ $0.forceGeneralPath }) {
            return PlanSelect(snapshot: snapshot, temporaryViews: views).general("the general path is forced")
        }
        let transaction = self.transaction
        // TEMP views are session state outside the catalog's version, and so is a transaction's
        // uncommitted DDL: such plans are not cached.
        let cacheable = views.isEmpty && !(transaction?.hasCatalogChanges ?? false)
        let key = cacheable ? PlanCache.Key(sql: SQLPrinter.print(select), catalogVersion: snapshot.version) : nil
        if let key, let cached = planCache.plan(for: key) { return cached }
        var plan = PlanSelect(snapshot: snapshot, temporaryViews: views).plan(select)
        if let key { planCache.store(plan, for: key) }
        // A shard the transaction changed answers on its own connection, which cannot attach files.
        if let held = transaction?.participants, !held.isEmpty, !plan.attachments.isEmpty,
            plan.fragments.contains(where: { held.contains($0.shard) }) || plan.attachments.contains(where: held.contains)
        {
            plan = PlanSelect(snapshot: snapshot, temporaryViews: views)
                .general("the transaction changed a shard this plan would attach")
        }
        return plan
    }

    /// Plans and starts `statement` (a query), answering on the general path when the planner
    /// says so, or when a split `sum` overflowed (then SQLite's own order of addition decides).
    private func run(_ statement: Statement, deadline: StatementDeadline?) async throws -> RunningQuery {
        guard case .select(let select) = statement.kind else {
            let plan = PlanSelect(snapshot: snapshot, temporaryViews: []).general("not a query")
            return try await runGeneral(statement, plan: plan, deadline: deadline)
        }
        let plan = plan(for: select)
        guard plan.tier != .general else { return try await runGeneral(statement, plan: plan, deadline: deadline) }
        do {
            return try await runDistributed(plan, deadline: deadline)
        } catch let error as ShardQLError where error.isIntegerOverflow && plan.tier == .pushdown {
            var fallback = plan
            fallback.notes.append("a shard's partial sum overflowed: answered on the general path")
            return try await runGeneral(statement, plan: fallback, deadline: deadline)
        }
    }

    private func runGeneral(
        _ statement: Statement, plan: DistributedPlan, deadline: StatementDeadline?
    ) async throws -> RunningQuery {
        let started = ContinuousClock.now
        let cursor = try await generalQuery(statement)
        return RunningQuery(
            result: QueryResult(columns: cursor.columns, source: RowSource(.scratch(cursor), deadline: deadline)),
            plan: plan, metrics: MetricsRecorder(shards: []), started: started)
    }

    /// Router and pushdown plans: every fragment streams from its shard at once (bounded by
    /// ``parallelism``); the merge pulls from the streams as the result is read.
    private func runDistributed(_ plan: DistributedPlan, deadline: StatementDeadline?) async throws -> RunningQuery {
        let started = ContinuousClock.now
        let recorder = MetricsRecorder(shards: plan.fragments.map(\.shard))
        let streams = try await openStreams(plan, recorder: recorder, started: started)
        // A shard left out of a partial result has a stream without columns.
        guard let allColumns = streams.first(where: { !$0.columns.isEmpty })?.columns else {
            throw Self.queryUnavailableShards?.noneReachable()
                ?? ShardQLError(.internalError, "the shards' streams have no columns")
        }
        let visible = max(0, allColumns.count - plan.hiddenColumnCount)
        let columns = Array(allColumns.prefix(visible))
        let hidden = plan.hiddenColumnCount == 0 ? nil : visible
        let source: RowSource
        switch plan.merge {
        case .concatenate(let offset, let limit):
            let gather = GatherOperator(streams: streams, parallelism: parallelism).makeAsyncIterator()
            source = RowSource(.gather(gather), visible: hidden, offset: offset, limit: limit, deadline: deadline)
        case .mergeSort(let keys, let offset, let limit):
            let merge = MergeSortOperator(inputs: streams, keys: keys, offset: offset, limit: limit).makeAsyncIterator()
            source = RowSource(.merge(merge), visible: hidden, deadline: deadline)
        case .finalStep(let step):
            let result = try await runFinalStep(step, streams: streams)
            return RunningQuery(
                result: QueryResult(columns: result.columns, source: RowSource(.rows(result.rows), deadline: deadline)),
                plan: plan, metrics: recorder, started: started)
        }
        return RunningQuery(
            result: QueryResult(columns: columns, source: source), plan: plan, metrics: recorder, started: started)
    }

    /// Starts every fragment's read (the shards prepare at once).
    private func openStreams(
        _ plan: DistributedPlan, recorder: MetricsRecorder, started: ContinuousClock.Instant
    ) async throws -> [MeteredStream] {
        let executor = self.shards
        if plan.fragments.count == 1 {
            // The router's case: no task to spawn for one shard.
            let fragment = plan.fragments[0]
            let stream = try await executor.read(
                ShardRead(fragment.sql, attaching: plan.attachments), on: fragment.shard, batchRows: 1024)
            recorder.recordFirstBatch(index: 0, elapsed: ContinuousClock.now - started, servedBy: stream.servedBy)
            return [MeteredStream(stream: stream, started: started, recorder: recorder, index: 0)]
        }
        // Opening a read also runs its first batch (all of an aggregate's work): at most
        // `parallelism` shards at a time, the next starting as one finishes.
        let parallelism = self.parallelism
        return try await withThrowingTaskGroup(of: (Int, ShardRowStream).self) { group in
            var next = 0
            func startNext() {
                guard next < plan.fragments.count else { return }
                let (index, fragment) = (next, plan.fragments[next])
                group.addTask {
                    let read = ShardRead(fragment.sql, attaching: plan.attachments)
                    let stream = try await executor.read(read, on: fragment.shard, batchRows: 1024)
                    recorder.recordFirstBatch(index: index, elapsed: ContinuousClock.now - started, servedBy: stream.servedBy)
                    return (index, stream)
                }
                next += 1
            }
            for _ in 0..<parallelism { startNext() }
            var streams = [MeteredStream?](repeating: nil, count: plan.fragments.count)
            for try await (index, stream) in group {
                streams[index] = MeteredStream(stream: stream, started: started, recorder: recorder, index: index)
                startNext()
            }
            return streams.map { $0! }
        }
    }

    /// Loads the shards' partial rows into a coordinator table and runs the final query there.
    private func runFinalStep(_ step: DistributedPlan.FinalStep, streams: [MeteredStream]) async throws -> RowSet {
        try await finalStepDatabases.run(
            step, rows: GatherOperator(streams: streams, parallelism: parallelism),
            sizeLimit: settings.withLock { $0.tempSizeLimit })
    }
}

extension ShardQLError {
    /// SQLite's `integer overflow` from `sum()` (or arithmetic).
    var isIntegerOverflow: Bool { code == .sqlite && message.contains("integer overflow") }
}
