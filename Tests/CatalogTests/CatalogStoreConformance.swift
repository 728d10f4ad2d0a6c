import Catalog
import ShardQLBase
import Testing

/// The behaviour every ``CatalogStore`` must have, as a list of checks an implementation's tests
/// run one by one:
///
/// ```swift
/// @Test(arguments: CatalogStoreCheck.allCases)
/// func conformance(_ check: CatalogStoreCheck) async throws {
///     try await check.run { try await MyStore(…same catalog…) }
/// }
/// ```
///
/// `open` must return a store on a fresh, empty catalog the first time, and on the same catalog
/// each later time (checks close and reopen it to test durability). Checks close what they open.
enum CatalogStoreCheck: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case emptySnapshot
    case roundTripThroughReopen
    case versionBumpsByOne
    case staleExpectedVersionIsRefused
    case failingChangeAppliesNothing
    case staleIDsAreRefused
    case duplicateNamesAreRefused
    case dropTableCascades
    case renames
    case viewsIndexesTriggers
    case nodesAndPlacements
    case nodeAddressesAreChecked
    case groupsSpreadOverNodes
    case keysIncreaseAcrossReopen
    case keysUnderConcurrentAllocators
    case raiseKeyFloor
    case recordContact
    case transactionsAreLoggedAndListed
    case loggingRefusesDuplicatesAndDecisions
    case decideCommitsOrAbortsOnce
    case decideAppliesChangesOnCommit
    case forgetTransactions
    case concurrentDecisionsAgree
    case changesByAnotherStoreAreNoticed
    case concurrentWritersSerialize
    case reservedIDsAreUnique
    case decisionsWaitWhilePaused

    var testDescription: String { rawValue }

    typealias Open = @Sendable () async throws -> any CatalogStore

    func run(_ open: Open) async throws {
        switch self {
        case .emptySnapshot: try await Self.emptySnapshot(open)
        case .roundTripThroughReopen: try await Self.roundTripThroughReopen(open)
        case .versionBumpsByOne: try await Self.versionBumpsByOne(open)
        case .staleExpectedVersionIsRefused: try await Self.staleExpectedVersionIsRefused(open)
        case .failingChangeAppliesNothing: try await Self.failingChangeAppliesNothing(open)
        case .staleIDsAreRefused: try await Self.staleIDsAreRefused(open)
        case .duplicateNamesAreRefused: try await Self.duplicateNamesAreRefused(open)
        case .dropTableCascades: try await Self.dropTableCascades(open)
        case .renames: try await Self.renames(open)
        case .viewsIndexesTriggers: try await Self.viewsIndexesTriggers(open)
        case .nodesAndPlacements: try await Self.nodesAndPlacements(open)
        case .nodeAddressesAreChecked: try await Self.nodeAddressesAreChecked(open)
        case .groupsSpreadOverNodes: try await Self.groupsSpreadOverNodes(open)
        case .keysIncreaseAcrossReopen: try await Self.keysIncreaseAcrossReopen(open)
        case .keysUnderConcurrentAllocators: try await Self.keysUnderConcurrentAllocators(open)
        case .raiseKeyFloor: try await Self.raiseKeyFloor(open)
        case .recordContact: try await Self.recordContact(open)
        case .transactionsAreLoggedAndListed: try await Self.transactionsAreLoggedAndListed(open)
        case .loggingRefusesDuplicatesAndDecisions: try await Self.loggingRefusesDuplicatesAndDecisions(open)
        case .decideCommitsOrAbortsOnce: try await Self.decideCommitsOrAbortsOnce(open)
        case .decideAppliesChangesOnCommit: try await Self.decideAppliesChangesOnCommit(open)
        case .forgetTransactions: try await Self.forgetTransactions(open)
        case .concurrentDecisionsAgree: try await Self.concurrentDecisionsAgree(open)
        case .changesByAnotherStoreAreNoticed: try await Self.changesByAnotherStoreAreNoticed(open)
        case .concurrentWritersSerialize: try await Self.concurrentWritersSerialize(open)
        case .reservedIDsAreUnique: try await Self.reservedIDsAreUnique(open)
        case .decisionsWaitWhilePaused: try await Self.decisionsWaitWhilePaused(open)
        }
    }

    /// Runs `body` on a store from `open`, closing it whatever happens.
    static func with<T>(_ open: Open, _ body: (any CatalogStore) async throws -> T) async throws -> T {
        let store = try await open()
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    /// Expects `body` to fail with a refused change whose message contains `fragment`.
    static func expectRefused(
        _ fragment: String, sourceLocation: Testing.SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        let error = await #expect(throws: ShardQLError.self, sourceLocation: sourceLocation) { try await body() }
        #expect(error?.code == .invalidArgument, sourceLocation: sourceLocation)
        #expect(
            error?.message.contains(fragment) == true, "\(String(describing: error))",
            sourceLocation: sourceLocation)
    }

    // MARK: Checks

    static func emptySnapshot(_ open: Open) async throws {
        try await with(open) { (store: any CatalogStore) async throws in
            let snapshot = try await store.snapshot()
            #expect(snapshot == .empty)
            #expect(snapshot.version == 0)
            #expect(snapshot.nextID == 1)
            #expect(snapshot.tables.isEmpty && snapshot.nodes.isEmpty && snapshot.allShardGroups.isEmpty)
            #expect(snapshot.table(named: "t") == nil)
        }
    }

    static func roundTripThroughReopen(_ open: Open) async throws {
        let written = try await with(open) { (store: any CatalogStore) async throws in
            var ids = CatalogIDAllocator(try await store.snapshot())
            let (local, remote) = (ids.nodeID(), ids.nodeID())
            let (hash, reference, roundRobin) = (
                ids.colocationGroupID(), ids.colocationGroupID(), ids.colocationGroupID()
            )
            let (orders, codes, events) = (ids.tableID(), ids.tableID(), ids.tableID())
            let rrShards = (0..<3).map { ShardGroup(id: ShardGroupID(group: roundRobin, index: $0), hashRange: 0...0) }
            var eventsTable = Table(
                id: events, name: "Events", kind: .distributed, distribution: .roundRobin,
                colocationGroup: roundRobin, createSQL: "CREATE TABLE Events(at REAL, payload BLOB) WITHOUT ROWID",
                isWithoutRowID: true,
                columns: [
                    Column(ordinal: 0, name: "at", declaredType: "REAL", affinity: .real),
                    Column(ordinal: 1, name: "payload", declaredType: "BLOB", affinity: .blob),
                ])
            eventsTable.replicationFactor = 3
            let snapshot = try await store.apply([
                .addNode(Node(id: local, address: Node.localAddress)),
                .addNode(
                    Node(id: remote, address: "10.0.0.7:7070", state: .draining, lastHeartbeat: 1_732_000_000_123)),
                SampleCatalog.createHashGroup(hash, shards: 5, nodes: [local, remote], collation: .binary),
                SampleCatalog.createReferenceGroup(reference, nodes: [local, remote]),
                .createColocationGroup(
                    ColocationGroup(id: roundRobin, kind: .roundRobin, shardCount: 3), shardGroups: rrShards,
                    placements: rrShards.map { Placement(shardGroup: $0.id, node: remote, state: .moving) }),
                .addPlacement(
                    Placement(shardGroup: ShardGroupID(group: hash, index: 4), node: remote, state: .inactive)),
                .createTable(SampleCatalog.hashTable(orders, "orders", group: hash)),
                .createTable(SampleCatalog.referenceTable(codes, "codes", group: reference)),
                .createTable(eventsTable),
                .createIndex(
                    Index(
                        name: "orders_customer", table: orders, sql: "CREATE INDEX orders_customer ON orders(customer)")
                ),
                .createIndex(
                    Index(name: "u", table: codes, sql: "CREATE UNIQUE INDEX u ON codes(label)", isUnique: true)),
                .createView(View(name: "big", sql: "CREATE VIEW big AS SELECT * FROM orders WHERE customer > 100")),
                .createTrigger(
                    Trigger(
                        name: "trg", table: orders,
                        sql: "CREATE TRIGGER trg AFTER INSERT ON orders BEGIN SELECT 1; END")),
            ])
            #expect(snapshot.version == 1)
            #expect(snapshot.nextID == 9)
            let shards = snapshot.shardGroups(of: hash)
            #expect(shards.map(\.index) == [0, 1, 2, 3, 4])
            #expect(shards.first?.hashRange.lowerBound == 0)
            #expect(shards.last?.hashRange.upperBound == UInt64.max)
            #expect(snapshot.placements(of: shards[4].id).map(\.node) == [local, remote])
            #expect(snapshot.table(named: "ORDERS")?.columns.count == 3)
            #expect(snapshot.table(named: "events")?.isWithoutRowID == true)
            #expect(snapshot.indexes(on: orders).map(\.name) == ["orders_customer"])
            #expect(snapshot.triggers(on: orders).map(\.name) == ["trg"])
            #expect(snapshot.node(address: "10.0.0.7:7070")?.lastHeartbeat == 1_732_000_000_123)
            #expect(try await store.snapshot() == snapshot)
            return snapshot
        }
        let reread = try await with(open) { try await $0.snapshot() }
        #expect(reread == written)
        let group = try #require(reread.table(named: "orders")?.colocationGroup)
        #expect(reread.shardGroups(of: group).last?.hashRange == written.shardGroups(of: group).last?.hashRange)
    }

    static func versionBumpsByOne(_ open: Open) async throws {
        try await with(open) { (store: any CatalogStore) async throws in
            let (first, node, table) = try await SampleCatalog.withOrders(store)
            #expect(first.version == 1)
            let second = try await store.apply([.setNodeState(node, .draining), .setNodeState(node, .active)])
            #expect(second.version == 2)
            let third = try await store.apply([], expectedVersion: 2)
            #expect(third.version == 3)
            _ = try await store.allocateKeys(table: table, count: 5)
            #expect(try await store.snapshot().version == 3)
        }
        #expect(try await with(open) { try await $0.snapshot().version } == 3)
    }

    static func staleExpectedVersionIsRefused(_ open: Open) async throws {
        try await with(open) { (store: any CatalogStore) async throws in
            let (before, node, _) = try await SampleCatalog.withOrders(store)
            let error = await #expect(throws: ShardQLError.self) {
                _ = try await store.apply([.setNodeState(node, .dead)], expectedVersion: before.version - 1)
            }
            #expect(error?.isCatalogVersionConflict == true)
            #expect(error?.message.contains("expected version 0, found 1") == true)
            #expect(try await store.snapshot() == before)
            let after = try await store.apply([.setNodeState(node, .dead)], expectedVersion: before.version)
            #expect(after.node(node)?.state == .dead)
        }
    }

    static func failingChangeAppliesNothing(_ open: Open) async throws {
        let before = try await with(open) { (store: any CatalogStore) async throws in
            let (before, node, table) = try await SampleCatalog.withOrders(store)
            var ids = CatalogIDAllocator(before)
            await expectRefused("no such co-location group") {
                _ = try await store.apply([
                    .addNode(Node(id: ids.nodeID(), address: "h:1")),
                    .createIndex(Index(name: "i", table: table, sql: "CREATE INDEX i ON orders(note)")),
                    .setNodeState(node, .dead),
                    .createTable(SampleCatalog.hashTable(ids.tableID(), "other", group: ColocationGroupID(999))),
                    .dropTable(table),
                ])
            }
            #expect(try await store.snapshot() == before)
            return before
        }
        #expect(try await with(open) { try await $0.snapshot() } == before)
    }

    static func staleIDsAreRefused(_ open: Open) async throws {
        try await with(open) { (store: any CatalogStore) async throws in
            let base = try await store.snapshot()
            var first = CatalogIDAllocator(base)
            var second = CatalogIDAllocator(base)
            _ = try await store.apply([.addNode(Node(id: first.nodeID(), address: "a:1"))])
            await expectRefused("already taken") {
                _ = try await store.apply([.addNode(Node(id: second.nodeID(), address: "b:1"))])
            }
            await expectRefused("already taken") {
                let id = NodeID(7)
                _ = try await store.apply([
                    .addNode(Node(id: id, address: "c:1")), .addNode(Node(id: id, address: "d:1")),
                ])
            }
        }
    }
}
