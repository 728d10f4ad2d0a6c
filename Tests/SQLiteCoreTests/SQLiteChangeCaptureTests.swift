import ShardQLBase
import SQLiteCore
import Testing

/// The decisive property: replaying a capture's statements, with triggers off, on a database that
/// started in the same state leaves every table exactly as the captured run did.
@Suite("Change capture: redo logs replay to the same database")
struct SQLiteChangeCaptureTests {
    static let setup = #"""
        CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT UNIQUE, qty INTEGER DEFAULT 0, price REAL);
        CREATE TABLE plain(a, b);
        CREATE TABLE audit(seq INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT, item INTEGER, noise);
        CREATE TRIGGER items_updated AFTER UPDATE ON items BEGIN
            INSERT INTO audit(what, item, noise) VALUES ('update ' || new.name, new.id, random());
        END;
        CREATE TRIGGER items_deleted AFTER DELETE ON items BEGIN
            INSERT INTO audit(what, item) VALUES ('delete ' || old.name, old.id);
        END;
        CREATE TABLE kv(k TEXT, region INTEGER, v, PRIMARY KEY(region, k)) WITHOUT ROWID;
        CREATE TABLE gen(a INTEGER, v AS (a * 10) VIRTUAL, b TEXT, s AS (b || '!') STORED, c REAL,
            w AS (c + 1) VIRTUAL, d);
        CREATE TABLE wgen(k TEXT PRIMARY KEY, v AS (upper(k)) VIRTUAL, n INTEGER, s AS (n * 2) STORED, z)
            WITHOUT ROWID;
        CREATE TABLE "odd ""name"""("weird col" INTEGER PRIMARY KEY DESC, "x""y", "select");
        CREATE TABLE shadowed(rowid TEXT, b);
        CREATE TABLE doomed(x);
        CREATE TABLE aliased("RowID" integer primary key, b);
        CREATE TABLE notalias(id INT PRIMARY KEY, b);
        CREATE TABLE keydesc(id INTEGER, b, PRIMARY KEY(id DESC));
        INSERT INTO items(name, qty, price) VALUES ('apple', 5, 1.5), ('pear', 2, 0.5), ('plum', 9, 2.25);
        INSERT INTO plain VALUES (1, 'one'), (2, 'two'), (3, 'three');
        INSERT INTO kv VALUES ('a', 1, 'x'), ('b', 1, 'y'), ('a', 2, 'z');
        INSERT INTO gen(a, b, c, d) VALUES (1, 'p', 0.5, 'd1'), (2, 'q', 1.5, 'd2');
        INSERT INTO wgen(k, n, z) VALUES ('k1', 1, 'z1'), ('k2', 2, 'z2');
        INSERT INTO "odd ""name""" VALUES (7, 'seven', 's7');
        INSERT INTO shadowed VALUES ('r', 1);
        INSERT INTO doomed VALUES (1);
        INSERT INTO aliased VALUES (1, 'a'); INSERT INTO notalias VALUES (1, 'n'); INSERT INTO keydesc VALUES (1, 'k');
        """#

    /// Every kind of change the hook reports, and schema changes in between.
    static let workload = [
        "INSERT INTO items(name, qty, price) VALUES ('fig', 1, 3.0)",
        "UPDATE items SET qty = qty + 1 WHERE name = 'apple'",  // its trigger writes audit
        "UPDATE items SET id = 100 WHERE name = 'pear'",  // a new INTEGER PRIMARY KEY
        "DELETE FROM items WHERE name = 'plum'",
        "INSERT OR REPLACE INTO items(id, name, qty) VALUES (100, 'pear2', 7)",  // rowid conflict
        "INSERT OR REPLACE INTO items(name, qty) VALUES ('apple', 42)",  // UNIQUE conflict, new rowid
        "INSERT INTO items(name, qty) VALUES ('fig', 1) ON CONFLICT(name) DO UPDATE SET qty = qty + excluded.qty",
        "UPDATE OR REPLACE items SET name = 'fig' WHERE name = 'pear2'",  // UNIQUE conflict on update
        "UPDATE plain SET rowid = rowid + 10 WHERE a = 1",
        "UPDATE plain SET b = x'00ff' WHERE a = 2",
        "DELETE FROM plain WHERE a = 3",
        """
        INSERT INTO plain VALUES (random(), -0.0), (9223372036854775807, ''), (-9223372036854775808, x''),
            (NULL, 'nul' || char(0) || 'byte'), (1e300, 2.5)
        """,
        "UPDATE kv SET region = 3 WHERE k = 'a' AND region = 1",  // a new primary key
        "UPDATE kv SET v = 'yy' WHERE k = 'b'",
        "DELETE FROM kv WHERE region = 2",
        "INSERT INTO kv VALUES ('c', 1, 1e300)",
        "REPLACE INTO kv VALUES ('b', 1, 'replaced')",
        "INSERT INTO gen(a, b, c, d) VALUES (3, 'r', 2.5, 'd3'), (4, 't', 4, 'd4')",
        "UPDATE gen SET b = 'pp', d = 'd1b' WHERE a = 1",
        "UPDATE gen SET rowid = 50, c = 9.5 WHERE a = 2",
        "DELETE FROM gen WHERE a = 3",
        "INSERT INTO wgen(k, n, z) VALUES ('k3', 3, 'z3')",
        "UPDATE wgen SET n = 20, z = 'z2b' WHERE k = 'k2'",
        "UPDATE wgen SET k = 'k1b' WHERE k = 'k1'",
        "DELETE FROM wgen WHERE k = 'k3'",
        #"INSERT INTO "odd ""name""" VALUES (5, 'xy', 'sel')"#,
        #"UPDATE "odd ""name""" SET "select" = 'S', rowid = 70 WHERE "weird col" = 7"#,
        "INSERT INTO shadowed VALUES ('s', 2)",
        "UPDATE shadowed SET _rowid_ = 9, rowid = 'r2' WHERE b = 1",
        "INSERT INTO doomed VALUES (2)",
        "UPDATE aliased SET RowID = 5, b = 'a5'; INSERT INTO aliased(b) VALUES ('next')",
        "UPDATE notalias SET id = 10; UPDATE notalias SET rowid = 99; INSERT INTO notalias VALUES (3, 'n3')",
        "UPDATE keydesc SET id = 6; INSERT INTO keydesc(b) VALUES ('next')",
        "DROP TABLE doomed",  // changed rows first
        "CREATE TABLE fresh(id INTEGER PRIMARY KEY, v)",
        "INSERT INTO fresh(v) VALUES ('new'), ('newer')",
        "CREATE INDEX items_qty ON items(qty)",
        "ALTER TABLE plain ADD COLUMN c DEFAULT 'dflt'",
        "UPDATE plain SET c = 'set' WHERE a = 2",
        "INSERT INTO plain VALUES (4, 'four', 'cee')",
        "ALTER TABLE kv RENAME COLUMN v TO value",
        "UPDATE kv SET value = 'renamed' WHERE k = 'c'",
        "ALTER TABLE fresh RENAME TO fresh2",
        "INSERT INTO fresh2(v) VALUES ('renamed table')",
        "UPDATE items SET qty = 0",
    ]

    /// Runs `sql` the way the worker does: a failed statement's changes are dropped, a schema
    /// change is recorded as itself.
    static func run(_ sql: String, on connection: SQLiteConnection, capture: SQLiteChangeCapture) throws {
        let position = capture.position
        let before = try schemaVersion(connection)
        do {
            try connection.execute(sql)
        } catch {
            capture.truncate(to: position)
            throw error
        }
        if try schemaVersion(connection) != before {
            capture.truncate(to: position)
            capture.appendStatement(sql)
        }
    }

    static func schemaVersion(_ connection: SQLiteConnection) throws -> SQLValue {
        try connection.prepare("PRAGMA schema_version").rows()[0][0]
    }

    /// Replays through the binary form, as the worker stores it.
    static func replay(_ statements: [SQLiteRedoStatement], on connection: SQLiteConnection) throws {
        let decoded = try SQLiteRedoStatement.decode(SQLiteRedoStatement.encode(statements))
        #expect(decoded == statements)
        try connection.setTriggersEnabled(false)
        defer { try? connection.setTriggersEnabled(true) }
        try connection.transaction {
            for redo in decoded {
                let statement = try connection.cachedStatement(redo.sql)
                try statement.bind(redo.parameters)
                try statement.run()
            }
        }
    }

    /// The schema, then each table's rows (rowid included) in a fixed order.
    static func contents(_ connection: SQLiteConnection) throws -> [String: [[SQLValue]]] {
        let schema = try connection.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name")
        var contents = ["": try schema.rows()]
        let tables = try connection.prepare(
            """
            SELECT name, wr FROM pragma_table_list
            WHERE schema = 'main' AND type = 'table' AND name <> 'sqlite_schema'
            """
        ).rows()
        for table in tables {
            guard case .text(let name) = table[0] else { continue }
            let quotedName = "\"" + name.string.split(separator: "\"", omittingEmptySubsequences: false)
                .joined(separator: "\"\"") + "\""
            let columnCount = try connection.prepare("SELECT * FROM \(quotedName)").columnCount
            let byColumns = (1...columnCount).map(String.init).joined(separator: ", ")
            let sql = table[1] == .integer(1)
                ? "SELECT * FROM \(quotedName) ORDER BY \(byColumns)"
                : "SELECT _rowid_, * FROM \(quotedName) ORDER BY _rowid_"
            contents[name.string] = try connection.prepare(sql).rows()
        }
        return contents
    }

    /// Names each table that differs, with both versions.
    static func expectSame(
        _ actual: [String: [[SQLValue]]], _ expected: [String: [[SQLValue]]],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        #expect(actual.keys.sorted() == expected.keys.sorted(), sourceLocation: sourceLocation)
        for (table, rows) in expected where actual[table] != rows {
            Issue.record(
                "table '\(table)' differs:\n  got      \(actual[table] ?? [])\n  expected \(rows)",
                sourceLocation: sourceLocation)
        }
    }

    static func negativeZeroCount(_ connection: SQLiteConnection) throws -> Int {
        try connection.prepare("SELECT b FROM plain").rows().count(where: { row in
            if case .real(let real) = row[0] { return real == 0 && real.sign == .minus }
            return false
        })
    }

    @Test func replayOnAnotherDatabaseGivesTheSameTables() throws {
        let captured = try SQLiteConnection(path: ":memory:")
        let replayed = try SQLiteConnection(path: ":memory:")
        try captured.execute(Self.setup)
        try replayed.execute(Self.setup)
        #expect(try Self.contents(captured) == Self.contents(replayed))

        let statements = try captured.transaction {
            let capture = SQLiteChangeCapture(connection: captured)
            defer { capture.stop() }
            for sql in Self.workload {
                try Self.run(sql, on: captured, capture: capture)
            }
            return try capture.statements()
        }
        try Self.replay(statements, on: replayed)

        let expected = try Self.contents(captured)
        try Self.expectSame(Self.contents(replayed), expected)
        #expect(expected["audit"]?.count == 7)  // the triggers did run on the captured side
        #expect(expected["doomed"] == nil && expected["fresh2"]?.count == 3)
        #expect(try Self.negativeZeroCount(replayed) == 1)
    }

    /// The worker's way: record inside a savepoint, roll it back, replay on the same connection.
    @Test func replayAfterRollingBackRestoresTheChanges() throws {
        try withTemporaryDirectory { directory in
            let connection = try SQLiteConnection(path: directory + "/shard.sqlite")
            try connection.execute(Self.setup)
            let original = try Self.contents(connection)

            try connection.execute("BEGIN IMMEDIATE; SAVEPOINT work")
            let capture = SQLiteChangeCapture(connection: connection)
            for sql in Self.workload {
                try Self.run(sql, on: connection, capture: capture)
            }
            let expected = try Self.contents(connection)
            let redo = SQLiteRedoStatement.encode(try capture.statements())
            capture.stop()
            try connection.execute("ROLLBACK TO work; RELEASE work; COMMIT")
            #expect(try Self.contents(connection) == original)

            try Self.replay(try SQLiteRedoStatement.decode(redo), on: connection)
            try Self.expectSame(Self.contents(connection), expected)
        }
    }

    @Test func rollingBackToASavepointTruncates() throws {
        let captured = try SQLiteConnection(path: ":memory:")
        let replayed = try SQLiteConnection(path: ":memory:")
        for connection in [captured, replayed] {
            try connection.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b)")
        }
        let capture = SQLiteChangeCapture(connection: captured)
        try captured.execute("BEGIN; INSERT INTO t VALUES (1, 'kept'); SAVEPOINT s")
        let position = capture.position
        #expect(position == 1)
        try captured.execute("INSERT INTO t VALUES (2, 'undone'); UPDATE t SET b = 'undone' WHERE a = 1")
        try captured.execute("CREATE INDEX tb ON t(b)")
        capture.appendStatement("CREATE INDEX tb ON t(b)")
        #expect(capture.position == 4)
        try captured.execute("ROLLBACK TO s")
        capture.truncate(to: position)
        try captured.execute("INSERT INTO t VALUES (3, 'after'); RELEASE s; COMMIT")

        let statements = try capture.statements()
        #expect(statements.map(\.sql) == Array(repeating: #"INSERT INTO "t"(rowid, "b") VALUES (?, ?)"#, count: 2))
        try Self.replay(statements, on: replayed)
        #expect(try Self.contents(replayed) == Self.contents(captured))
    }

    @Test func aFailedStatementsChangesMustBeTruncated() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t(a UNIQUE)")
        let capture = SQLiteChangeCapture(connection: connection)
        #expect(throws: ShardQLError.self) { try connection.execute("INSERT INTO t VALUES (1), (2), (1)") }
        // SQLite undid both inserts, but the hook saw them.
        #expect(capture.position == 2)
        #expect(try connection.prepare("SELECT count(*) FROM t").rows() == [[.integer(0)]])
        capture.truncate(to: 0)
        #expect(capture.isEmpty)
    }

    @Test func statementTexts() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("""
            CREATE TABLE t(id INTEGER PRIMARY KEY, "a b" TEXT, g AS (id + 1));
            CREATE TABLE w(k, n, v, PRIMARY KEY(n, k)) WITHOUT ROWID;
            CREATE TABLE only(id INTEGER PRIMARY KEY);
            """)
        let capture = SQLiteChangeCapture(connection: connection)
        try connection.execute("""
            INSERT INTO t VALUES (1, 'x'); UPDATE t SET "a b" = 'y'; UPDATE t SET id = 2; DELETE FROM t;
            INSERT INTO w VALUES ('k', 1, 'v'); UPDATE w SET v = 'u'; DELETE FROM w;
            INSERT INTO only VALUES (1); UPDATE only SET id = id; UPDATE only SET id = 5;
            """)
        #expect(try capture.statements() == [
            .init(sql: #"INSERT INTO "t"(rowid, "a b") VALUES (?, ?)"#, parameters: [.integer(1), .text("x")]),
            .init(sql: #"UPDATE "t" SET "a b" = ? WHERE rowid = ?"#, parameters: [.text("y"), .integer(1)]),
            .init(
                sql: #"UPDATE "t" SET rowid = ?, "a b" = ? WHERE rowid = ?"#,
                parameters: [.integer(2), .text("y"), .integer(1)]),
            .init(sql: #"DELETE FROM "t" WHERE rowid = ?"#, parameters: [.integer(2)]),
            .init(
                sql: #"INSERT INTO "w"("k", "n", "v") VALUES (?, ?, ?)"#,
                parameters: [.text("k"), .integer(1), .text("v")]),
            .init(
                sql: #"UPDATE "w" SET "k" = ?, "n" = ?, "v" = ? WHERE "n" = ? AND "k" = ?"#,
                parameters: [.text("k"), .integer(1), .text("u"), .integer(1), .text("k")]),
            .init(sql: #"DELETE FROM "w" WHERE "n" = ? AND "k" = ?"#, parameters: [.integer(1), .text("k")]),
            .init(sql: #"INSERT INTO "only"(rowid) VALUES (?)"#, parameters: [.integer(1)]),
            // `SET id = id` changed nothing to redo.
            .init(sql: #"UPDATE "only" SET rowid = ? WHERE rowid = ?"#, parameters: [.integer(5), .integer(1)]),
        ])
    }

    @Test func foreignKeyActionsAreRecorded() throws {
        let captured = try SQLiteConnection(path: ":memory:")
        let replayed = try SQLiteConnection(path: ":memory:")
        for connection in [captured, replayed] {
            try connection.execute("""
                CREATE TABLE parent(id INTEGER PRIMARY KEY);
                CREATE TABLE child(p REFERENCES parent ON DELETE CASCADE ON UPDATE SET NULL, x);
                INSERT INTO parent VALUES (1), (2); INSERT INTO child VALUES (1, 'a'), (2, 'b'), (2, 'c');
                """)
        }
        try captured.execute("PRAGMA foreign_keys = ON")
        let capture = SQLiteChangeCapture(connection: captured)
        try captured.execute("DELETE FROM parent WHERE id = 2; UPDATE parent SET id = 3")
        // The cascade's deletes and the SET NULL update are in the log; replay has the pragma off.
        #expect(capture.position == 5)
        try Self.replay(try capture.statements(), on: replayed)
        try Self.expectSame(Self.contents(replayed), Self.contents(captured))
    }

    @Test func onlyTheMainDatabaseIsRecorded() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("""
            ATTACH DATABASE ':memory:' AS aux;
            CREATE TABLE aux.t(a);
            CREATE TEMP TABLE scratch(a);
            """)
        let capture = SQLiteChangeCapture(connection: connection)
        try connection.execute("INSERT INTO aux.t VALUES (1); INSERT INTO scratch VALUES (1)")
        #expect(capture.isEmpty)
        #expect(try capture.statements().isEmpty)
    }

    @Test func stopAndReleaseRemoveTheHook() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t(a)")
        do {
            // Released at the end of this scope: its deinit must remove the hook.
            let capture = SQLiteChangeCapture(connection: connection)
            try connection.execute("INSERT INTO t VALUES (1)")
            #expect(capture.position == 1)
        }
        let capture = SQLiteChangeCapture(connection: connection)
        try connection.execute("INSERT INTO t VALUES (2)")
        capture.stop()
        capture.stop()
        try connection.execute("INSERT INTO t VALUES (3)")
        #expect(try capture.statements().map(\.parameters) == [[.integer(2), .integer(2)]])
        // Stopped, a new capture can take the connection; the old one's records stay.
        let next = SQLiteChangeCapture(connection: connection)
        try connection.execute("DELETE FROM t WHERE a = 1")
        #expect(next.position == 1 && capture.position == 1)
    }

    @Test func aClosedConnectionReportsTheError() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        connection.close()
        let capture = SQLiteChangeCapture(connection: connection)
        #expect(capture.isEmpty)
        #expect(throws: ShardQLError.self) { try capture.statements() }
    }

    @Test func triggersCanBeTurnedOff() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("""
            CREATE TABLE t(a); CREATE TABLE log(a);
            CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;
            """)
        try connection.setTriggersEnabled(false)
        try connection.execute("INSERT INTO t VALUES (1)")
        try connection.setTriggersEnabled(true)
        try connection.execute("INSERT INTO t VALUES (2)")
        #expect(try connection.prepare("SELECT a FROM log").rows() == [[.integer(2)]])
    }
}
