import TestSupport
import ShardQLBase
import Testing

@testable import Partitioning

@Suite("Shard ranges split the hash space")
struct ShardRangesTests {
    @Test(arguments: [0, -1, 4097, Int.max, Int.min])
    func invalidShardCountsAreRefused(_ count: Int) {
        #expect {
            try ShardRanges(count: count)
        } throws: { error in
            (error as? ShardQLError)?.code == .invalidArgument
        }
    }

    @Test func theValidRangeIsOneTo4096() throws {
        #expect(ShardRanges.validShardCounts == 1...4096)
        #expect(try ShardRanges(count: 1).ranges == [0...UInt64.max])
        #expect(try ShardRanges(count: 4096).shardCount == 4096)
    }

    @Test func rangesTileTheSpaceAndAgreeWithShardIndex() throws {
        for count in Array(1...100) + [127, 1000, 4095, 4096] {
            let shards = try ShardRanges(count: count)
            let ranges = shards.ranges
            #expect(ranges.count == count)
            #expect(ranges.first?.lowerBound == 0)
            #expect(ranges.last?.upperBound == UInt64.max)
            var smallest = UInt64.max
            var largest: UInt64 = 0
            for (index, range) in ranges.enumerated() {
                if index > 0 { #expect(range.lowerBound == ranges[index - 1].upperBound + 1) }
                // The boundaries and their neighbours map to the right shards.
                #expect(shards.shardIndex(forHash: range.lowerBound) == index)
                #expect(shards.shardIndex(forHash: range.upperBound) == index)
                if range.lowerBound > 0 { #expect(shards.shardIndex(forHash: range.lowerBound - 1) == index - 1) }
                if range.upperBound < .max { #expect(shards.shardIndex(forHash: range.upperBound + 1) == index + 1) }
                let size = range.upperBound - range.lowerBound  // size − 1, which cannot overflow
                smallest = min(smallest, size)
                largest = max(largest, size)
            }
            #expect(largest - smallest <= 1, "N = \(count): uneven ranges")
        }
    }

    @Test func knownBoundaries() throws {
        let four = try ShardRanges(count: 4)
        #expect(four.range(ofShard: 0) == 0...0x3FFF_FFFF_FFFF_FFFF)
        #expect(four.range(ofShard: 1) == 0x4000_0000_0000_0000...0x7FFF_FFFF_FFFF_FFFF)
        #expect(four.range(ofShard: 3) == 0xC000_0000_0000_0000...UInt64.max)
        let three = try ShardRanges(count: 3)
        #expect(three.range(ofShard: 0) == 0...0x5555_5555_5555_5555)
        #expect(three.range(ofShard: 1) == 0x5555_5555_5555_5556...0xAAAA_AAAA_AAAA_AAAA)
        #expect(three.range(ofShard: 2) == 0xAAAA_AAAA_AAAA_AAAB...UInt64.max)
    }

    @Test func randomHashesFallInTheirRange() throws {
        var generator = SplitMix64(seed: 7)
        for count in [1, 2, 3, 7, 64, 100, 4096] {
            let shards = try ShardRanges(count: count)
            for _ in 0..<2000 {
                let hash = generator.next()
                #expect(shards.range(ofShard: shards.shardIndex(forHash: hash)).contains(hash))
            }
        }
    }
}
