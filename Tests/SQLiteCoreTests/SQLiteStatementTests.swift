import ShardQLBase
import SQLiteCore
import Testing

@Suite("Statements: binding, metadata, cache")
struct SQLiteStatementTests {
    let connection: SQLiteConnection

    init() throws {
        connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("""
            CREATE TABLE people(id INTEGER PRIMARY KEY, name VARCHAR(20), score REAL);
            INSERT INTO people(name, score) VALUES ('ann', 1.5), ('bob', 2.5), ('cy', NULL);
            """)
    }

    @Test func positionalBinding() throws {
        let statement = try connection.prepare("SELECT ?, ?2, ?1")
        #expect(statement.parameterCount == 2)
        try statement.bind([.integer(1), .text("two")])
        #expect(try statement.rows() == [[.integer(1), .text("two"), .integer(1)]])
        try statement.bind(.real(3.5), at: 1)
        #expect(try statement.rows() == [[.real(3.5), .text("two"), .real(3.5)]])
    }

    @Test func positionalBindingRequiresOneValuePerParameter() throws {
        let statement = try connection.prepare("SELECT ?, ?")
        let error = #expect(throws: ShardQLError.self) { try statement.bind([.integer(1)]) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func namedBindingWithEveryPrefix() throws {
        let statement = try connection.prepare("SELECT :a, @b, $c")
        #expect(statement.parameterName(at: 1) == ":a")
        #expect(statement.parameterName(at: 3) == "$c")
        try statement.bind(.integer(1), named: ":a")
        try statement.bind(.integer(2), named: "@b")
        try statement.bind(.integer(3), named: "$c")
        #expect(try statement.rows() == [[.integer(1), .integer(2), .integer(3)]])
        // Without a prefix, the name is found whichever prefix the SQL used.
        try statement.bind(["a": .text("x"), "b": .text("y"), "c": .null])
        #expect(try statement.rows() == [[.text("x"), .text("y"), .null]])
    }

    @Test func unknownNameIsAnInvalidArgument() throws {
        let statement = try connection.prepare("SELECT :a")
        let error = #expect(throws: ShardQLError.self) { try statement.bind(.null, named: ":nope") }
        #expect(error?.code == .invalidArgument)
    }

    @Test func indexOutOfRangeIsSQLiteRange() throws {
        let statement = try connection.prepare("SELECT ?")
        let error = #expect(throws: ShardQLError.self) { try statement.bind(.null, at: 2) }
        #expect(error?.code == .sqlite)
        #expect(error?.sqliteResultCode == 25)  // SQLITE_RANGE
    }

    @Test func columnMetadata() throws {
        let statement = try connection.prepare("SELECT id, name AS who, score * 2 FROM people ORDER BY id")
        #expect(statement.columnCount == 3)
        #expect(statement.columnNames == ["id", "who", "score * 2"])
        #expect(statement.columnDeclaredTypes == ["INTEGER", "VARCHAR(20)", nil])
        #expect(try statement.step())
        #expect(statement.row() == [.integer(1), .text("ann"), .real(3)])
        #expect(try statement.step())
        #expect(statement.column(1) == .text("bob"))
        #expect(try statement.step())
        #expect(statement.column(2) == .null)
        #expect(try !statement.step())
    }

    @Test func readOnlyAndExpandedSQL() throws {
        let select = try connection.prepare("SELECT name FROM people WHERE id = ? AND name = ?")
        #expect(select.isReadOnly)
        try select.bind([.integer(7), .text("o'neil")])
        #expect(select.expandedSQL == "SELECT name FROM people WHERE id = 7 AND name = 'o''neil'")
        #expect(select.sql == "SELECT name FROM people WHERE id = ? AND name = ?")
        #expect(try !connection.prepare("DELETE FROM people").isReadOnly)
    }

    @Test func resetRewindsAndKeepsBindings() throws {
        let statement = try connection.prepare("SELECT name FROM people WHERE id >= ? ORDER BY id")
        try statement.bind([.integer(2)])
        #expect(try statement.step())
        #expect(statement.column(0) == .text("bob"))
        statement.reset()
        #expect(try statement.step())
        #expect(statement.column(0) == .text("bob"))
        statement.clearBindings()
        statement.reset()
        #expect(try !statement.step())  // id >= NULL matches nothing
    }

    @Test func cachedStatementIsReusedWithBindingsCleared() throws {
        let sql = "SELECT ?"
        let first = try connection.cachedStatement(sql)
        try first.bind([.integer(42)])
        #expect(try first.step())
        #expect(first.column(0) == .integer(42))
        // Fetched again mid-iteration: same object, rewound, parameter back to NULL.
        let second = try connection.cachedStatement(sql)
        #expect(first === second)
        #expect(try second.rows() == [[.null]])
        #expect(connection.cachedStatementCount == 1)
        #expect(try connection.cachedStatement("SELECT ? ") !== first)
    }

    @Test func cacheEvictsTheLeastRecentlyUsed() throws {
        let connection = try SQLiteConnection(
            path: ":memory:", configuration: SQLiteConfiguration(statementCacheCapacity: 2))
        let one = try connection.cachedStatement("SELECT 1")
        let two = try connection.cachedStatement("SELECT 2")
        #expect(try connection.cachedStatement("SELECT 1") === one)  // now 2 is the oldest
        _ = try connection.cachedStatement("SELECT 3")
        #expect(connection.cachedStatementCount == 2)
        #expect(try connection.cachedStatement("SELECT 1") === one)
        #expect(try connection.cachedStatement("SELECT 2") !== two)
        // An evicted statement a caller still holds keeps working.
        #expect(try two.rows() == [[.integer(2)]])
    }

    @Test func prepareRejectsEmptyAndMultipleStatements() throws {
        for sql in ["", "  -- just a comment", "SELECT 1; SELECT 2"] {
            let error = #expect(throws: ShardQLError.self) { try connection.prepare(sql) }
            #expect(error?.code == .invalidArgument)
        }
        // Trailing separators and comments are fine.
        #expect(try connection.prepare("SELECT 1; -- done\n").rows() == [[.integer(1)]])
    }

    @Test func changesAndRowIDs() throws {
        try connection.execute("INSERT INTO people(name) VALUES ('dee')")
        #expect(connection.lastInsertRowID == 4)
        #expect(connection.changes == 1)
        let before = connection.totalChanges
        try connection.execute("UPDATE people SET score = 0")
        #expect(connection.changes == 4)
        #expect(connection.totalChanges == before + 4)
    }
}
