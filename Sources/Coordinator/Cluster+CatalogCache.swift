import Catalog
import ShardQLBase

extension Cluster {
    /// Takes the catalog's newest version when the store says it may have moved on (another
    /// coordinator's DDL or node registration): asked before every statement outside a
    /// transaction, and free while nothing changed (``CatalogStore/mayHaveChanged(since:)``).
    /// A transaction keeps the catalog it began with.
    func refreshCatalogIfChanged() async throws {
        guard transaction == nil else { return }
        let cached = shared.cachedSnapshot.withLock { $0 }
        guard store.mayHaveChanged(since: cached.version) else { return }
        adopt(try await store.snapshot())
    }

    /// Runs `body`, and once more when it failed for a table or view this coordinator does not
    /// know but the catalog, asked afresh, has moved on: another coordinator's `CREATE` may be
    /// a moment ahead of its notification (``CatalogStore/mayHaveChanged(since:)``).
    func retryingOnNewerCatalog<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ShardQLError where transaction == nil && error.namesMissingSchemaObject {
            let before = shared.cachedSnapshot.withLock { $0.version }
            adopt(try await store.snapshot())
            guard shared.cachedSnapshot.withLock({ $0.version }) != before else { throw error }
            return try await body()
        }
    }

    /// Makes `snapshot` the cluster's catalog unless a newer one is already cached (calls
    /// interleave), and tells the executor where its shard files are.
    func adopt(_ snapshot: CatalogSnapshot) {
        let newer = shared.cachedSnapshot.withLock { cached in
            guard snapshot.version > cached.version else { return false }
            cached = snapshot
            return true
        }
        if newer { executor.learn(snapshot) }
    }
}

extension ShardQLError {
    /// SQLite's error for a name the catalog does not hold (the coordinator's own, and the
    /// general path's SQLite, word it alike).
    var namesMissingSchemaObject: Bool {
        code == .sqlite && (message.hasPrefix("no such table: ") || message.hasPrefix("no such view: "))
    }

    /// Whether this error is, or was caused by, a catalog change planned against a version
    /// another coordinator had already replaced (``CatalogVersionConflict``): nothing was
    /// applied, so the statement can be planned again on the new catalog.
    var stemsFromCatalogVersionConflict: Bool {
        var error: ShardQLError? = self
        while let current = error {
            if current.isCatalogVersionConflict { return true }
            error = current.cause as? ShardQLError
        }
        return false
    }
}
