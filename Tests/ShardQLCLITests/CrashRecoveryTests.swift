import Foundation
import SQLiteCore
import ShardQLBase
import Testing

/// Kills `shardql` (SIGKILL, via `SHARDQL_FAULT`) at every step of the two-phase commit of a
/// multi-shard write, recovers, and checks that the write is entirely there or entirely absent —
/// there exactly when the kill came after the decision — with no prepared record or log entry
/// left behind (DESIGN §6).
@Suite("Crash recovery", .serialized)
struct CrashRecoveryTests {
    struct Scenario: CustomTestStringConvertible, Sendable {
        var name: String
        var write: String
        var testDescription: String { name }
    }

    static let scenarios = [
        Scenario(name: "multi-shard insert", write: "INSERT INTO t VALUES (101, 1), (102, 2), (103, 3), (104, 4), (105, 5), (106, 6), (107, 7), (108, 8)"),
        Scenario(name: "update on every shard", write: "UPDATE t SET v = v * 3 + 1"),
        Scenario(name: "distribution-key move", write: "UPDATE t SET id = id + 500 WHERE id <= 12"),
        Scenario(name: "CREATE INDEX", write: "CREATE INDEX t_v ON t(v)"),
    ]

    /// Protocol steps in order; those at or after `decision.after` must leave the write applied.
    static let steps: [String] =
        ["log.after"] + (0..<4).flatMap { ["prepare.before:\($0)", "prepare.after:\($0)"] }
        + ["decision.before", "decision.after"] + (0..<4).flatMap { ["apply.before:\($0)", "apply.after:\($0)"] }
        + ["forget.before"]

    static let shardCount = 4

    /// What a client can see of the table, plus whether the index exists (catalog and shards agree).
    struct Visible: Equatable, CustomStringConvertible {
        var rows: String
        var index: Bool
        var description: String { "\(rows) index: \(index)" }
    }

    @Test(arguments: scenarios)
    func everyKillPointLeavesTheWriteWholeOrAbsent(_ scenario: Scenario) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let seed = root.appendingPathComponent("seed").path
        try await shardql(seed, "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES " + (1...40).map { "(\($0), \($0 * 10))" }.joined(separator: ", "))
        let before = try await visible(seed)

        let clean = root.appendingPathComponent("clean").path
        try FileManager.default.copyItem(atPath: seed, toPath: clean)
        try await shardql(clean, scenario.write)
        let after = try await visible(clean)
        #expect(before != after)

        var decided = false
        for step in Self.steps {
            if step == "decision.after" { decided = true }
            let directory = root.appendingPathComponent(step.replacingOccurrences(of: ":", with: "-")).path
            try FileManager.default.copyItem(atPath: seed, toPath: directory)
            let killed = try await BoundedProcess.run(
                CommandLineTests.binary, ["--data", directory, "--shards", "\(Self.shardCount)", "-c", scenario.write],
                environment: ["SHARDQL_FAULT": step])
            let wasKilled = killed.reason == .uncaughtSignal
            // A step past the last participant is never reached: the write just completes.
            #expect(wasKilled || step.contains(":"), "\(step): \(killed.summary)")
            let recovered = try await BoundedProcess.run(CommandLineTests.binary, ["recover", "--data", directory])
            #expect(recovered.status == 0, "\(step): \(recovered.summary)")
            let state = try await visible(directory)
            if !wasKilled || decided {
                #expect(state == after, "\(scenario.name), killed at \(step): \(state), expected the write applied: \(after)")
            } else {
                #expect(state == before, "\(scenario.name), killed at \(step): \(state), expected it absent: \(before)")
            }
            try expectNothingInDoubt(directory, step)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test func openingTheClusterFinishesADecidedTransaction() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await shardql(directory, "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES " + (1...20).map { "(\($0), \($0))" }.joined(separator: ", "))
        let killed = try await BoundedProcess.run(
            CommandLineTests.binary, ["--data", directory, "-c", "UPDATE t SET v = 0"],
            environment: ["SHARDQL_FAULT": "apply.before:0"])
        #expect(killed.reason == .uncaughtSignal, "\(killed.summary)")
        // No `recover`: any command opening the cluster finishes the transaction first.
        let query = try await BoundedProcess.run(CommandLineTests.binary, ["--data", directory, "-c", "SELECT count(*), sum(v) FROM t"])
        #expect(query.stdoutText == "20|0\n", "\(query.summary)")
        try expectNothingInDoubt(directory, "apply.before:0")
    }

    // MARK: - Helpers

    @discardableResult
    func shardql(_ directory: String, _ sql: String) async throws -> String {
        let outcome = try await BoundedProcess.run(
            CommandLineTests.binary, ["--data", directory, "--shards", "\(Self.shardCount)", "-c", sql])
        #expect(outcome.status == 0, "\(sql): \(outcome.summary)")
        return outcome.stdoutText
    }

    func visible(_ directory: String) async throws -> Visible {
        let rows = try await shardql(directory, "SELECT count(*), total(id * 1000003 + v), min(id), max(id) FROM t")
        let catalog = try SQLiteConnection(path: directory + "/catalog.sqlite")
        let inCatalog = try catalog.prepare("SELECT count(*) FROM indexes WHERE name = 't_v'").rows() == [[.integer(1)]]
        var onShards: [Bool] = []
        for file in try shardFiles(directory) {
            let shard = try SQLiteConnection(path: file)
            onShards.append(try shard.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 't_v'").rows() == [[.integer(1)]])
        }
        #expect(onShards.allSatisfy { $0 == inCatalog }, "index in catalog: \(inCatalog), on shards: \(onShards)")
        return Visible(rows: rows, index: inCatalog)
    }

    func expectNothingInDoubt(_ directory: String, _ step: String) throws {
        for file in try shardFiles(directory) {
            let shard = try SQLiteConnection(path: file)
            #expect(try shard.prepare("SELECT count(*) FROM _shardql_prepared").rows() == [[.integer(0)]], "\(step): \(file)")
        }
        let catalog = try SQLiteConnection(path: directory + "/catalog.sqlite")
        let pending = try catalog.prepare("SELECT id, state FROM transactions WHERE state <> 'committed'").rows()
        #expect(pending.isEmpty, "\(step): \(pending)")
    }

    func shardFiles(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory + "/shards")
            .filter { $0.hasSuffix(".sqlite") }.sorted().map { directory + "/shards/" + $0 }
    }
}
