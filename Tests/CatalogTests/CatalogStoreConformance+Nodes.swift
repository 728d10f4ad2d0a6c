import Catalog
import ShardQLBase
import Testing

// Nodes and the placement of shard groups over them (issue #7), as every store must keep them.
extension CatalogStoreCheck {
    /// Only `local` and `HOST:PORT` (port 1–65535) are node addresses; a refused address
    /// changes nothing.
    static func nodeAddressesAreChecked(_ open: Open) async throws {
        try await with(open) { (store: any CatalogStore) async throws in
            let before = try await store.snapshot()
            for bad in ["worker", "worker:", "worker:0", "worker:65536", ":7070", "wor ker:1", "[::1:7070", "w:1x"] {
                await expectRefused("invalid node address") {
                    _ = try await store.apply([.addNode(Node(id: CatalogIDAllocator(before).node, address: bad))])
                }
            }
            #expect(try await store.snapshot() == before)
            var ids = CatalogIDAllocator(before)
            let snapshot = try await store.apply([
                .addNode(Node(id: ids.nodeID(), address: Node.localAddress)),
                .addNode(Node(id: ids.nodeID(), address: "10.1.2.3:65535")),
                .addNode(Node(id: ids.nodeID(), address: "[fe80::1]:1")),
                .addNode(Node(id: ids.nodeID(), address: "worker-3.example_net:7070")),
            ])
            #expect(snapshot.nodes.count == 4)
        }
    }

    /// A hash group spread over two nodes (one placement per shard group, on different nodes)
    /// and a reference group with a placement on each: each node lists what it holds, a node
    /// holding a placement cannot go, and once the tables are dropped it can.
    static func groupsSpreadOverNodes(_ open: Open) async throws {
        let after = try await with(open) { (store: any CatalogStore) async throws in
            var ids = CatalogIDAllocator(try await store.snapshot())
            let (first, second) = (ids.nodeID(), ids.nodeID())
            let (hash, reference) = (ids.colocationGroupID(), ids.colocationGroupID())
            let (orders, countries) = (ids.tableID(), ids.tableID())
            var snapshot = try await store.apply([
                .addNode(Node(id: first, address: "127.0.0.1:7001")),
                .addNode(Node(id: second, address: "127.0.0.1:7002")),
                SampleCatalog.createHashGroup(hash, shards: 3, nodes: [first, second]),
                SampleCatalog.createReferenceGroup(reference, nodes: [first, second]),
                .createTable(SampleCatalog.hashTable(orders, "orders", group: hash)),
                .createTable(SampleCatalog.referenceTable(countries, "countries", group: reference)),
            ])
            let shard = { (index: Int) in ShardGroupID(group: hash, index: index) }
            #expect(snapshot.placements(on: first).map(\.shardGroup) == [shard(0), shard(2), ShardGroupID(group: reference, index: 0)])
            #expect(snapshot.placements(on: second).map(\.shardGroup) == [shard(1), ShardGroupID(group: reference, index: 0)])
            #expect(snapshot.placements(of: ShardGroupID(group: reference, index: 0)).map(\.node) == [first, second])
            await expectRefused("still holds a placement") { _ = try await store.apply([.removeNode(second)]) }
            snapshot = try await store.apply([.dropTable(orders)])
            #expect(snapshot.placements(on: second).map(\.shardGroup) == [ShardGroupID(group: reference, index: 0)])
            snapshot = try await store.apply([.removePlacement(ShardGroupID(group: reference, index: 0), node: second)])
            snapshot = try await store.apply([.removeNode(second)])
            #expect(snapshot.nodes.keys.sorted() == [first])
            #expect(snapshot.placements(on: first).map(\.shardGroup) == [ShardGroupID(group: reference, index: 0)])
            return snapshot
        }
        #expect(try await with(open) { try await $0.snapshot() } == after)
    }
}

extension CatalogIDAllocator {
    fileprivate var node: NodeID { NodeID(next) }
}
