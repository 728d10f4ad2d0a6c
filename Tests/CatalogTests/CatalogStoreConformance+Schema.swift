import Catalog
import ShardQLBase
import Testing

// Checks of names, drops, renames and the other schema objects.
extension CatalogStoreCheck {
    static func duplicateNamesAreRefused(_ open: Open) async throws {
        try await with(open) { (store: any CatalogStore) async throws in
            let (before, _, table) = try await SampleCatalog.withOrders(store)
            var ids = CatalogIDAllocator(before)
            let group = before.table(table)!.colocationGroup
            await expectRefused("there is already a table named orders") {
                _ = try await store.apply([.createTable(SampleCatalog.hashTable(ids.tableID(), "oRDERS", group: group))]
                )
            }
            await expectRefused("there is already a table named orders") {
                _ = try await store.apply([
                    .createIndex(Index(name: "Orders", table: table, sql: "CREATE INDEX Orders ON orders(id)"))
                ])
            }
            await expectRefused("there is already a table named orders") {
                _ = try await store.apply([.createView(View(name: "ORDERS", sql: "CREATE VIEW ORDERS AS SELECT 1"))])
            }
            await expectRefused("reserved for internal use") {
                _ = try await store.apply([
                    .createTable(SampleCatalog.hashTable(ids.tableID(), "SQLite_x", group: group))
                ])
            }
            // Only ASCII folds, as in SQLite: "Ä" and "ä" are different names.
            var other = CatalogIDAllocator(before)
            let snapshot = try await store.apply([
                .createTable(SampleCatalog.hashTable(other.tableID(), "tÄ", group: group)),
                .createTable(SampleCatalog.hashTable(other.tableID(), "tä", group: group)),
            ])
            #expect(snapshot.table(named: "TÄ")?.name == "tÄ")
            #expect(snapshot.table(named: "Tä")?.name == "tä")
        }
    }

    static func dropTableCascades(_ open: Open) async throws {
        let after = try await with(open) { (store: any CatalogStore) async throws in
            let (before, _, orders) = try await SampleCatalog.withOrders(store)
            var ids = CatalogIDAllocator(before)
            let group = before.table(orders)!.colocationGroup
            let lines = ids.tableID()
            _ = try await store.apply([
                .createTable(SampleCatalog.hashTable(lines, "lines", group: group)),
                .createIndex(Index(name: "o1", table: orders, sql: "CREATE INDEX o1 ON orders(customer)")),
                .createIndex(Index(name: "l1", table: lines, sql: "CREATE INDEX l1 ON lines(customer)")),
                .createTrigger(
                    Trigger(
                        name: "ot", table: orders,
                        sql: "CREATE TRIGGER ot AFTER DELETE ON orders BEGIN SELECT 1; END")),
                .createView(View(name: "v", sql: "CREATE VIEW v AS SELECT * FROM orders")),
            ])
            _ = try await store.allocateKeys(table: orders, count: 3)
            let dropped = try await store.apply([.dropTable(orders)])
            #expect(dropped.table(named: "orders") == nil)
            #expect(dropped.index(named: "o1") == nil && dropped.trigger(named: "ot") == nil)
            #expect(dropped.index(named: "l1") != nil)
            #expect(dropped.view(named: "v") != nil)  // as in SQLite, a view outlives its tables
            #expect(dropped.colocationGroups[group] != nil)
            #expect(dropped.shardGroups(of: group).count == 4)
            await expectRefused("no such table") { _ = try await store.allocateKeys(table: orders, count: 1) }

            let empty = try await store.apply([.dropTable(lines)])
            #expect(empty.tables.isEmpty && empty.indexes.isEmpty && empty.triggers.isEmpty)
            #expect(empty.colocationGroups.isEmpty)
            #expect(empty.shardGroups(of: group).isEmpty)
            #expect(empty.placements(of: ShardGroupID(group: group, index: 0)).isEmpty)
            #expect(empty.allShardGroups.isEmpty)
            await expectRefused("no such table") { _ = try await store.apply([.dropTable(lines)]) }
            return empty
        }
        #expect(try await with(open) { try await $0.snapshot() } == after)
    }

    static func renames(_ open: Open) async throws {
        let after = try await with(open) { (store: any CatalogStore) async throws in
            let (before, _, orders) = try await SampleCatalog.withOrders(store)
            var ids = CatalogIDAllocator(before)
            let group = before.table(orders)!.colocationGroup
            _ = try await store.apply([.createTable(SampleCatalog.hashTable(ids.tableID(), "other", group: group))])
            await expectRefused("there is already a table named other") {
                _ = try await store.apply([.renameTable(orders, to: "OTHER", createSQL: "CREATE TABLE OTHER(…)")])
            }
            var snapshot = try await store.apply([
                .renameTable(orders, to: "Purchases", createSQL: "CREATE TABLE Purchases(x)")
            ])
            #expect(snapshot.table(named: "orders") == nil)
            #expect(snapshot.table(named: "purchases")?.id == orders)
            #expect(snapshot.table(orders)?.createSQL == "CREATE TABLE Purchases(x)")
            snapshot = try await store.apply([
                .renameTable(orders, to: "PURCHASES", createSQL: "CREATE TABLE PURCHASES(x)")
            ])
            #expect(snapshot.table(orders)?.name == "PURCHASES")

            snapshot = try await store.apply([
                .addColumn(
                    orders, Column(ordinal: 99, name: "total", declaredType: "REAL", affinity: .real), createSQL: "c1"),
                .renameColumn(orders, from: "ID", to: "order_id", createSQL: "c2"),
                .dropColumn(orders, column: "customer", createSQL: "c3"),
            ])
            let table = try #require(snapshot.table(orders))
            #expect(table.columns.map(\.name) == ["order_id", "note", "total"])
            #expect(table.columns.map(\.ordinal) == [0, 1, 2])
            #expect(table.distributionColumn == "order_id")
            #expect(table.createSQL == "c3")
            await expectRefused("distribution column") {
                _ = try await store.apply([.dropColumn(orders, column: "ORDER_ID", createSQL: "x")])
            }
            await expectRefused("duplicate column name") {
                _ = try await store.apply([.addColumn(orders, Column(ordinal: 3, name: "Note"), createSQL: "x")])
            }
            await expectRefused("no such column") {
                _ = try await store.apply([.renameColumn(orders, from: "nope", to: "x", createSQL: "x")])
            }
            return try await store.snapshot()
        }
        #expect(try await with(open) { try await $0.snapshot() } == after)
    }

    static func viewsIndexesTriggers(_ open: Open) async throws {
        let after = try await with(open) { (store: any CatalogStore) async throws in
            let (_, _, orders) = try await SampleCatalog.withOrders(store)
            var snapshot = try await store.apply([
                .createView(View(name: "Recent", sql: "CREATE VIEW Recent AS SELECT * FROM orders")),
                .createIndex(
                    Index(name: "ByCustomer", table: orders, sql: "CREATE INDEX ByCustomer ON orders(customer)")),
                .createIndex(
                    Index(
                        name: "a_first", table: orders, sql: "CREATE UNIQUE INDEX a_first ON orders(id, note)",
                        isUnique: true)),
                .createTrigger(
                    Trigger(
                        name: "Audit", table: orders,
                        sql: "CREATE TRIGGER Audit AFTER UPDATE ON orders BEGIN SELECT 1; END")),
            ])
            #expect(snapshot.view(named: "recent")?.sql == "CREATE VIEW Recent AS SELECT * FROM orders")
            #expect(snapshot.indexes(on: orders).map(\.name) == ["a_first", "ByCustomer"])
            #expect(snapshot.index(named: "A_FIRST")?.isUnique == true)
            #expect(snapshot.trigger(named: "audit")?.table == orders)
            await expectRefused("there is already a view named Recent") {
                _ = try await store.apply([
                    .createIndex(Index(name: "RECENT", table: orders, sql: "CREATE INDEX RECENT ON orders(id)"))
                ])
            }
            await expectRefused("trigger audit already exists") {
                _ = try await store.apply([
                    .createTrigger(Trigger(name: "audit", table: orders, sql: "CREATE TRIGGER …"))
                ])
            }
            await expectRefused("no such table") {
                _ = try await store.apply([
                    .createIndex(Index(name: "x", table: TableID(999), sql: "CREATE INDEX x ON t(a)"))
                ])
            }
            await expectRefused("no such table") {
                _ = try await store.apply([
                    .createTrigger(Trigger(name: "x", table: TableID(999), sql: "CREATE TRIGGER …"))
                ])
            }
            await expectRefused("no such view: nope") { _ = try await store.apply([.dropView(name: "nope")]) }
            await expectRefused("no such index: nope") { _ = try await store.apply([.dropIndex(name: "nope")]) }
            await expectRefused("no such trigger: nope") { _ = try await store.apply([.dropTrigger(name: "nope")]) }
            // Re-creating under a different case in one list rewrites the stored row.
            snapshot = try await store.apply([
                .dropView(name: "RECENT"), .dropIndex(name: "bycustomer"), .dropTrigger(name: "AUDIT"),
                .createView(View(name: "recent", sql: "CREATE VIEW recent AS SELECT 2")),
            ])
            #expect(snapshot.views == [View(name: "recent", sql: "CREATE VIEW recent AS SELECT 2")])
            #expect(snapshot.indexes.map(\.name) == ["a_first"])
            #expect(snapshot.triggers.isEmpty)
            return snapshot
        }
        #expect(try await with(open) { try await $0.snapshot() } == after)
    }

    static func nodesAndPlacements(_ open: Open) async throws {
        let after = try await with(open) { (store: any CatalogStore) async throws in
            let (before, local, orders) = try await SampleCatalog.withOrders(store)
            var ids = CatalogIDAllocator(before)
            let remote = ids.nodeID()
            let shard = before.shardGroups(of: before.table(orders)!).first!.id
            await expectRefused("already exists") {
                _ = try await store.apply([.addNode(Node(id: remote, address: Node.localAddress))])
            }
            var snapshot = try await store.apply([
                .addNode(Node(id: remote, address: "worker-2:7070")),
                .addPlacement(Placement(shardGroup: shard, node: remote, state: .moving)),
                .recordHeartbeat(remote, at: 42),
            ])
            #expect(snapshot.placements(of: shard).map(\.node) == [local, remote])
            #expect(snapshot.placements(on: remote).map(\.shardGroup) == [shard])
            await expectRefused("already has a placement") {
                _ = try await store.apply([.addPlacement(Placement(shardGroup: shard, node: remote))])
            }
            await expectRefused("still holds a placement") { _ = try await store.apply([.removeNode(remote)]) }
            snapshot = try await store.apply([
                .setPlacementState(shard, node: remote, .active),
                .setPlacementState(shard, node: local, .inactive),
                .setNodeState(local, .draining),
            ])
            #expect(snapshot.placements(of: shard).map(\.state) == [.inactive, .active])
            #expect(snapshot.node(local)?.state == .draining)
            snapshot = try await store.apply([.removePlacement(shard, node: local)])
            await expectRefused("last placement") { _ = try await store.apply([.removePlacement(shard, node: remote)]) }
            await expectRefused("no placement") {
                _ = try await store.apply([.setPlacementState(shard, node: local, .active)])
            }
            // A copy that missed a write after a move replaced it: nothing left to mark.
            #expect(try await store.apply([.setPlacementState(shard, node: local, .inactive)]).placements(of: shard) == snapshot.placements(of: shard))
            await expectRefused("no such node") { _ = try await store.apply([.setNodeState(NodeID(999), .dead)]) }
            let spare = CatalogIDAllocator(snapshot).next
            snapshot = try await store.apply([
                .addNode(Node(id: NodeID(spare), address: "spare:1")), .removeNode(NodeID(spare)),
            ])
            #expect(snapshot.nodes.count == 2)
            #expect(snapshot.node(remote)?.lastHeartbeat == 42)
            return snapshot
        }
        #expect(try await with(open) { try await $0.snapshot() } == after)
    }
}
