/// xxHash64 (Yann Collet's XXH64, spec in xxHash's `doc/xxhash_spec.md`): a fast, well-distributed,
/// non-cryptographic 64-bit hash with a stable definition across platforms and versions.
///
/// ShardQL routes rows with it (seed 0), so its output must never change; the tests pin it to the
/// reference vectors (e.g. the empty input hashes to 0xEF46DB3751D8E999).
package enum XXHash64 {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// The XXH64 digest of `bytes` with `seed`.
    package static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    /// The XXH64 digest of the raw bytes in `buffer` with `seed`.
    package static func hash(_ buffer: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let length = buffer.count
        var offset = 0
        var accumulator: UInt64

        if length >= 32 {
            var lane1 = seed &+ prime1 &+ prime2
            var lane2 = seed &+ prime2
            var lane3 = seed
            var lane4 = seed &- prime1
            while offset + 32 <= length {
                lane1 = round(lane1, read64(buffer, offset))
                lane2 = round(lane2, read64(buffer, offset + 8))
                lane3 = round(lane3, read64(buffer, offset + 16))
                lane4 = round(lane4, read64(buffer, offset + 24))
                offset += 32
            }
            accumulator = rotl(lane1, 1) &+ rotl(lane2, 7) &+ rotl(lane3, 12) &+ rotl(lane4, 18)
            accumulator = mergeRound(accumulator, lane1)
            accumulator = mergeRound(accumulator, lane2)
            accumulator = mergeRound(accumulator, lane3)
            accumulator = mergeRound(accumulator, lane4)
        } else {
            accumulator = seed &+ prime5
        }
        accumulator &+= UInt64(length)

        while offset + 8 <= length {
            accumulator ^= round(0, read64(buffer, offset))
            accumulator = rotl(accumulator, 27) &* prime1 &+ prime4
            offset += 8
        }
        if offset + 4 <= length {
            accumulator ^= UInt64(read32(buffer, offset)) &* prime1
            accumulator = rotl(accumulator, 23) &* prime2 &+ prime3
            offset += 4
        }
        while offset < length {
            accumulator ^= UInt64(buffer[offset]) &* prime5
            accumulator = rotl(accumulator, 11) &* prime1
            offset += 1
        }

        accumulator ^= accumulator >> 33
        accumulator &*= prime2
        accumulator ^= accumulator >> 29
        accumulator &*= prime3
        accumulator ^= accumulator >> 32
        return accumulator
    }

    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotl(accumulator &+ input &* prime2, 31) &* prime1
    }

    private static func mergeRound(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
        (accumulator ^ round(0, lane)) &* prime1 &+ prime4
    }

    private static func rotl(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }

    // Little-endian reads, whatever the host byte order and alignment.
    private static func read64(_ buffer: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    private static func read32(_ buffer: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
