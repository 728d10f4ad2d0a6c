import Coordinator
import ShardQLBase
import SQLSyntax

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `shardql` shell: runs SQL and dot-commands on a cluster the way the `sqlite3` shell does,
/// for a script, piped input, `-c`, `.read` and the terminal alike. What dot-commands change
/// (output mode, headers, NULL text, timer, output file) lives here.
final class Shell {
    let cluster: Cluster
    /// How the cluster was named on the command line (`--data DIR`), for messages.
    let clusterDescription: String
    let output: ResultWriter
    /// Stop a script at its first error (`--bail`).
    var bail: Bool
    /// A person is typing: footers, and errors do not end anything.
    let isInteractive: Bool
    /// `.timer on`: print how long each statement took.
    var showsTimer = false
    /// Set by `.quit`/`.exit`.
    private(set) var quitRequested = false
    /// What `.output`, `.once` and `.read` keep between commands.
    var dotCommandState = DotCommandState()

    init(cluster: Cluster, clusterDescription: String, output: ResultWriter, bail: Bool, isInteractive: Bool) {
        self.cluster = cluster
        self.clusterDescription = clusterDescription
        self.output = output
        self.bail = bail
        self.isInteractive = isInteractive
    }

    /// Runs a whole script (a file, `-c`, piped input, `.read`); returns how many units failed.
    /// Stops early on `.quit`, or on the first error with `bail`.
    func run(script: String) async -> Int {
        var failures = 0
        for unit in ScriptReader.units(of: script) {
            if await !run(unit, in: script) {
                failures += 1
                if bail { break }
            }
            if quitRequested { break }
        }
        output.flush()
        return failures
    }

    /// Runs one unit of `input` (the text its offsets count in); false if it failed, after
    /// reporting why on stderr.
    func run(_ unit: ScriptReader.Unit, in input: String) async -> Bool {
        defer { finishedUnit() }
        switch unit {
        case .dotCommand(let line, _):
            do {
                try await runDotCommand(line)
                output.flush()
                return true
            } catch is ReportedFailure {
                return false
            } catch {
                output.flush()
                printError("Error: \(error)")
                return false
            }
        case .sql(let text, let offset):
            var ok = true
            for piece in SQLScript(text).pieces {
                do {
                    try await runStatements(piece.text)
                } catch {
                    ok = false
                    output.flush()
                    report(error, at: offset + piece.offset, in: input)
                    if bail { break }
                }
            }
            output.flush()
            return ok
        }
    }

    /// Parses and runs the statements of one piece, printing rows as they arrive: a large
    /// result never sits in memory. As in sqlite3, a result without rows prints nothing, not even
    /// its header.
    func runStatements(_ text: Substring) async throws {
        for statement in try SQLParser.parse(String(text)) {
            let started = ContinuousClock.now
            let result = try await cluster.rows(of: statement)
            var begun = false
            defer { if begun { output.end() } }
            for try await batch in result {
                if !begun {
                    output.begin(columns: result.columns)
                    begun = true
                }
                for row in batch { output.write(row: row) }
            }
            let missing = result.unavailableShards
            if !missing.isEmpty {
                output.end()
                begun = false
                output.note("-- partial result: no copy of \(missing.joined(separator: ", ")) was reachable (PRAGMA shardql.partial_results)")
            }
            if showsTimer {
                output.end()
                begun = false
                output.note("Run Time: real \((ContinuousClock.now - started).secondsText)")
            }
        }
    }

    func requestQuit() { quitRequested = true }

    /// Prints `Error: <message>`; a parser error also gets the offending line and a caret.
    /// `pieceOffset` is where the failing piece starts in `input` (UTF-8 bytes).
    private func report(_ error: any Error, at pieceOffset: Int, in input: String) {
        // Only the parser's locations point into the user's text; SQLite's point into the SQL
        // ShardQL printed.
        guard let error = error as? ShardQLError, error.code != .sqlite, let location = error.location else {
            printError("Error: \(error)")
            return
        }
        // The parser saw only this piece: move its location into the whole input.
        let global = SourceLocation(offset: pieceOffset + location.offset, in: input)
        var positioned = error
        positioned.location = global
        printError("Error: \(positioned)")
        let line = LineIndex(input).line(global.line, in: input)
        printError("  " + line)
        printError("  " + String(repeating: " ", count: max(0, global.column - 1)) + "^")
    }
}

extension Duration {
    /// Seconds with three decimals, as sqlite3's `.timer` prints them (`0.012`).
    var secondsText: String {
        let milliseconds = (components.seconds * 1000) + components.attoseconds / 1_000_000_000_000_000
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

/// Finds the text of a line without splitting the whole input.
struct LineIndex {
    private var starts: [String.Index] = []

    init(_ text: String) {
        starts.append(text.startIndex)
        var index = text.utf8.startIndex
        while index < text.utf8.endIndex {
            let next = text.utf8.index(after: index)
            if text.utf8[index] == UInt8(ascii: "\n") { starts.append(next) }
            index = next
        }
    }

    func line(_ number: Int, in text: String) -> Substring {
        guard number >= 1, number <= starts.count else { return "" }
        let start = starts[number - 1]
        let end = number < starts.count ? text.utf8.index(before: starts[number]) : text.endIndex
        return text[start..<end]
    }
}

func printError(_ message: String) {
    writeFully(Array((message + "\n").utf8), to: STDERR_FILENO)
}

func readFile(_ path: String) -> String? {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    return readAll(descriptor)
}

func readStandardInput() -> String {
    readAll(STDIN_FILENO) ?? ""
}

private func readAll(_ descriptor: Int32) -> String? {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = read(descriptor, &buffer, buffer.count)
        if count < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if count == 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}

let standardOutput = STDOUT_FILENO
