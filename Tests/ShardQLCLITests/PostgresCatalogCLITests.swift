import Foundation
import PostgresTestSupport
import SQLiteCore
import ShardQL
import Testing

/// `shardql` processes sharing a catalog in PostgreSQL (`--catalog postgres://…`): each sees
/// the others' tables without restarting, concurrent DDL and node registrations land whole, and
/// a transaction a killed coordinator left in doubt is finished by another coordinator process
/// from the decision log in PostgreSQL.
@Suite(
    "shardql with a PostgreSQL catalog",
    .enabled(if: TestPostgres.url != nil, Comment(rawValue: TestPostgres.skipReason)), .serialized)
struct PostgresCatalogCLITests {
    /// A fresh database and data directory for `body`, both removed afterwards.
    func withCluster(_ body: (_ url: String, _ data: String) async throws -> Void) async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-pg-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        try await TestPostgres.withDatabase { url in try await body(url, data) }
    }

    @discardableResult
    func shardql(_ url: String, _ data: String, _ arguments: [String], fault: String? = nil) async throws
        -> BoundedProcess.Outcome
    {
        try await BoundedProcess.run(
            CommandLineTests.binary, arguments + ["--catalog", url, "--data", data],
            environment: fault.map { ["SHARDQL_FAULT": $0] } ?? [:])
    }

    func sql(_ url: String, _ data: String, _ sql: String, sourceLocation: Testing.SourceLocation = #_sourceLocation)
        async throws -> String
    {
        let outcome = try await shardql(url, data, ["--shards", "4", "-c", sql])
        #expect(outcome.status == 0, "\(sql): \(outcome.summary)", sourceLocation: sourceLocation)
        return outcome.stdoutText
    }

    @Test func aCoordinatorSeesAnotherProcesssTablesWithoutRestarting() async throws {
        try await withCluster { url, data in
            // This test's process is one coordinator, open before the other creates anything.
            let resident = try await Database.open(catalog: url, directory: data)
            do {
                _ = try await sql(
                    url, data,
                    "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t(v) VALUES "
                        + (1...1000).map { "(\($0))" }.joined(separator: ", "))
                #expect(try await resident.fetchAll(Int.self, "SELECT count(*) FROM t") == [1000])
                #expect(try await resident.fetchAll(Int.self, "SELECT sum(v) FROM t") == [500_500])
                // More rows and a second table from yet another process.
                _ = try await sql(url, data, "INSERT INTO t(v) VALUES (-1); CREATE TABLE u(x TEXT); INSERT INTO u VALUES ('hi')")
                #expect(try await resident.fetchAll(Int.self, "SELECT count(*) FROM t") == [1001])
                #expect(try await resident.fetchAll(String.self, "SELECT x FROM u") == ["hi"])
                // And the other way round: what the resident coordinator creates, a process sees.
                try await resident.execute("CREATE TABLE w(k INTEGER PRIMARY KEY); INSERT INTO w VALUES (7)")
                #expect(try await sql(url, data, "SELECT k FROM w") == "7\n")
            } catch {
                await resident.close()
                throw error
            }
            await resident.close()
        }
    }

    @Test func concurrentCreateTablesAndNodeRegistrationsFromSeveralProcesses() async throws {
        try await withCluster { url, data in
            let workers = try (0..<2).map { _ in try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:0"]) }
            var addresses: [String] = []
            for worker in workers { addresses.append(try await worker.address()) }
            // Two coordinators create tables while two more register the workers.
            try await withThrowingTaskGroup(of: BoundedProcess.Outcome.self) { group in
                for name in ["a", "b"] {
                    let script = (0..<6).map { index in
                        "CREATE TABLE \(name)\(index)(id INTEGER PRIMARY KEY, v); INSERT INTO \(name)\(index)(v) VALUES (\(index)), (\(index * 10));"
                    }.joined(separator: "\n")
                    group.addTask { try await shardql(url, data, ["--shards", "4", "-c", script]) }
                }
                for address in addresses {
                    group.addTask { try await shardql(url, data, ["node", "add", address]) }
                }
                for try await outcome in group {
                    #expect(outcome.status == 0, "\(outcome.summary)")
                }
            }
            for name in ["a", "b"] {
                for index in 0..<6 {
                    #expect(
                        try await sql(url, data, "SELECT count(*), sum(v) FROM \(name)\(index)") == "2|\(index * 11)\n",
                        "\(name)\(index)")
                }
            }
            let nodes = try await shardql(url, data, ["node", "list"])
            #expect(nodes.status == 0, "\(nodes.summary)")
            for address in addresses { #expect(nodes.stdoutText.contains(address), "\(nodes.stdoutText)") }
            // The catalog holds exactly the twelve tables, no half-made thirteenth.
            let tables = try await BoundedProcess.run(
                CommandLineTests.binary, ["--catalog", url, "--data", data], stdin: Array(".tables\n".utf8))
            let names = tables.stdoutText.split(whereSeparator: \.isWhitespace).map(String.init).sorted()
            #expect(names == ["a", "b"].flatMap { name in (0..<6).map { "\(name)\($0)" } }, "\(tables.summary)")
            for worker in workers { worker.process.send(SIGTERM) }
        }
    }

    /// The crash sweep of `CrashRecoveryTests` with the decision log in PostgreSQL: a coordinator
    /// is killed at each step of a multi-shard write's two-phase commit, and a second coordinator
    /// process (`shardql recover`) finishes it — applied exactly when the kill came after the
    /// decision — leaving no prepared record on a shard and nothing undecided in the log.
    @Test func aSecondCoordinatorRecoversFromTheLogInPostgres() async throws {
        let write = "INSERT INTO t VALUES (101, 1), (102, 2), (103, 3), (104, 4), (105, 5), (106, 6), (107, 7), (108, 8)"
        let seed = "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES "
            + (1...40).map { "(\($0), \($0 * 10))" }.joined(separator: ", ")
        let probe = "SELECT count(*), total(id * 1000003 + v), min(id), max(id) FROM t"
        var decided = false
        for step in CrashRecoveryTests.steps {
            if step == "decision.after" { decided = true }
            try await withCluster { url, data in
                let before = try await sql(url, data, seed + "; " + probe)
                let killed = try await shardql(url, data, ["--shards", "4", "-c", write], fault: step)
                let wasKilled = killed.reason == .uncaughtSignal
                #expect(wasKilled || step.contains(":"), "\(step): \(killed.summary)")
                let recovered = try await shardql(url, data, ["recover"])
                #expect(recovered.status == 0, "\(step): \(recovered.summary)")
                let state = try await sql(url, data, probe)
                if !wasKilled || decided {
                    #expect(state == "48|\(Self.checksum(1...40, extra: 101...108))|1|108\n", "killed at \(step): \(state)")
                } else {
                    #expect(state == before.split(separator: "\n").last.map { $0 + "\n" }, "killed at \(step): \(state)")
                }
                let undecided = try await TestPostgres.integer(
                    "SELECT count(*) FROM shardql.transactions WHERE state <> 'committed'", url: url)
                #expect(undecided == 0, "\(step): \(undecided) undecided log records")
                for file in try FileManager.default.contentsOfDirectory(atPath: data + "/shards")
                where file.hasSuffix(".sqlite") {
                    let shard = try SQLiteConnection(path: data + "/shards/" + file)
                    #expect(
                        try shard.prepare("SELECT count(*) FROM _shardql_prepared").rows() == [[.integer(0)]],
                        "\(step): \(file) holds a prepared record")
                }
            }
        }
    }

    /// `total(id * 1000003 + v)` over the seed rows (v = id * 10) and the written ones (v = id - 100).
    static func checksum(_ seed: ClosedRange<Int>, extra: ClosedRange<Int>) -> String {
        let total = seed.reduce(0) { $0 + $1 * 1_000_003 + $1 * 10 } + extra.reduce(0) { $0 + $1 * 1_000_003 + ($1 - 100) }
        return "\(Double(total))"
    }
}
