import ShardQLBase

/// The `box`, `table` and `markdown` modes, laid out byte for byte as the `sqlite3` 3.40 shell
/// lays them out (shell.c's `exec_prepared_stmt_columnar`):
///
/// - every column is as wide as its widest line, header included, counted in characters the way
///   shell.c's `strlenChar` counts them: one per byte that is not a UTF-8 continuation byte (so
///   `日` is one column wide, as in the shell, even though a terminal draws it two wide);
/// - the header is always printed, centred (the extra space of an odd gap goes on the right);
/// - values, numbers included, are left-aligned and padded with spaces;
/// - NULL prints as the null value, a BLOB as its raw bytes, and text stops at a NUL byte, as C
///   strings do;
/// - a tab becomes spaces up to the next multiple of 8; any other control character ends the
///   line and the rest of the value goes on the next line (`\r\n` counts as one break, a break
///   at the very end is dropped), and once any value spans lines, `box` and `table` draw a rule
///   between rows;
/// - an empty result prints nothing, not even the header.
///
/// ```
/// ┌───┬─────┬───┬─────┐      +---+-----+---+-----+      | a |  b  | c |  d  |
/// │ a │  b  │ c │  d  │      | a |  b  | c |  d  |      |---|-----|---|-----|
/// ├───┼─────┼───┼─────┤      +---+-----+---+-----+      | 1 | xyz |   | 2.5 |
/// │ 1 │ xyz │   │ 2.5 │      | 1 | xyz |   | 2.5 |
/// └───┴─────┴───┴─────┘      +---+-----+---+-----+
/// ```
///
/// The shell reads every row before printing the first, so this does too: widths come from the
/// whole result. Measuring (``add(row:)``) and drawing (``render(into:)``) are separate steps so
/// a bounded variant can take widths from the first rows and cut longer values.
struct ColumnarFormatter {
    enum Style { case box, table, markdown }

    let style: Style
    let nullValue: [UInt8]
    private let headers: [[UInt8]]
    /// Display lines, `columns.count` cells each; one logical row may span several lines.
    private var lines: [[[UInt8]]] = []
    /// Whether each display line is the last one of its row (shell.c's `abRowDiv`).
    private var endsRow: [Bool] = []
    private var anyRowSpansLines = false
    private var widths: [Int]

    /// shell.c wraps nothing unless `--wrap N` is given, but still cuts a line at a million
    /// characters.
    static let maximumLineWidth = 1_000_000

    init(style: Style, columns: [String], nullValue: String) {
        self.style = style
        self.nullValue = Self.cString(Array(nullValue.utf8))
        // A name's first line only, as the shell shows it.
        headers = columns.map { Self.displayLine(of: Self.cString(Array($0.utf8)), from: 0).line }
        widths = headers.map(Self.characterCount)
    }

    var isEmpty: Bool { lines.isEmpty }

    mutating func add(row: [SQLValue]) {
        let values = headers.indices.map { $0 < row.count ? bytes(of: row[$0]) : [] }
        // Where each value's next display line starts; nil once it has none left.
        var next: [Int?] = values.map { _ in 0 }
        var continues = true
        while continues {
            continues = false
            var cells: [[UInt8]] = []
            cells.reserveCapacity(values.count)
            for (index, value) in values.enumerated() {
                // A value that already ended shows empty on its row's later lines.
                guard let start = next[index] else {
                    cells.append([])
                    continue
                }
                let (line, rest) = Self.displayLine(of: value, from: start)
                next[index] = rest
                if rest != nil { continues = true }
                widths[index] = max(widths[index], Self.characterCount(line))
                cells.append(line)
            }
            lines.append(cells)
            endsRow.append(!continues)
            if continues { anyRowSpansLines = true }
        }
    }

    /// Appends the drawn table; nothing for an empty result.
    func render(into output: inout [UInt8]) {
        guard !lines.isEmpty, !headers.isEmpty else { return }
        switch style {
        case .box:
            rule(into: &output, left: "┌", middle: "┬", right: "┐", line: "─")
            header(into: &output, edge: "│")
            rule(into: &output, left: "├", middle: "┼", right: "┤", line: "─")
        case .table:
            rule(into: &output, left: "+", middle: "+", right: "+", line: "-")
            header(into: &output, edge: "|")
            rule(into: &output, left: "+", middle: "+", right: "+", line: "-")
        case .markdown:
            header(into: &output, edge: "|")
            rule(into: &output, left: "|", middle: "|", right: "|", line: "-")
        }
        let edge = style == .box ? "│" : "|"
        for (number, cells) in lines.enumerated() {
            output.append(contentsOf: edge.utf8)
            output.append(0x20)
            for (index, cell) in cells.enumerated() {
                if index > 0 { output.append(contentsOf: " \(edge) ".utf8) }
                output.append(contentsOf: cell)
                output.append(contentsOf: repeatElement(0x20, count: max(0, widths[index] - Self.characterCount(cell))))
            }
            output.append(contentsOf: " \(edge)\n".utf8)
            if anyRowSpansLines, endsRow[number], number + 1 < lines.count {
                switch style {
                case .box: rule(into: &output, left: "├", middle: "┼", right: "┤", line: "─")
                case .table: rule(into: &output, left: "+", middle: "+", right: "+", line: "-")
                case .markdown: break
                }
            }
        }
        switch style {
        case .box: rule(into: &output, left: "└", middle: "┴", right: "┘", line: "─")
        case .table: rule(into: &output, left: "+", middle: "+", right: "+", line: "-")
        case .markdown: break
        }
    }

    // MARK: - Drawing

    private func header(into output: inout [UInt8], edge: String) {
        output.append(contentsOf: edge.utf8)
        output.append(0x20)
        for (index, name) in headers.enumerated() {
            let gap = widths[index] - Self.characterCount(name)
            output.append(contentsOf: repeatElement(0x20, count: gap / 2))
            output.append(contentsOf: name)
            output.append(contentsOf: repeatElement(0x20, count: (gap + 1) / 2))
            output.append(contentsOf: (index == headers.count - 1 ? " \(edge)\n" : " \(edge) ").utf8)
        }
    }

    private func rule(into output: inout [UInt8], left: String, middle: String, right: String, line: String) {
        for (index, width) in widths.enumerated() {
            output.append(contentsOf: (index == 0 ? left : middle).utf8)
            for _ in 0..<(width + 2) { output.append(contentsOf: line.utf8) }
        }
        output.append(contentsOf: right.utf8)
        output.append(0x0A)
    }

    // MARK: - Text as the shell sees it

    private func bytes(of value: SQLValue) -> [UInt8] {
        switch value {
        case .null: nullValue
        case .integer, .real: Array((value.sqliteText ?? "").utf8)
        case .text(let text): Self.cString(text.bytes)
        case .blob(let bytes): Self.cString(bytes)
        }
    }

    /// The bytes before the first NUL: the shell handles values as C strings.
    static func cString(_ bytes: [UInt8]) -> [UInt8] {
        guard let end = bytes.firstIndex(of: 0) else { return bytes }
        return Array(bytes[..<end])
    }

    /// shell.c's `strlenChar`: bytes that are not UTF-8 continuation bytes.
    static func characterCount(_ bytes: [UInt8]) -> Int {
        var count = 0
        for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }

    /// shell.c's `translateForDisplayAndDup` without word wrap: the display line starting at
    /// `start`, and where the next line starts, if there is one.
    static func displayLine(of text: [UInt8], from start: Int) -> (line: [UInt8], next: Int?) {
        // Past the end reads as the C string's terminating NUL.
        func byte(_ index: Int) -> UInt8 { index < text.count ? text[index] : 0 }
        var line: [UInt8] = []
        var index = start
        var column = 0
        while column < maximumLineWidth {
            let current = byte(index)
            if current >= 0x20 {
                column += 1
                repeat {
                    line.append(text[index])
                    index += 1
                } while byte(index) & 0xC0 == 0x80
            } else if current == 0x09 {
                repeat {
                    column += 1
                    line.append(0x20)
                } while column & 7 != 0 && column < maximumLineWidth
                index += 1
            } else {
                break
            }
        }
        let next: Int?
        if column >= maximumLineWidth, byte(index) >= 0x20 {
            next = index
        } else if byte(index) == 0x0D, byte(index + 1) == 0x0A {
            next = byte(index + 2) != 0 ? index + 2 : nil
        } else if byte(index) == 0 || byte(index + 1) == 0 {
            next = nil
        } else {
            next = index + 1
        }
        return (line, next)
    }
}
