import ShardQLBase
import SQLiteCore
import Testing

@Suite("Storage classes round-trip exactly")
struct SQLiteValueRoundTripTests {
    let connection: SQLiteConnection

    init() throws {
        connection = try SQLiteConnection(path: ":memory:")
        // No declared type: no column affinity, so SQLite stores every value as given.
        try connection.execute("CREATE TABLE v(x)")
    }

    /// Stores `value` in a table and reads it back, also checking SQLite's `typeof()`.
    private func roundTrip(_ value: SQLValue) throws -> SQLValue {
        try connection.execute("DELETE FROM v")
        let insert = try connection.cachedStatement("INSERT INTO v(x) VALUES (?)")
        try insert.bind([value])
        try insert.run()
        let rows = try connection.prepare("SELECT x, typeof(x) FROM v").rows()
        #expect(rows.count == 1)
        #expect(rows[0][1] == .text(value.typeName))
        return rows[0][0]
    }

    @Test("values come back in the storage class they went in", arguments: [
        SQLValue.null,
        .integer(0), .integer(-1), .integer(Int64.min), .integer(Int64.max),
        .real(0.5), .real(-1e308), .real(.leastNonzeroMagnitude), .real(.infinity),
        .text(""), .text("héllo wörld ✓"), .text("1"),
        .blob([]), .blob([0]), .blob([0xFF, 0x00, 0x7F]),
    ])
    func roundTrips(value: SQLValue) throws {
        #expect(try roundTrip(value) == value)
    }

    @Test func negativeZeroKeepsItsSign() throws {
        guard case .real(let real) = try roundTrip(.real(-0.0)) else {
            Issue.record("-0.0 did not come back as REAL")
            return
        }
        #expect(real == 0 && real.sign == .minus)
    }

    @Test func invalidUTF8TextBytesSurvive() throws {
        let bytes: [UInt8] = [0x61, 0xFF, 0xFE, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0x62]
        let value = SQLValue.text(SQLText(bytes: bytes))
        #expect(try roundTrip(value) == value)
        // And SQLite sees all nine bytes, not a sanitized string.
        let length = try connection.prepare("SELECT length(CAST(x AS BLOB)) FROM v").rows()
        #expect(length == [[.integer(9)]])
    }

    @Test func embeddedNULInTextSurvives() throws {
        let value = SQLValue.text(SQLText(bytes: [0x61, 0x00, 0x62, 0x00]))
        #expect(try roundTrip(value) == value)
    }

    @Test func bigBlobSurvives() throws {
        // 8 MiB, with a varying byte every page so a truncated or shifted copy cannot pass.
        var bytes = [UInt8](repeating: 0xA5, count: 8 << 20)
        for page in stride(from: 0, to: bytes.count, by: 4096) {
            bytes[page] = UInt8(truncatingIfNeeded: page >> 12)
        }
        #expect(try roundTrip(.blob(bytes)) == .blob(bytes))
    }

    @Test func emptyBlobIsNotNull() throws {
        let rows = try connection.prepare("SELECT x'', typeof(x''), zeroblob(0)").rows()
        #expect(rows == [[.blob([]), .text("blob"), .blob([])]])
    }

    @Test func expressionResultsKeepTheirClass() throws {
        let rows = try connection.prepare("SELECT 1, 1.0, '1', x'01', NULL, 9223372036854775807").rows()
        #expect(rows == [[.integer(1), .real(1), .text("1"), .blob([1]), .null, .integer(.max)]])
    }

    @Test func boundValuesComeBackUnchangedWithoutATable() throws {
        let values: [SQLValue] = [
            .integer(.min), .real(-0.0), .text(SQLText(bytes: [0xFF, 0x00])), .blob([]), .null,
        ]
        let statement = try connection.prepare("SELECT ?, ?, ?, ?, ?")
        try statement.bind(values)
        #expect(try statement.rows() == [values])
    }
}
