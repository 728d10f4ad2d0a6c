#if os(Linux)
import Foundation
import Glibc

/// A program running on a pseudo-terminal, driven the way `expect` drives one: ``send(_:)`` keys,
/// then ``waitFor(_:timeout:)`` text to appear.
///
/// The program is a session leader with the terminal as its controlling terminal, so the terminal
/// driver turns Ctrl-C into SIGINT as a real terminal does (in cooked mode). Every wait is bounded,
/// and past the session's `limit` the program is killed; a failed wait throws an error that shows
/// the screen so far.
///
/// ```swift
/// let terminal = try PseudoTerminal(CommandLineTests.binary, ["--data", dir], environment: ["TERM": "xterm"])
/// try terminal.waitFor("shardql> ")
/// terminal.send("SELECT 1;\r")
/// try terminal.waitFor("1\n")
/// ```
///
/// Matching is on the *transcript*: what the program wrote with escape sequences and carriage
/// returns removed (so `\r\n` in a program's output, CSV's included, reads `\n`). A line
/// editor's redraws appear as repeated copies of the line; `shardql`'s editor writes its prompt
/// once per line, so waiting for the prompt waits for the next line. Each successful wait moves
/// past its match, so the next wait sees only newer output.
final class PseudoTerminal {
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var transcript: String
        var description: String { "\(message)\n--- transcript (escapes removed) ---\n\(transcript)\n---" }
    }

    let processID: pid_t
    /// The terminal's device, `/dev/pts/N`.
    let slavePath: String
    private let master: Int32
    private let deadline: ContinuousClock.Instant
    /// Everything the program wrote, as it wrote it.
    private(set) var output: [UInt8] = []
    /// Where the next wait starts looking in the transcript (in bytes).
    private var matchedUpTo = 0
    private var exitStatus: Int32?

    /// Starts `executable` on a new pseudo-terminal of `columns` × `rows`, with `environment`
    /// added to this process's; kills it once `limit` has passed.
    init(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], columns: UInt16 = 80,
        rows: UInt16 = 24, limit: Duration = .seconds(120)
    ) throws {
        // posix_openpt, unlockpt and ptsname, spelled as what they are on Linux: Glibc's Swift
        // overlay leaves them out (grantpt is a no-op with devpts).
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw Failure(message: "cannot open /dev/ptmx: errno \(errno)", transcript: "") }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        guard ioctl(master, 0x4004_5431 /* TIOCSPTLCK */, &unlock) == 0,
            ioctl(master, 0x8004_5430 /* TIOCGPTN */, &number) == 0,
            ioctl(master, UInt(TIOCSWINSZ), &size) == 0
        else {
            close(master)
            throw Failure(message: "cannot set up the pseudo-terminal: errno \(errno)", transcript: "")
        }
        slavePath = "/dev/pts/\(number)"

        // The child starts a session (POSIX_SPAWN_SETSID), then opens the terminal by path: the
        // first terminal a session leader opens becomes its controlling terminal.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The test runner's ignored or blocked signals (SIGPIPE, SIGINT on some threads) must not
        // carry over: the program should see signals as it would from a login shell.
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signalNumber in [SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU] {
            sigaddset(&defaults, signalNumber)
        }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let setSessionID: Int32 = 0x80  // POSIX_SPAWN_SETSID, a GNU extension the overlay leaves out.
        posix_spawnattr_setflags(&attributes, Int16(setSessionID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable.path, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            close(master)
            throw Failure(message: "posix_spawn \(executable.path) failed: \(spawned)", transcript: "")
        }
        processID = pid
        deadline = .now + limit
    }

    deinit {
        if exitStatus == nil {
            kill(processID, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(processID, &status, 0)
        }
        close(master)
    }

    /// The transcript so far: output without escape sequences and carriage returns.
    var transcript: String { String(decoding: Self.transcript(of: output), as: UTF8.self) }

    /// Types `text` (use "\r" for Enter, "\u{03}" for Ctrl-C, "\u{1B}[D" for Left, …).
    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Writes `bytes` to the terminal, reading output meanwhile so neither side can block the
    /// other on a full buffer.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            guard ContinuousClock.now < deadline else { throw failure("deadline passed while sending input") }
            var descriptor = pollfd(fd: master, events: Int16(POLLIN | POLLOUT), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            if descriptor.revents & Int16(POLLIN) != 0 { readAvailable() }
            if descriptor.revents & Int16(POLLOUT) != 0 {
                let written = bytes[offset...].withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
                if written > 0 { offset += written }
                if written < 0, errno != EAGAIN, errno != EINTR { throw failure("write failed: errno \(errno)") }
            }
        }
    }

    /// Waits until `text` appears in the transcript after the last match; returns the transcript
    /// from the last match to the end of this one. Throws, showing the transcript, if it does not
    /// appear within `timeout` (or before the session's limit).
    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(20)) throws -> String {
        let needle = Array(text.utf8)
        let giveUp = min(deadline, .now + timeout)
        while true {
            let transcript = Self.transcript(of: output)
            if let range = Self.firstRange(of: needle, in: transcript, from: matchedUpTo) {
                let passed = String(decoding: transcript[matchedUpTo..<range.upperBound], as: UTF8.self)
                matchedUpTo = range.upperBound
                return passed
            }
            guard ContinuousClock.now < giveUp else {
                throw failure("timed out waiting for \(String(reflecting: text))")
            }
            if !readOutput(waitingMilliseconds: 50), exitStatus != nil {
                throw failure("the program exited (status \(exitStatus!)) before \(String(reflecting: text)) appeared")
            }
        }
    }

    /// Waits for the program to exit, reading what it still writes; returns its exit status
    /// (128 + the signal number if a signal ended it).
    func waitForExit(timeout: Duration = .seconds(20)) throws -> Int32 {
        let giveUp = min(deadline, .now + timeout)
        while exitStatus == nil {
            guard ContinuousClock.now < giveUp else { throw failure("timed out waiting for the program to exit") }
            _ = readOutput(waitingMilliseconds: 50)
        }
        return exitStatus!
    }

    /// The transcript after the last match, once what the program has written so far is read.
    var unmatched: String {
        while readOutput(waitingMilliseconds: 0) {}
        return String(decoding: Self.transcript(of: output)[matchedUpTo...], as: UTF8.self)
    }

    /// The terminal's current settings (what the program last set with `tcsetattr`).
    func settings() throws -> termios {
        let descriptor = open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot open \(slavePath): errno \(errno)") }
        defer { close(descriptor) }
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else { throw failure("tcgetattr failed: errno \(errno)") }
        return settings
    }

    /// Whether the terminal is in canonical (cooked) mode with echo, as a shell leaves it.
    func isCooked() throws -> Bool {
        let local = try settings().c_lflag
        return local & tcflag_t(ICANON) != 0 && local & tcflag_t(ECHO) != 0
    }

    /// Sends `signalNumber` to the program (as `kill` from another terminal would).
    func signal(_ signalNumber: Int32) {
        kill(processID, signalNumber)
    }

    /// Whether the program is still running.
    var isRunning: Bool {
        _ = readOutput(waitingMilliseconds: 0)
        return exitStatus == nil
    }

    // MARK: - Reading

    /// Reads what is there (waiting up to `milliseconds` for something), and notes an exit;
    /// false if nothing was read.
    private func readOutput(waitingMilliseconds milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds) > 0 && descriptor.revents & Int16(POLLIN) != 0
        let read = ready && readAvailable()
        if exitStatus == nil {
            var status: Int32 = 0
            if waitpid(processID, &status, WNOHANG) == processID {
                // WIFEXITED / WEXITSTATUS / WTERMSIG, which Glibc's overlay leaves out.
                exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            } else if ContinuousClock.now >= deadline {
                kill(processID, SIGKILL)
            }
        }
        return read
    }

    /// One read of what the terminal holds; false at its end (EIO once the program is gone).
    @discardableResult
    private func readAvailable() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16384)
        let count = read(master, &buffer, buffer.count)
        guard count > 0 else { return false }
        output.append(contentsOf: buffer[0..<count])
        return true
    }

    private func failure(_ message: String) -> Failure {
        let text = transcript
        let tail = text.count > 4000 ? "…" + text.suffix(4000) : Substring(text)
        return Failure(message: message, transcript: String(tail))
    }

    // MARK: - Transcript

    /// `bytes` without CSI (`ESC [ … final`), OSC (`ESC ] … BEL`) and two-byte escapes, and
    /// without carriage returns; an escape cut off at the end is left out until it completes.
    static func transcript(of bytes: [UInt8]) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count)
        var index = 0
        scanning: while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D {
                index += 1
                continue
            }
            guard byte == 0x1B else {
                text.append(byte)
                index += 1
                continue
            }
            guard index + 1 < bytes.count else { break }
            switch bytes[index + 1] {
            case UInt8(ascii: "["):
                var end = index + 2
                while end < bytes.count, !(0x40...0x7E).contains(bytes[end]) { end += 1 }
                guard end < bytes.count else { break scanning }
                index = end + 1
            case UInt8(ascii: "]"):
                var end = index + 2
                while end < bytes.count, bytes[end] != 0x07 { end += 1 }
                guard end < bytes.count else { break scanning }
                index = end + 1
            default:
                index += 2
            }
        }
        return text
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Range<Int>? {
        guard !needle.isEmpty else { return start..<start }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index..<(index + needle.count)
            }
            index += 1
        }
        return nil
    }
}

extension PseudoTerminal {
    /// What keys send on an xterm, for ``send(_:)-(String)``.
    enum Key {
        static let enter = "\r"
        static let up = "\u{1B}[A"
        static let down = "\u{1B}[B"
        static let right = "\u{1B}[C"
        static let left = "\u{1B}[D"
        static let home = "\u{1B}[H"
        static let end = "\u{1B}[F"
        static let delete = "\u{1B}[3~"
        static let backspace = "\u{7F}"
        static let controlLeft = "\u{1B}[1;5D"
        static let controlRight = "\u{1B}[1;5C"
        static let altB = "\u{1B}b"
        static let altF = "\u{1B}f"
        static let pasteStart = "\u{1B}[200~"
        static let pasteEnd = "\u{1B}[201~"

        /// Ctrl-`letter`: `control("c")` is "\u{03}".
        static func control(_ letter: Character) -> String {
            String(UnicodeScalar(letter.asciiValue! & 0x1F))
        }
    }

    /// `shardql` on a terminal with the cluster in `data`: an xterm, history in `history` (none if
    /// nil), so nothing depends on the user running the tests, and by default `sqlite3`'s plain
    /// list output rather than the boxes and headers a terminal gets.
    static func shardql(
        data: URL, history: URL? = nil, arguments: [String] = ["--mode", "list", "--no-header"],
        environment: [String: String] = [:]
    ) throws -> PseudoTerminal {
        let fixed = ["TERM": "xterm", "SHARDQL_HISTORY": history?.path ?? "", "HOME": data.path]
        return try PseudoTerminal(
            CommandLineTests.binary, ["--data", data.path] + arguments, environment: fixed.merging(environment) { $1 })
    }
}
#endif
