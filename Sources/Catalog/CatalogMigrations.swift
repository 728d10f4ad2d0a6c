import ShardQLBase

/// What both stores do before migrating a catalog: pick the steps past its stored schema
/// version, in order, and refuse a catalog that a newer build wrote.
package enum CatalogMigrations {
    /// The steps of `steps` (ordered by `version`) that bring a catalog at `stored` up to date.
    ///
    /// - Parameter catalog: how messages name the catalog ("the catalog 'PATH'").
    /// - Throws: ``ShardQLError`` with code ``ShardQLError/Code/unsupported`` when `stored` is
    ///   newer than the last step; ``ShardQLError/Code/internalError`` when the steps skip a version.
    package static func pending<Step>(
        _ steps: [Step], version: (Step) -> Int64, from stored: Int64, catalog: String
    ) throws -> [Step] {
        let known = steps.last.map(version) ?? 0
        guard stored <= known else {
            throw ShardQLError(
                .unsupported,
                "\(catalog) has schema version \(stored), but this build of shardql only knows versions up to "
                    + "\(known); use a newer shardql")
        }
        var expected = stored + 1
        let pending = steps.filter { version($0) > stored }
        for step in pending {
            guard version(step) == expected else {
                throw ShardQLError(.internalError, "catalog migration \(version(step)) does not follow \(expected - 1)")
            }
            expected += 1
        }
        return pending
    }
}
