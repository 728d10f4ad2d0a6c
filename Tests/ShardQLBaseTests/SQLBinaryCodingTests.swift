import Testing

@testable import ShardQLBase

@Suite("Binary form of values: exact round trips, malformed input throws")
struct SQLBinaryCodingTests {
    /// Equality that also tells -0.0 from 0.0 (SQLValue's `==` compares REALs as numbers).
    private func identical(_ lhs: [SQLValue], _ rhs: [SQLValue]) -> Bool {
        lhs.count == rhs.count
            && zip(lhs, rhs).allSatisfy { pair in
                if case .real(let a) = pair.0, case .real(let b) = pair.1 { return a.bitPattern == b.bitPattern }
                return pair.0 == pair.1
            }
    }

    static let samples: [SQLValue] = [
        .null,
        .integer(0), .integer(1), .integer(-1), .integer(63), .integer(-64), .integer(64), .integer(-65),
        .integer(Int64.max), .integer(Int64.min), .integer(1 << 40),
        .real(0), .real(-0.0), .real(1.5), .real(-1e308), .real(.leastNonzeroMagnitude), .real(.infinity),
        .real(-.infinity), .real(.greatestFiniteMagnitude),
        .text(""), .blob([]), .text("héllo ✓"), .text(SQLText(bytes: [0x61, 0x00, 0x62])),
        .text(SQLText(bytes: [0xFF, 0xFE, 0x00])), .blob([0]), .blob([0xFF, 0x00, 0x7F]),
        .blob(Array(repeating: 0xAB, count: 300)), .text(SQLText(String(repeating: "x", count: 200))),
    ]

    @Test func valuesRoundTripExactly() throws {
        let bytes = SQLBinaryWriter.encode(Self.samples)
        let decoded = try SQLBinaryReader.decodeValues(bytes)
        #expect(identical(decoded, Self.samples))
        guard case .real(let zero) = decoded[12] else {
            Issue.record("-0.0 did not come back as REAL")
            return
        }
        #expect(zero.sign == .minus)
        // An empty TEXT and an empty BLOB stay apart.
        #expect(decoded[19] == .text("") && decoded[20] == .blob([]))
    }

    @Test(arguments: [
        (SQLValue.null, [0x00] as [UInt8]), (.integer(0), [0x01, 0x00]), (.integer(-1), [0x01, 0x01]),
        (.integer(1), [0x01, 0x02]), (.integer(-64), [0x01, 0x7F]), (.integer(64), [0x01, 0x80, 0x01]),
        (.integer(Int64.min), [0x01] + Array(repeating: 0xFF, count: 9) + [0x01]),
        (.real(1), [0x02, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F]), (.text("ab"), [0x03, 0x02, 0x61, 0x62]),
        (.blob([]), [0x04, 0x00]),
    ])
    func layoutIsAsDocumented(value: SQLValue, expected: [UInt8]) {
        var writer = SQLBinaryWriter()
        writer.write(value)
        #expect(writer.bytes == expected)
    }

    @Test(arguments: [0, 1, 127, 128, 16_383, 16_384, UInt64(Int64.max), UInt64.max])
    func varintsRoundTrip(value: UInt64) throws {
        var writer = SQLBinaryWriter()
        writer.write(varint: value)
        #expect(writer.bytes.count == max(1, (64 - value.leadingZeroBitCount + 6) / 7))
        var reader = SQLBinaryReader(writer.bytes)
        #expect(try reader.readVarint() == value)
        #expect(reader.isAtEnd)
    }

    @Test func stringsRoundTrip() throws {
        var writer = SQLBinaryWriter()
        writer.write(string: "")
        writer.write(string: "SELECT \"é\" FROM t")
        writer.write(count: 7)
        var reader = SQLBinaryReader(writer.bytes)
        #expect(try reader.readString() == "")
        #expect(try reader.readString() == "SELECT \"é\" FROM t")
        #expect(try reader.readVarint() == 7)
        try reader.expectEnd()
    }

    @Test func nanIsWrittenAsNull() throws {
        #expect(try SQLBinaryReader.decodeValues(SQLBinaryWriter.encode([.real(.nan)])) == [.null])
    }

    @Test func everyTruncationThrows() {
        let bytes = SQLBinaryWriter.encode(Self.samples)
        for length in 0..<bytes.count {
            #expect(throws: ShardQLError.self) { try SQLBinaryReader.decodeValues(Array(bytes[..<length])) }
        }
    }

    @Test(arguments: [
        ([0x01, 0x05] as [UInt8], "unknown value tag 5"),
        ([0x01, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], "exceeds"),  // length 2^63-1
        ([0x01, 0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], "overflows"),
        ([0x01, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02], "overflows"),
        ([0x01, 0x01, 0x80, 0x00], "shortest form"),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00], "count of"),
        ([0x01, 0x02, 0, 0, 0, 0, 0, 0, 0xF8, 0x7F], "NaN"),
        ([0x01, 0x00, 0x00], "unexpected bytes"),
    ])
    func malformedInputThrows(bytes: [UInt8], message: String) {
        let error = #expect(throws: ShardQLError.self) { try SQLBinaryReader.decodeValues(bytes) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func invalidUTF8StringThrows() {
        var reader = SQLBinaryReader([0x02, 0xC3, 0x28])
        #expect(throws: ShardQLError.self) { try reader.readString() }
    }

    @Test func randomBytesNeverCrash() {
        // SplitMix64, seeded: the same bytes every run.
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let valid = SQLBinaryWriter.encode(Self.samples)
        for round in 0..<2_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(next() % 40)).map { _ in UInt8(truncatingIfNeeded: next()) }
            } else {
                // Valid data with a few bytes flipped reaches deeper.
                bytes = valid
                for _ in 0..<3 { bytes[Int(next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: next()) }
            }
            _ = try? SQLBinaryReader.decodeValues(bytes)
        }
    }
}
