import Foundation
import WorkerTestSupport
import ShardQLBase
import Synchronization
import Testing
import Worker
import WorkerClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `shardql worker` as a process: it binds a free port, answers over gRPC, and drains on SIGTERM.
@Suite("shardql worker", .timeLimit(.minutes(4)))
struct WorkerCommandTests {
    /// A running `shardql worker` and the lines it printed.
    final class WorkerProcess: @unchecked Sendable {
        // @unchecked: only the test's task touches it (firstLine's reader thread gets the pipe's
        // handle, which is thread-safe, and Sendable boxes).
        let process: ChildProcess
        let directory: URL
        /// Whether the directory is this process's own, deleted when it goes.
        private let ownsDirectory: Bool

        /// Starts `shardql worker --data DIR` with `arguments`; DIR is `directory`, or a fresh one
        /// deleted afterwards. `environment` is added to the test's own.
        init(_ arguments: [String], directory: URL? = nil, environment: [String: String] = [:]) throws {
            self.directory = directory
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("shardql-worker-\(UUID().uuidString)")
            ownsDirectory = directory == nil
            process = try ChildProcess(
                [CommandLineTests.binary.path, "worker", "--data", self.directory.path] + arguments,
                environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 },
                stdin: .null, stdout: .pipe, stderr: .pipe)
            // stderr is read once the worker has ended; non-blocking so a check while it runs returns.
            _ = fcntl(process.standardError!, F_SETFL, fcntl(process.standardError!, F_GETFL) | O_NONBLOCK)
        }

        deinit {
            process.send(SIGTERM)
            if ownsDirectory { try? FileManager.default.removeItem(at: directory) }
        }

        /// The first line of standard output, waiting at most `limit`.
        func firstLine(within limit: Duration) async throws -> String? {
            let line = Mutex<String?>(nil)
            let done = Atomic(false)
            // Blocking reads on a thread of their own; the process's end (or our kill) ends them.
            // The thread holds the ChildProcess, so its descriptor stays open (and is not reused by
            // another file) for as long as the thread reads.
            let process = self.process
            Thread.detachNewThread {
                var bytes: [UInt8] = []
                var byte: UInt8 = 0
                while read(process.standardOutput!, &byte, 1) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
                line.withLock { $0 = String(decoding: bytes, as: UTF8.self) }
                done.store(true, ordering: .releasing)
            }
            let deadline = ContinuousClock.now + limit
            while !done.load(ordering: .acquiring), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            return line.withLock { $0 }
        }

        /// Waits at most `limit` for the process to end; kills it past that.
        func waitForExit(within limit: Duration) async throws -> Int32? {
            let deadline = ContinuousClock.now + limit
            while process.isRunning, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning {
                process.send(SIGKILL)
                process.wait()
                return nil
            }
            switch process.wait() {
            case .exited(let code): return code
            case .signaled(let signal): return signal
            }
        }

        /// The address it printed once listening (`HOST:PORT`), waiting at most `limit`.
        func address(within limit: Duration = .seconds(60)) async throws -> String {
            let line = try #require(try await firstLine(within: limit), "the worker printed nothing: \(stderrText)")
            #expect(line.hasPrefix("listening on "), "\(line)")
            return String(line.dropFirst("listening on ".count))
        }

        /// What it wrote to stderr so far (the pipe is non-blocking).
        var stderrText: String {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(process.standardError!, &buffer, buffer.count)
                guard count > 0 else { break }
                bytes += buffer[..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    @Test func servesOnAFreePortAndDrainsOnSIGTERM() async throws {
        let worker = try WorkerProcess(["--listen", "127.0.0.1:0"])
        let line = try #require(try await worker.firstLine(within: .seconds(30)))
        #expect(line.hasPrefix("listening on 127.0.0.1:"), "\(line)")
        let address = String(line.dropFirst("listening on ".count))
        #expect(Int(address.split(separator: ":").last ?? "") ?? 0 > 0)

        let remote = try RemoteWorker(address: address, options: .init(callTimeout: .seconds(30)))
        #expect(try await remote.health().status == .serving)
        let shard = ShardFileID(group: 1, index: 0)
        try await remote.createShard(shard)
        #expect(try await remote.query("SELECT 40 + 2", parameters: [], on: shard).rows == [[.integer(42)]])
        await remote.close()

        worker.process.send(SIGTERM)
        let status = try await worker.waitForExit(within: .seconds(20))
        #expect(status == 0, "\(worker.stderrText)")
        // The shard file was closed cleanly: no WAL left behind.
        let shards = worker.directory.appendingPathComponent("shards")
        #expect(FileManager.default.fileExists(atPath: shards.appendingPathComponent(shard.fileName).path))
        #expect(!FileManager.default.fileExists(atPath: shards.appendingPathComponent(shard.fileName + "-wal").path))
    }

    @Test func aCallRunningAtSIGTERMFinishes() async throws {
        // A drain time generous enough for a loaded machine: the call must finish, not race it.
        let worker = try WorkerProcess(["--listen", "127.0.0.1:0", "--drain-seconds", "60"])
        let line = try #require(try await worker.firstLine(within: .seconds(30)))
        let remote = try RemoteWorker(address: String(line.dropFirst("listening on ".count)))
        let shard = ShardFileID(group: 1, index: 0)
        try await remote.createShard(shard)
        let slow = Task {
            try await remote.query(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT count(*) FROM c",
                parameters: [], on: shard)
        }
        // SIGTERM only once the worker is running the call (a call that has not arrived yet is
        // refused by a draining worker, which is right but not what this test is about).
        let deadline = ContinuousClock.now + .seconds(20)
        while try await remote.health().requestsInFlight == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        worker.process.send(SIGTERM)
        #expect(try await slow.value.rows == [[.integer(1_000_000)]])
        // The client lets go of its connection, as a coordinator's does when it closes. Under a
        // heavy load the worker was seen to exit only at the end of its drain time (the call
        // long done), so the wait covers the drain time: the exit must be clean either way.
        await remote.close()
        #expect(try await worker.waitForExit(within: .seconds(75)) == 0, "\(worker.stderrText)")
    }

    @Test func killingTheWorkerMidScanFailsTheReadNamingTheNode() async throws {
        let worker = try WorkerProcess(["--listen", "127.0.0.1:0"])
        let line = try #require(try await worker.firstLine(within: .seconds(30)))
        let address = String(line.dropFirst("listening on ".count))
        let remote = try RemoteWorker(address: address, options: .init(callTimeout: .seconds(30)))
        let shard = ShardFileID(group: 1, index: 0)
        try await remote.createShard(shard)
        var iterator = try await remote.read(slowSecondRowRead, on: shard, batchRows: 1).makeAsyncIterator()
        #expect(try await iterator.next() == [[.integer(1)]])
        worker.process.send(SIGKILL)
        let start = ContinuousClock.now
        let error = await #expect(throws: ShardQLError.self) { _ = try await iterator.next() }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(error?.code == .unavailable, "\(String(describing: error))")
        #expect(error?.message.contains(address) == true && error?.message.contains("\(shard)") == true)
        // Later calls fail fast too, naming the node.
        let later = await #expect(throws: ShardQLError.self) { _ = try await remote.statistics(of: shard) }
        #expect(later?.message.contains(address) == true, "\(String(describing: later))")
        await remote.close()
        _ = try await worker.waitForExit(within: .seconds(5))
    }

    @Test func refusesANonLoopbackAddressWithoutAToken() async throws {
        let worker = try WorkerProcess(["--listen", "0.0.0.0:0"])
        let status = try await worker.waitForExit(within: .seconds(20))
        #expect(status != nil && status != 0)
        #expect(worker.stderrText.contains("--token-file"), "\(worker.stderrText)")
    }

    @Test func aTokenFileGuardsEveryCall() async throws {
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        try Data("s3cret\n".utf8).write(to: tokenFile)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let worker = try WorkerProcess(["--listen", "127.0.0.1:0", "--token-file", tokenFile.path])
        let line = try #require(try await worker.firstLine(within: .seconds(30)))
        let address = String(line.dropFirst("listening on ".count))
        let anonymous = try RemoteWorker(address: address, options: .init(callTimeout: .seconds(30)))
        await #expect {
            _ = try await anonymous.health()
        } throws: { error in
            (error as? ShardQLError)?.code == .unauthenticated
        }
        await anonymous.close()
        let member = try RemoteWorker(address: address, options: .init(callTimeout: .seconds(30), token: "s3cret"))
        #expect(try await member.health().status == .serving)
        await member.close()
        worker.process.send(SIGTERM)
        #expect(try await worker.waitForExit(within: .seconds(20)) == 0)
    }
}
