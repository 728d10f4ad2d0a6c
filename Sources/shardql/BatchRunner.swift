import Coordinator
import ShardQLBase
import SQLSyntax

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a script statement by statement on the embedded cluster, like the `sqlite3` shell in batch
/// mode: statements are split where `sqlite3_complete` would split them, each is parsed by
/// ShardQL's parser and run; an error is reported and the next statement runs.
struct BatchRunner {
    let cluster: Cluster
    let output: ResultWriter
    let dataDirectoryDescription: String

    init(cluster: Cluster, dataDirectory: String, output: ResultWriter) {
        self.cluster = cluster
        self.dataDirectoryDescription = dataDirectory
        self.output = output
    }

    /// Runs every statement; returns how many failed.
    func run(script: String, bail: Bool) async -> Int {
        var failures = 0
        let lineStarts = LineIndex(script)
        for piece in SQLScript(script).pieces {
            do {
                try await runPiece(piece)
            } catch {
                failures += 1
                output.flush()
                report(error, piece: piece, script: script, lines: lineStarts)
                if bail { break }
            }
        }
        return failures
    }

    /// Prompts on a terminal and runs each statement once its closing `;` is typed (found by
    /// the lexer, so a `;` inside a string or trigger body does not end it). Line editing and
    /// history come with the full REPL.
    func runInteractively() async {
        writeAll(Array("ShardQL \(ShardQLVersion.current) on \(dataDirectoryDescription). End statements with ';', exit with Ctrl-D.\n".utf8), to: standardOutput)
        var pending = ""
        while true {
            writeAll(Array((pending.isEmpty ? "shardql> " : "   ...> ").utf8), to: standardOutput)
            guard let line = readLine(strippingNewline: false) else { break }
            pending += line
            let script = SQLScript(pending)
            if script.pieces.isEmpty {
                pending = ""
            } else if script.isComplete {
                _ = await run(script: pending, bail: false)
                output.flush()
                pending = ""
            }
        }
        writeAll(Array("\n".utf8), to: standardOutput)
    }

    private func runPiece(_ piece: SQLScript.Piece) async throws {
        for statement in try SQLParser.parse(String(piece.text)) {
            // Rows are printed as they arrive, so a large result never sits in memory; as in
            // sqlite3, a result without rows prints nothing, not even its header.
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
        }
    }

    /// Prints `Error: <message>`; a positioned error also gets the offending line and a caret.
    private func report(_ error: any Error, piece: SQLScript.Piece, script: String, lines: LineIndex) {
        // Only the parser's locations point into the user's text; SQLite's point into the SQL
        // ShardQL printed.
        guard let error = error as? ShardQLError, error.code != .sqlite, let location = error.location else {
            printError("Error: \(error)")
            return
        }
        // The parser saw only this statement: move its location into the whole script.
        let global = SourceLocation(offset: piece.offset + location.offset, in: script)
        var positioned = error
        positioned.location = global
        printError("Error: \(positioned)")
        let line = lines.line(global.line, in: script)
        printError("  " + line)
        printError("  " + String(repeating: " ", count: max(0, global.column - 1)) + "^")
    }
}

/// Finds the text of a line without splitting the whole script.
struct LineIndex {
    private var starts: [String.Index] = []

    init(_ text: String) {
        starts.append(text.startIndex)
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "\n" { starts.append(text.index(after: index)) }
            index = text.index(after: index)
        }
    }

    func line(_ number: Int, in text: String) -> Substring {
        guard number >= 1, number <= starts.count else { return "" }
        let start = starts[number - 1]
        let end = number < starts.count ? text.index(before: starts[number]) : text.endIndex
        return text[start..<end]
    }
}

func printError(_ message: String) {
    writeAll(Array((message + "\n").utf8), to: STDERR_FILENO)
}

func makeDirectory(_ path: String) throws {
    var info = stat()
    if stat(path, &info) == 0 {
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw ShardQLError(.io, "'\(path)' exists and is not a directory")
        }
        return
    }
    guard mkdir(path, 0o755) == 0 else {
        throw ShardQLError(.io, "cannot create data directory '\(path)': \(String(cString: strerror(errno)))")
    }
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

/// Writes every byte, retrying short writes and interrupted calls.
func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}

let standardOutput = STDOUT_FILENO
