import Catalog
import ShardQLBase
import Testing

// Checks of key allocation.
extension CatalogStoreCheck {
    static func keysIncreaseAcrossReopen(_ open: Open) async throws {
        let table = try await with(open) { (store: any CatalogStore) async throws in
            let (snapshot, _, table) = try await SampleCatalog.withOrders(store)
            #expect(try await store.allocateKeys(table: table, count: 1) == 1...1)
            #expect(try await store.allocateKeys(table: table, count: 10) == 2...11)
            #expect(try await store.snapshot() == snapshot)  // keys are not schema
            await expectRefused("at least 1") { _ = try await store.allocateKeys(table: table, count: 0) }
            await expectRefused("no such table") { _ = try await store.allocateKeys(table: TableID(999), count: 1) }
            return table
        }
        try await with(open) { (store: any CatalogStore) async throws in
            #expect(try await store.allocateKeys(table: table, count: 5) == 12...16)
        }
    }

    static func keysUnderConcurrentAllocators(_ open: Open) async throws {
        try await with(open) { (store: any CatalogStore) async throws in
            let (_, _, table) = try await SampleCatalog.withOrders(store)
            let ranges = try await withThrowingTaskGroup(of: ClosedRange<Int64>.self) { group in
                for task in 0..<50 {
                    group.addTask { try await store.allocateKeys(table: table, count: task % 7 + 1) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
            let total = (0..<50).reduce(0) { $0 + Int64($1 % 7 + 1) }
            #expect(sorted.first?.lowerBound == 1)
            #expect(sorted.last?.upperBound == total)
            // Disjoint and without gaps: each range starts right after the previous one.
            for (previous, next) in zip(sorted, sorted.dropFirst()) {
                #expect(next.lowerBound == previous.upperBound + 1)
            }
        }
    }

    static func recordContact(_ open: Open) async throws {
        try await with(open) { (store: any CatalogStore) async throws in
            var ids = CatalogIDAllocator(try await store.snapshot())
            let (first, second) = (ids.nodeID(), ids.nodeID())
            let added = try await store.apply([
                .addNode(Node(id: first, address: "10.0.0.1:7000")), .addNode(Node(id: second, address: "10.0.0.2:7000")),
            ])
            try await store.recordContact([first: 1_000, second: 2_000, NodeID(999): 5])  // an unknown node is skipped
            var snapshot = try await store.snapshot()
            #expect(snapshot.version == added.version, "a contact is not a catalog change")
            #expect(snapshot.node(first)?.lastHeartbeat == 1_000)
            #expect(snapshot.node(second)?.lastHeartbeat == 2_000)
            // Only later times count: two coordinators may report out of order.
            try await store.recordContact([first: 500, second: 3_000])
            snapshot = try await store.snapshot()
            #expect(snapshot.node(first)?.lastHeartbeat == 1_000)
            #expect(snapshot.node(second)?.lastHeartbeat == 3_000)
            try await store.recordContact([:])
        }
    }

    static func raiseKeyFloor(_ open: Open) async throws {
        try await with(open) { (store: any CatalogStore) async throws in
            let (before, _, orders) = try await SampleCatalog.withOrders(store)
            var ids = CatalogIDAllocator(before)
            let other = ids.tableID()
            _ = try await store.apply([
                .createTable(SampleCatalog.hashTable(other, "other", group: before.table(orders)!.colocationGroup))
            ])
            try await store.raiseKeyFloor(table: orders, atLeast: 100)
            #expect(try await store.allocateKeys(table: orders, count: 2) == 101...102)
            try await store.raiseKeyFloor(table: orders, atLeast: 50)  // below the high-water mark
            try await store.raiseKeyFloor(table: orders, atLeast: -5)
            #expect(try await store.allocateKeys(table: orders, count: 1) == 103...103)
            #expect(try await store.allocateKeys(table: other, count: 1) == 1...1)  // counters are per table
            try await store.raiseKeyFloor(table: other, atLeast: -7)
            #expect(try await store.allocateKeys(table: other, count: 1) == 2...2)
            await expectRefused("no such table") { try await store.raiseKeyFloor(table: TableID(999), atLeast: 1) }

            try await store.raiseKeyFloor(table: other, atLeast: Int64.max - 1)
            #expect(try await store.allocateKeys(table: other, count: 1) == Int64.max...Int64.max)
            await expectRefused("no keys left") { _ = try await store.allocateKeys(table: other, count: 1) }
            #expect(try await store.snapshot().version == 2)
        }
    }
}
