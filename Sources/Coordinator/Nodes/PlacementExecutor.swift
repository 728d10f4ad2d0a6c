import Catalog
import ShardQLBase
import Synchronization
import Worker

/// The coordinator's one ``ShardExecutor``: it sends every call for a shard file to the
/// executor of the node holding the file, as the catalog's placements say (issue #7).
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
/// Each shard group has one placement until replicas exist (#11); with several, calls go to the
/// first active one.
final class PlacementExecutor: ShardExecutor {
    /// Makes the executor of a remote node from its `HOST:PORT`.
    typealias Connect = @Sendable (String) async throws -> any ShardExecutor

    private let local: any ShardExecutor
    private let connect: Connect?
    /// Reads the catalog as stored, for files with no route yet.
    private let refresh: @Sendable () async throws -> CatalogSnapshot

    private struct State {
        /// Address of the node holding each shard file.
        var routes: [ShardFileID: String] = [:]
        /// Executors of remote nodes, by address, made once each.
        var remotes: [String: Task<any ShardExecutor, any Error>] = [:]
        var isClosed = false
    }

    private let state = Mutex(State())

    init(local: any ShardExecutor, connect: Connect?, refresh: @escaping @Sendable () async throws -> CatalogSnapshot) {
        self.local = local
        self.connect = connect
        self.refresh = refresh
    }

    // MARK: Routes

    /// Takes the placements of every shard group in `snapshot`.
    func learn(_ snapshot: CatalogSnapshot) {
        let placements = snapshot.allShardGroups.compactMap { Self.chosen(snapshot.placements(of: $0.id)) }
        learn(placements, nodes: snapshot)
    }

    /// Takes `placements` (of a group being created), finding node addresses in `nodes`.
    func learn(_ placements: [Placement], nodes: CatalogSnapshot) {
        let routes = placements.compactMap { placement -> (ShardFileID, String)? in
            guard let address = nodes.node(placement.node)?.address else { return nil }
            return (ShardFileID(group: placement.shardGroup.group.rawValue, index: placement.shardGroup.index), address)
        }
        state.withLock { state in
            for (file, address) in routes { state.routes[file] = address }
        }
    }

    /// The placement calls go to: the first active one, else the first.
    private static func chosen(_ placements: [Placement]) -> Placement? {
        placements.first { $0.state == .active } ?? placements.first
    }

    /// The address of the node holding `shard`, looking in the catalog when it has no route yet;
    /// ``Node/localAddress`` for a file the catalog does not know.
    func address(of shard: ShardFileID) async throws -> String {
        if let address = state.withLock({ $0.routes[shard] }) { return address }
        learn(try await refresh())
        return state.withLock { $0.routes[shard] } ?? Node.localAddress
    }

    /// The address of the node holding `shard` as far as routes already learned say.
    func knownAddress(of shard: ShardFileID) -> String? {
        state.withLock { $0.routes[shard] }
    }

    /// The executor of the node holding `shard`.
    private func executor(for shard: ShardFileID) async throws -> any ShardExecutor {
        try await executor(forAddress: try await address(of: shard), shard: shard)
    }

    private func executor(forAddress address: String, shard: ShardFileID) async throws -> any ShardExecutor {
        if address == Node.localAddress { return local }
        let task = try state.withLock { state -> Task<any ShardExecutor, any Error> in
            guard !state.isClosed else { throw ShardQLError(.internalError, "the cluster is closed") }
            if let task = state.remotes[address] { return task }
            guard let connect else {
                throw ShardQLError(
                    .unsupported,
                    "\(shard) is on node \(address), but this coordinator was opened without a way to reach remote workers")
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

    // MARK: ShardExecutor

    func createShard(_ shard: ShardFileID) async throws {
        try await executor(for: shard).createShard(shard)
    }

    func dropShard(_ shard: ShardFileID) async throws {
        try await executor(for: shard).dropShard(shard)
    }

    func query(_ sql: String, parameters: [SQLValue], on shard: ShardFileID) async throws -> RowSet {
        try await executor(for: shard).query(sql, parameters: parameters, on: shard)
    }

    func read(_ read: ShardRead, on shard: ShardFileID, batchRows: Int) async throws -> ShardRowStream {
        let address = try await address(of: shard)
        // Attached files are opened beside the shard: the planner only attaches co-resident ones.
        for attached in read.attaching {
            let other = try await self.address(of: attached)
            guard other == address else {
                throw ShardQLError(
                    .internalError, "cannot attach \(attached) (on node \(other)) to a read of \(shard) (on node \(address))")
            }
        }
        return try await executor(forAddress: address, shard: shard).read(read, on: shard, batchRows: batchRows)
    }

    func begin(_ transaction: TransactionID, on shard: ShardFileID, recording: Bool) async throws {
        try await executor(for: shard).begin(transaction, on: shard, recording: recording)
    }

    func write(
        _ statements: [ShardStatement], on shard: ShardFileID, in transaction: TransactionID, recording: Bool
    ) async throws -> [WriteOutcome] {
        try await executor(for: shard).write(statements, on: shard, in: transaction, recording: recording)
    }

    func ingest(
        _ batch: IngestBatch, sql: String, on shard: ShardFileID, in transaction: TransactionID, recording: Bool,
        rejectionLimit: Int
    ) async throws -> IngestOutcome {
        try await executor(for: shard).ingest(
            batch, sql: sql, on: shard, in: transaction, recording: recording, rejectionLimit: rejectionLimit)
    }

    func savepoint(_ operation: SavepointOperation, on shard: ShardFileID, in transaction: TransactionID) async throws {
        try await executor(for: shard).savepoint(operation, on: shard, in: transaction)
    }

    func commit(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        try await executor(for: shard).commit(transaction, on: shard)
    }

    func prepare(_ transaction: TransactionID, on shard: ShardFileID) async throws -> Bool {
        try await executor(for: shard).prepare(transaction, on: shard)
    }

    func commitPrepared(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        try await executor(for: shard).commitPrepared(transaction, on: shard)
    }

    func abort(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        try await executor(for: shard).abort(transaction, on: shard)
    }

    func preparedTransactions(on shard: ShardFileID) async throws -> [TransactionID] {
        try await executor(for: shard).preparedTransactions(on: shard)
    }

    func statistics(of shard: ShardFileID) async throws -> ShardStatistics {
        try await executor(for: shard).statistics(of: shard)
    }

    /// Closes the in-process worker and every remote node's executor.
    func close() async {
        let remotes = state.withLock { state in
            state.isClosed = true
            defer { state.remotes = [:] }
            return Array(state.remotes.values)
        }
        for task in remotes {
            if let executor = try? await task.value { await executor.close() }
        }
        await local.close()
    }
}
