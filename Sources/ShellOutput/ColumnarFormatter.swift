import ShardQLBase

/// Draws the `box`, `table` and `markdown` modes, in one of two layouts.
///
/// Without a ``TerminalLayout`` it lays them out byte for byte as the `sqlite3` 3.40 shell does
/// (shell.c's `exec_prepared_stmt_columnar`), for scripts and tests that compare:
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
/// The shell reads every row before printing the first, so this layout holds the whole result.
/// With a ``TerminalLayout`` it holds only the first rows, then streams (see there); lines break
/// and tabs expand as above, and whether rules go between rows is decided by those first rows.
package struct ColumnarFormatter {
    package enum Style: Sendable { case box, table, markdown }

    /// One display line of one value.
    struct Cell {
        var text: [UInt8]
        /// Columns `text` takes: characters for `sqlite3`, terminal columns on a terminal.
        var width: Int
        var isNumber = false
        var isNull = false
    }

    let style: Style
    let terminal: TerminalLayout?
    private let nullText: [UInt8]
    private var headers: [Cell]
    /// Display lines not drawn yet, `headers.count` cells each; one row may span several lines.
    private var pending: [[Cell]] = []
    /// Whether each pending line is the last one of its row (shell.c's `abRowDiv`).
    private var pendingEndsRow: [Bool] = []
    private var pendingRows = 0
    private var anyRowSpansLines = false
    private var widths: [Int]
    /// Set once the header is drawn; from then on widths stay and rows are drawn as they come.
    private var widthsAreFixed = false
    /// Rows added so far.
    package private(set) var rowCount = 0

    /// shell.c wraps nothing unless `--wrap N` is given, but still cuts a line at a million
    /// characters.
    static let maximumLineWidth = 1_000_000

    /// A formatter for one result. `terminal` nil gives `sqlite3`'s layout.
    package init(style: Style, columns: [String], nullValue: String, terminal: TerminalLayout? = nil) {
        self.style = style
        self.terminal = terminal
        let null = Self.cString(Array(nullValue.utf8))
        nullText = terminal != nil && null.isEmpty ? Array("NULL".utf8) : null
        // A name's first line only, as the shell shows it.
        headers = []
        widths = []
        headers = columns.map { cell(Self.displayLine(of: Self.cString(Array($0.utf8)), from: 0).line) }
        widths = headers.map(\.width)
    }

    /// Takes one row; on a terminal, once the widths are fixed, appends it drawn to `output`.
    package mutating func add(row: [SQLValue], into output: inout [UInt8]) {
        rowCount += 1
        let values = headers.indices.map { $0 < row.count ? row[$0] : .null }
        let texts = values.map(bytes(of:))
        // Where each value's next display line starts; nil once it has none left.
        var next: [Int?] = texts.map { _ in 0 }
        var lines: [[Cell]] = []
        var continues = true
        while continues {
            continues = false
            var cells: [Cell] = []
            cells.reserveCapacity(texts.count)
            for index in texts.indices {
                // A value that already ended shows empty on its row's later lines.
                guard let start = next[index] else {
                    cells.append(Cell(text: [], width: 0))
                    continue
                }
                let (line, rest) = Self.displayLine(of: texts[index], from: start)
                next[index] = rest
                if rest != nil { continues = true }
                var displayed = cell(line)
                switch values[index] {
                case .integer, .real: displayed.isNumber = true
                case .null: displayed.isNull = true
                case .text, .blob: break
                }
                cells.append(displayed)
            }
            lines.append(cells)
        }
        if widthsAreFixed {
            if anyRowSpansLines, rowCount > 1 { betweenRows(into: &output) }
            for line in lines { draw(line, into: &output) }
            return
        }
        for (number, line) in lines.enumerated() {
            for (index, cell) in line.enumerated() { widths[index] = max(widths[index], cell.width) }
            pending.append(line)
            pendingEndsRow.append(number == lines.count - 1)
        }
        if lines.count > 1 { anyRowSpansLines = true }
        pendingRows += 1
        if let terminal, pendingRows >= terminal.sampleRows { drawPending(into: &output) }
    }

    /// Appends what is left to draw: the rows held back, and the closing rule. An empty result
    /// draws nothing unless `showsEmpty`, when it draws the header alone.
    package mutating func finish(into output: inout [UInt8], showsEmpty: Bool = false) {
        guard !headers.isEmpty, rowCount > 0 || showsEmpty else { return }
        if !widthsAreFixed { drawPending(into: &output) }
        switch style {
        case .box: rule(into: &output, left: "└", middle: "┴", right: "┘", line: "─")
        case .table: rule(into: &output, left: "+", middle: "+", right: "+", line: "-")
        case .markdown: break
        }
    }

    // MARK: - Drawing

    /// Fixes the widths, then draws the header and every row held back.
    private mutating func drawPending(into output: inout [UInt8]) {
        if let terminal { widths = Self.fit(widths, into: terminal.currentWidth()) }
        widthsAreFixed = true
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
        for (number, line) in pending.enumerated() {
            draw(line, into: &output)
            if anyRowSpansLines, pendingEndsRow[number], number + 1 < pending.count { betweenRows(into: &output) }
        }
        pending = []
        pendingEndsRow = []
    }

    private func draw(_ line: [Cell], into output: inout [UInt8]) {
        let edge = style == .box ? "│" : "|"
        output.append(contentsOf: edge.utf8)
        output.append(0x20)
        for (index, cell) in line.enumerated() {
            if index > 0 { output.append(contentsOf: " \(edge) ".utf8) }
            let (text, width) = DisplayWidth.truncate(cell.text, width: cell.width, to: widths[index])
            let gap = max(0, widths[index] - width)
            if cell.isNumber, terminal != nil { output.append(contentsOf: repeatElement(0x20, count: gap)) }
            let dims = cell.isNull && terminal?.dimsNull == true
            if dims { output.append(contentsOf: "\u{1B}[2m".utf8) }
            output.append(contentsOf: text)
            if dims { output.append(contentsOf: "\u{1B}[22m".utf8) }
            if !cell.isNumber || terminal == nil { output.append(contentsOf: repeatElement(0x20, count: gap)) }
        }
        output.append(contentsOf: " \(edge)\n".utf8)
    }

    private func header(into output: inout [UInt8], edge: String) {
        output.append(contentsOf: edge.utf8)
        output.append(0x20)
        for (index, name) in headers.enumerated() {
            let (text, width) = DisplayWidth.truncate(name.text, width: name.width, to: widths[index])
            let gap = widths[index] - width
            output.append(contentsOf: repeatElement(0x20, count: gap / 2))
            output.append(contentsOf: text)
            output.append(contentsOf: repeatElement(0x20, count: (gap + 1) / 2))
            output.append(contentsOf: (index == headers.count - 1 ? " \(edge)\n" : " \(edge) ").utf8)
        }
    }

    private func betweenRows(into output: inout [UInt8]) {
        switch style {
        case .box: rule(into: &output, left: "├", middle: "┼", right: "┤", line: "─")
        case .table: rule(into: &output, left: "+", middle: "+", right: "+", line: "-")
        case .markdown: break
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

    /// Column widths whose lines (`│ a │ b │`: 1 + Σ(width + 3)) fit in `total` columns: every
    /// width above a common cap comes down to it, the cap as high as fits, and columns that were
    /// cut share what is left one column each, left to right. Never below one column; with more
    /// columns than fit even so, lines are wider than `total`.
    static func fit(_ widths: [Int], into total: Int) -> [Int] {
        let budget = total - 1 - 3 * widths.count
        guard widths.reduce(0, +) > budget else { return widths }
        func used(_ cap: Int) -> Int { widths.reduce(0) { $0 + min($1, cap) } }
        var low = 1
        var high = widths.max() ?? 1
        // The largest cap that fits (1 if none does).
        while low < high {
            let middle = (low + high + 1) / 2
            if used(middle) <= budget { low = middle } else { high = middle - 1 }
        }
        var left = budget - used(low)
        return widths.map { width in
            guard width > low else { return width }
            guard left > 0 else { return low }
            left -= 1
            return low + 1
        }
    }

    // MARK: - Text as the shell sees it

    private func cell(_ line: [UInt8]) -> Cell {
        guard terminal != nil else { return Cell(text: line, width: Self.characterCount(line)) }
        let text = DisplayWidth.repaired(line)
        return Cell(text: text, width: DisplayWidth.of(text))
    }

    private func bytes(of value: SQLValue) -> [UInt8] {
        switch value {
        case .null: nullText
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
