import Foundation
import ShardQLBase
import WorkerTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--mode json|jsonl|tsv|tabs|line` through the `shardql` binary, against the `sqlite3` shell
/// where it has the mode. (Box, table and markdown: ``ColumnarModeTests``; their terminal layout:
/// ShellOutputTests.)
@Suite("shardql json, jsonl, tsv and line modes")
struct OutputModeTests {
    static let sqlite3 = BoundedProcess.onPath("sqlite3")

    /// Runs `script` through `sqlite3 <sqliteArguments> :memory:` and `shardql <arguments>`, and
    /// expects the same bytes on standard output.
    func expectSameOutput(
        _ script: String, shardql arguments: [String], sqlite3 sqliteArguments: [String],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let sqlite3 = try #require(Self.sqlite3)
        let expected = try BoundedProcess.run(
            sqlite3, ["-batch", "-bail"] + sqliteArguments + [":memory:"], stdin: Array(script.utf8))
        #expect(expected.status == 0, "sqlite3 failed: \(expected.summary)", sourceLocation: sourceLocation)
        #expect(!expected.stdout.isEmpty, "sqlite3 printed nothing", sourceLocation: sourceLocation)
        let actual = try runShardQL(arguments, stdin: Array(script.utf8))
        #expect(actual.status == 0, "shardql failed: \(actual.summary)", sourceLocation: sourceLocation)
        // Bytes, not text: a BLOB in json is written raw, and may not be UTF-8.
        #expect(
            actual.stdout == expected.stdout,
            "\(arguments):\nshardql:\n\(actual.stdoutText)\nsqlite3:\n\(expected.stdoutText)",
            sourceLocation: sourceLocation)
    }

    static let values = """
        CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, note);
        INSERT INTO t VALUES
            (1, 'ann', 2.5, x'0001ff41', NULL),
            (2, 'quote " back \\ slash', 0.1, x'', 'tab' || char(9) || 'nl' || char(10) || 'cr' || char(13)),
            (3, 'ünïcödé 日本 😀', 1e20, x'e697a5', char(1, 31, 127)),
            (4, '', -1.0e-5, x'22005c', 1.0 / 3),
            (5, NULL, 100.0, NULL, 9223372036854775807);
        SELECT id, name, score, data, note FROM t ORDER BY id;
        SELECT 1 AS a WHERE 0;
        SELECT count(*) AS "n""quoted", 'x' || char(0) || 'y' AS nul FROM t;
        SELECT 1e999 AS inf, -1e999 AS minus_inf, 0.0 AS zero, 123456789.125 AS r;
        """

    @Test(.enabled(if: sqlite3 != nil, "sqlite3 is not on PATH; nothing to compare with"))
    func jsonIsByteForByteTheShells() throws {
        try expectSameOutput(Self.values, shardql: ["--mode", "json"], sqlite3: ["-json"])
    }

    @Test(.enabled(if: sqlite3 != nil, "sqlite3 is not on PATH; nothing to compare with"))
    func tsvAndItsAliasTabsAreTheShellsTabs() throws {
        let script = "SELECT 1 AS a, 'x y' AS b, NULL AS c, 2.5 AS d UNION ALL SELECT 2, 'q\"', 'z', -1;"
        try expectSameOutput(script, shardql: ["--mode", "tsv", "--header"], sqlite3: ["-tabs", "-header"])
        try expectSameOutput(script, shardql: ["--mode", "tabs", "--header"], sqlite3: ["-tabs", "-header"])
        try expectSameOutput(".mode tabs\n" + script, shardql: [], sqlite3: [])
    }

    @Test(.enabled(if: sqlite3 != nil, "sqlite3 is not on PATH; nothing to compare with"))
    func lineModeIsTheShells() throws {
        try expectSameOutput(
            "SELECT 1 AS a, NULL AS \"é\", 'x' AS abc UNION ALL SELECT 2, 'y', 3.5; SELECT 1 AS long_column_name;",
            shardql: ["--mode", "line"], sqlite3: ["-line"])
    }

    @Test func jsonLinesWritesOneObjectPerRow() throws {
        let outcome = try runShardQL(
            ["--mode", "jsonl", "-c", "SELECT 1 AS a, 'x\"' AS b, NULL AS c, 0.5 AS d UNION ALL SELECT 2, x'41', 1e999, 3"])
        #expect(outcome.status == 0, "\(outcome.summary)")
        #expect(
            outcome.stdoutText == """
                {"a":1,"b":"x\\"","c":null,"d":0.5}
                {"a":2,"b":"A","c":1e999,"d":3}

                """)
    }

    @Test func dotModeTakesTheNewNames() throws {
        let outcome = try runShardQL([], stdin: Array(".mode jsonl\nSELECT 1 AS a;\n.mode\n.mode tabs\n.mode\n".utf8))
        #expect(outcome.status == 0, "\(outcome.summary)")
        #expect(outcome.stdoutText == "{\"a\":1}\ncurrent output mode: jsonl\ncurrent output mode: tsv\n")
    }

    @Test func withoutATerminalTheDefaultIsListWithoutHeader() throws {
        let outcome = try runShardQL(["-c", "SELECT 1 AS a, NULL AS b, 'x' AS c"])
        #expect(outcome.status == 0, "\(outcome.summary)")
        #expect(outcome.stdoutText == "1||x\n")
    }
}

#if os(Linux)
/// What `shardql -c` prints when its standard output is a terminal: a box with a header and a
/// row count by default, fitted to the terminal's width.
@Suite("shardql output on a terminal")
struct TerminalOutputTests {
    /// Runs `shardql arguments` with standard output on a pseudo-terminal `columns` wide, and
    /// returns what it wrote (the terminal turns "\n" into "\r\n"; this turns it back).
    func runOnTerminal(_ arguments: [String], columns: UInt16) throws -> String {
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try #require(master >= 0)
        defer { close(master) }
        // unlockpt and ptsname, spelled as the ioctls Glibc's Swift overlay leaves out.
        var unlock: Int32 = 0
        var number: UInt32 = 0
        var size = winsize(ws_row: 24, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        try #require(ioctl(master, 0x4004_5431 /* TIOCSPTLCK */, &unlock) == 0)
        try #require(ioctl(master, 0x8004_5430 /* TIOCGPTN */, &number) == 0)
        try #require(ioctl(master, UInt(TIOCSWINSZ), &size) == 0)
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        try #require(slave >= 0)

        let data = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-tty-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        // Plain NULL, so the expected text needs no escape codes.
        let process = try ChildProcess(
            [CommandLineTests.binary.path, "--data", data.path] + arguments,
            environment: ProcessInfo.processInfo.environment.merging(["NO_COLOR": "1"]) { $1 },
            stdin: .null, stdout: .descriptor(slave), stderr: .inherit)
        close(slave)

        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = ContinuousClock.now + .seconds(60)
        // Read until shardql has exited and the terminal has nothing more to give.
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 200) > 0 else {
                if !process.isRunning { break }
                continue
            }
            let count = read(master, &buffer, buffer.count)
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        process.send(SIGTERM)
        #expect(process.wait() == .exited(0))
        return String(decoding: output, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    }

    @Test func theDefaultIsABoxFittedToTheTerminalWithARowCount() throws {
        let output = try runOnTerminal(
            ["-c", "SELECT 1 AS id, 'a value too long for a terminal of forty columns' AS t, NULL AS n, '' AS e"
                + " UNION ALL SELECT 22, '日本語', 2.5, 'x'"],
            columns: 40)
        #expect(
            output == """
                ┌────┬──────────────────────┬──────┬───┐
                │ id │          t           │  n   │ e │
                ├────┼──────────────────────┼──────┼───┤
                │  1 │ a value too long fo… │ NULL │   │
                │ 22 │ 日本語               │  2.5 │ x │
                └────┴──────────────────────┴──────┴───┘
                (2 rows)

                """)
    }

    @Test func anExplicitModeWinsAndTheHeaderIsOn() throws {
        let output = try runOnTerminal(["--mode", "csv", "-c", "SELECT 1 AS a, NULL AS b"], columns: 40)
        // csv ends its lines with "\r\n" itself.
        #expect(output == "a,b\r\n1,\r\n")
    }
}
#endif
