import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Shell {
    /// The terminal loop: prompts, reads a line at a time with ``LineEditor`` (plain reads on a
    /// terminal that cannot edit), and runs each statement once its closing `;` is typed and each
    /// dot-command at once. Ctrl-C at the prompt discards the line and any statement pending; while
    /// a statement runs, it cancels the statement and returns to the prompt.
    func runInteractively() async {
        writeFully(Array("ShardQL \(ShardQLVersion.current) on \(clusterDescription). Enter \".help\" for usage hints; end statements with ';', exit with Ctrl-D.\n".utf8), to: standardOutput)
        let environment = ["SHARDQL_HISTORY", "HOME", "TERM"].reduce(into: [String: String]()) { environment, name in
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        let history = History(path: History.defaultPath(environment: environment))
        // Prompts and the line being edited go to the terminal even while `.output` sends results
        // to a file (it moves standard output).
        let terminal = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0)
        defer { close(terminal) }
        let editor = LineEditor(output: terminal, history: history, terminalType: environment["TERM"])
        let running = RunningStatement(isLineEditing: editor != nil, terminal: terminal)
        let interrupts = InterruptSignal { running.interrupt() }
        defer { interrupts.uninstall() }

        // A fresh reader per statement: its offsets, and error positions, count in `input`,
        // the lines typed since the last statement ran.
        var reader = ScriptReader()
        var input = ""
        reading: while !quitRequested {
            let prompt = reader.isContinuing ? Self.continuationPrompt : Self.prompt
            let outcome: LineEditor.Outcome
            // A SIGINT from before this prompt is not meant for the next statement.
            running.takeInterrupt()
            if let editor {
                outcome = editor.readLine(prompt: prompt)
            } else {
                writeFully(Array(prompt.utf8), to: terminal)
                let line = readLine(strippingNewline: false)
                // Ctrl-C while the terminal was reading discarded what was typed before it.
                if running.takeInterrupt() {
                    reader = ScriptReader()
                    input = ""
                }
                outcome = line.map { .line($0) } ?? .endOfInput
            }
            switch outcome {
            case .endOfInput:
                break reading
            case .interrupted:
                reader = ScriptReader()
                input = ""
            case .line(let text):
                // A statement recalled from history comes back with its line breaks.
                for line in Self.lines(of: text) {
                    input += line
                    guard let unit = reader.feed(line) else { continue }
                    history.add(String(input.trimmingTrailingLineBreak))
                    _ = await running.run(unit, in: input, on: self)
                    reader = ScriptReader()
                    input = ""
                    if quitRequested { break reading }
                }
            }
        }
        if editor == nil { writeFully(Array("\n".utf8), to: terminal) }
    }

    static let prompt = "shardql> "
    static let continuationPrompt = "   ...> "

    /// `text` cut after each line break, with a line break added to the last line. By bytes:
    /// "\r\n" is one Character to Swift, and a line ends at its "\n".
    private static func lines(of text: String) -> [String] {
        let bytes = text.utf8
        var lines: [String] = []
        var start = bytes.startIndex
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            lines.append(String(decoding: bytes[start...index], as: UTF8.self))
            start = bytes.index(after: index)
        }
        if start < bytes.endIndex || lines.isEmpty {
            lines.append(String(decoding: bytes[start...], as: UTF8.self) + "\n")
        }
        return lines
    }
}

/// The statement the REPL is running, so SIGINT can cancel it from the signal's thread.
private final class RunningStatement: Sendable {
    private struct State {
        var task: Task<Bool, Never>?
        /// SIGINT came while no statement ran: while a plain prompt waited, or in the moment
        /// between a line's end (the terminal back in its own mode) and its statement's start,
        /// when it is meant for that statement.
        var interruptPending = false
    }

    private let state = Mutex(State())
    /// With the line editor, Ctrl-C at the prompt arrives as a key, not as SIGINT.
    private let isLineEditing: Bool
    /// Where a fresh prompt goes.
    private let terminal: Int32

    init(isLineEditing: Bool, terminal: Int32) {
        self.isLineEditing = isLineEditing
        self.terminal = terminal
    }

    /// Runs `unit` in a child task that SIGINT cancels; the shell is busy until it ends.
    func run(_ unit: ScriptReader.Unit, in input: String, on shell: Shell) async -> Bool {
        let handle = ShellHandle(shell: shell)
        let task = Task { await handle.shell.run(unit, in: input) }
        let interruptedAlready = state.withLock { state in
            state.task = task
            defer { state.interruptPending = false }
            return state.interruptPending
        }
        if interruptedAlready { task.cancel() }
        let succeeded = await task.value
        state.withLock { $0.task = nil }
        return succeeded
    }

    /// SIGINT: cancels the running statement; at a plain prompt, starts a fresh one.
    func interrupt() {
        let task = state.withLock { state -> Task<Bool, Never>? in
            if state.task == nil { state.interruptPending = true }
            return state.task
        }
        if let task {
            // After the ^C the terminal echoed, so the error starts a line of its own.
            writeFully(Array("\n".utf8), to: STDERR_FILENO)
            task.cancel()
        } else if !isLineEditing {
            // The terminal has thrown away the line typed so far and echoed ^C.
            writeFully(Array(("\n" + Shell.prompt).utf8), to: terminal)
        }
    }

    /// Whether SIGINT came since the last statement ran (or the last call); clears it.
    @discardableResult
    func takeInterrupt() -> Bool {
        state.withLock { state in
            defer { state.interruptPending = false }
            return state.interruptPending
        }
    }
}

/// Carries the shell into the task that runs one unit.
// @unchecked Sendable: `RunningStatement.run` awaits that task before it returns, and the REPL
// touches the shell only between such calls, so the shell is never used by two tasks at once.
private struct ShellHandle: @unchecked Sendable {
    let shell: Shell
}
