/// Where the cluster's metadata lives: the embedded ``SQLiteCatalogStore`` or PostgreSQL
/// (`PostgresCatalogStore`, in the PostgresCatalog module).
///
/// The catalog is small, so readers take a whole ``CatalogSnapshot`` (a value) and writers submit
/// a list of ``CatalogChange``s that is applied in one transaction. The store also keeps the
/// two-phase-commit decision log (``TransactionRecord``), whose commit point must be as durable
/// as the schema and may carry DDL with it.
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

    /// Reserves `count` (≥ 1) consecutive object IDs that no other call returns, none below the
    /// stored ``CatalogSnapshot/nextID``: for objects whose IDs name things outside the catalog
    /// before the change creating them commits — a new co-location group's shard files — so two
    /// coordinators creating tables at once never make files of the same name. Plan the change
    /// with the reserved IDs (``CatalogIDAllocator/init(startingAt:)``); an ID never used is
    /// simply skipped. Does not change ``CatalogSnapshot/version``.
    func reserveIDs(count: Int) async throws -> ClosedRange<Int64>

    /// Records that `key` is in use (a user inserted it explicitly), so later allocations return
    /// keys above it; a key at or below the current high-water mark changes nothing.
    func raiseKeyFloor(table: TableID, atLeast key: Int64) async throws

    /// Records when nodes last answered a coordinator (``Node/lastHeartbeat``, milliseconds since
    /// the Unix epoch), so every coordinator can say when a node that is down was last seen: a
    /// time at or before the stored one, or an unknown node, changes nothing. Does not change
    /// ``CatalogSnapshot/version`` (a coordinator records when it sees a node go down, and that
    /// must not make other coordinators' DDL conflict); this store's later snapshots, and those
    /// of stores opened later, show it.
    func recordContact(_ lastAnswers: [NodeID: Int64]) async throws

    // MARK: Two-phase commit decision log

    /// Records a transaction about to prepare on its participants, in state
    /// ``TransactionRecord/State/pending``, and in the same catalog transaction deletes the
    /// records named in `forgetting` (finished transactions whose participants all learned the
    /// outcome), so keeping the log short costs no extra round trip.
    ///
    /// Participants are stored sorted and without repeats. Does not change
    /// ``CatalogSnapshot/version``.
    ///
    /// - Throws: ``ShardQLError`` with code ``ShardQLError/Code/invalidArgument`` when the id is
    ///   already logged, is empty or is in `forgetting`, or the record is not pending.
    func logTransaction(_ record: TransactionRecord, forgetting: [String]) async throws

    /// The commit point: decides a pending transaction, atomically with the catalog DDL it made.
    ///
    /// When the record is pending it becomes committed (`commit: true`) or aborted, and a commit
    /// also applies `changes` exactly as ``apply(_:expectedVersion:)`` does, so a transaction's
    /// DDL commits together with its shards. An empty `changes` leaves the version alone and
    /// ignores `expectedVersion`: a plain write does not depend on the schema version.
    ///
    /// Deciding is idempotent, so a coordinator that lost the reply can ask again: for a record
    /// already decided nothing changes (nor are `changes` applied again) and the earlier decision
    /// is returned. For a missing record the answer is ``TransactionRecord/State/aborted``
    /// (presumed abort: it never reached its commit point, or was forgotten after aborting) and
    /// nothing is recorded.
    ///
    /// - Returns: the decided state and the snapshot after the call (the current one when nothing
    ///   was applied).
    /// - Throws: ``ShardQLError`` — with ``ShardQLError/isCatalogVersionConflict`` when a
    ///   non-empty `changes` was planned against a stale `expectedVersion`, or code
    ///   ``ShardQLError/Code/invalidArgument`` when a change does not fit; either way nothing is
    ///   decided and the record stays pending, so the caller may abort or retry.
    func decide(
        _ id: String, commit: Bool, applying changes: [CatalogChange], expectedVersion: Int64?
    ) async throws -> (state: TransactionRecord.State, snapshot: CatalogSnapshot)

    /// Deletes the records of finished transactions; ids not in the log are ignored. Does not
    /// change ``CatalogSnapshot/version``.
    ///
    /// Forgetting a pending record makes it presumed aborted.
    func forgetTransactions(_ ids: [String]) async throws

    /// Every logged transaction, oldest first (by ``TransactionRecord/startedAt``, then id), for
    /// recovery after a coordinator restarts.
    func transactions() async throws -> [TransactionRecord]

    /// Runs `body` while no transaction can reach its commit point: every other call of
    /// ``decide(_:commit:applying:expectedVersion:)`` and ``logTransaction(_:forgetting:)``, from
    /// any coordinator, waits until it returns. `body` gets the catalog and the decision log as
    /// they stand, fixed for its whole run: with the shards' states taken inside it, that is one
    /// consistent point of the cluster (a backup's): a transaction logged `committed` there
    /// counts, whatever its participants show; any other does not.
    ///
    /// Keep `body` short (writers wait; it must not call this store: it would wait for itself).
    func withDecisionsPaused<T: Sendable>(
        _ body: @escaping @Sendable (CatalogSnapshot, [TransactionRecord]) async throws -> T
    ) async throws -> T

    /// Whether the catalog may have moved past `version` since this store last looked, answered
    /// without a round trip to the store's database, so a coordinator can ask before every
    /// statement and take a fresh ``snapshot()`` only when the answer is yes.
    ///
    /// False positives are allowed (they cost one ``snapshot()``). A change committed through
    /// any store on the same catalog — another process's too — makes the answer yes as soon as
    /// the store can know of it: at once for the embedded store (`PRAGMA data_version`), when
    /// PostgreSQL delivers the notification, moments after the commit, for the PostgreSQL store.
    func mayHaveChanged(since version: Int64) -> Bool

    /// Releases the store's resources; later calls fail.
    func close() async
}

extension CatalogStore {
    /// Applies `changes` whatever the catalog's version; see ``apply(_:expectedVersion:)``.
    public func apply(_ changes: [CatalogChange]) async throws -> CatalogSnapshot {
        try await apply(changes, expectedVersion: nil)
    }
}
