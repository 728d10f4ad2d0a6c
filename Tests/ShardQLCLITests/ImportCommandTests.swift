import Foundation
import SQLiteCore
import ShardQLBase
import Testing
import TestSupport

/// `shardql import` as a user runs it: the nycflights13 sample against sqlite3, each class of bad
/// input, and the importer killed at every stage (the table stays as it was, no files are left,
/// and a rerun works).
@Suite("shardql import", .serialized, .timeLimit(.minutes(5)))
struct ImportCommandTests {
    static let flights = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("datasets/nycflights13/flights.csv.gz").path

    let root = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-import-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func shardql(_ data: String, _ arguments: [String], environment: [String: String] = [:]) async throws
        -> BoundedProcess.Outcome
    {
        try await BoundedProcess.run(CommandLineTests.binary, arguments + ["--data", data], environment: environment)
    }

    func query(_ data: String, _ sql: String) async throws -> String {
        let outcome = try await BoundedProcess.run(CommandLineTests.binary, ["--data", data, "-c", sql])
        #expect(outcome.status == 0, "\(sql): \(outcome.summary)")
        return outcome.stdoutText
    }

    /// Shard files in the data directory.
    func shardFiles(_ data: String) throws -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: data + "/shards")) ?? []).filter { $0.hasSuffix(".sqlite") }.sorted()
    }

    @Test(.enabled(if: BoundedProcess.onPath("sqlite3") != nil && BoundedProcess.onPath("gzip") != nil))
    func flightsGiveWhatSQLiteGives() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let data = path("data")
        let imported = try await shardql(
            data, ["import", Self.flights, "--table", "flights", "--create", "--null", "NA"])
        #expect(imported.status == 0, "\(imported.summary)")
        #expect(imported.stdoutText.contains("imported 336,776 rows into flights (new table)"), "\(imported.stdoutText)")
        let ours = try await query(data, "SELECT count(*), sum(distance), sum(arr_delay), count(DISTINCT tailnum) FROM flights")

        // sqlite3 on the same CSV: .import keeps every field as text, so NA becomes NULL by hand.
        let csv = path("flights.csv")
        let unzip = try await BoundedProcess.run(BoundedProcess.onPath("sh")!, ["-c", "gzip -dc '\(Self.flights)' > '\(csv)'"])
        #expect(unzip.status == 0)
        let reference = try await BoundedProcess.run(
            BoundedProcess.onPath("sqlite3")!,
            [
                ":memory:", ".import --csv \(csv) raw",
                "SELECT count(*), sum(distance), sum(CAST(NULLIF(arr_delay, 'NA') AS INTEGER)), count(DISTINCT NULLIF(tailnum, 'NA')) FROM raw",
            ])
        #expect(reference.status == 0, "\(reference.summary)")
        #expect(ours == reference.stdoutText)
        #expect(ours.hasPrefix("336776|"))
    }

    struct BadInput: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var extra: [String] = []
        /// What the message must contain: `FILE:LINE:COLUMN: …` with the file's name.
        var expected: String
        var testDescription: String { name }
    }

    static let badInputs = [
        BadInput(
            name: "unterminated quote", bytes: Array("id,name\n1,ok\n2,\"never closed\n3,x\n".utf8),
            expected: "bad.csv:3:3: "),
        BadInput(name: "wrong column count", bytes: Array("id,name\n1,ok\n2,two,extra\n".utf8), expected: "bad.csv:3:7: expected 2 columns but found 3"),
        BadInput(name: "invalid UTF-8", bytes: Array("id,name\n1,ok\n2,ab".utf8) + [0xFF] + Array("c\n".utf8), expected: "bad.csv:3:5: invalid UTF-8"),
        BadInput(
            name: "STRICT type", bytes: Array("id,name\n1,ok\n2,fine\nthree,bad\n".utf8),
            expected: "bad.csv:4:1: cannot store TEXT value in INTEGER column"),
    ]

    @Test(arguments: badInputs)
    func badInputIsNamedAndImportsNothing(_ input: BadInput) async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let data = path("data")
        _ = try await query(data, "CREATE TABLE t(id INTEGER, name TEXT) STRICT; INSERT INTO t VALUES (100, 'before')")
        let file = try write("bad.csv", input.bytes)
        let appended = try await shardql(data, ["import", file, "--table", "t"])
        #expect(appended.status != 0)
        #expect(appended.stderrText.contains(input.expected), "\(appended.stderrText)")
        #expect(appended.stderrText.contains("nothing was imported"), "\(appended.stderrText)")
        #expect(try await query(data, "SELECT * FROM t") == "100|before\n")

        // The same into a new table: no table, and no shard file of it left.
        let files = try shardFiles(data)
        let created = try await shardql(
            data, ["import", file, "--table", "n", "--schema", "CREATE TABLE n(id INTEGER, name TEXT) STRICT", "--create"])
        #expect(created.status != 0)
        #expect(created.stderrText.contains(input.expected), "\(created.stderrText)")
        #expect(try await query(data, ".tables") == "t\n")
        #expect(try shardFiles(data) == files)
    }

    @Test func allowedErrorsAreSkippedAndWrittenToTheErrorsFile() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let data = path("data")
        let file = try write("some-bad.csv", Array("id,name\n1,a\n2,b,extra\n3,c\nx,d\n".utf8))
        let errors = path("errors.txt")
        let schema = "CREATE TABLE s(id INTEGER, name TEXT) STRICT"
        let refused = try await shardql(data, ["import", file, "--table", "s", "--create", "--schema", schema, "--max-errors", "1"])
        #expect(refused.status != 0, "two bad rows, one allowed: \(refused.summary)")
        #expect(refused.stderrText.contains("import aborted after 2 bad rows"), "\(refused.stderrText)")
        let outcome = try await shardql(
            data, ["import", file, "--table", "s", "--create", "--schema", schema, "--max-errors", "2", "--errors-file", errors])
        #expect(outcome.status == 0, "\(outcome.summary)")
        #expect(outcome.stdoutText.contains("imported 2 rows into s (new table)"), "\(outcome.stdoutText)")
        #expect(outcome.stdoutText.contains("2 rejected"), "\(outcome.stdoutText)")
        #expect(try await query(data, "SELECT id, name FROM s ORDER BY id") == "1|a\n3|c\n")
        let written = try String(contentsOfFile: errors, encoding: .utf8)
        #expect(written.contains("some-bad.csv:3:5: expected 2 columns but found 3"), "\(written)")
        #expect(written.contains("some-bad.csv:5:1: cannot store TEXT value in INTEGER column"), "\(written)")
    }

    /// A CSV big enough for many batches per shard.
    func bigCSV(rows: Int) throws -> String {
        var text = "id,name,amount\n"
        for id in 1...rows { text += "\(id),name \(id % 977),\(Double(id) / 8)\n" }
        return try write("big.csv", Array(text.utf8))
    }

    @Test func killedAtAnyStageTheNewTableIsAbsentOrWholeAndNothingIsLeft() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let file = try bigCSV(rows: 60_000)
        let stages = ["import.batch:1", "import.batch:5", "import.decide.before", "import.decide.after"]
        for stage in stages {
            let data = path("data-\(stage)")
            // TEXT keys: `big` (INTEGER keys) needs a group of its own, the direct-write path.
            _ = try await query(data, "CREATE TABLE other(id TEXT PRIMARY KEY, v TEXT); INSERT INTO other VALUES ('1', 'x')")
            let files = try shardFiles(data)
            let arguments = ["import", file, "--table", "big", "--create", "--distribute-by", "id"]
            let killed = try await shardql(data, arguments, environment: ["SHARDQL_FAULT": stage])
            #expect(killed.reason == .uncaughtSignal, "\(stage): \(killed.summary)")
            // Opening the cluster recovers: the dead importer's files go, or its table is whole.
            let tables = try await query(data, ".tables")
            if stage == "import.decide.after" {
                #expect(tables.contains("big"), "\(stage)")
                #expect(try await query(data, "SELECT count(*), sum(id) FROM big") == "60000|1800030000\n", "\(stage)")
                continue
            }
            #expect(tables == "other\n", "\(stage): \(tables)")
            #expect(try shardFiles(data) == files, "\(stage): files left behind")
            let rerun = try await shardql(data, arguments)
            #expect(rerun.status == 0, "\(stage): \(rerun.summary)")
            #expect(try await query(data, "SELECT count(*), sum(id) FROM big") == "60000|1800030000\n", "\(stage)")
        }
    }

    @Test func killedMidAppendTheTableIsUnchanged() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let file = try bigCSV(rows: 60_000)
        let data = path("data")
        _ = try await query(
            data, "CREATE TABLE big(id INTEGER, name TEXT, amount REAL) DISTRIBUTED BY HASH (id); INSERT INTO big VALUES (0, 'zero', 0)")
        let killed = try await shardql(data, ["import", file, "--table", "big"], environment: ["SHARDQL_FAULT": "import.batch:5"])
        #expect(killed.reason == .uncaughtSignal, "\(killed.summary)")
        #expect(try await query(data, "SELECT count(*), sum(id) FROM big") == "1|0\n")
        let rerun = try await shardql(data, ["import", file, "--table", "big"])
        #expect(rerun.status == 0, "\(rerun.summary)")
        #expect(try await query(data, "SELECT count(*), sum(id) FROM big") == "60001|1800030000\n")
    }

    @Test func theShellsImportCreatesAMissingTableAndTakesTheOptions() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let data = path("data")
        let file = try write("people.tsv", Array("id\tname\n1\tAda\n2\t-\n".utf8))
        let script = ".import \(file) people --null -\nSELECT id, name, typeof(id) FROM people ORDER BY id;\n.import \(file) people --bogus\n"
        let outcome = try await BoundedProcess.run(CommandLineTests.binary, ["--data", data], stdin: Array(script.utf8))
        #expect(outcome.stdoutText.contains("imported 2 rows into people (new table)"), "\(outcome.summary)")
        #expect(outcome.stdoutText.contains("1|Ada|integer\n2||integer\n"), "\(outcome.stdoutText)")
        #expect(outcome.stderrText.contains("--bogus"), "\(outcome.stderrText)")
        #expect(outcome.status != 0)
    }
}

/// Regression: every spawned process left two pipe descriptors open in the test process; past
/// descriptor number 1,024 Foundation's select()-based socket thread misbehaved and the whole
/// suite hung (CI, 2026-11-26). Spawning must not grow the descriptor table.
@Suite("Spawned processes leave no descriptors behind")
struct DescriptorLeakTests {
    @Test(.enabled(if: openPipeCount() != nil))
    func runningProcessesKeepTheDescriptorCountFlat() async throws {
        _ = try await BoundedProcess.run(CommandLineTests.binary, ["--version"])
        let before = openPipeCount()!
        for _ in 0..<150 { _ = try await BoundedProcess.run(CommandLineTests.binary, ["--version"]) }
        // Other suites' processes beside this one hold up to ~90 pipe ends at a time; a leak of
        // two per run would add 300.
        #expect(openPipeCount()! - before < 120)
    }
}
