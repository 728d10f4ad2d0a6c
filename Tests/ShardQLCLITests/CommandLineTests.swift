import Foundation
import ShardQLBase
import WorkerTestSupport
import Testing

/// Runs the `shardql` executable built next to this test bundle, in a fresh data directory.
@Suite("shardql command line")
struct CommandLineTests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        // The test bundle and the executable are built into the same directory.
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("shardql")
    }

    func run(_ arguments: [String], stdin: String? = nil) throws -> Outcome {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let outcome = try BoundedProcess.run(
            Self.binary, ["--data", data.path] + arguments, stdin: stdin.map { Array($0.utf8) } ?? [])
        return Outcome(status: outcome.status, stdout: outcome.stdoutText, stderr: outcome.stderrText)
    }

    @Test func syntaxErrorIsPositionedAndFails() throws {
        let outcome = try run(["-c", "SELECT * FROM WHERE x = 1"])
        #expect(outcome.status != 0)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.contains("syntax error at line 1, column 15: expected table name, found 'WHERE'"))
        // The offending line, and a caret under the token.
        #expect(outcome.stderr.contains("  SELECT * FROM WHERE x = 1\n" + String(repeating: " ", count: 16) + "^"))
    }

    @Test func runsStatementsAndPrintsLikeSQLite() throws {
        let outcome = try run([
            "-c",
            "CREATE TABLE t(id INTEGER PRIMARY KEY, v) DISTRIBUTED BY HASH (id); INSERT INTO t VALUES (1, 2.5), (2, 'x y'), (3, NULL); SELECT id, v, v * 2 FROM t ORDER BY id",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "1|2.5|5.0\n2|x y|0\n3||\n")
    }

    @Test func csvModeMatchesTheShell() throws {
        let outcome = try run(["--mode", "csv", "--header", "-c", "SELECT 1 AS a, 'x,y' AS b, 'it''s' AS c, '' AS d, 1e20 AS e"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "a,b,c,d,e\r\n1,\"x,y\",\"it's\",\"\",1.0e+20\r\n")
    }

    @Test func batchContinuesAfterAnErrorAndReportsItsLine() throws {
        let outcome = try run([], stdin: "SELECT 1;\nSELECT 2 +;\nSELECT 3;\n")
        #expect(outcome.status != 0)
        #expect(outcome.stdout == "1\n3\n")
        #expect(outcome.stderr.contains("syntax error at line 2, column 11: expected expression, found ';'"))
    }

    @Test func bailStopsAtTheFirstError() throws {
        let outcome = try run(["--bail"], stdin: "SELECT 1;\nSELECT nosuch;\nSELECT 3;\n")
        #expect(outcome.status != 0)
        #expect(outcome.stdout == "1\n")
        #expect(outcome.stderr.contains("no such column: nosuch"))
    }

    @Test func triggerBodiesAreNotSplitAtTheirSemicolons() throws {
        let script = """
            CREATE TABLE t(a); CREATE TABLE log(a);
            CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); INSERT INTO log VALUES (-new.a); END;
            INSERT INTO t VALUES (7);
            SELECT a FROM log ORDER BY a;
            """
        let outcome = try run([], stdin: script)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "-7\n7\n")
    }

    @Test func unknownModeIsRefused() throws {
        let outcome = try run(["--mode", "nonsense", "-c", "SELECT 1"])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("nonsense"))
    }
}
