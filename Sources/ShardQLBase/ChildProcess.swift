#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn`, its standard streams on pipes or `/dev/null`.
///
/// ShardQL starts children itself (`gzip` for the import tool; `shardql` and friends in the
/// tests) rather than through Foundation's `Process`: on Linux that registers every child's
/// termination socket with a thread that calls `select()`, which cannot handle descriptor numbers
/// past 1,023 — in a test process with hundreds of shard files open that corrupted memory
/// (crashes in `Process.run`'s `memcpy`) or lost wake-ups (a suite that hung).
///
/// ```swift
/// let child = try ChildProcess(["gzip", "-dc", "--", path], stdout: .pipe)
/// let bytes = child.readAll(child.standardOutput!)
/// let status = child.wait()  // .exited(0)
/// ```
package final class ChildProcess: @unchecked Sendable {
    /// What a child's standard stream is connected to.
    package enum Stream: Sendable {
        /// A new pipe; the parent's end is the matching ``standardInput``/``standardOutput``/``standardError``.
        case pipe
        /// `/dev/null`.
        case null
        /// The parent's own stream.
        case inherit
        /// This open descriptor of the parent (a terminal's slave end, a file); the parent keeps it.
        case descriptor(Int32)
    }

    /// How the child ended.
    package enum Status: Sendable, Hashable {
        case exited(Int32)
        case signaled(Int32)
    }

    package let pid: pid_t
    /// The write end of the child's standard input (with ``Stream/pipe``); ``closeInput()`` sends EOF.
    package let standardInput: Int32?
    /// The read ends of the child's output streams (with ``Stream/pipe``).
    package let standardOutput: Int32?
    package let standardError: Int32?
    // @unchecked Sendable: `ended` and `open` are only touched under `lock`.
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var ended: Status?
    /// The parent's ends not closed yet (closed once, here or in deinit).
    private var open: Set<Int32>

    /// Starts `arguments[0]` (looked up in `PATH` when it has no slash) with the rest as its
    /// arguments, in a process group of its own (so a terminal's Ctrl-C reaches only the parent,
    /// which decides), with SIGPIPE and SIGINT at their defaults and no signal blocked. Only its
    /// three standard streams are inherited (every descriptor ShardQL opens is close-on-exec).
    /// `environment` replaces the parent's when given.
    ///
    /// - Throws: ``ShardQLError`` (``ShardQLError/Code/io``) when it cannot be started.
    package init(
        _ arguments: [String], environment: [String: String]? = nil, stdin: Stream = .null, stdout: Stream = .pipe,
        stderr: Stream = .pipe
    ) throws {
        precondition(!arguments.isEmpty, "a child process needs an executable")
        pthread_mutex_init(lock, nil)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32?] = [nil, nil, nil]
        var childEnds: [Int32] = []
        defer { for descriptor in childEnds { _ = systemClose(descriptor) } }
        do {
            for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
                switch stream {
                case .inherit:
                    continue
                case .descriptor(let descriptor):
                    posix_spawn_file_actions_adddup2(&actions, descriptor, target)
                case .null:
                    posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
                case .pipe:
                    var ends: [Int32] = [-1, -1]
                    guard makePipe(&ends) == 0 else { throw Self.error("cannot make a pipe", arguments) }
                    let (childEnd, parentEnd) = target == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                    childEnds.append(childEnd)
                    parentEnds[Int(target)] = parentEnd
                    posix_spawn_file_actions_adddup2(&actions, childEnd, target)
                }
            }
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var defaults = sigset_t()
            sigemptyset(&defaults)
            sigaddset(&defaults, SIGPIPE)
            sigaddset(&defaults, SIGINT)
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            // The spawning thread's mask would carry over: Dispatch's threads block SIGTERM and
            // others, which a child must see (a worker drains on SIGTERM).
            var noneBlocked = sigset_t()
            sigemptyset(&noneBlocked)
            posix_spawnattr_setsigmask(&attributes, &noneBlocked)
            posix_spawnattr_setpgroup(&attributes, 0)
            posix_spawnattr_setflags(
                &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

            let argv = arguments.map { strdup($0) } + [nil]
            defer { for argument in argv { free(argument) } }
            let variables = environment.map { $0.map { "\($0.key)=\($0.value)" } }
            let envp = variables.map { $0.map { strdup($0) } + [nil] }
            defer { for variable in envp ?? [] { free(variable) } }
            var pid = pid_t()
            let code = envp.map { envp in
                posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
            } ?? posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
            guard code == 0 else {
                throw ShardQLError(.io, "cannot start \(arguments[0]): \(String(cString: strerror(code)))")
            }
            self.pid = pid
        } catch {
            for case let descriptor? in parentEnds { _ = systemClose(descriptor) }
            pthread_mutex_destroy(lock)
            lock.deallocate()
            throw error
        }
        standardInput = parentEnds[0]
        standardOutput = parentEnds[1]
        standardError = parentEnds[2]
        open = Set(parentEnds.compactMap { $0 })
    }

    deinit {
        for descriptor in open { close(descriptor) }
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// Closes the parent's end `descriptor` (one of the three above); later calls do nothing.
    package func close(_ descriptor: Int32?) {
        guard let descriptor else { return }
        pthread_mutex_lock(lock)
        let wasOpen = open.remove(descriptor) != nil
        pthread_mutex_unlock(lock)
        if wasOpen { _ = systemClose(descriptor) }
    }

    /// Closes the child's standard input: it reads end of file.
    package func closeInput() { close(standardInput) }

    private static func error(_ message: String, _ arguments: [String]) -> ShardQLError {
        ShardQLError(.io, "\(message) for \(arguments[0]): \(String(cString: strerror(errno)))")
    }

    /// The status, if the child has ended (reaps it the first time).
    package var status: Status? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if let ended { return ended }
        var raw: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &raw, WNOHANG) } while result == -1 && errno == EINTR
        guard result == pid else { return nil }
        ended = Self.decode(raw)
        return ended
    }

    package var isRunning: Bool { status == nil }

    /// Blocks until the child ends.
    @discardableResult
    package func wait() -> Status {
        if let status { return status }
        var raw: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &raw, 0) } while result == -1 && errno == EINTR
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if ended == nil { ended = result == pid ? Self.decode(raw) : .exited(-1) }
        return ended!
    }

    private static func decode(_ raw: Int32) -> Status {
        let signal = raw & 0x7f
        return signal == 0 ? .exited((raw >> 8) & 0xff) : .signaled(signal)
    }

    /// Sends `signal` (a child that has ended is left alone).
    package func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Reads `descriptor` to its end (blocking).
    package func readAll(_ descriptor: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes += buffer[..<count]
            } else if count == 0 || errno != EINTR {
                return bytes
            }
        }
    }

    /// Writes all of `bytes` to `descriptor` (blocking); `false` when the reader went away.
    @discardableResult
    package func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if count > 0 {
                offset += count
            } else if count < 0, errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }
}

#if os(Linux)
// glibc's pipe2, which Glibc's module does not export (it needs _GNU_SOURCE).
@_silgen_name("pipe2") private func pipe2(_ ends: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
#endif

/// A pipe whose ends are close-on-exec from the start, so a child another thread spawns at the
/// same moment does not inherit them (and keep a reader from ever seeing end of file).
private func makePipe(_ ends: UnsafeMutablePointer<Int32>) -> Int32 {
    #if os(Linux)
    return pipe2(ends, O_CLOEXEC)
    #else
    guard pipe(ends) == 0 else { return -1 }
    for index in 0..<2 { _ = fcntl(ends[index], F_SETFD, FD_CLOEXEC) }
    return 0
    #endif
}

private func systemClose(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(descriptor)
    #else
    Darwin.close(descriptor)
    #endif
}
