import ShardQLBase

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes results in one of the ``OutputMode``s, buffered, to standard output (or wherever
/// `write` sends its bytes).
///
/// A result is `begin(columns:)`, `write(row:)` for each row, then `end()`. As in `sqlite3`, a
/// result without rows prints nothing in any mode, header included (a terminal footer aside, see
/// ``showsFooter``). Every mode but `box`, `table` and `markdown` without a terminal streams: a
/// large result never sits in memory.
///
/// ```swift
/// let writer = ResultWriter(mode: .json, showsHeader: false, nullValue: "")
/// writer.begin(columns: ["a"])
/// writer.write(row: [.integer(1)])
/// writer.end()  // [{"a":1}]
/// writer.flush()
/// ```
package final class ResultWriter {
    /// The mode of the next result (`.mode`); a result already begun keeps its own.
    package var mode: OutputMode
    /// Print a header row in `list`, `csv` and `tsv` (`box`, `table` and `markdown` always do).
    package var showsHeader: Bool
    /// What NULL prints as.
    package var nullValue: String
    /// Lay `box`, `table` and `markdown` out for a person rather than as `sqlite3` does; set when
    /// standard output is a terminal (``TerminalLayout/standardOutput()``).
    package var terminal: TerminalLayout?
    /// After each `box`, `table` or `markdown` result, print how many rows it had (`(3 rows)`),
    /// as psql does, and draw a result without rows as its header and `(0 rows)`. For people at a
    /// terminal; scripts comparing with `sqlite3` leave it off.
    package var showsFooter = false

    private let sink: ([UInt8]) -> Void
    private var buffer: [UInt8] = []
    /// The result being written, nil between results.
    private var current: (mode: OutputMode, columns: [String])?
    private var rowsWritten = 0
    private var columnar: ColumnarFormatter?

    /// A writer to standard output, or to `write` (which gets each flushed buffer).
    package init(
        mode: OutputMode, showsHeader: Bool, nullValue: String, terminal: TerminalLayout? = nil,
        write: (([UInt8]) -> Void)? = nil
    ) {
        self.mode = mode
        self.showsHeader = showsHeader
        self.nullValue = nullValue
        self.terminal = terminal
        self.sink = write ?? { writeFully($0, to: STDOUT_FILENO) }
        buffer.reserveCapacity(1 << 16)
    }

    package func begin(columns: [String]) {
        if current != nil { end() }
        current = (mode, columns)
        rowsWritten = 0
        columnar = mode.columnarStyle.map {
            ColumnarFormatter(style: $0, columns: columns, nullValue: nullValue, terminal: terminal)
        }
    }

    package func write(row: [SQLValue]) {
        guard let (mode, columns) = current else { return }
        switch mode {
        case .list, .tsv, .csv:
            // Like sqlite3, the header comes with the first row: a result without rows has none.
            if rowsWritten == 0, showsHeader { writeFields(columns.map { .text($0) }, mode: mode, isHeader: true) }
            writeFields(row, mode: mode, isHeader: false)
        case .line:
            writeLine(row, columns: columns)
        case .json:
            append(rowsWritten == 0 ? "[" : ",\n")
            appendJSONObject(row, columns: columns)
        case .jsonl:
            appendJSONObject(row, columns: columns)
            buffer.append(0x0A)
        case .box, .table, .markdown:
            columnar?.add(row: row, into: &buffer)
            // The first rows drawn on a terminal show at once, not when the buffer fills.
            if terminal != nil, rowsWritten + 1 == terminal?.sampleRows { flush() }
        }
        rowsWritten += 1
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Ends the result begun last; does nothing if none is open.
    package func end() {
        guard let (mode, _) = current else { return }
        current = nil
        if mode == .json, rowsWritten > 0 { append("]\n") }
        if var columnar {
            columnar.finish(into: &buffer, showsEmpty: showsFooter)
            self.columnar = nil
            if showsFooter { note(rowsWritten == 1 ? "(1 row)" : "(\(rowsWritten) rows)") }
        }
    }

    /// A line that is not part of a result (`.timer`'s time, a dot-command's answer).
    package func note(_ line: String) {
        append(line + "\n")
    }

    package func flush() {
        guard !buffer.isEmpty else { return }
        sink(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    // MARK: - list, csv, tsv, line

    private func writeFields(_ values: [SQLValue], mode: OutputMode, isHeader: Bool) {
        let separator = mode == .csv ? "," : mode == .tsv ? "\t" : "|"
        for (index, value) in values.enumerated() {
            if index > 0 { append(separator) }
            guard let text = value.sqliteText else {
                append(nullValue)
                continue
            }
            if mode == .csv, !value.isNumber, Self.needsCSVQuotes(text, separator: separator) {
                append("\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"")
            } else {
                append(text)
            }
        }
        append(mode == .csv ? "\r\n" : "\n")
    }

    /// shell.c's `MODE_Line`: names right-aligned to the longest, at least 5, counted in bytes
    /// as its printf counts them; a blank line between rows.
    private func writeLine(_ row: [SQLValue], columns: [String]) {
        if rowsWritten > 0 { append("\n") }
        let width = max(5, columns.map(\.utf8.count).max() ?? 0)
        for (name, value) in zip(columns, row) {
            append(String(repeating: " ", count: max(0, width - name.utf8.count)) + name + " = ")
            append(value.sqliteText ?? nullValue)
            append("\n")
        }
    }

    /// shell.c's `needCsvQuote`: control characters, space, `"`, `'`, DEL and non-ASCII bytes,
    /// an empty string, or the separator.
    static func needsCSVQuotes(_ text: String, separator: String) -> Bool {
        if text.isEmpty || text.contains(separator) { return true }
        return text.utf8.contains { byte in
            byte <= 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte >= 0x7F
        }
    }

    private func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
    }
}

extension ResultWriter {
    // MARK: - json, jsonl

    /// One row as shell.c's `MODE_Json` writes it: `{"name":value,…}`.
    private func appendJSONObject(_ row: [SQLValue], columns: [String]) {
        buffer.append(UInt8(ascii: "{"))
        for (index, (name, value)) in zip(columns, row).enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            JSONText.appendString(ColumnarFormatter.cString(Array(name.utf8)), to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            JSONText.appendValue(value, to: &buffer)
        }
        buffer.append(UInt8(ascii: "}"))
    }
}

extension SQLValue {
    fileprivate var isNumber: Bool {
        switch self {
        case .integer, .real: true
        case .null, .text, .blob: false
        }
    }
}

/// Writes every byte, retrying short writes and interrupted calls (the shell writes with it too).
package func writeFully(_ bytes: [UInt8], to descriptor: Int32) {
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
