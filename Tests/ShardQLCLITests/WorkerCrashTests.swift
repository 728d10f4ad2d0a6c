import Foundation
import SQLiteCore
import Testing

/// The crash sweep of the transactions issue with the worker killed instead of the coordinator:
/// two `shardql worker` processes hold a table's four shards; a worker is started with
/// `SHARDQL_FAULT` so that it SIGKILLs itself at one step of serving a write, then restarted on
/// the same port and data, and `shardql recover` run. The write must then be wholly there (the
/// kill came after the commit decision) or wholly absent, with no prepared record or undecided
/// log entry left anywhere.
@Suite("Worker crash recovery", .serialized, .timeLimit(.minutes(10)))
struct WorkerCrashTests {
    /// A worker step, and whether the write is decided (to commit) once a worker dies there.
    struct Kill: CustomTestStringConvertible, Sendable {
        var step: String
        var decided: Bool
        var testDescription: String { step }
    }

    /// Steps of a two-phase write (every shard changes), in protocol order.
    static let twoPhase = [
        Kill(step: "worker.begin.before", decided: false), Kill(step: "worker.write.before", decided: false),
        Kill(step: "worker.write.after", decided: false), Kill(step: "worker.prepare.before", decided: false),
        // The prepared record is on disk, its answer lost: the coordinator aborts, and recovery
        // finds the record the log has forgotten and aborts it too.
        Kill(step: "worker.prepare.after", decided: false),
        Kill(step: "worker.commitPrepared.before", decided: true),
        Kill(step: "worker.commitPrepared.after", decided: true),
    ]

    /// Steps of a one-shard write, committed in one phase.
    static let onePhase = [
        Kill(step: "worker.commit.before", decided: false), Kill(step: "worker.commit.after", decided: true),
    ]

    @Test func aWorkerKilledAtEveryStepOfATwoPhaseWriteLeavesItWholeOrAbsent() async throws {
        try await sweep(Self.twoPhase, write: "UPDATE t SET v = v + 1", changedRows: 40, armingBoth: false)
    }

    @Test func aWorkerKilledAroundAOnePhaseCommitLeavesItWholeOrAbsent() async throws {
        // The one shard holding id 7 is on one of the two workers: arm both, the one that commits dies.
        try await sweep(Self.onePhase, write: "UPDATE t SET v = v + 1 WHERE id = 7", changedRows: 1, armingBoth: true)
    }

    /// Runs `write` once per kill, each time on the state the previous one left, and checks the
    /// outcome: `sum(v)` grows by `changedRows` exactly when the kill came after the decision.
    private func sweep(_ kills: [Kill], write: String, changedRows: Int, armingBoth: Bool) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("worker-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let coordinator = root.appendingPathComponent("coordinator").path
        let directories = [root.appendingPathComponent("w1"), root.appendingPathComponent("w2")]
        var workers = try directories.map { try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:0"], directory: $0) }
        var addresses: [String] = []
        for worker in workers { addresses.append(try await worker.address()) }
        for address in addresses { try await shardql(coordinator, ["node", "add", address]) }
        try await shardql(
            coordinator,
            ["--shards", "4", "-c", "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES "
                + (1...40).map { "(\($0), \($0 * 10))" }.joined(separator: ", ")])
        var expected = (count: 40, sum: (1...40).reduce(0) { $0 + $1 * 10 })
        #expect(try await visible(coordinator) == "\(expected.count)|\(expected.sum)\n")

        for kill in kills {
            // Restart the worker(s) armed with this step, on the same port and data.
            let armed = armingBoth ? [0, 1] : [0]
            for index in armed {
                try await stop(workers[index])
                workers[index] = try WorkerCommandTests.WorkerProcess(
                    ["--listen", addresses[index]], directory: directories[index], environment: ["SHARDQL_FAULT": kill.step])
                _ = try await workers[index].address()
            }
            let run = try await BoundedProcess.run(
                CommandLineTests.binary, ["--data", coordinator, "-c", write], limit: .seconds(60))
            var died: [Int] = []
            for index in armed where await workers[index].processExitedSoon() { died.append(index) }
            #expect(!died.isEmpty, "\(kill.step): no worker reached the step; \(run.summary)")
            #expect(run.status != 0, "\(kill.step): the write reported success though a worker died: \(run.summary)")
            // The error names the node that died, and says what is known of the write.
            #expect(died.contains { run.stderrText.contains(addresses[$0]) }, "\(kill.step): \(run.summary)")
            if kill.step.hasPrefix("worker.commit.") {
                #expect(run.stderrText.contains("outcome of the commit"), "\(kill.step): \(run.summary)")
            } else if kill.decided {
                #expect(run.stderrText.contains("committed, but applying it"), "\(kill.step): \(run.summary)")
            }

            for index in armed {
                try await stop(workers[index])
                workers[index] = try WorkerCommandTests.WorkerProcess(["--listen", addresses[index]], directory: directories[index])
                _ = try await workers[index].address()
            }
            let recovered = try await BoundedProcess.run(CommandLineTests.binary, ["recover", "--data", coordinator], limit: .seconds(60))
            #expect(recovered.status == 0, "\(kill.step): \(recovered.summary)")
            if kill.decided { expected.sum += changedRows }
            let state = try await visible(coordinator)
            #expect(
                state == "\(expected.count)|\(expected.sum)\n",
                "killed at \(kill.step): \(state), expected the write \(kill.decided ? "applied" : "absent")")
            try expectNothingInDoubt(coordinator: coordinator, workers: directories, kill.step)
        }
        for worker in workers { try await stop(worker) }
    }

    // MARK: - Helpers

    private func stop(_ worker: WorkerCommandTests.WorkerProcess) async throws {
        worker.process.send(SIGTERM)
        _ = try await worker.waitForExit(within: .seconds(30))
    }

    @discardableResult
    private func shardql(_ coordinator: String, _ arguments: [String]) async throws -> String {
        let outcome = try await BoundedProcess.run(CommandLineTests.binary, arguments + ["--data", coordinator], limit: .seconds(60))
        #expect(outcome.status == 0, "\(arguments): \(outcome.summary)")
        return outcome.stdoutText
    }

    private func visible(_ coordinator: String) async throws -> String {
        try await shardql(coordinator, ["-c", "SELECT count(*), sum(v) FROM t"])
    }

    private func expectNothingInDoubt(coordinator: String, workers: [URL], _ step: String) throws {
        for worker in workers {
            let shards = worker.appendingPathComponent("shards").path
            for file in try FileManager.default.contentsOfDirectory(atPath: shards) where file.hasSuffix(".sqlite") {
                let shard = try SQLiteConnection(path: shards + "/" + file)
                #expect(
                    try shard.prepare("SELECT count(*) FROM _shardql_prepared").rows() == [[.integer(0)]],
                    "\(step): a prepared record is left in \(file)")
            }
        }
        let catalog = try SQLiteConnection(path: coordinator + "/catalog.sqlite")
        let pending = try catalog.prepare("SELECT id, state FROM transactions WHERE state <> 'committed'").rows()
        #expect(pending.isEmpty, "\(step): \(pending)")
    }
}

extension WorkerCommandTests.WorkerProcess {
    /// Whether the process ends within a second (a SIGKILL it sent itself may still be landing).
    func processExitedSoon() async -> Bool {
        let deadline = ContinuousClock.now + .seconds(1)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return !process.isRunning
    }
}
