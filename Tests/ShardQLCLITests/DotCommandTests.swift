import Foundation
import Testing

/// The shell's dot-commands, driven through the built `shardql` with piped input, as a script
/// would use them.
@Suite("shardql dot-commands")
struct DotCommandTests {
    /// A scratch directory holding data directories and files; removed by ``cleanUp()``.
    final class Scratch {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-dot-\(UUID().uuidString)")

        init() throws {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }

        func path(_ name: String) -> String { url.appendingPathComponent(name).path }

        func cleanUp() { try? FileManager.default.removeItem(at: url) }

        /// Runs `shardql --data <data> arguments…` with `input` piped in.
        func shardql(data: String = "data", _ input: String, arguments: [String] = []) throws -> BoundedProcess.Outcome {
            try BoundedProcess.run(
                CommandLineTests.binary, ["--data", path(data)] + arguments, stdin: Array(input.utf8), limit: .seconds(120))
        }
    }

    /// Tables of every kind, and values whose text is easy to get wrong.
    static let setup = """
        CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, note) DISTRIBUTED BY HASH (id) SHARDS 3;
        CREATE TABLE orders(id INTEGER, customer_id INTEGER, total REAL, PRIMARY KEY (customer_id, id))
            DISTRIBUTED BY HASH (customer_id) SHARDS 3 COLOCATE WITH customers;
        CREATE TABLE countries(code TEXT PRIMARY KEY, name TEXT) DISTRIBUTED REPLICATED;
        CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT);
        CREATE TABLE loose(a, b);
        CREATE TABLE "odd ""name"" x"("select", v);
        CREATE INDEX customers_name ON customers(name);
        CREATE UNIQUE INDEX orders_total ON orders(customer_id, total);
        CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
        CREATE TRIGGER welcome AFTER INSERT ON customers BEGIN
            INSERT INTO orders(id, customer_id, total) VALUES (NEW.id * 10, NEW.id, 0.5);
        END;
        INSERT INTO customers VALUES (1, 'Ann', NULL), (2, 'it''s', -0.0), (3, 'two
        lines' || char(13) || char(10) || 'crlf', 1e308), (9223372036854775807, 'tab	bell' || char(7), x'00ff10'),
            (-9223372036854775808, 'min', 0.1), (7, '\\n literal', -1e308 * 10), (8, 'ünï ☃', 1e308 * 10),
            (9, '', x''), (10, 'big', 12345678901234567890), (11, 'frac', 1.0), (12, '\\n and' || char(10), NULL);
        INSERT INTO countries VALUES ('FR', 'France'), ('DE', 'Germany');
        INSERT INTO events(kind) VALUES ('a'), ('b'), ('c');
        DELETE FROM events WHERE id = 2;
        INSERT INTO loose VALUES (1, 2.5), ('x', NULL);
        INSERT INTO loose(rowid, a, b) VALUES (40, 3, 4);
        INSERT INTO loose VALUES (5, 6);
        INSERT INTO "odd ""name"" x" VALUES (1e300, 'a'), (0.30000000000000004, x'deadbeef');
        """

    static let tables = ["customers", "orders", "countries", "events", "loose", "\"odd \"\"name\"\" x\""]

    @Test func dumpReplaysIntoAFreshClusterWithTheSameRowsAndLayout() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let created = try scratch.shardql(Self.setup)
        #expect(created.status == 0, "\(created.summary)")

        let dump = try scratch.shardql(".dump\n")
        #expect(dump.status == 0, "\(dump.summary)")
        let text = dump.stdoutText
        #expect(text.hasPrefix("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"))
        #expect(text.hasSuffix("COMMIT;\n"))
        // sqlite3 3.40's spellings.
        for expected in [
            "INSERT INTO customers VALUES(2,'it''s',-0.0);",
            "INSERT INTO customers VALUES(3,replace(replace('two\\nlines\\r\\ncrlf','\\r',char(13)),'\\n',char(10)),9.9999999999999996322e+307);",
            "INSERT INTO customers VALUES(9223372036854775807,'tab\tbell\u{07}',X'00ff10');",
            "INSERT INTO customers VALUES(-9223372036854775808,'min',0.10000000000000000555);",
            "INSERT INTO customers VALUES(7,'\\n literal',-1e999);",
            "INSERT INTO customers VALUES(12,replace('\\n and\\012','\\012',char(10)),NULL);",
            "INSERT INTO customers VALUES(8,'ünï ☃',1e999);",
            "INSERT INTO customers VALUES(9,'',X'');",
            "INSERT INTO customers VALUES(10,'big',12345678901234567167.0);",
            "INSERT INTO customers VALUES(11,'frac',1.0);",
            "INSERT INTO \"odd \"\"name\"\" x\" VALUES(1.0000000000000000047e+300,'a');",
            "INSERT INTO loose(rowid,a,b) VALUES(40,3,4);",
            "INSERT INTO loose VALUES(5,6);",
            "CREATE TABLE orders (id INTEGER, customer_id INTEGER, total REAL, PRIMARY KEY (customer_id, id)) DISTRIBUTED BY HASH (customer_id) SHARDS 3 COLOCATE WITH customers;",
            "CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT) DISTRIBUTED REPLICATED;",
        ] {
            #expect(text.contains(expected), "missing \(expected) in:\n\(text)")
        }
        // Rows first, then indexes, views and triggers (so replaying fires no trigger).
        let lastInsert = try #require(text.range(of: "\nINSERT INTO", options: .backwards))
        for object in ["CREATE INDEX customers_name", "CREATE UNIQUE INDEX orders_total", "CREATE VIEW big_orders", "CREATE TRIGGER welcome"] {
            let position = try #require(text.range(of: object), "missing \(object)")
            #expect(position.lowerBound > lastInsert.lowerBound, "\(object) comes before the rows")
        }
        // A table named by COLOCATE WITH is created first.
        let customers = try #require(text.range(of: "CREATE TABLE customers"))
        let orders = try #require(text.range(of: "CREATE TABLE orders"))
        #expect(customers.lowerBound < orders.lowerBound)

        try FileManager.default.createDirectory(atPath: scratch.path("fresh"), withIntermediateDirectories: true)
        let dumpFile = scratch.path("dump.sql")
        try text.write(toFile: dumpFile, atomically: true, encoding: .utf8)
        let replay = try BoundedProcess.run(
            CommandLineTests.binary, ["--data", scratch.path("fresh")],
            stdin: Array(try String(contentsOfFile: dumpFile, encoding: .utf8).utf8))
        #expect(replay.status == 0, "\(replay.summary)")
        #expect(replay.stdoutText.isEmpty, "replaying printed \(replay.stdoutText)")

        // Same dump, same schema, same shards, same rows and types, table by table.
        let again = try scratch.shardql(data: "fresh", ".dump\n")
        #expect(again.stdoutText == text)
        for command in [".schema\n", ".tables\n", ".indexes\n", ".shards\n"] {
            let before = try scratch.shardql(command)
            let after = try scratch.shardql(data: "fresh", command)
            #expect(before.status == 0 && after.status == 0, "\(before.summary) \(after.summary)")
            #expect(before.stdoutText == after.stdoutText, "\(command) differs")
        }
        for table in Self.tables {
            let columns = table == "countries" ? "code, name" : table == "orders" ? "id, customer_id, total" : table == "loose" ? "a, b"
                : table == "events" ? "id, kind" : table == "customers" ? "id, name, note" : "\"select\", v"
            let typed = columns.split(separator: ",").map { "typeof(\($0.trimmingCharacters(in: .whitespaces)))" }.joined(separator: ", ")
            let rowid = table == "countries" ? "NULL" : "rowid"
            let query = ".mode list\nSELECT \(rowid), \(columns), \(typed), quote(\(columns.split(separator: ",")[0])) FROM \(table) ORDER BY \(rowid), 2, 3;\n"
            let before = try scratch.shardql(query)
            let after = try scratch.shardql(data: "fresh", query)
            #expect(before.status == 0, "\(before.summary)")
            #expect(!before.stdoutText.isEmpty)
            #expect(before.stdoutText == after.stdoutText, "\(table) differs:\n\(before.stdoutText)\n---\n\(after.stdoutText)")
        }
        // The values that print alike but differ in their bits compare exactly.
        let exact = "SELECT count(*) FROM customers WHERE note = 1e308 OR note = 0.1 OR note = -1e308 * 10 OR quote(note) = 'X''00FF10''';\n"
        #expect(try scratch.shardql(data: "fresh", exact).stdoutText == "4\n")
        // The replayed trigger works, and AUTOINCREMENT keeps counting past the dumped keys.
        let after = try scratch.shardql(
            data: "fresh",
            "INSERT INTO customers VALUES (100, 'new', NULL); SELECT count(*) FROM orders WHERE customer_id = 100;\nINSERT INTO events(kind) VALUES ('d'); SELECT max(id) FROM events;\n")
        #expect(after.stdoutText == "1\n4\n", "\(after.summary)")
    }

    @Test func dumpOfNamedTables() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        _ = try scratch.shardql(Self.setup)
        let dump = try scratch.shardql(".dump cust%\n")
        #expect(dump.status == 0, "\(dump.summary)")
        #expect(dump.stdoutText.contains("CREATE TABLE customers"))
        #expect(dump.stdoutText.contains("CREATE INDEX customers_name"))
        #expect(dump.stdoutText.contains("CREATE TRIGGER welcome"))
        #expect(!dump.stdoutText.contains("CREATE TABLE orders"))
        #expect(!dump.stdoutText.contains("countries"))
    }

    @Test func schemaTablesAndIndexes() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        _ = try scratch.shardql(Self.setup)
        let outcome = try scratch.shardql(".tables\n.tables c%\n.indexes\n.indexes orders\n.schema countries\n.schema ev%\n")
        #expect(outcome.status == 0, "\(outcome.summary)")
        #expect(
            outcome.stdoutText == """
                big_orders    customers     loose         orders      
                countries     events        odd "name" x
                countries  customers
                customers_name  orders_total  
                orders_total
                CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT) DISTRIBUTED REPLICATED;
                CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT) DISTRIBUTED BY HASH (id) SHARDS 4;

                """)
        let schema = try scratch.shardql(".schema\n").stdoutText
        #expect(schema.contains("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, note) DISTRIBUTED BY HASH (id) SHARDS 3;\n"))
        #expect(schema.contains("CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;\n"))
        #expect(schema.contains("CREATE TRIGGER welcome AFTER INSERT ON customers BEGIN"))
        #expect(schema.contains("CREATE TABLE loose (a, b);\n"))
    }

    @Test func outputAndOnceWriteFiles() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let all = scratch.path("all.txt")
        let once = scratch.path("once.txt")
        let outcome = try scratch.shardql("""
            SELECT 1;
            .output \(all)
            SELECT 2;
            .tables
            SELECT 3;
            .output
            SELECT 4;
            .once \(once)
            SELECT 5;
            SELECT 6;
            .once \(scratch.path("no/such/dir/x.txt"))
            SELECT 7;

            """)
        #expect(outcome.status != 0)
        #expect(outcome.stdoutText == "1\n4\n6\n7\n")
        #expect(outcome.stderrText.contains("cannot open"))
        #expect(try String(contentsOfFile: all, encoding: .utf8) == "2\n3\n")
        #expect(try String(contentsOfFile: once, encoding: .utf8) == "5\n")
    }

    @Test func readRunsAFileAndBoundsNesting() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let inner = scratch.path("inner.sql")
        try "CREATE TABLE t(id INTEGER PRIMARY KEY, v);\nINSERT INTO t VALUES (1, 'a');\n.mode csv\nSELECT * FROM t;\n"
            .write(toFile: inner, atomically: true, encoding: .utf8)
        let loop = scratch.path("loop.sql")
        try "SELECT 'again';\n.read \(loop)\n".write(toFile: loop, atomically: true, encoding: .utf8)
        let outcome = try scratch.shardql(".read \(inner)\nSELECT v FROM t;\n")
        #expect(outcome.status == 0, "\(outcome.summary)")
        #expect(outcome.stdoutText == "1,a\r\na\r\n")

        let looping = try scratch.shardql(".read \(loop)\nSELECT 'after';\n")
        #expect(looping.status != 0)
        #expect(looping.stderrText.contains("nesting limit"))
        #expect(looping.stdoutText.hasSuffix("after\n"))
        #expect(looping.stdoutText.components(separatedBy: "again\n").count - 1 == 25)

        let missing = try scratch.shardql(".read \(scratch.path("missing.sql"))\n")
        #expect(missing.status != 0)
        #expect(missing.stderrText.contains("cannot open"))
    }

    @Test func unknownCommandsAndWrongArgumentsExplainThemselves() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let outcome = try scratch.shardql(".tabels\n.frobnicate\n.headers maybe\n.nullvalue\n.explain\n.shards a b\nSELECT 1;\n")
        #expect(outcome.status != 0)
        #expect(outcome.stdoutText == "1\n")
        let lines = outcome.stderrText.split(separator: "\n")
        #expect(lines.count == 6, "\(outcome.stderrText)")
        #expect(outcome.stderrText.contains("unknown command \".tabels\"; did you mean \".tables\"? Enter \".help\""))
        #expect(outcome.stderrText.contains("unknown command \".frobnicate\". Enter \".help\""))
        #expect(outcome.stderrText.contains(".headers: expected on or off, found 'maybe'"))
        #expect(outcome.stderrText.contains("usage: .nullvalue STRING"))
        #expect(outcome.stderrText.contains("usage: .explain ?ANALYZE? QUERY"))
        #expect(outcome.stderrText.contains("usage: .shards ?TABLE?"))
    }

    @Test func helpListsEveryCommandOnALine() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let outcome = try scratch.shardql(".help\n.help sh\n")
        #expect(outcome.status == 0, "\(outcome.summary)")
        let lines = outcome.stdoutText.split(separator: "\n")
        for name in [
            "dump", "exit", "explain", "headers", "help", "indexes", "mode", "nodes", "nullvalue", "once", "output", "quit",
            "read", "schema", "shards", "tables", "timer",
        ] {
            #expect(lines.contains { $0.hasPrefix(".\(name) ") || $0 == ".\(name)" }, "no help for .\(name)")
        }
        #expect(lines.last?.hasPrefix(".shards ?TABLE?") == true)
    }

    @Test func settingsCommandsAndPrefixes() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let outcome = try scratch.shardql(".head on\n.nullvalue NULL\n.mode csv\nSELECT 1 AS a, NULL AS b;\n.mode\n.timer on\nSELECT 2;\n.exit\nSELECT 3;\n")
        #expect(outcome.status == 0, "\(outcome.summary)")
        #expect(outcome.stdoutText.hasPrefix("a,b\r\n1,NULL\r\ncurrent output mode: csv\n2\r\n2\r\nRun Time: real "))
        #expect(!outcome.stdoutText.contains("3\r\n"))
    }

    @Test func shardFiguresAddUpToTheCount() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let rows = (1...200).map { "(\($0), \($0 % 7))" }.joined(separator: ", ")
        _ = try scratch.shardql("""
            CREATE TABLE t(id INTEGER PRIMARY KEY, g) DISTRIBUTED BY HASH (id) SHARDS 5;
            CREATE TABLE r(k PRIMARY KEY) DISTRIBUTED REPLICATED;
            INSERT INTO t VALUES \(rows);

            """)
        let outcome = try scratch.shardql(".shards\n.shards r\n.nodes\n")
        #expect(outcome.status == 0, "\(outcome.summary)")
        let lines = outcome.stdoutText.split(separator: "\n").map(String.init)
        #expect(lines.first == "table|shard|hash_range|node|rows|bytes")
        let shardLines = lines.filter { $0.hasPrefix("t|") }
        #expect(shardLines.count == 5)
        let counts = shardLines.map { Int($0.split(separator: "|")[4])! }
        #expect(counts.reduce(0, +) == 200)
        #expect(shardLines[0].hasPrefix("t|0|0x0000000000000000-0x3333333333333333|local|"))
        #expect(shardLines[4].hasPrefix("t|4|0xcccccccccccccccd-0xffffffffffffffff|local|"))
        #expect(shardLines.allSatisfy { Int($0.split(separator: "|")[5])! > 0 })
        let skew = Double(counts.max()!) / (200.0 / 5.0)
        let expected = String(format: "%.2f", skew)
        #expect(lines.contains("-- t: hash on id, 5 shards, 200 rows, skew \(expected) (max/mean rows)"))
        // A reference table is listed when named, as one copy.
        #expect(lines.contains { $0.hasPrefix("r|0|(replicated)|local|0|") })
        #expect(lines.contains { $0.hasPrefix("local|active|in-process|6|in-process worker") })
    }

    @Test func explainPrintsTheDistributedPlan() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let outcome = try scratch.shardql("""
            CREATE TABLE t(id INTEGER PRIMARY KEY, v) DISTRIBUTED BY HASH (id) SHARDS 4;
            INSERT INTO t VALUES (1, 'a'), (2, 'b');
            .explain SELECT v FROM t WHERE id = 1
            .explain analyze SELECT count(*) FROM t;

            """)
        #expect(outcome.status == 0, "\(outcome.summary)")
        #expect(outcome.stdoutText.hasPrefix("Tier: router\nShards: 1 of 4 after pruning"))
        #expect(outcome.stdoutText.contains("Tier: pushdown\nShards: all 4"))
        #expect(outcome.stdoutText.contains("Result: 1 rows in "))
    }

    /// The values of a dump are written exactly as sqlite3 writes them (`-0.0` aside, which
    /// sqlite3 writes as `0.0`, losing its sign).
    @Test func dumpValuesMatchSQLite3() throws {
        guard let sqlite3 = BoundedProcess.onPath("sqlite3") else { return }
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let values = [
            "0.1", "1e300", "1.0", "-1.5e-7", "1e308 * 10", "-1e308 * 10", "12345678901234567890", "9223372036854775808.0",
            "-9223372036854775808", "123456789012345678.0", "5e-324", "0.30000000000000004", "100.0", "NULL", "x''",
            "x'00ff'", "'it''s'", "'a' || char(10) || 'b' || char(13)", "'\\n' || char(10)", "'\\n\\012' || char(10)",
            "'tab\tbell' || char(7)", "'ünï ☃'", "''", "9223372036854775807",
        ]
        let inserts = values.enumerated().map { "INSERT INTO t VALUES (\($0.offset + 1), \($0.element));" }.joined(separator: "\n")
        let script = "CREATE TABLE t(id INTEGER PRIMARY KEY, v);\n" + inserts + "\n"
        let ours = try scratch.shardql(script + ".dump\n")
        #expect(ours.status == 0, "\(ours.summary)")
        let theirs = try BoundedProcess.run(sqlite3, [":memory:"], stdin: Array((script + ".dump\n").utf8))
        #expect(theirs.status == 0, "\(theirs.summary)")
        func rows(_ text: String) -> [String] { text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("INSERT") } }
        #expect(rows(ours.stdoutText).count == values.count)
        #expect(rows(ours.stdoutText) == rows(theirs.stdoutText))
    }
}
