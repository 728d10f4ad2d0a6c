import Foundation
import ShardQLBase
import WorkerTestSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs an executable with raw bytes on standard input and a deadline, reading its output as it
/// comes so neither side blocks on a full pipe. Unlike ``CommandLineTests/run(_:stdin:)`` it can
/// feed bytes that are not UTF-8 (or hold NULs), and it kills a process that outlives the
/// deadline instead of hanging the suite.
struct BoundedProcess {
    struct Outcome {
        var status: Int32
        /// `.exit` unless the process died of a signal (a crash, or our kill at the deadline).
        var reason: Process.TerminationReason
        var stdout: [UInt8]
        var stderr: [UInt8]
        var elapsed: Duration
        var timedOut: Bool

        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }

        /// What to print when an expectation about the outcome fails.
        var summary: String {
            let tail = String(stderrText.suffix(600))
            return "status \(status), reason \(reason == .exit ? "exit" : "signal"), \(elapsed), "
                + "timed out: \(timedOut), stdout \(stdout.count) bytes, stderr: \(tail)"
        }
    }

    /// Runs `executable` with `arguments`, writing `stdin` and closing it; kills the process if it
    /// is still running after `limit`.
    static func run(
        _ executable: URL, _ arguments: [String], stdin: [UInt8] = [], limit: Duration = .seconds(120),
        environment: [String: String] = [:]
    ) throws -> Outcome {
        let running = try Running(executable, arguments, stdin: stdin, environment: environment)
        var timedOut = false
        while running.isRunning {
            if ContinuousClock.now >= running.start + limit {
                timedOut = true
                running.stop()
                break
            }
            usleep(20_000)
        }
        _ = running.readers.wait(timeout: .now() + 30)
        return running.outcome(timedOut: timedOut)
    }

    /// ``run(_:_:stdin:limit:environment:)`` for async tests: it waits with `Task.sleep`, never
    /// blocking a thread of the cooperative pool. (A test blocking a pool thread for seconds
    /// starves every in-process gRPC server and client of the suite: on 2 cores the pool has 2
    /// threads.)
    static func run(
        _ executable: URL, _ arguments: [String], stdin: [UInt8] = [], limit: Duration = .seconds(120),
        environment: [String: String] = [:]
    ) async throws -> Outcome {
        let running = try Running(executable, arguments, stdin: stdin, environment: environment)
        var timedOut = false
        while running.isRunning {
            if ContinuousClock.now >= running.start + limit {
                timedOut = true
                running.stop()
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        while running.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        let readersDeadline = ContinuousClock.now + .seconds(30)
        while running.readers.wait(timeout: .now()) == .timedOut, ContinuousClock.now < readersDeadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        return running.outcome(timedOut: timedOut)
    }

    /// A started process whose input is written and whose output is read on Dispatch threads.
    private struct Running {
        let child: ChildProcess
        let start: ContinuousClock.Instant
        /// The writer and the two readers.
        let readers = DispatchGroup()
        let collected = Collected()

        init(_ executable: URL, _ arguments: [String], stdin: [UInt8], environment: [String: String]) throws {
            // A process that dies before reading all its input must fail our write, not kill us.
            signal(SIGPIPE, SIG_IGN)
            start = ContinuousClock.now
            child = try ChildProcess(
                [executable.path] + arguments,
                environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 },
                stdin: .pipe, stdout: .pipe, stderr: .pipe)
            let (group, collected, child) = (readers, self.collected, self.child)
            DispatchQueue.global().async(group: group) {
                child.writeAll(stdin, to: child.standardInput!)
                child.closeInput()
            }
            // Each reader closes its end when done, so no descriptor outlives the run.
            DispatchQueue.global().async(group: group) {
                let bytes = child.readAll(child.standardOutput!)
                child.close(child.standardOutput)
                collected.output.withLock { $0.stdout = bytes }
            }
            DispatchQueue.global().async(group: group) {
                let bytes = child.readAll(child.standardError!)
                child.close(child.standardError)
                collected.output.withLock { $0.stderr = bytes }
            }
        }

        var isRunning: Bool { child.isRunning }

        /// SIGTERM, and SIGKILL half a second later if it still runs.
        func stop() {
            child.send(SIGTERM)
            usleep(500_000)
            child.send(SIGKILL)
        }

        func outcome(timedOut: Bool) -> Outcome {
            let output = collected.output.withLock { $0 }
            let (status, reason): (Int32, Process.TerminationReason) =
                switch child.wait() {
                case .exited(let code): (code, .exit)
                case .signaled(let signal): (signal, .uncaughtSignal)
                }
            return Outcome(
                status: status, reason: reason, stdout: output.stdout, stderr: output.stderr,
                elapsed: ContinuousClock.now - start, timedOut: timedOut)
        }
    }

    /// What the reader threads have read, shared with the waiting thread.
    private final class Collected: Sendable {
        let output = Mutex<(stdout: [UInt8], stderr: [UInt8])>(([], []))
    }

    /// The first executable called `name` in the directories of `PATH`.
    static func onPath(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}

/// `shardql` in a fresh data directory that is removed afterwards.
func runShardQL(_ arguments: [String], stdin: [UInt8] = [], limit: Duration = .seconds(120)) throws
    -> BoundedProcess.Outcome
{
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-cli-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: data) }
    return try BoundedProcess.run(
        CommandLineTests.binary, ["--data", data.path] + arguments, stdin: stdin, limit: limit)
}
