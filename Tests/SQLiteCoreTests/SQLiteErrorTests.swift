import ShardQLBase
import SQLiteCore
import Testing

@Suite("SQLite failures become ShardQLError")
struct SQLiteErrorTests {
    @Test func uniqueConstraintCarriesTheExtendedCode() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t(a UNIQUE); INSERT INTO t VALUES (1)")
        let insert = try connection.prepare("INSERT INTO t VALUES (?)")
        try insert.bind([.integer(1)])
        let error = #expect(throws: ShardQLError.self) { try insert.run() }
        #expect(error?.code == .sqlite)
        #expect(error?.sqliteResultCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
        #expect(error?.message == "UNIQUE constraint failed: t.a")
        #expect(error?.description == "UNIQUE constraint failed: t.a")
        // The statement is usable again afterwards.
        try insert.bind([.integer(2)])
        try insert.run()
    }

    @Test func constraintErrorFromAScript() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let error = #expect(throws: ShardQLError.self) {
            try connection.execute("CREATE TABLE t(a UNIQUE); INSERT INTO t VALUES (1), (1)")
        }
        #expect(error?.sqliteResultCode == 2067)
        #expect(error?.message == "UNIQUE constraint failed: t.a")
    }

    @Test func syntaxErrorCarriesCodeOneAndPosition() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let error = #expect(throws: ShardQLError.self) { try connection.prepare("SELECT * FORM t") }
        #expect(error?.code == .sqlite)
        #expect(error?.sqliteResultCode == 1)  // SQLITE_ERROR
        #expect(error?.message == "near \"FORM\": syntax error")
        #expect(error?.location == SourceLocation(offset: 9, line: 1, column: 10))
    }

    @Test func syntaxErrorPositionInsideAScript() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let error = #expect(throws: ShardQLError.self) {
            try connection.execute("CREATE TABLE t(a);\nSELECT * FORM t;")
        }
        #expect(error?.sqliteResultCode == 1)
        #expect(error?.message == "near \"FORM\": syntax error")
        #expect(error?.location?.line == 2)
        #expect(error?.location?.column == 10)
        // Statements before the failing one stay applied.
        #expect(try connection.prepare("SELECT count(*) FROM t").rows() == [[.integer(0)]])
    }

    @Test func missingTableIsCodeOne() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let error = #expect(throws: ShardQLError.self) { try connection.prepare("SELECT * FROM nope") }
        #expect(error?.sqliteResultCode == 1)
        #expect(error?.message == "no such table: nope")
    }

    @Test func openingAMissingDirectoryFails() throws {
        let error = #expect(throws: ShardQLError.self) {
            try SQLiteConnection(path: "/nonexistent-\(UInt64.random(in: 0 ... .max))/db.sqlite")
        }
        #expect(error?.code == .sqlite)
        #expect(error?.sqliteResultCode.map { $0 & 0xFF } == 14)  // SQLITE_CANTOPEN
    }

    @Test func closedConnectionRefusesWork() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let statement = try connection.prepare("SELECT 1")
        connection.close()
        connection.close()
        #expect(connection.isClosed)
        let error = #expect(throws: ShardQLError.self) { try connection.execute("SELECT 1") }
        #expect(error?.code == .invalidArgument)
        connection.interrupt()  // a no-op, not a crash
        _ = statement  // finalized after the close, which sqlite3_close_v2 allows
    }
}
