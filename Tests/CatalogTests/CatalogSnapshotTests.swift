import Partitioning
import ShardQLBase
import Testing

@testable import Catalog

/// The validation rules of `CatalogSnapshot.applying(_:)`, which every store shares.
@Suite("CatalogSnapshot validates changes")
struct CatalogSnapshotTests {
    /// One node and an empty 4-shard INTEGER/BINARY hash group.
    let base: CatalogSnapshot
    let node: NodeID
    let group: ColocationGroupID

    init() throws {
        var ids = CatalogIDAllocator(.empty)
        node = ids.nodeID()
        group = ids.colocationGroupID()
        base = try CatalogSnapshot.empty.applying([
            .addNode(Node(id: node, address: Node.localAddress)),
            SampleCatalog.createHashGroup(group, shards: 4, nodes: [node]),
        ])
    }

    func expectRefused(
        _ fragment: String, _ changes: [CatalogChange], sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let error = #expect(throws: ShardQLError.self, sourceLocation: sourceLocation) { try base.applying(changes) }
        #expect(
            error?.message.contains(fragment) == true, "\(String(describing: error))", sourceLocation: sourceLocation)
    }

    @Test func hashRangesMustTileTheHashSpace() {
        var ids = CatalogIDAllocator(base)
        let id = ids.colocationGroupID()
        let group = ColocationGroup(
            id: id, kind: .hash, shardCount: 2, distributionAffinity: .integer,
            distributionCollation: .binary)
        func create(_ ranges: [ClosedRange<UInt64>]) -> CatalogChange {
            let shards = ranges.enumerated().map { ShardGroup(id: ShardGroupID(group: id, index: $0), hashRange: $1) }
            return .createColocationGroup(
                group, shardGroups: shards,
                placements: shards.map { Placement(shardGroup: $0.id, node: node) })
        }
        expectRefused("without gaps or overlaps", [create([0...10, 12...UInt64.max])])
        expectRefused("without gaps or overlaps", [create([0...10, 10...UInt64.max])])
        expectRefused("must end at", [create([0...10, 11...(UInt64.max - 1)])])
        expectRefused("shard groups 0..<2", [create([0...UInt64.max])])
        #expect(throws: Never.self) { try base.applying([create([0...10, 11...UInt64.max])]) }
        #expect(
            SampleCatalog.hashRanges(3).map(\.lowerBound) == [0, 6_148_914_691_236_517_206, 12_297_829_382_473_034_412])
    }

    @Test func everyShardGroupNeedsAPlacementOnAKnownNode() {
        var ids = CatalogIDAllocator(base)
        let id = ids.colocationGroupID()
        let shards = SampleCatalog.hashRanges(2).enumerated().map {
            ShardGroup(id: ShardGroupID(group: id, index: $0), hashRange: $1)
        }
        let group = ColocationGroup(
            id: id, kind: .hash, shardCount: 2, distributionAffinity: .integer,
            distributionCollation: .binary)
        expectRefused(
            "needs at least one placement",
            [
                .createColocationGroup(
                    group, shardGroups: shards, placements: [Placement(shardGroup: shards[0].id, node: node)])
            ])
        expectRefused(
            "no such node",
            [
                .createColocationGroup(
                    group, shardGroups: shards,
                    placements: shards.map { Placement(shardGroup: $0.id, node: NodeID(99)) })
            ])
    }

    @Test func colocationNeedsTheSameAffinityAndCollation() {
        var ids = CatalogIDAllocator(base)
        var table = SampleCatalog.hashTable(ids.tableID(), "t", group: group)
        table.distributionColumn = "note"  // TEXT/NOCASE in an INTEGER/BINARY group
        expectRefused("cannot be co-located", [.createTable(table)])
        table.distributionColumn = "missing"
        expectRefused("no such column: missing", [.createTable(table)])
        table.distributionColumn = nil
        expectRefused("needs a distribution column", [.createTable(table)])
    }

    @Test func kindMethodAndGroupMustAgree() {
        var ids = CatalogIDAllocator(base)
        var table = SampleCatalog.hashTable(ids.tableID(), "t", group: group)
        table.kind = .reference
        expectRefused("cannot use distribution method hash", [.createTable(table)])
        table.distribution = .none
        table.distributionColumn = nil
        expectRefused("cannot join hash", [.createTable(table)])
        var roundRobin = SampleCatalog.hashTable(ids.tableID(), "r", group: group)
        roundRobin.distribution = .roundRobin
        expectRefused("cannot join hash", [.createTable(roundRobin)])
    }

    @Test func columnsMustBeWellFormed() {
        var ids = CatalogIDAllocator(base)
        var table = SampleCatalog.hashTable(ids.tableID(), "t", group: group)
        table.columns[2].ordinal = 5
        expectRefused("has ordinal 5", [.createTable(table)])
        table.columns[2].ordinal = 2
        table.columns[2].name = "ID"
        expectRefused("duplicate column name: ID", [.createTable(table)])
        table.columns[2].name = "note"
        table.columns[2].primaryKeyPosition = 3
        expectRefused("primary key positions", [.createTable(table)])
        table.columns[2].primaryKeyPosition = nil
        table.columns = []
        expectRefused("has no columns", [.createTable(table)])
    }

    @Test func versionAndIDsMoveForward() throws {
        #expect(base.version == 1)
        #expect(base.nextID == 3)
        let next = try base.applying([])
        #expect(next.version == 2 && next.nextID == 3)
        // An ID may skip ahead; the counter follows it.
        let skipped = try base.applying([.addNode(Node(id: NodeID(40), address: "x:1"))])
        #expect(skipped.nextID == 41)
    }

    @Test func namesFoldOnlyASCII() {
        #expect(CatalogName.key("MiXeD_Ä") == "mixed_Ä")
        #expect(CatalogName.equal("Orders", "oRDERS"))
        #expect(!CatalogName.equal("Ä", "ä"))
    }

    @Test func diffListsOnlyWhatChanged() throws {
        let next = try base.applying([.setNodeState(node, .draining)])
        let diff = CatalogDiff(from: base, to: next)
        #expect(diff.upsertedNodes.map(\.state) == [.draining])
        #expect(diff.removedNodes.isEmpty && diff.upsertedGroups.isEmpty && diff.upsertedShardGroups.isEmpty)
        #expect(CatalogDiff(from: base, to: base).isEmpty)
    }
}
