/// Where the cluster's metadata lives: the embedded ``SQLiteCatalogStore`` or, later, PostgreSQL.
///
/// The catalog is small, so readers take a whole ``CatalogSnapshot`` (a value) and writers submit
/// a list of ``CatalogChange``s that is applied in one transaction.
///
/// ```swift
/// let store = try await SQLiteCatalogStore(path: dataDirectory + "/catalog.sqlite")
/// var snapshot = try await store.snapshot()
/// var ids = CatalogIDAllocator(snapshot)
/// snapshot = try await store.apply([.addNode(Node(id: ids.nodeID(), address: Node.localAddress))],
///                                  expectedVersion: snapshot.version)
/// ```
///
/// Every implementation passes the same test suite (`CatalogStoreConformance` in the tests).
public protocol CatalogStore: Sendable {
    /// The catalog as it is now.
    func snapshot() async throws -> CatalogSnapshot

    /// Applies `changes` in order, all or nothing, in one transaction, and returns the snapshot
    /// after them, whose ``CatalogSnapshot/version`` is exactly one higher.
    ///
    /// - Parameter expectedVersion: when given, the version the changes were planned against;
    ///   if the catalog moved on, nothing is applied.
    /// - Throws: ``ShardQLError`` — with ``ShardQLError/isCatalogVersionConflict`` when
    ///   `expectedVersion` is stale; code ``ShardQLError/Code/invalidArgument`` when a change
    ///   does not fit (see ``CatalogSnapshot/applying(_:)``); the store's own errors otherwise.
    func apply(_ changes: [CatalogChange], expectedVersion: Int64?) async throws -> CatalogSnapshot

    /// Reserves `count` (≥ 1) consecutive keys for a table's `INTEGER PRIMARY KEY` / rowid,
    /// unique across the cluster: each call returns keys above every key returned or recorded
    /// (``raiseKeyFloor(table:atLeast:)``) before, starting at 1.
    ///
    /// Transactional, but it does not change ``CatalogSnapshot/version``: key counters are not
    /// schema, and bumping the version on every insert would invalidate every coordinator's
    /// snapshot and make concurrent DDL fail its `expectedVersion` check for no reason.
    ///
    /// - Throws: ``ShardQLError`` for an unknown table, `count < 1`, or when the keys would
    ///   pass `Int64.max`.
    func allocateKeys(table: TableID, count: Int) async throws -> ClosedRange<Int64>

    /// Records that `key` is in use (a user inserted it explicitly), so later allocations return
    /// keys above it; a key at or below the current high-water mark changes nothing.
    func raiseKeyFloor(table: TableID, atLeast key: Int64) async throws

    /// Releases the store's resources; later calls fail.
    func close() async
}

extension CatalogStore {
    /// Applies `changes` whatever the catalog's version; see ``apply(_:expectedVersion:)``.
    public func apply(_ changes: [CatalogChange]) async throws -> CatalogSnapshot {
        try await apply(changes, expectedVersion: nil)
    }
}
