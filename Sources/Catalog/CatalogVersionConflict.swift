import ShardQLBase

/// The cause of the error ``CatalogStore/apply(_:expectedVersion:)`` throws when another writer
/// changed the catalog since the caller's snapshot. Re-read the snapshot, re-plan, retry.
///
/// ```swift
/// do { snapshot = try await store.apply(changes, expectedVersion: snapshot.version) }
/// catch let error as ShardQLError where error.isCatalogVersionConflict { /* retry */ }
/// ```
public struct CatalogVersionConflict: Error, Hashable, Sendable, CustomStringConvertible {
    /// The version the caller's changes were planned against.
    public var expected: Int64
    /// The version the catalog is at.
    public var actual: Int64

    /// Creates the value from its parts.
    public init(expected: Int64, actual: Int64) {
        self.expected = expected
        self.actual = actual
    }

    /// A readable name for messages.
    public var description: String { "expected catalog version \(expected), found \(actual)" }
}

extension ShardQLError {
    /// Whether this is a refused catalog change whose snapshot was stale
    /// (``CatalogVersionConflict``).
    public var isCatalogVersionConflict: Bool { cause is CatalogVersionConflict }

    /// The error for a stale `expectedVersion`: code ``ShardQLError/Code/invalidArgument``, cause
    /// ``CatalogVersionConflict``.
    package static func catalogVersionConflict(expected: Int64, actual: Int64) -> ShardQLError {
        ShardQLError(
            .invalidArgument,
            "the catalog changed concurrently: expected version \(expected), found \(actual); "
                + "nothing was applied, re-read the catalog and retry",
            cause: CatalogVersionConflict(expected: expected, actual: actual))
    }

    /// A refused catalog change (unknown object, duplicate name, broken invariant).
    static func catalog(_ message: String) -> ShardQLError {
        ShardQLError(.invalidArgument, message)
    }
}
