import ArgumentParser
import ShardQLBase

/// Output modes, formatted as the `sqlite3` shell formats them so scripts can compare output.
/// `box`, `table` and `markdown` always show the header and are drawn once all rows are in
/// (``ColumnarFormatter``).
enum OutputMode: String, CaseIterable, ExpressibleByArgument {
    case list, csv, tabs, line, json, box, table, markdown

    var columnarStyle: ColumnarFormatter.Style? {
        switch self {
        case .box: .box
        case .table: .table
        case .markdown: .markdown
        case .list, .csv, .tabs, .line, .json: nil
        }
    }
}

/// Writes result rows to standard output in one of the ``OutputMode``s, buffered.
final class ResultWriter {
    var mode: OutputMode
    var showsHeader: Bool
    var nullValue: String
    private var buffer: [UInt8] = []
    private var columns: [String] = []
    private var rowsWritten = 0
    private var columnar: ColumnarFormatter?

    init(mode: OutputMode, showsHeader: Bool, nullValue: String) {
        self.mode = mode
        self.showsHeader = showsHeader
        self.nullValue = nullValue
        buffer.reserveCapacity(1 << 16)
    }

    func begin(columns: [String]) {
        self.columns = columns
        rowsWritten = 0
        switch mode {
        case .list, .tabs, .csv:
            if showsHeader {
                writeFields(columns.map { .text($0) }, isHeader: true)
            }
        case .json:
            append("[")
        case .line:
            break
        case .box, .table, .markdown:
            columnar = mode.columnarStyle.map { ColumnarFormatter(style: $0, columns: columns, nullValue: nullValue) }
        }
    }

    func write(row: [SQLValue]) {
        switch mode {
        case .list, .tabs, .csv:
            writeFields(row, isHeader: false)
        case .line:
            if rowsWritten > 0 { append("\n") }
            let width = columns.map(\.count).max() ?? 0
            for (name, value) in zip(columns, row) {
                append(String(repeating: " ", count: width - name.count) + name + " = ")
                append(value.sqliteText ?? nullValue)
                append("\n")
            }
        case .json:
            append(rowsWritten == 0 ? "{" : ",\n{")
            for (index, (name, value)) in zip(columns, row).enumerated() {
                if index > 0 { append(",") }
                append(jsonString(name) + ":" + jsonValue(value))
            }
            append("}")
        case .box, .table, .markdown:
            columnar?.add(row: row)
        }
        rowsWritten += 1
        if buffer.count >= 1 << 16 { flush() }
    }

    func end() {
        if mode == .json { append("]\n") }
        if let columnar {
            columnar.render(into: &buffer)
            self.columnar = nil
        }
    }

    /// A line that is not part of a result (`.timer`'s time, a dot-command's answer).
    func note(_ line: String) {
        append(line + "\n")
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        writeAll(buffer, to: standardOutput)
        buffer.removeAll(keepingCapacity: true)
    }

    // MARK: - Formatting

    private func writeFields(_ values: [SQLValue], isHeader: Bool) {
        let separator = mode == .csv ? "," : mode == .tabs ? "\t" : "|"
        for (index, value) in values.enumerated() {
            if index > 0 { append(separator) }
            guard let text = value.sqliteText else {
                append(nullValue)
                continue
            }
            if mode == .csv, !isNumber(value), Self.needsCSVQuotes(text, separator: separator) {
                append("\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"")
            } else {
                append(text)
            }
        }
        append(mode == .csv ? "\r\n" : "\n")
    }

    private func isNumber(_ value: SQLValue) -> Bool {
        switch value {
        case .integer, .real: true
        default: false
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

    private func jsonValue(_ value: SQLValue) -> String {
        switch value {
        case .null: "null"
        case .integer, .real: value.sqliteText ?? "null"
        case .text, .blob: jsonString(value.sqliteText ?? "")
        }
    }

    private func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    private func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
    }
}
