#if os(Linux)
import Foundation
import Testing

private typealias Key = PseudoTerminal.Key

/// A session at the interactive shell on a pseudo-terminal, one family of dot-commands after
/// another, as a person would type them: the default box output, caret errors, settings, schema
/// and cluster commands, and a `.dump` written to a file and replayed into a fresh cluster.
@Suite("shardql REPL sessions on a terminal", .serialized)
struct ReplSessionTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-session-\(UUID().uuidString)")

    func shell(_ name: String, arguments: [String] = ["--mode", "list", "--no-header"]) throws -> PseudoTerminal {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let terminal = try PseudoTerminal.shardql(data: directory.appendingPathComponent(name), arguments: arguments)
        try terminal.waitFor(Self.freshPrompt)
        return terminal
    }

    /// The shell waiting for the next statement (a line being edited is redrawn without it).
    static let freshPrompt = "shardql> "

    /// Types one line and waits for `expected` (each in order), then for the next prompt.
    func type(_ line: String, _ expected: String..., on terminal: PseudoTerminal) throws {
        try terminal.send(line + Key.enter)
        for text in expected { try terminal.waitFor(text) }
        try terminal.waitFor(Self.freshPrompt)
    }

    @Test func boxIsTheDefaultOnATerminalWithAFooter() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let terminal = try shell("box", arguments: [])
        try type("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT);", on: terminal)
        try type("INSERT INTO t VALUES (1, 'Ada'), (22, NULL);", on: terminal)
        // Numbers right-aligned, NULL shown as such, a row count under the box.
        try type(
            "SELECT id, name FROM t ORDER BY id;", "│ id │ name │", "│  1 │ Ada  │", "│ 22 │ NULL │", "(2 rows)",
            on: terminal)
        try terminal.send(Key.control("d"))
        #expect(try terminal.waitForExit() == 0)
    }

    @Test func errorsPointAtTheirPosition() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let terminal = try shell("errors")
        try terminal.send("SELECT 1," + Key.enter)
        try terminal.waitFor("   ...> ")
        try type(
            "  FROM WHERE;", "Error: syntax error at line 2, column 3", "\n    FROM WHERE;", "\n    ^", on: terminal)
        try type(".tabels", "did you mean \".tables\"?", on: terminal)
        try type(".mode nosuch", "Error", on: terminal)
        try type("SELECT 2;", "\n2\n", on: terminal)
    }

    @Test func settingsCommandsChangeTheOutput() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let terminal = try shell("settings")
        try type(".help", ".dump", ".schema", ".shards", on: terminal)
        try type(".mode csv", on: terminal)
        try type(".headers on", on: terminal)
        try type("SELECT 1 AS a, 'x,y' AS b;", "a,b\n", "1,\"x,y\"", on: terminal)
        try type(".mode list", on: terminal)
        try type(".headers off", on: terminal)
        try type(".nullvalue <null>", on: terminal)
        try type("SELECT NULL, 3;", "<null>|3", on: terminal)
        try type(".timer on", on: terminal)
        try type("SELECT 4;", "\n4\n", "Run Time: real ", on: terminal)
        try type(".timer off", on: terminal)
        try terminal.send(".quit" + Key.enter)
        #expect(try terminal.waitForExit() == 0)
    }

    @Test func schemaAndClusterCommands() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let terminal = try shell("schema")
        try type("CREATE TABLE orders(id INTEGER PRIMARY KEY, total REAL) DISTRIBUTED BY HASH (id) SHARDS 3;", on: terminal)
        try type("CREATE TABLE nation(k INTEGER PRIMARY KEY, name TEXT) DISTRIBUTED REPLICATED;", on: terminal)
        try type("CREATE INDEX orders_total ON orders(total);", on: terminal)
        try type("INSERT INTO orders VALUES (1, 1.5), (2, 2.5), (3, 3.5), (4, 4.5);", on: terminal)
        try type(".tables", "nation", "orders", on: terminal)
        try type(".schema orders", "DISTRIBUTED BY HASH (id) SHARDS 3", "CREATE INDEX orders_total", on: terminal)
        try type(".schema nation", "DISTRIBUTED REPLICATED", on: terminal)
        try type(".indexes orders", "orders_total", on: terminal)
        try type(".shards orders", "orders", "local", "skew", on: terminal)
        try type(".nodes", "local", on: terminal)
        try type(".explain SELECT total FROM orders WHERE id = 2", "Tier: router", on: terminal)
        try type(".explain", "usage: .explain", on: terminal)
    }

    @Test func aDumpReplaysIntoAFreshCluster() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let dump = directory.appendingPathComponent("dump.sql").path
        let source = try shell("source")
        try type("CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT, r REAL, b BLOB);", on: source)
        try type("CREATE TABLE b(a_id INTEGER, note TEXT) DISTRIBUTED BY HASH (a_id) COLOCATE WITH a;", on: source)
        try type("CREATE TABLE ref(k TEXT PRIMARY KEY, n INT) DISTRIBUTED REPLICATED;", on: source)
        try type(
            "INSERT INTO a VALUES (1, 'it''s', 0.1, x'00ff'), (2, NULL, -1e300, NULL), (3, 'line' || char(10) || 'break', 2.0, x'');",
            on: source)
        try type("INSERT INTO b VALUES (1, 'x'), (3, 'y'), (NULL, 'no key');", on: source)
        try type("INSERT INTO ref VALUES ('p', 1), ('q', NULL);", on: source)
        try type("CREATE VIEW av AS SELECT id, v FROM a;", on: source)
        try type(".output " + dump, on: source)
        try type(".dump", on: source)
        try type(".output", on: source)
        try source.send(Key.control("d"))
        #expect(try source.waitForExit() == 0)

        let replay = try shell("replay")
        try type(".read " + dump, on: replay)
        try type(".schema b", "COLOCATE WITH a", on: replay)
        try replay.send(Key.control("d"))
        #expect(try replay.waitForExit() == 0)

        // Both clusters, read in batch: the same rows, values and storage classes.
        let checks = """
            SELECT id, quote(v), quote(r), quote(b), typeof(r) FROM a ORDER BY id;
            SELECT quote(a_id), note FROM b ORDER BY note;
            SELECT k, quote(n) FROM ref ORDER BY k;
            SELECT count(*) FROM av;
            """
        func answers(_ name: String) throws -> String {
            let outcome = try BoundedProcess.run(
                CommandLineTests.binary, ["--data", directory.appendingPathComponent(name).path, "-c", checks])
            #expect(outcome.status == 0, "\(outcome.summary)")
            return outcome.stdoutText
        }
        let original = try answers("source")
        #expect(original.contains("1|'it''s'|0.1|X'00FF'|real"))
        #expect(try answers("replay") == original)
    }
}
#endif
