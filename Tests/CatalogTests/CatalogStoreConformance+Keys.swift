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
