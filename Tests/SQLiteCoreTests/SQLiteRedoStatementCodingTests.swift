import ShardQLBase
import SQLiteCore
import Testing

@Suite("Redo logs as bytes")
struct SQLiteRedoStatementCodingTests {
    static let log: [SQLiteRedoStatement] = [
        .init(sql: "CREATE INDEX i ON t(a)"),
        .init(sql: #"INSERT INTO "t"(rowid, "a") VALUES (?, ?)"#, parameters: [.integer(1), .text("é")]),
        .init(sql: #"INSERT INTO "t"(rowid, "a") VALUES (?, ?)"#, parameters: [.integer(Int64.min), .real(-0.0)]),
        .init(
            sql: #"UPDATE "t" SET "a" = ? WHERE rowid = ?"#,
            parameters: [.text(SQLText(bytes: [0x00, 0xFF])), .integer(Int64.max)]),
        .init(sql: #"DELETE FROM "t" WHERE rowid = ?"#, parameters: [.blob([])]),
        .init(sql: #"INSERT INTO "t"(rowid, "a") VALUES (?, ?)"#, parameters: [.null, .text("")]),
    ]

    @Test func roundTrip() throws {
        let bytes = SQLiteRedoStatement.encode(Self.log)
        #expect(bytes.first == 1)
        let decoded = try SQLiteRedoStatement.decode(bytes)
        #expect(decoded == Self.log)
        guard case .real(let zero) = decoded[2].parameters[1] else {
            Issue.record("-0.0 did not come back as REAL")
            return
        }
        #expect(zero.sign == .minus)
        #expect(try SQLiteRedoStatement.decode(SQLiteRedoStatement.encode([])) == [])
    }

    @Test func repeatedTextsAreStoredOnce() {
        let many = Array(repeating: Self.log[1], count: 1000)
        let bytes = SQLiteRedoStatement.encode(many)
        #expect(bytes.count < 1000 * 8 + Self.log[1].sql.utf8.count + 16)
    }

    @Test func everyTruncationThrows() {
        let bytes = SQLiteRedoStatement.encode(Self.log)
        for length in 0..<bytes.count {
            #expect(throws: ShardQLError.self) { try SQLiteRedoStatement.decode(Array(bytes[..<length])) }
        }
    }

    @Test func malformedLogsThrow() {
        var bytes = SQLiteRedoStatement.encode(Self.log)
        var wrongVersion = bytes
        wrongVersion[0] = 2
        let versionError = #expect(throws: ShardQLError.self) { try SQLiteRedoStatement.decode(wrongVersion) }
        #expect(versionError?.message.contains("version 2") == true)

        // One text, one statement naming text 5.
        let badIndex: [UInt8] = [1, 1, 1, 0x61, 1, 5, 0]
        let indexError = #expect(throws: ShardQLError.self) { try SQLiteRedoStatement.decode(badIndex) }
        #expect(indexError?.message.contains("SQL text 5 of 1") == true)

        // A text claiming 2^62 bytes, a statement count far beyond the bytes left.
        #expect(throws: ShardQLError.self) {
            try SQLiteRedoStatement.decode([1, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40])
        }
        #expect(throws: ShardQLError.self) { try SQLiteRedoStatement.decode([1, 0, 0xFF, 0xFF, 0xFF, 0x7F]) }

        bytes.append(0)
        let trailing = #expect(throws: ShardQLError.self) { try SQLiteRedoStatement.decode(bytes) }
        #expect(trailing?.code == .invalidArgument)
    }
}
