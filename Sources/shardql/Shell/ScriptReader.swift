import SQLSyntax

/// Cuts shell input into what the shell runs, line by line as the `sqlite3` shell does
/// (shell.c's `process_input`): a line that starts with `.` while no statement is pending is a
/// dot-command; other lines accumulate until the lexer says the text so far ends with a complete
/// statement (a `;` inside a string, comment or trigger body does not end one).
///
/// The same reader serves a whole script (``units(of:)``) and a terminal, fed one line at a time
/// (``feed(_:)``); offsets are counted in the whole input so errors can point into it.
struct ScriptReader {
    enum Unit: Equatable {
        /// One or more complete statements (and what follows them on their last line).
        case sql(String, offset: Int)
        /// A dot-command line, without its line break.
        case dotCommand(String, offset: Int)
    }

    /// The statement text waiting for its end.
    private(set) var pending = ""
    private var pendingOffset = 0
    /// UTF-8 bytes of input consumed so far.
    private var consumed = 0

    /// Whether a statement has begun and not ended (the terminal shows a continuation prompt).
    var isContinuing: Bool { !pending.isEmpty }

    /// Takes one line (with its line break, if it had one); returns what is now ready to run.
    mutating func feed(_ line: String) -> Unit? {
        let offset = consumed
        consumed += line.utf8.count
        if pending.isEmpty {
            if line.utf8.first == UInt8(ascii: ".") {
                return .dotCommand(String(line.trimmingTrailingLineBreak), offset: offset)
            }
            if line.allSatisfy(\.isWhitespace) { return nil }
            pendingOffset = offset
        }
        pending += line
        // Only a line holding a `;` can complete a statement; skip lexing the rest.
        guard line.utf8.contains(UInt8(ascii: ";")), SQLScript(pending).isComplete else { return nil }
        defer { pending = "" }
        return .sql(pending, offset: pendingOffset)
    }

    /// Ends the input: a statement still pending is returned to run (and fail if incomplete).
    mutating func finish() -> Unit? {
        guard !pending.isEmpty else { return nil }
        defer { pending = "" }
        if SQLScript(pending).pieces.isEmpty { return nil }
        return .sql(pending, offset: pendingOffset)
    }

    /// Every unit of a whole script, in order.
    static func units(of script: String) -> [Unit] {
        var reader = ScriptReader()
        var units: [Unit] = []
        // By bytes: "\r\n" is one Character to Swift, and a line ends at its "\n".
        let bytes = script.utf8
        var lineStart = bytes.startIndex
        while lineStart < bytes.endIndex {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")).map { bytes.index(after: $0) } ?? bytes.endIndex
            if let unit = reader.feed(String(script[lineStart..<lineEnd])) { units.append(unit) }
            lineStart = lineEnd
        }
        if let unit = reader.finish() { units.append(unit) }
        return units
    }
}

extension String {
    /// The text without one trailing `\n` or `\r\n`.
    var trimmingTrailingLineBreak: Substring {
        var end = utf8.endIndex
        if end > utf8.startIndex, utf8[utf8.index(before: end)] == UInt8(ascii: "\n") { end = utf8.index(before: end) }
        if end > utf8.startIndex, utf8[utf8.index(before: end)] == UInt8(ascii: "\r") { end = utf8.index(before: end) }
        return self[..<end]
    }
}
