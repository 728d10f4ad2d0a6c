import Catalog
import ShardQLBase
import Testing

// Checks of several coordinators on one catalog: each opens its own store on it.
extension CatalogStoreCheck {
    /// A change through one store is noticed by another without a snapshot per check
    /// (``CatalogStore/mayHaveChanged(since:)``), and a fresh snapshot shows it.
    static func changesByAnotherStoreAreNoticed(_ open: Open) async throws {
        try await with(open) { (first: any CatalogStore) async throws in
            try await with(open) { (second: any CatalogStore) async throws in
                let seen = try await second.snapshot()
                // Quiet: the second store has confirmed its version and nothing moved since.
                #expect(try await waitUntil { !second.mayHaveChanged(since: seen.version) })
                let (written, _, _) = try await SampleCatalog.withOrders(first)
                #expect(written.version == seen.version + 1)
                // PostgreSQL delivers the notification moments after the commit: wait, bounded.
                #expect(try await waitUntil { second.mayHaveChanged(since: seen.version) })
                let fresh = try await second.snapshot()
                #expect(fresh == written)
                #expect(try await waitUntil { !second.mayHaveChanged(since: fresh.version) })
            }
        }
    }

    /// Coordinators changing the catalog at once: each change is planned on a snapshot and
    /// retried on a version conflict; every change lands exactly once and the catalog stays whole.
    static func concurrentWritersSerialize(_ open: Open) async throws {
        try await with(open) { (first: any CatalogStore) async throws in
            try await with(open) { (second: any CatalogStore) async throws in
                let (base, node, _) = try await SampleCatalog.withOrders(first)
                let group = try #require(base.table(named: "orders")?.colocationGroup)
                let perStore = 8
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    for (storeIndex, store) in [first, second].enumerated() {
                        tasks.addTask {
                            for index in 0..<perStore {
                                try await createTable("t\(storeIndex)_\(index)", group: group, store)
                            }
                        }
                    }
                    // Node registrations race with the tables.
                    tasks.addTask {
                        for index in 0..<perStore {
                            try await retryingConflicts(second) { snapshot in
                                var ids = CatalogIDAllocator(snapshot)
                                return [.addNode(Node(id: ids.nodeID(), address: "10.0.0.\(index):7000"))]
                            }
                        }
                    }
                    try await tasks.waitForAll()
                }
                let final = try await first.snapshot()
                #expect(try await second.snapshot() == final)
                #expect(final.tables.count == 1 + 2 * perStore)
                #expect(final.nodes.count == 1 + perStore)
                #expect(final.node(node) != nil)
                // Every ID handed out once: tables and nodes all distinct.
                let ids = final.tables.keys.map(\.rawValue) + final.nodes.keys.map(\.rawValue)
                #expect(Set(ids).count == ids.count)
                #expect(final.version == base.version + Int64(3 * perStore))
            }
        }
    }

    /// IDs reserved through two stores at once are disjoint, at or above the stored counter,
    /// usable in a change, and never handed out again, across a reopen too.
    static func reservedIDsAreUnique(_ open: Open) async throws {
        let (last, nextID) = try await with(open) { (first: any CatalogStore) async throws in
            try await with(open) { (second: any CatalogStore) async throws in
                let (base, _, _) = try await SampleCatalog.withOrders(first)
                let ranges = try await withThrowingTaskGroup(of: ClosedRange<Int64>.self) { group in
                    for task in 0..<20 {
                        group.addTask { try await (task % 2 == 0 ? first : second).reserveIDs(count: task % 3 + 1) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
                #expect(sorted.first?.lowerBound == base.nextID)
                for (previous, next) in zip(sorted, sorted.dropFirst()) {
                    #expect(next.lowerBound == previous.upperBound + 1)
                }
                await expectRefused("at least 1") { _ = try await first.reserveIDs(count: 0) }
                #expect(try await first.snapshot().version == base.version)  // not schema

                // A table planned with reserved IDs (from a stale snapshot, even) is accepted.
                let reserved = try await second.reserveIDs(count: 1)
                #expect(reserved.lowerBound == sorted.last!.upperBound + 1)
                var ids = CatalogIDAllocator(startingAt: reserved.lowerBound)
                let group = try #require(base.table(named: "orders")?.colocationGroup)
                let after = try await second.apply([
                    .createTable(SampleCatalog.hashTable(ids.tableID(), "reserved", group: group))
                ])
                #expect(after.nextID == reserved.upperBound + 1)
                return (reserved.upperBound, after.nextID)
            }
        }
        try await with(open) { (store: any CatalogStore) async throws in
            let again = try await store.reserveIDs(count: 1)
            #expect(again.lowerBound > last)
            #expect(again.lowerBound >= nextID)
        }
    }

    private static func createTable(_ name: String, group: ColocationGroupID, _ store: any CatalogStore)
        async throws
    {
        try await retryingConflicts(store) { snapshot in
            var ids = CatalogIDAllocator(snapshot)
            return [.createTable(SampleCatalog.hashTable(ids.tableID(), name, group: group))]
        }
    }

    /// Plans `changes` on the latest snapshot and applies them, again after each version conflict.
    private static func retryingConflicts(
        _ store: any CatalogStore, _ changes: (CatalogSnapshot) -> [CatalogChange]
    ) async throws {
        for _ in 0..<100 {
            let snapshot = try await store.snapshot()
            do {
                _ = try await store.apply(changes(snapshot), expectedVersion: snapshot.version)
                return
            } catch let error as ShardQLError where error.isCatalogVersionConflict {
                continue
            }
        }
        Issue.record("a change kept conflicting 100 times")
    }

    /// Polls `condition` every 10 ms for up to 5 s; whether it became true.
    static func waitUntil(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}
