import ShardQLBase

/// How a hash-distributed table's shards split the 64-bit hash space: `shardCount` contiguous,
/// near-equal ranges in order.
///
/// A hash `h` belongs to shard `⌊h · N / 2^64⌋` (the high word of the 128-bit product), so shard `i`
/// covers exactly `⌈i · 2^64 / N⌉ … ⌈(i+1) · 2^64 / N⌉ − 1`. Ranges differ in size by at most one and
/// never change for a given `N`: with ``DistributionHash`` this is where a row lives.
package struct ShardRanges: Sendable, Hashable {
    /// The shard counts a hash-distributed table may have.
    package static let validShardCounts: ClosedRange<Int> = 1...4096

    /// The number of shards, within ``validShardCounts``.
    package let shardCount: Int

    /// Throws ``ShardQLError/Code/invalidArgument`` when `count` is outside ``validShardCounts``.
    package init(count shardCount: Int) throws {
        guard Self.validShardCounts.contains(shardCount) else {
            throw ShardQLError(
                .invalidArgument,
                "shard count must be between \(Self.validShardCounts.lowerBound) and "
                    + "\(Self.validShardCounts.upperBound), got \(shardCount)")
        }
        self.shardCount = shardCount
    }

    /// The shard (0-based) whose range contains `hash`.
    package func shardIndex(forHash hash: UInt64) -> Int {
        Int(hash.multipliedFullWidth(by: UInt64(shardCount)).high)
    }

    /// The shard that `value` belongs to in a column with `affinity` and `collation`.
    package func shardIndex(for value: SQLValue, affinity: Affinity, collation: Collation) -> Int {
        shardIndex(forHash: DistributionHash.hash(value, affinity: affinity, collation: collation))
    }

    /// The hashes shard `index` owns. `index` must be in `0..<shardCount`.
    package func range(ofShard index: Int) -> ClosedRange<UInt64> {
        precondition((0..<shardCount).contains(index), "shard \(index) out of 0..<\(shardCount)")
        let lower = firstHash(ofShard: index)
        let upper = index + 1 == shardCount ? UInt64.max : firstHash(ofShard: index + 1) - 1
        return lower...upper
    }

    /// Every shard's range, in shard order.
    package var ranges: [ClosedRange<UInt64>] {
        (0..<shardCount).map(range(ofShard:))
    }

    /// `⌈index · 2^64 / shardCount⌉` for `index < shardCount`, computed exactly in 128 bits.
    private func firstHash(ofShard index: Int) -> UInt64 {
        let count = UInt64(shardCount)
        let (quotient, remainder) = count.dividingFullWidth((high: UInt64(index), low: 0))
        return remainder == 0 ? quotient : quotient + 1
    }
}
