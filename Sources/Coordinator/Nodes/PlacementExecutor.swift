import Catalog
import ShardQLBase
import Synchronization
import Worker

/// The coordinator's one ``ShardExecutor``: it sends every call for a shard file to the
/// executors of the nodes holding its copies, as the catalog's placements say (issues #7, #11).
///
/// The in-process worker serves ``Node/localAddress``; a remote address gets an executor from
/// the `connect` closure given to ``Cluster/open(directory:catalog:defaultShardCount:defaultDistribution:recovering:connectingWith:)``
/// (a gRPC client, or in tests a ``LocalWorker`` in a directory of its own), made on first use
/// and kept, one per node, until ``close()``.
///
/// Routes are learned from catalog snapshots (``learn(_:)``) and, for a co-location group a
/// transaction is creating, from its placements before the catalog commits them
/// (``learn(_:nodes:)``): the files exist before the catalog knows them. A file with no route
/// is looked up in the catalog once more (another coordinator may have made it); a file the
/// catalog does not know either belongs to no node and goes to the in-process worker, which is
/// what an embedded cluster always did. Group IDs are never reused, so a learned route never
/// points at another group's file; routes are kept after a table is dropped because its files
/// are deleted after the commit.
///
/// With several copies (`REPLICAS`, reference groups on every node):
/// - **Reads** go to one active copy, the one whose node has the fewest calls in flight from
///   this coordinator; a copy whose node cannot be reached (``ShardQLError/Code/unavailable``) is
///   left for the next, also in the middle of a stream (the rows already delivered are skipped
///   on the new copy: copies hold the same rows and SQLite reads them in the same order).
/// - **Writes** of a transaction go to every active copy: the first (lowest node ID) alone —
///   it takes the shard's write lock, so two transactions meet there in one order on every
///   copy — then the others at once. A copy whose call fails while another's succeeds is *lost*
///   to the transaction: it gets nothing more of it, and the transaction's commit marks it
///   inactive in the catalog (``lostCopies(of:)``), after which nothing reads it until repaired.
///   When every copy fails, the first copy's error is the call's.
/// - **Failure detection**: every call's outcome, and a health check of every remote node every
///   ``healthInterval`` (``startHealthChecks(every:)``), make a node that does not answer a
///   suspect for ``suspicion``: reads try it last, a read waiting on it when it becomes one
///   moves to another copy, and a read whose every copy is a suspect is not retried.
final class PlacementExecutor: ShardExecutor {
    /// Makes the executor of a remote node from its `HOST:PORT`.
    typealias Connect = @Sendable (String) async throws -> any ShardExecutor

    /// One copy of a shard file: the file on a node.
    struct Copy: Hashable, Sendable {
        var shard: ShardFileID
        var address: String

        /// The catalog change marking this copy inactive; nil when `catalog` no longer has it (its
        /// node went, or a move replaced it meanwhile).
        func inactivation(in catalog: CatalogSnapshot) -> CatalogChange? {
            let shardGroup = ShardGroupID(group: ColocationGroupID(shard.group), index: shard.index)
            guard let node = catalog.node(address: address),
                catalog.placements(of: shardGroup).contains(where: { $0.node == node.id })
            else { return nil }
            return .setPlacementState(shardGroup, node: node.id, .inactive)
        }
    }

    private let local: any ShardExecutor
    private let connect: Connect?
    /// Reads the catalog as stored, for files with no route yet.
    private let refresh: @Sendable () async throws -> CatalogSnapshot

    private struct State {
        /// Addresses of the nodes holding each shard file's usable copies
        /// (``CatalogSnapshot/usablePlacements(of:)``), by node ID.
        var routes: [ShardFileID: [String]] = [:]
        /// Executors of remote nodes, by address, made once each.
        var remotes: [String: Task<any ShardExecutor, any Error>] = [:]
        /// Calls in flight per node address (reads until their stream ends).
        var outstanding: [String: Int] = [:]
        /// Nodes a call could not reach lately, until when reads try them last.
        var suspects: [String: ContinuousClock.Instant] = [:]
        /// Copies each open transaction's writes no longer reach.
        var lost: [TransactionID: Set<Copy>] = [:]
        /// What calls and health checks said of each remote node.
        var contacts: [String: NodeContact] = [:]
        /// The remote nodes the catalog lists, which health checks visit.
        var nodes: [String] = []
        /// Nodes whose going down ``checkHealth()`` reported, until they answer again.
        var reportedDown: Set<String> = []
        var monitor: Task<Void, Never>?
        var isClosed = false
    }

    private let state = Mutex(State())

    init(local: any ShardExecutor, connect: Connect?, refresh: @escaping @Sendable () async throws -> CatalogSnapshot) {
        self.local = local
        self.connect = connect
        self.refresh = refresh
    }

    // MARK: Routes

    /// Takes the placements of every shard group in `snapshot`, and its remote nodes.
    func learn(_ snapshot: CatalogSnapshot) {
        let nodes = snapshot.nodes.values.map(\.address).filter { $0 != Node.localAddress }.sorted()
        var routes: [ShardFileID: [String]] = [:]
        for shardGroup in snapshot.allShardGroups {
            routes[ShardFileID(group: shardGroup.group.rawValue, index: shardGroup.index)] =
                Self.addresses(of: snapshot.usablePlacements(of: shardGroup.id), nodes: snapshot)
        }
        state.withLock { state in
            state.routes.merge(routes) { $1 }
            state.nodes = nodes
        }
    }

    /// Takes `placements` (of a group being created), finding node addresses in `nodes`.
    func learn(_ placements: [Placement], nodes: CatalogSnapshot) {
        let byFile = Dictionary(grouping: placements) {
            ShardFileID(group: $0.shardGroup.group.rawValue, index: $0.shardGroup.index)
        }
        state.withLock { state in
            for (file, placements) in byFile { state.routes[file] = Self.addresses(of: placements, nodes: nodes) }
        }
    }

    private static func addresses(of placements: [Placement], nodes: CatalogSnapshot) -> [String] {
        placements.sorted { $0.node < $1.node }.compactMap { nodes.node($0.node)?.address }
    }

    /// The addresses of the nodes holding `shard`'s usable copies, looking in the catalog when it
    /// has no route yet; ``Node/localAddress`` for a file the catalog does not know.
    func addresses(of shard: ShardFileID) async throws -> [String] {
        if let addresses = state.withLock({ $0.routes[shard] }), !addresses.isEmpty { return addresses }
        learn(try await refresh())
        return state.withLock { $0.routes[shard] }.flatMap { $0.isEmpty ? nil : $0 } ?? [Node.localAddress]
    }

    /// Whether `shard` has more than one usable copy (its writes then always end in two phases,
    /// so a copy that misses one is marked inactive by the commit itself).
    func isReplicated(_ shard: ShardFileID) -> Bool {
        state.withLock { ($0.routes[shard]?.count ?? 0) > 1 }
    }

    private func executor(forAddress address: String, shard: ShardFileID?) async throws -> any ShardExecutor {
        if address == Node.localAddress { return local }
        let task = try state.withLock { state -> Task<any ShardExecutor, any Error> in
            guard !state.isClosed else { throw ShardQLError(.internalError, "the cluster is closed") }
            if let task = state.remotes[address] { return task }
            guard let connect else {
                throw ShardQLError(
                    .unsupported,
                    "\(shard.map { "\($0) is on node \(address)" } ?? "node \(address) is remote"), but this coordinator was opened without a way to reach remote workers")
            }
            let task = Task { try await connect(address) }
            state.remotes[address] = task
            return task
        }
        do {
            return try await task.value
        } catch {
            // A failed connection is not kept: the next call tries again.
            state.withLock { state in
                if state.remotes[address] == task { state.remotes[address] = nil }
            }
            throw error
        }
    }

    /// The node at `address`, for copying shard files to and from it (``ShardMaintenance``).
    func maintenance(at address: String) async throws -> any ShardExecutor & ShardMaintenance {
        guard let node = try await executor(forAddress: address, shard: nil) as? any ShardExecutor & ShardMaintenance else {
            throw ShardQLError(.unsupported, "node \(address) cannot copy shard files")
        }
        return node
    }

    /// Whether a call failed because its node could not be reached (another copy may answer).
    static func isUnreachable(_ error: any Error) -> Bool {
        (error as? ShardQLError)?.code == .unavailable
    }

    /// How long reads try a node last after a call could not reach it.
    static let suspicion: Duration = .seconds(5)

    /// Notes a call's outcome on `address`: unreachable makes it a suspect for a while, any
    /// answer clears that and is the node's last contact (failure detection from call outcomes
    /// and health checks).
    fileprivate func observe(_ address: String, unreachable: Bool, draining: Bool? = nil) {
        let now = unreachable ? nil : WallClock.milliseconds()
        state.withLock { state in
            if unreachable {
                state.suspects[address] = ContinuousClock.now + Self.suspicion
            } else if state.suspects[address] != nil {
                state.suspects[address] = nil
            }
            guard address != Node.localAddress else { return }
            var contact = state.contacts[address] ?? NodeContact()
            contact.isReachable = !unreachable
            if let now { contact.lastAnswer = now }
            if let draining { contact.isDraining = draining }
            state.contacts[address] = contact
        }
    }

    // MARK: Health

    /// How often ``startHealthChecks(every:)`` asks every node, by default.
    static let healthInterval: Duration = .seconds(2)
    /// How long a node has to answer a health check: one that is slower is treated as down.
    static let healthTimeout: Duration = .seconds(1)

    /// What calls and health checks from this coordinator said of each remote node, by address.
    func contacts() -> [String: NodeContact] {
        state.withLock { $0.contacts }
    }

    /// Asks every remote node the catalog lists whether it serves, at once, each within
    /// ``healthTimeout``: a node that does not answer is a suspect (reads try it last), one that
    /// answers is not, and its answer is its last contact. Returns the nodes found down (by
    /// this check or by a call) and not reported before, with when each last answered (for the
    /// catalog: see ``CatalogStore/recordContact(_:)``).
    @discardableResult
    func checkHealth() async -> [String: Int64] {
        let nodes = state.withLock { $0.isClosed ? [] : $0.nodes }
        await withTaskGroup(of: Void.self) { group in
            for address in nodes {
                group.addTask {
                    do {
                        let executor = try await self.executor(forAddress: address, shard: nil)
                        let serving = try await executor.ping(timeout: Self.healthTimeout)
                        self.observe(address, unreachable: false, draining: !serving)
                    } catch {
                        // Slow counts as down: a node that cannot answer a health check in time
                        // would stall the reads sent to it.
                        self.observe(address, unreachable: true)
                    }
                }
            }
        }
        // Down now and not reported yet (a failed call may have found it first).
        return state.withLock { state in
            var wentDown: [String: Int64] = [:]
            for (address, contact) in state.contacts {
                if contact.isReachable == false {
                    if let lastAnswer = contact.lastAnswer, state.reportedDown.insert(address).inserted {
                        wentDown[address] = lastAnswer
                    }
                } else {
                    state.reportedDown.remove(address)
                }
            }
            return wentDown
        }
    }

    /// Checks every node's health now and then every `interval` until ``close()``, handing the
    /// nodes that went down (address, last answer) to `wentDown`.
    func startHealthChecks(
        every interval: Duration = healthInterval, wentDown: @escaping @Sendable ([String: Int64]) async -> Void = { _ in }
    ) {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                let down = await self.checkHealth()
                if !down.isEmpty { await wentDown(down) }
                try? await Task.sleep(for: interval)
            }
        }
        let previous = state.withLock { state -> Task<Void, Never>? in
            defer { state.monitor = task }
            return state.monitor
        }
        previous?.cancel()
    }

    /// Runs `call` on `address`'s executor, noting whether the node answered: an error of its
    /// own (a constraint, a busy lock) is an answer; a call cancelled here, or past its
    /// deadline, says nothing of the node (a read that left a silent node is cancelled: that
    /// must not clear the suspicion that made it leave).
    private func call<T>(_ address: String, _ shard: ShardFileID, _ body: (any ShardExecutor) async throws -> T)
        async throws -> T
    {
        do {
            let result = try await body(try await executor(forAddress: address, shard: shard))
            observe(address, unreachable: false)
            return result
        } catch {
            let code = (error as? ShardQLError)?.code
            if Self.isUnreachable(error) {
                observe(address, unreachable: true)
            } else if !(error is CancellationError || code == .cancelled || code == .timeout) {
                observe(address, unreachable: false)
            }
            throw error
        }
    }

    // MARK: Reads

    /// The copies of `shard` on nodes that also hold a copy of every file in `attached`.
    private func copies(of shard: ShardFileID, attaching attached: [ShardFileID]) async throws -> [String] {
        var candidates = try await addresses(of: shard)
        for file in attached {
            let holding = Set(try await addresses(of: file))
            candidates.removeAll { !holding.contains($0) }
        }
        guard !candidates.isEmpty else {
            // The planner only attaches files with a copy beside the shard's.
            throw ShardQLError(
                .internalError,
                "no node holds copies of both \(shard) and \(attached.map(\.description).joined(separator: ", "))")
        }
        return candidates
    }

    /// The copies a read of `shard` (attaching `attached`) may use, fewest calls in flight first.
    private func readOrder(_ shard: ShardFileID, attaching attached: [ShardFileID]) async throws -> [String] {
        let candidates = try await copies(of: shard, attaching: attached)
        guard candidates.count > 1 else { return candidates }
        let now = ContinuousClock.now
        // Nodes that failed lately last, then the fewest calls in flight; ties go to a random
        // copy, so an idle cluster spreads reads too.
        let (suspect, load) = state.withLock { state in
            (
                candidates.map { (state.suspects[$0].map { $0 > now } ?? false) ? 1 : 0 },
                candidates.map { state.outstanding[$0, default: 0] }
            )
        }
        let tieBreak = candidates.map { _ in UInt64.random(in: 0...UInt64.max) }
        return candidates.indices.sorted {
            (suspect[$0], load[$0], tieBreak[$0]) < (suspect[$1], load[$1], tieBreak[$1])
        }.map { candidates[$0] }
    }

    /// Runs `body`, a call to `address` that began at `start`, unless health checks or other
    /// calls find the node down or too slow meanwhile: then it is cancelled and this throws
    /// ``ShardQLError/Code/unavailable``, so a read moves to another copy instead of waiting on
    /// a node that stopped answering (a slow node must not stall the reads it serves).
    fileprivate func abandoningIfSuspected<T: Sendable>(
        _ address: String, since start: ContinuousClock.Instant, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                while !Task.isCancelled, !self.suspected(address, since: start) {
                    try? await Task.sleep(for: Self.suspicionPoll)
                }
                return nil
            }
            defer { group.cancelAll() }
            guard case let value?? = try await group.next() else {
                throw ShardQLError(.unavailable, "node \(address) stopped answering health checks in the middle of a read")
            }
            return value
        }
    }

    /// How often a read waiting on a node looks whether it was found down.
    static let suspicionPoll: Duration = .milliseconds(200)

    /// Whether a call to `address` failed, or a health check found it down, after `start`.
    private func suspected(_ address: String, since start: ContinuousClock.Instant) -> Bool {
        state.withLock { state in state.suspects[address].map { $0 > start + Self.suspicion } ?? false }
    }

    private func started(_ address: String) {
        state.withLock { $0.outstanding[address, default: 0] += 1 }
    }

    private func ended(_ address: String) {
        state.withLock { $0.outstanding[address, default: 1] -= 1 }
    }

    /// Runs a read on the first copy that answers, in ``readOrder(_:attaching:)``, trying them
    /// all again after a backoff when none did (``retryingUnreachable(_:_:)``).
    private func readAnywhere<T: Sendable>(
        _ shard: ShardFileID, attaching attached: [ShardFileID] = [],
        _ call: @escaping @Sendable (any ShardExecutor) async throws -> T
    ) async throws -> T {
        try await reroutingOnPlacementChange(shard) { try await retryingUnreachable(shard) {
            let order = try await readOrder(shard, attaching: attached)
            var failures: [any Error] = []
            for (position, address) in order.enumerated() {
                started(address)
                defer { ended(address) }
                do {
                    let attempt = { @Sendable in try await self.call(address, shard, call) }
                    // With another copy left, a node found down before it answers is left.
                    return position + 1 < order.count
                        ? try await abandoningIfSuspected(address, since: .now, attempt) : try await attempt()
                } catch where Self.isUnreachable(error) {
                    failures.append(error)
                }
            }
            throw Self.noCopyReachable(shard, failures)
        } }
    }

    /// How long idempotent work that found no copy reachable waits before trying again, per
    /// retry: each wait is jittered to between half and all of it, so coordinators that lost a
    /// node together do not come back in step.
    static let retryBackoff: [Duration] = [.milliseconds(50), .milliseconds(250)]

    /// Runs `attempt` (idempotent: a read, never a write), again after each of
    /// ``retryBackoff`` while it fails because no copy could be reached: a worker that is
    /// restarting, or a connection that broke, answers the next try. The statement's deadline
    /// bounds the waits (they end when its task is cancelled). When every copy's node was
    /// already known down (a suspect) there is no retry: a retry is for a failure that is news,
    /// not a wait added to every query while a node stays down.
    private func retryingUnreachable<T>(_ shard: ShardFileID, _ attempt: () async throws -> T) async throws -> T {
        let copies = try await addresses(of: shard)
        let now = ContinuousClock.now
        let knownDown = state.withLock { state in
            copies.allSatisfy { state.suspects[$0].map { $0 > now } ?? false }
        }
        var retries = knownDown ? Self.retryBackoff[..<0] : Self.retryBackoff[...]
        while true {
            do {
                return try await attempt()
            } catch where Self.isUnreachable(error) && !retries.isEmpty {
                let backoff = retries.removeFirst()
                try await Task.sleep(for: backoff / 2 + backoff / 2 * Double.random(in: 0...1))
            }
        }
    }

    /// How long a call refused because the shard's copies are changing keeps being re-routed: a
    /// write fence lasts while a new copy's last changes are replayed and the catalog switches.
    static let reroutingLimit: Duration = .seconds(15)

    /// Runs `attempt` again, after reading the catalog, while a node refuses it because `shard`'s
    /// copies are changing (``ShardQLError/Code/placementChanged``: moved away, or writes fenced
    /// while a new copy catches up), pausing a little longer each time, for up to
    /// ``reroutingLimit``.
    private func reroutingOnPlacementChange<T>(_ shard: ShardFileID, _ attempt: () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + Self.reroutingLimit
        var pause = Duration.milliseconds(5)
        while true {
            do {
                return try await attempt()
            } catch where Self.isPlacementChange(error) && ContinuousClock.now < deadline {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(100))
                learn(try await refresh())
            }
        }
    }

    static func isPlacementChange(_ error: any Error) -> Bool {
        (error as? ShardQLError)?.code == .placementChanged
    }

    /// The error of a read none of whose copies answered: it names the shard, then why each copy failed.
    static func noCopyReachable(_ shard: ShardFileID, _ failures: [any Error]) -> ShardQLError {
        let reasons = failures.map { ($0 as? ShardQLError)?.message ?? "\($0)" }
        return ShardQLError(
            .unavailable,
            "no copy of \(shard) (\(shard.fileName)) is reachable: \(reasons.joined(separator: "; ")) "
                + "(PRAGMA shardql.partial_results = on answers from the shards that are)")
    }

    /// The copies a read inside `transaction` may use: those its writes still reach (each holds
    /// its changes, when it made any there), by node ID.
    private func transactionCopies(_ read: ShardRead, _ shard: ShardFileID, _ transaction: TransactionID)
        async throws -> [String]
    {
        let lost = state.withLock { $0.lost[transaction] ?? [] }
        let usable = try await copies(of: shard, attaching: read.attaching).filter {
            !lost.contains(Copy(shard: shard, address: $0))
        }
        guard !usable.isEmpty else {
            throw ShardQLError(
                .unavailable, "no copy of \(shard) is reachable for transaction \(transaction): every node holding one failed")
        }
        return usable
    }

    // MARK: Writes

    /// The copies of `shard` `transaction`'s writes still reach, by node ID.
    private func writeCopies(_ shard: ShardFileID, _ transaction: TransactionID) async throws -> [String] {
        let all = try await addresses(of: shard)
        let lost = state.withLock { $0.lost[transaction] ?? [] }
        let reachable = all.filter { !lost.contains(Copy(shard: shard, address: $0)) }
        guard !reachable.isEmpty else {
            throw ShardQLError(
                .unavailable, "no copy of \(shard) is reachable for transaction \(transaction): every node holding one failed")
        }
        return reachable
    }

    fileprivate func markLost(_ copies: [String], of shard: ShardFileID, in transaction: TransactionID) {
        guard !copies.isEmpty else { return }
        state.withLock { state in
            for address in copies { state.lost[transaction, default: []].insert(Copy(shard: shard, address: address)) }
        }
    }

    /// Runs a write call of `transaction` on every copy of `shard` it still reaches: the first
    /// that answers alone, then the rest at once (see the type's notes). Returns the first's result.
    ///
    /// A copy refusing the call because the shard's copies are changing (a move or a new copy
    /// catching up) sends it, after a pause, to the copies the catalog lists then that have not
    /// had it yet (``reroutingOnPlacementChange(_:_:)``): the refusing node took nothing of the
    /// transaction (a fence waits for the transactions writing the file to end), so the new
    /// copy, caught up to the same point, takes the call in its place.
    private func writeEverywhere<T: Sendable>(
        _ shard: ShardFileID, _ transaction: TransactionID,
        _ call: @escaping @Sendable (any ShardExecutor) async throws -> T
    ) async throws -> T {
        var done: Set<String> = []
        var result: T?
        return try await reroutingOnPlacementChange(shard) {
            var remaining = try await writeCopies(shard, transaction).filter { !done.contains($0) }
            // The leader: a copy that cannot be reached is lost and the next leads; any other error
            // (a constraint, a busy lock) is the statement's own and ends the call everywhere.
            while result == nil {
                guard !remaining.isEmpty else {
                    throw ShardQLError(
                        .unavailable, "no copy of \(shard) is reachable for transaction \(transaction): every node holding one failed")
                }
                let address = remaining.removeFirst()
                do {
                    result = try await self.call(address, shard, call)
                    done.insert(address)
                } catch where Self.isUnreachable(error) && !remaining.isEmpty {
                    markLost([address], of: shard, in: transaction)
                }
            }
            let outcomes = await withTaskGroup(of: (String, (any Error)?).self) { group in
                for address in remaining {
                    group.addTask {
                        do {
                            _ = try await self.call(address, shard, call)
                            return (address, nil)
                        } catch {
                            return (address, error)
                        }
                    }
                }
                var outcomes: [(String, (any Error)?)] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            done.formUnion(outcomes.filter { $0.1 == nil }.map(\.0))
            markLost(outcomes.filter { $0.1 != nil && !Self.isPlacementChange($0.1!) }.map(\.0), of: shard, in: transaction)
            if let refusal = outcomes.first(where: { $0.1.map(Self.isPlacementChange) ?? false })?.1 { throw refusal }
            return result!
        }
    }

    /// Runs `call` on every copy of `shard`, at once; throws the first failure (after all ran).
    /// `toleratingUnreachable`: a copy whose node cannot be reached is skipped when another
    /// answered (what it missed makes it lost on its next write, or is found by recovery).
    private func onEveryCopy(
        _ shard: ShardFileID, toleratingUnreachable: Bool = false,
        _ call: @escaping @Sendable (any ShardExecutor) async throws -> Void
    ) async throws {
        let addresses = try await addresses(of: shard)
        let errors = await withTaskGroup(of: (any Error)?.self) { group in
            for address in addresses {
                group.addTask {
                    do {
                        try await self.call(address, shard, call)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var errors: [any Error] = []
            for await error in group { if let error { errors.append(error) } }
            return errors
        }
        let tolerated = toleratingUnreachable && errors.count < addresses.count && errors.allSatisfy(Self.isUnreachable)
        if let error = errors.first, !tolerated { throw error }
    }

    /// The copies `transaction` lost (see the type's notes), for its commit to mark inactive.
    func lostCopies(of transaction: TransactionID) -> [Copy] {
        state.withLock { state in Array(state.lost[transaction] ?? []) }
    }

    /// Drops what was kept about `transaction` once it ended.
    func forget(_ transaction: TransactionID) {
        _ = state.withLock { $0.lost.removeValue(forKey: transaction) }
    }

    // MARK: ShardExecutor

    func createShard(_ shard: ShardFileID) async throws {
        try await onEveryCopy(shard) { try await $0.createShard(shard) }
    }

    func dropShard(_ shard: ShardFileID) async throws {
        try await onEveryCopy(shard, toleratingUnreachable: true) { try await $0.dropShard(shard) }
    }

    func query(_ sql: String, parameters: [SQLValue], on shard: ShardFileID) async throws -> RowSet {
        try await readAnywhere(shard) { try await $0.query(sql, parameters: parameters, on: shard) }
    }

    func read(_ read: ShardRead, on shard: ShardFileID, batchRows: Int) async throws -> ShardRowStream {
        // Inside a transaction: a copy its writes still reach; one that cannot be reached is lost
        // to it (and marked inactive if it commits in two phases).
        if let transaction = read.transaction {
            // A copy the transaction wrote cannot move before it ends (the fence waits for it);
            // one it only reads may have.
            return try await reroutingOnPlacementChange(shard) {
                try await openOnFirst(read, on: shard, batchRows: batchRows, of: transactionCopies(read, shard, transaction))
            }
        }
        return try await reroutingOnPlacementChange(shard) {
            try await retryingUnreachable(shard) {
                try await self.openOnFirst(read, on: shard, batchRows: batchRows, of: readOrder(shard, attaching: read.attaching))
            }
        }
    }

    /// Opens `read` on the first of `copies` that answers.
    private func openOnFirst(_ read: ShardRead, on shard: ShardFileID, batchRows: Int, of copies: [String]) async throws
        -> ShardRowStream
    {
        guard copies.count > 1 else { return try await readOne(read, on: shard, at: copies[0], batchRows: batchRows) }
        return try await FailoverRead(executor: self, read: read, shard: shard, batchRows: batchRows, copies: copies).start()
    }

    /// A read on the only copy it can use: no failover, no load to balance.
    private func readOne(_ read: ShardRead, on shard: ShardFileID, at address: String, batchRows: Int) async throws
        -> ShardRowStream
    {
        do {
            var stream = try await call(address, shard) { try await $0.read(read, on: shard, batchRows: batchRows) }
            stream.servedBy = ServingNodes([address])
            return stream
        } catch where Self.isUnreachable(error) {
            throw Self.noCopyReachable(shard, [error])
        }
    }

    /// Opens `read` on the copy at `address`, counting it in flight until the stream ends.
    /// `withFallback`: another copy remains, so a node found down before it answers is left
    /// (``abandoningIfSuspected(_:since:_:)``).
    fileprivate func open(
        _ read: ShardRead, on shard: ShardFileID, at address: String, batchRows: Int, withFallback: Bool
    ) async throws -> ShardRowStream {
        started(address)
        do {
            let open = { @Sendable in
                try await self.call(address, shard) { try await $0.read(read, on: shard, batchRows: batchRows) }
            }
            return withFallback ? try await abandoningIfSuspected(address, since: .now, open) : try await open()
        } catch {
            ended(address)
            throw error
        }
    }

    fileprivate func closed(_ address: String) {
        ended(address)
    }

    func begin(_ transaction: TransactionID, on shard: ShardFileID, recording: Bool) async throws {
        try await writeEverywhere(shard, transaction) { try await $0.begin(transaction, on: shard, recording: recording) }
    }

    func write(
        _ statements: [ShardStatement], on shard: ShardFileID, in transaction: TransactionID, recording: Bool
    ) async throws -> [WriteOutcome] {
        try await writeEverywhere(shard, transaction) {
            try await $0.write(statements, on: shard, in: transaction, recording: recording)
        }
    }

    func ingest(
        _ batch: IngestBatch, sql: String, on shard: ShardFileID, in transaction: TransactionID, recording: Bool,
        rejectionLimit: Int
    ) async throws -> IngestOutcome {
        try await writeEverywhere(shard, transaction) {
            try await $0.ingest(
                batch, sql: sql, on: shard, in: transaction, recording: recording, rejectionLimit: rejectionLimit)
        }
    }

    func savepoint(_ operation: SavepointOperation, on shard: ShardFileID, in transaction: TransactionID) async throws {
        try await writeEverywhere(shard, transaction) { try await $0.savepoint(operation, on: shard, in: transaction) }
    }

    func commit(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        try await writeEverywhere(shard, transaction) { try await $0.commit(transaction, on: shard) }
    }

    func prepare(_ transaction: TransactionID, on shard: ShardFileID) async throws -> Bool {
        try await writeEverywhere(shard, transaction) { try await $0.prepare(transaction, on: shard) }
    }

    func commitPrepared(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        try await writeEverywhere(shard, transaction) { try await $0.commitPrepared(transaction, on: shard) }
    }

    /// Aborts on every copy, the lost ones included (they may hold the transaction's lock).
    func abort(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        try await onEveryCopy(shard, toleratingUnreachable: true) { try await $0.abort(transaction, on: shard) }
    }

    /// The transactions prepared on any copy that can be reached.
    func preparedTransactions(on shard: ShardFileID) async throws -> [TransactionID] {
        let addresses = try await addresses(of: shard)
        var found = Set<TransactionID>()
        var firstError: (any Error)?
        for address in addresses {
            do {
                found.formUnion(try await executor(forAddress: address, shard: shard).preparedTransactions(on: shard))
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError, found.isEmpty, addresses.count == 1 || Self.isUnreachable(firstError) { throw firstError }
        return found.sorted()
    }

    func statistics(of shard: ShardFileID) async throws -> ShardStatistics {
        try await readAnywhere(shard) { try await $0.statistics(of: shard) }
    }

    /// Stops the health checks; closes the in-process worker and every remote node's executor.
    func close() async {
        let (remotes, monitor) = state.withLock { state in
            state.isClosed = true
            defer {
                state.remotes = [:]
                state.monitor = nil
            }
            return (Array(state.remotes.values), state.monitor)
        }
        monitor?.cancel()
        await monitor?.value
        for task in remotes {
            if let executor = try? await task.value { await executor.close() }
        }
        await local.close()
    }
}

/// What a coordinator knows of a remote node from its own calls and health checks.
struct NodeContact: Sendable, Hashable {
    /// When the node last answered, in milliseconds since the Unix epoch; nil: not since this
    /// coordinator started.
    var lastAnswer: Int64?
    /// Whether its last call or health check reached it; nil: not asked yet.
    var isReachable: Bool?
    /// Whether its last health answer said it is draining.
    var isDraining = false
}

/// A read that moves to another copy when its node cannot be reached, mid-stream included: the
/// new copy's first rows, as many as were already delivered, are skipped.
private actor FailoverRead {
    private let executor: PlacementExecutor
    private let read: ShardRead
    private let shard: ShardFileID
    private let batchRows: Int
    /// Copies not tried yet, in order.
    private var untried: [String]
    private var current: (address: String, rows: ShardRowStream.AsyncIterator)?
    private let servedBy = ServingNodes()
    /// Rows handed to the caller so far.
    private var delivered = 0

    init(executor: PlacementExecutor, read: ShardRead, shard: ShardFileID, batchRows: Int, copies: [String]) {
        self.executor = executor
        self.read = read
        self.shard = shard
        self.batchRows = batchRows
        self.untried = copies
    }

    /// Opens the read on the first copy that answers; the stream's batches then come from here.
    func start() async throws -> ShardRowStream {
        let columns = try await openNext()
        var stream = ShardRowStream(
            columns: columns, nextBatch: { try await self.next() }, onTermination: { Task { await self.finish() } })
        stream.servedBy = servedBy
        return stream
    }

    /// Why each copy tried so far could not be reached.
    private var failures: [any Error] = []

    /// Opens the read on the next copy that answers; returns its columns.
    private func openNext() async throws -> [String] {
        while !untried.isEmpty {
            let address = untried.removeFirst()
            do {
                let stream = try await executor.open(
                    read, on: shard, at: address, batchRows: batchRows, withFallback: !untried.isEmpty)
                current = (address, stream.makeAsyncIterator())
                servedBy.append(address)
                return stream.columns
            } catch where PlacementExecutor.isUnreachable(error) {
                failures.append(error)
                lose(address)
            }
        }
        throw PlacementExecutor.noCopyReachable(shard, failures)
    }

    private func next() async throws -> [[SQLValue]]? {
        var skip = 0
        while case (let address, var rows)? = current {
            do {
                // With another copy to go to, a node found down while the batch is awaited is
                // left at once (the iterator's copies share one position).
                let next =
                    if untried.isEmpty {
                        try await rows.next()
                    } else {
                        try await executor.abandoningIfSuspected(address, since: .now) { [rows] in
                            var pending = rows
                            return try await pending.next()
                        }
                    }
                guard var batch = next else {
                    finish()
                    return nil
                }
                current = (address, rows)
                if skip > 0 {
                    let dropped = min(skip, batch.count)
                    batch.removeFirst(dropped)
                    skip -= dropped
                    if batch.isEmpty { continue }
                }
                delivered += batch.count
                return batch
            } catch where PlacementExecutor.isUnreachable(error) {
                executor.observe(address, unreachable: true)
                failures.append(error)
                lose(address)
                finish()
                _ = try await openNext()
                skip = delivered
            } catch {
                finish()
                throw error
            }
        }
        return nil
    }

    /// A copy a transaction's read could not reach is lost to the transaction.
    private func lose(_ address: String) {
        if let transaction = read.transaction { executor.markLost([address], of: shard, in: transaction) }
    }

    /// Ends the current copy's stream (its rows iterator goes; its node's call is no longer in flight).
    private func finish() {
        guard let (address, _) = current else { return }
        current = nil
        executor.closed(address)
    }
}
