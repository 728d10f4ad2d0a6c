import Foundation
import ShardQLBase
import SwiftProtobuf
import Testing
import WorkerProtocol

@Suite("Wire: row batches and versions")
struct WireRowsTests {
    static let awkward: [[SQLValue]] = [
        [.integer(Int64.min), .real(-0.0), .text(SQLText(bytes: [0x61, 0, 0xFF])), .blob([]), .null],
        [.integer(0), .real(.infinity), .text(""), .blob([0, 1, 2]), .real(1e-310)],
    ]

    @Test func rowsSurviveAProtobufRoundTrip() throws {
        var batch = Shardql_V1_RowBatch()
        batch.fragment = 3
        batch.columns = ["a", "b", "c", "d", "e"]
        batch.rows = Shardql_V1_Rows(Self.awkward, columnCount: 5)
        batch.last = true
        let bytes: Data = try batch.serializedData()
        let decoded = try Shardql_V1_RowBatch(serializedBytes: bytes)
        let rows = try decoded.rows.decoded()
        #expect(rows.count == 2)
        for (got, want) in zip(rows, Self.awkward) {
            for (value, expected) in zip(got, want) {
                switch (value, expected) {
                case (.real(let x), .real(let y)): #expect(x.bitPattern == y.bitPattern)
                default: #expect(value == expected)
                }
            }
        }
        #expect(decoded.columns == batch.columns && decoded.fragment == 3 && decoded.last)
    }

    @Test func malformedBatchesAreRefused() {
        var rows = Shardql_V1_Rows([[.integer(1), .text("x")]], columnCount: 2)
        rows.rowCount = 2
        #expect(throws: ShardQLError.self) { try rows.decoded() }
        rows.rowCount = 1_000_000_000
        #expect(throws: ShardQLError.self) { try rows.decoded() }
        rows.rowCount = 1
        rows.values.removeLast()
        #expect(throws: ShardQLError.self) { try rows.decoded() }
        rows.values.append(contentsOf: [0x7F, 0x00])
        #expect(throws: ShardQLError.self) { try rows.decoded() }
    }

    @Test func anotherProtocolVersionIsRefusedByName() {
        #expect(throws: Never.self) { try WireProtocol.check(WireProtocol.version) }
        do {
            try WireProtocol.check(WireProtocol.version + 1)
            Issue.record("a newer version was accepted")
        } catch {
            #expect(error.code == .unsupported)
            #expect(error.message.contains("version \(WireProtocol.version + 1)"))
        }
    }
}
