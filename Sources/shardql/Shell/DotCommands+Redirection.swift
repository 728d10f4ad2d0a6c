import ShardQLBase

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `.output`, `.once` and `.read` keep between commands.
struct DotCommandState {
    /// A duplicate of the shell's own standard output while output goes to a file.
    var savedStandardOutput: Int32?
    /// The writer's terminal layout and footer while output goes to a file (which gets what
    /// sqlite3 would write there).
    var savedTerminal: (layout: TerminalLayout?, showsFooter: Bool)?
    /// Units still to run before `.once`'s file is closed; the `.once` line itself is the first.
    var onceUnitsLeft = 0
    /// `.read` files open, one inside the other.
    var readDepth = 0
}

/// A failure already reported (the statements of a `.read` file report their own errors): it
/// counts as a failed unit, and prints nothing more.
struct ReportedFailure: Error {}

/// `.output`, `.once` and `.read`.
extension Shell {
    /// sqlite3's limit on `.read` inside `.read`, which stops a file that reads itself.
    static let readNestingLimit = 25

    /// `.output ?FILE?` / `.once FILE`. The writer is flushed, then the file is put on the
    /// process's standard output (`dup2`), so everything that prints — results, notes, `.timer` —
    /// goes there without the writer knowing; `.output` alone (or `stdout`) puts the saved
    /// descriptor back.
    func redirectOutput(_ arguments: [String], _ command: DotCommand) throws {
        let isOnce = command.name == "once"
        guard arguments.count <= 1, !(isOnce && arguments.isEmpty) else { throw command.usageError }
        restoreStandardOutput()
        guard let path = arguments.first, path != "stdout" else { return }
        if path.hasPrefix("|") {
            throw ShardQLError(.unsupported, ".\(command.name): output to a command ('\(path)') is not supported; name a file")
        }
        let file = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard file >= 0 else {
            throw ShardQLError(.io, "cannot open \"\(path)\": \(String(cString: strerror(errno)))")
        }
        defer { close(file) }
        let saved = dup(STDOUT_FILENO)
        guard saved >= 0, dup2(file, STDOUT_FILENO) >= 0 else {
            let reason = String(cString: strerror(errno))
            if saved >= 0 { close(saved) }
            throw ShardQLError(.io, "cannot send output to \"\(path)\": \(reason)")
        }
        dotCommandState.savedStandardOutput = saved
        dotCommandState.savedTerminal = (output.terminal, output.showsFooter)
        output.terminal = nil
        output.showsFooter = false
        if isOnce { dotCommandState.onceUnitsLeft = 2 }
    }

    /// Ends a redirection: what the writer holds goes to the file, then standard output is the
    /// shell's own again.
    func restoreStandardOutput() {
        dotCommandState.onceUnitsLeft = 0
        guard let saved = dotCommandState.savedStandardOutput else { return }
        output.flush()
        dup2(saved, STDOUT_FILENO)
        close(saved)
        dotCommandState.savedStandardOutput = nil
        if let terminal = dotCommandState.savedTerminal {
            output.terminal = terminal.layout
            output.showsFooter = terminal.showsFooter
            dotCommandState.savedTerminal = nil
        }
    }

    /// Called after every unit the shell runs: the unit after `.once` ends its redirection.
    func finishedUnit() {
        guard dotCommandState.onceUnitsLeft > 0 else { return }
        dotCommandState.onceUnitsLeft -= 1
        if dotCommandState.onceUnitsLeft == 0 { restoreStandardOutput() }
    }

    /// `.read FILE`: runs the file as a script, here and now, as if it were typed. Its own errors
    /// are reported as they happen; when any happened the `.read` fails too (so `--bail` stops).
    func read(_ path: String) async throws {
        guard dotCommandState.readDepth < Self.readNestingLimit else {
            throw ShardQLError(
                .invalidArgument, ".read: input nesting limit (\(Self.readNestingLimit)) reached at \"\(path)\"; check for recursion")
        }
        guard let script = readFile(path) else {
            throw ShardQLError(.io, "cannot open \"\(path)\": \(String(cString: strerror(errno)))")
        }
        dotCommandState.readDepth += 1
        defer { dotCommandState.readDepth -= 1 }
        if await run(script: script) > 0 { throw ReportedFailure() }
    }
}
