import Foundation
import Testing

/// `--mode box|table|markdown` against the `sqlite3` shell: the same script on the same data
/// must print the same bytes.
@Suite("shardql box, table and markdown modes")
struct ColumnarModeTests {
    static let sqlite3 = BoundedProcess.onPath("sqlite3")
    static let modes = ["box", "table", "markdown"]

    /// Runs `script` on stdin through `sqlite3 -<mode> :memory:` and `shardql --mode <mode>`, and
    /// expects identical standard output and both to succeed.
    func expectSameOutput(_ script: String, nullValue: String? = nil, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let sqlite3 = try #require(Self.sqlite3)
        for mode in Self.modes {
            let nullArguments = nullValue.map { ["-nullvalue", $0] } ?? []
            let expected = try BoundedProcess.run(
                sqlite3, ["-batch", "-bail", "-\(mode)"] + nullArguments + [":memory:"], stdin: Array(script.utf8))
            #expect(expected.status == 0, "sqlite3 failed: \(expected.summary)", sourceLocation: sourceLocation)
            // Every script prints something, so an empty comparison means a broken harness.
            #expect(!expected.stdout.isEmpty, "sqlite3 printed nothing", sourceLocation: sourceLocation)
            let actual = try runShardQL(
                ["--mode", mode] + (nullValue.map { ["--null-value", $0] } ?? []), stdin: Array(script.utf8))
            #expect(actual.status == 0, "shardql failed: \(actual.summary)", sourceLocation: sourceLocation)
            #expect(
                actual.stdoutText == expected.stdoutText,
                "--mode \(mode):\nshardql:\n\(actual.stdoutText)\nsqlite3:\n\(expected.stdoutText)",
                sourceLocation: sourceLocation)
        }
    }

    @Test(.enabled(if: sqlite3 != nil, "sqlite3 is not on PATH; nothing to compare with"))
    func oneRowOfEachType() throws {
        try expectSameOutput("SELECT 1 AS a, 'xyz' AS b, NULL AS c, 2.5 AS d, x'4142' AS e;")
    }

    @Test(.enabled(if: sqlite3 != nil, "sqlite3 is not on PATH; nothing to compare with"))
    func tableWithNullsAndNumbers() throws {
        try expectSameOutput(
            """
            CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, note);
            INSERT INTO t VALUES (1, 'ann', 2.5, NULL), (2, NULL, -3.25, 'a much longer note'),
                (3, 'bo', 1e20, 42), (40000, '', NULL, 0.1), (-7, 'x', 100.0, NULL);
            SELECT id, name, score, note FROM t ORDER BY id;
            SELECT count(*) AS n, sum(score) AS total, max(name) AS last FROM t;
            """)
    }

    @Test(.enabled(if: sqlite3 != nil, "sqlite3 is not on PATH; nothing to compare with"))
    func customNullValue() throws {
        try expectSameOutput(
            "SELECT NULL AS a, 1 AS b UNION ALL SELECT 'long text', NULL ORDER BY 2;", nullValue: "(null)")
    }

    @Test(.enabled(if: sqlite3 != nil, "sqlite3 is not on PATH; nothing to compare with"))
    func emptyResultPrintsNothing() throws {
        try expectSameOutput(
            """
            CREATE TABLE t(a, b);
            SELECT a, b FROM t;
            SELECT 1 AS a WHERE 0;
            SELECT 'after' AS a;
            """)
    }

    @Test(.enabled(if: sqlite3 != nil, "sqlite3 is not on PATH; nothing to compare with"))
    func unicodeIsCountedInCharacters() throws {
        try expectSameOutput(
            """
            CREATE TABLE u(k INTEGER PRIMARY KEY, v TEXT);
            INSERT INTO u VALUES (1, 'é日本'), (2, 'naïve café'), (3, '😀x'), (4, 'e' || char(769)), (5, 'ab');
            SELECT k AS "ключ", v AS "値" FROM u ORDER BY k;
            """)
    }

    @Test(.enabled(if: sqlite3 != nil, "sqlite3 is not on PATH; nothing to compare with"))
    func multipleStatementsEachGetTheirOwnWidths() throws {
        try expectSameOutput(
            """
            SELECT 1 AS a;
            SELECT 'wide value' AS a, 2 AS b;
            CREATE TABLE t(x);
            INSERT INTO t VALUES (1), (22), (333);
            SELECT x AS centred_header FROM t ORDER BY x;
            """)
    }

    @Test(.enabled(if: sqlite3 != nil, "sqlite3 is not on PATH; nothing to compare with"))
    func lineBreaksAndTabsAsTheShellDrawsThem() throws {
        try expectSameOutput(
            """
            SELECT 'a' || char(10) || 'bc' AS x, 1 AS y
            UNION ALL SELECT 'tab' || char(9) || 'x', 2
            UNION ALL SELECT char(13, 10) || 'z', 3
            UNION ALL SELECT 'end' || char(10), 4
            UNION ALL SELECT 'p' || char(1) || 'q', 5
            ORDER BY y;
            SELECT 'no breaks here' AS x, 6 AS y;
            """)
    }

    @Test(.enabled(if: sqlite3 != nil, "sqlite3 is not on PATH; nothing to compare with"))
    func rawBytesAndNULsAsTheShellSeesThem() throws {
        // A byte that is not UTF-8 counts as a character, text stops at a NUL, a BLOB prints raw.
        try expectSameOutput(
            "SELECT x'ff41' AS b, CAST(x'610062' AS TEXT) AS t, x'e697a5' AS j, 'ab' || char(0) || 'cd' AS z;")
    }

    @Test func headerIsShownWithoutTheHeaderFlag() throws {
        let outcome = try runShardQL(["--mode", "table", "--no-header", "-c", "SELECT 1 AS n"])
        #expect(outcome.status == 0, "\(outcome.summary)")
        #expect(outcome.stdoutText == "+---+\n| n |\n+---+\n| 1 |\n+---+\n")
    }

    @Test func boxDrawsLeftAlignedCellsAndCentredHeaders() throws {
        let outcome = try runShardQL(["--mode", "box", "-c", "SELECT 1 AS a, 'xyz' AS b, NULL AS c, 2.5 AS d"])
        #expect(outcome.status == 0, "\(outcome.summary)")
        #expect(
            outcome.stdoutText == """
                ┌───┬─────┬───┬─────┐
                │ a │  b  │ c │  d  │
                ├───┼─────┼───┼─────┤
                │ 1 │ xyz │   │ 2.5 │
                └───┴─────┴───┴─────┘

                """)
    }

    @Test func markdownHasNoOuterRules() throws {
        let outcome = try runShardQL(["--mode", "markdown", "-c", "SELECT 12345 AS a, 'b' AS bb"])
        #expect(outcome.status == 0, "\(outcome.summary)")
        #expect(outcome.stdoutText == "|   a   | bb |\n|-------|----|\n| 12345 | b  |\n")
    }
}
