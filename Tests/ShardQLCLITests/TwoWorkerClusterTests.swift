import Foundation
import Testing
import WorkerClient
import WorkerTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The multi-process cluster as a user starts it: two `shardql worker` processes on free ports
/// of 127.0.0.1, registered with `shardql node add`, then SQL through the `shardql` coordinator,
/// whose answers must be the ones SQLite gives for the same rows in one file.
@Suite("two-worker cluster", .timeLimit(.minutes(3)))
struct TwoWorkerClusterTests {
    @Test func aTableSpreadOverTwoWorkersAnswersAsSQLite() async throws {
        let first = try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:0"])
        let second = try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:0"])
        var addresses: [String] = []
        for worker in [first, second] {
            let line = try #require(try await worker.firstLine(within: .seconds(60)))
            addresses.append(String(line.dropFirst("listening on ".count)))
        }
        let coordinator = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-coord-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: coordinator) }
        func shardql(_ arguments: [String]) async throws -> BoundedProcess.Outcome {
            try await BoundedProcess.run(CommandLineTests.binary, arguments + ["--data", coordinator.path], limit: .seconds(60))
        }
        for address in addresses {
            let added = try await shardql(["node", "add", address])
            #expect(added.status == 0, "\(added.summary)")
        }

        let setup = """
            CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, n REAL);
            CREATE TABLE r(k INTEGER PRIMARY KEY, name TEXT) DISTRIBUTED REPLICATED;
            INSERT INTO t WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 500)
                SELECT i, 'v' || (i % 7), i * 0.25 FROM c;
            INSERT INTO r VALUES (0, 'even'), (1, 'odd');
            BEGIN; UPDATE t SET v = NULL WHERE id % 50 = 0; DELETE FROM t WHERE id > 480; COMMIT;
            """
        let queries = """
            SELECT count(*), sum(id), total(n), count(v) FROM t;
            SELECT v, count(*), max(n) FROM t GROUP BY v ORDER BY v;
            SELECT id, v FROM t ORDER BY n DESC LIMIT 3;
            SELECT r.name, count(*) FROM t JOIN r ON r.k = t.id % 2 GROUP BY r.name ORDER BY 1;
            SELECT * FROM t WHERE id = 250;
            """
        let setUp = try await shardql(["-c", setup])
        #expect(setUp.status == 0, "\(setUp.summary)")
        let answers = try await shardql(["-c", queries])
        #expect(answers.status == 0, "\(answers.summary)")

        // The same script on one plain SQLite file (the distribution clause removed).
        let plain = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-plain-\(UUID().uuidString).db")
        defer { try? FileManager.default.removeItem(at: plain) }
        let sqlite = try #require(BoundedProcess.onPath("sqlite3"))
        let reference = try await BoundedProcess.run(
            sqlite, [plain.path], stdin: Array((setup.replacingOccurrences(of: " DISTRIBUTED REPLICATED", with: "") + queries).utf8))
        #expect(reference.status == 0, "\(reference.summary)")
        #expect(answers.stdoutText == reference.stdoutText)

        // The shards are on the workers, spread over both.
        let shards = try await shardql(["-c", ".shards t"])
        for address in addresses { #expect(shards.stdoutText.contains(address), "\(shards.stdoutText)") }
        let list = try await shardql(["node", "list"])
        #expect(list.status == 0)
        for worker in [first, second] {
            let files = try FileManager.default.contentsOfDirectory(atPath: worker.directory.appendingPathComponent("shards").path)
            #expect(files.contains { $0.hasSuffix(".sqlite") }, "\(files)")
        }
    }

    @Test func sltOnWorkersRunsEveryFileThereAndLeavesNoShardFileBehind() async throws {
        let workers = try [0, 1].map { _ in try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:0"]) }
        var addresses: [String] = []
        for worker in workers {
            let line = try #require(try await worker.firstLine(within: .seconds(60)))
            addresses.append(String(line.dropFirst("listening on ".count)))
        }
        // The same file twice (each run numbers its shard files from the start again), then one
        // that ends inside a transaction.
        let unfinished = """
            statement ok
            CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT)

            statement ok
            BEGIN

            statement ok
            INSERT INTO t1 VALUES (1, 'x')

            """
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-slt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let passing = directory.appendingPathComponent("passing.test").path
        let open = directory.appendingPathComponent("open.test").path
        try Data(SLTCommandTests.passing.utf8).write(to: URL(fileURLWithPath: passing))
        try Data(unfinished.utf8).write(to: URL(fileURLWithPath: open))
        let run = try await BoundedProcess.run(
            CommandLineTests.binary, ["slt", "--workers", addresses.joined(separator: ","), passing, passing, open, passing],
            limit: .seconds(120))
        #expect(run.status == 0, "\(run.summary)")
        let lines = run.stdoutText.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix(passing) && $0.contains(" 0 failed") }.count == 3, "\(run.stdoutText)")
        for worker in workers {
            let files = try FileManager.default.contentsOfDirectory(atPath: worker.directory.appendingPathComponent("shards").path)
            #expect(!files.contains { $0.hasSuffix(".sqlite") }, "\(files)")
        }

        let unreachable = try await BoundedProcess.run(
            CommandLineTests.binary, ["slt", "--workers", "127.0.0.1:1", passing], limit: .seconds(60))
        #expect(unreachable.status != 0)
        #expect(unreachable.stdoutText.contains("127.0.0.1:1") || unreachable.stderrText.contains("127.0.0.1:1"), "\(unreachable.summary)")
    }

    @Test func aWorkerKilledDuringALongScanFailsTheQueryQuicklyAndTheOtherServesOn() async throws {
        let directories = (1...2).map {
            FileManager.default.temporaryDirectory.appendingPathComponent("shardql-scan-w\($0)-\(UUID().uuidString)")
        }
        defer { for directory in directories { try? FileManager.default.removeItem(at: directory) } }
        var workers = try directories.map { try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:0"], directory: $0) }
        var addresses: [String] = []
        for worker in workers { addresses.append(try await worker.address()) }
        let coordinator = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-coord-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: coordinator) }
        func shardql(_ arguments: [String]) async throws -> BoundedProcess.Outcome {
            try await BoundedProcess.run(CommandLineTests.binary, arguments + ["--data", coordinator.path], limit: .seconds(120))
        }
        for address in addresses { #expect(try await shardql(["node", "add", address]).status == 0) }
        let setUp = try await shardql([
            "-c",
            """
            CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER);
            INSERT INTO t WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000) SELECT i, i FROM c;
            """,
        ])
        #expect(setUp.status == 0, "\(setUp.summary)")

        // Minutes of work on every shard if left alone (20 GB of random bytes).
        let scan = Task {
            try await BoundedProcess.run(
                CommandLineTests.binary,
                ["-c", "SELECT count(*) FROM t WHERE length(randomblob(1000000)) > 0", "--data", coordinator.path],
                limit: .seconds(300))
        }
        let first = try RemoteWorker(address: addresses[0])
        let second = try RemoteWorker(address: addresses[1])
        defer { Task { await first.close(); await second.close() } }
        // Kill the first worker once the scan runs on both.
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(60) {
            let running = try await (first.health().requestsInFlight, second.health().requestsInFlight)
            if running.0 > 0 && running.1 > 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        workers[0].process.send(SIGKILL)
        let killedAt = ContinuousClock.now
        let outcome = try await scan.value
        let failedAfter = ContinuousClock.now - killedAt
        #expect(outcome.status != 0 && outcome.stderrText.contains(addresses[0]), "\(outcome.summary)")
        // Not a performance bound: the scan would have run for minutes.
        #expect(failedAfter < .seconds(30), "the query failed \(failedAfter) after the kill")

        // The survivor stops its part of the scan.
        let stopping = ContinuousClock.now
        var busy = try await second.health().requestsInFlight
        while busy > 0, ContinuousClock.now - stopping < .seconds(30) {
            try await Task.sleep(for: .milliseconds(20))
            busy = try await second.health().requestsInFlight
        }
        #expect(busy == 0, "the surviving worker still runs \(busy) calls")

        // Rows on the survivor are served; those on the dead node fail naming it.
        var served = 0
        for id in 1...8 {
            let point = try await shardql(["-c", "SELECT v FROM t WHERE id = \(id)"])
            if point.status == 0 {
                #expect(point.stdoutText == "\(id)\n")
                served += 1
            } else {
                #expect(point.stderrText.contains(addresses[0]), "\(point.summary)")
            }
        }
        #expect(served > 0 && served < 8, "\(served) of 8 point queries served")

        // Back on the same port and data, the whole table answers again.
        workers[0] = try WorkerCommandTests.WorkerProcess(["--listen", addresses[0]], directory: directories[0])
        _ = try await workers[0].address()
        let whole = try await shardql(["-c", "SELECT count(*), sum(v) FROM t"])
        #expect(whole.stdoutText == "20000|200010000\n", "\(whole.summary)")
    }

    @Test func aClusterOverTLSWithATokenServesOnlyCoordinatorsWithBoth() async throws {
        let secrets = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: secrets) }
        let certificates = try TestCertificates(in: secrets.path)
        let tokenFile = secrets.appendingPathComponent("token").path
        try Data("cluster-s3cret\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
        let worker = try WorkerCommandTests.WorkerProcess([
            "--listen", "127.0.0.1:0", "--token-file", tokenFile, "--tls-cert", certificates.certificate,
            "--tls-key", certificates.privateKey,
        ])
        let address = try await worker.address()
        let coordinator = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-coord-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: coordinator) }
        func shardql(_ arguments: [String], environment: [String: String] = [:]) async throws -> BoundedProcess.Outcome {
            try await BoundedProcess.run(
                CommandLineTests.binary, arguments + ["--data", coordinator.path], limit: .seconds(60), environment: environment)
        }
        #expect(try await shardql(["node", "add", address]).status == 0)
        let secured = ["--token-file", tokenFile, "--tls-ca", certificates.authority]
        let created = try await shardql(secured + ["-c", "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y')"])
        #expect(created.status == 0, "\(created.summary)")
        // The same settings from the environment.
        let environment = ["SHARDQL_TOKEN_FILE": tokenFile, "SHARDQL_TLS_CA": certificates.authority]
        let read = try await shardql(["-c", "SELECT b FROM t ORDER BY a"], environment: environment)
        #expect(read.status == 0 && read.stdoutText == "x\ny\n", "\(read.summary)")

        for (missing, arguments) in [
            ("TLS", ["--token-file", tokenFile]), ("the token", ["--tls-ca", certificates.authority]),
            ("the right authority", ["--token-file", tokenFile, "--tls-ca", certificates.otherAuthority]),
        ] {
            let refused = try await shardql(arguments + ["-c", "SELECT count(*) FROM t"])
            #expect(refused.status != 0 && refused.stderrText.contains(address), "without \(missing): \(refused.summary)")
        }
        let unpaired = try await BoundedProcess.run(
            CommandLineTests.binary, ["worker", "--listen", "127.0.0.1:0", "--data", secrets.path, "--tls-cert", certificates.certificate],
            limit: .seconds(30))
        #expect(unpaired.status != 0 && unpaired.stderrText.contains("--tls-key"), "\(unpaired.summary)")
    }
}
