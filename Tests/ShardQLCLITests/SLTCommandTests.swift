import Foundation
import ShardQLBase
import WorkerTestSupport
import Testing

/// `shardql slt`, run as a user would run it.
@Suite("shardql slt")
struct SLTCommandTests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func shardql(_ arguments: [String]) throws -> Outcome {
        let outcome = try BoundedProcess.run(CommandLineTests.binary, arguments)
        return Outcome(status: outcome.status, stdout: outcome.stdoutText, stderr: outcome.stderrText)
    }

    /// Writes `text` to a fresh `.test` file, runs `body` with its path, and removes it.
    func withTestFile(_ text: String, _ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("shardql-slt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("small.test").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try body(path)
    }

    static let passing = """
        statement ok
        CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT, c REAL)

        statement ok
        INSERT INTO t1 VALUES (1, 'one', 1.5); INSERT INTO t1 VALUES (2, '', NULL)

        statement error
        INSERT INTO t1 VALUES (1, 'again', 0)

        query ITR rowsort
        SELECT a, b, c FROM t1
        ----
        1
        one
        1.500
        2
        (empty)
        NULL

        skipif sqlite
        query I nosort
        SELECT 'not for sqlite'
        ----
        0

        """

    @Test func passingFilePrintsTheSummaryAndExitsZero() throws {
        try withTestFile(Self.passing) { path in
            let outcome = try shardql(["slt", path])
            #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
            #expect(outcome.stdout.contains("\(path): 4 passed, 0 failed, 1 skipped ("))
            let lastLine = outcome.stdout.split(separator: "\n").last ?? ""
            #expect(lastLine.hasPrefix("4 passed, 0 failed, 1 skipped"))
            #expect(outcome.stderr.isEmpty)
        }
    }

    @Test func wrongExpectedValueFailsWithFileAndLine() throws {
        let wrong = Self.passing.replacingOccurrences(of: "1.500", with: "1.250")
        try withTestFile(wrong) { path in
            let outcome = try shardql(["slt", path])
            #expect(outcome.status != 0)
            #expect(
                outcome.stdout.contains("\(path):10: wrong result\n  SELECT a, b, c FROM t1\n  expected (6 lines):"))
            #expect(outcome.stdout.contains("    1.250\n"))
            #expect(outcome.stdout.contains("  got (6 lines):\n    1\n    one\n    1.500\n"))
            #expect(outcome.stdout.hasSuffix("s)\n"))
            #expect(outcome.stdout.contains("3 passed, 1 failed, 1 skipped"))
        }
    }

    @Test func shardOptionsAreValidatedAndUsed() throws {
        try withTestFile(Self.passing) { path in
            for options in [["--shards", "1"], ["--shards", "7", "--distribution", "round-robin"], ["--distribution", "hash-first"]] {
                let sharded = try shardql(["slt"] + options + [path])
                #expect(sharded.status == 0, "\(options): \(sharded.stderr)")
                #expect(sharded.stdout.contains("4 passed, 0 failed"), "\(options): \(sharded.stdout)")
            }

            let zero = try shardql(["slt", "--shards", "0", path])
            #expect(zero.status != 0)
            #expect(zero.stderr.contains("--shards must be between 1 and"))

            let unknown = try shardql(["slt", "--distribution", "range", path])
            #expect(unknown.status != 0)
            #expect(unknown.stderr.contains("range"))
        }
    }

    @Test func missingFileFails() throws {
        let outcome = try shardql(["slt", "/nonexistent/x.test"])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("/nonexistent/x.test"))
        #expect(outcome.stdout.contains("0 passed, 0 failed, 0 skipped, 1 file unreadable"))
    }

    /// The parser and printer sit between the file and SQLite: a distribution clause parses and runs.
    @Test func statementsGoThroughShardQLsParser() throws {
        let text = """
            statement ok
            CREATE TABLE t(id INTEGER PRIMARY KEY, v) DISTRIBUTED BY HASH (id) SHARDS 4

            query I nosort
            INSERT INTO t VALUES (1, 2); SELECT v * 21 FROM t
            ----
            42

            """
        try withTestFile(text) { path in
            let outcome = try shardql(["slt", path])
            #expect(outcome.status == 0, "\(outcome.stdout)")
            #expect(outcome.stdout.contains("2 passed, 0 failed, 0 skipped"))
        }
    }
}
