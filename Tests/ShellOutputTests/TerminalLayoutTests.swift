import ShardQLBase
import Testing

@testable import ShellOutput

/// `box`, `table` and `markdown` laid out for a terminal: streaming, fitted to its width, numbers
/// right-aligned, NULL distinct, widths in terminal columns.
@Suite("Terminal layout of box, table and markdown")
struct TerminalLayoutTests {
    /// What `rows` print as in `mode` on a terminal `width` columns wide.
    func draw(
        _ rows: [[SQLValue]], columns: [String], mode: OutputMode = .box, width: Int = 80, nullValue: String = "",
        dimsNull: Bool = false, footer: Bool = false
    ) -> String {
        let capture = Capture()
        let writer = ResultWriter(
            mode: mode, showsHeader: true, nullValue: nullValue,
            terminal: TerminalLayout(width: width, dimsNull: dimsNull), write: capture.append)
        writer.showsFooter = footer
        writer.begin(columns: columns)
        for row in rows { writer.write(row: row) }
        writer.end()
        writer.flush()
        return capture.text
    }

    @Test func numbersAreRightAlignedTextLeftAndNullShown() {
        let text = draw(
            [[.integer(1), .text("xyz"), .null, .real(2.5)], [.integer(12345), .text(""), .text("z"), .null]],
            columns: ["a", "b", "c", "d"])
        #expect(
            text == """
                ┌───────┬─────┬──────┬──────┐
                │   a   │  b  │  c   │  d   │
                ├───────┼─────┼──────┼──────┤
                │     1 │ xyz │ NULL │  2.5 │
                │ 12345 │     │ z    │ NULL │
                └───────┴─────┴──────┴──────┘

                """)
    }

    @Test func nullIsDimmedWhenAsked() {
        let text = draw([[.null, .text("NULL")]], columns: ["a", "b"], mode: .markdown, dimsNull: true)
        // The escape codes take no columns: the padding is the same as for the text "NULL".
        #expect(text == "|  a   |  b   |\n|------|------|\n| \u{1B}[2mNULL\u{1B}[22m | NULL |\n")
    }

    @Test func aSetNullValueIsShownInsteadOfNULL() {
        let text = draw([[.null]], columns: ["a"], mode: .table, nullValue: "∅")
        #expect(text == "+---+\n| a |\n+---+\n| ∅ |\n+---+\n")
    }

    @Test func wideCharactersTakeTwoColumnsAndCombiningMarksNone() {
        let text = draw([[.text("日本"), .text("e\u{301}")], [.text("ab"), .text("xy")]], columns: ["k", "v"])
        #expect(
            text == """
                ┌──────┬────┐
                │  k   │ v  │
                ├──────┼────┤
                │ 日本 │ é  │
                │ ab   │ xy │
                └──────┴────┘

                """)
    }

    @Test func linesFitTheTerminalByShrinkingTheWidestColumns() {
        let long = String(repeating: "x", count: 60)
        let text = draw(
            [[.integer(1), .text(long), .text("short"), .text(long + "yy")]], columns: ["id", "a", "b", "c"],
            width: 40)
        let lines = text.split(separator: "\n")
        for line in lines { #expect(line.count <= 40, "\(line)") }
        #expect(lines.allSatisfy { $0.count == lines[0].count })
        // id and b keep their widths; a and c share the rest and are cut.
        #expect(lines[3] == "│  1 │ xxxxxxxxx… │ short │ xxxxxxxxx… │")
    }

    @Test func widthsFitEvenWhenCutsLandInsideAWideCharacter() {
        let text = draw([[.text("日本語日本語")]], columns: ["v"], mode: .table, width: 10)
        // Six columns for the value: two wide characters and `…` take five, a space pads.
        #expect(text == "+--------+\n|   v    |\n+--------+\n| 日本…  |\n+--------+\n")
    }

    @Test func aHeaderWiderThanTheTerminalIsCutToo() {
        let text = draw([[.integer(1)]], columns: ["a_very_long_column_name"], mode: .markdown, width: 12)
        #expect(text == "| a_very_… |\n|----------|\n|        1 |\n")
    }

    @Test func rowsAfterTheFirstThousandStreamWithTheSameWidths() {
        let capture = Capture()
        let writer = ResultWriter(
            mode: .table, showsHeader: true, nullValue: "", terminal: TerminalLayout(width: 80), write: capture.append)
        writer.begin(columns: ["n", "v"])
        for number in 1...999 { writer.write(row: [.integer(Int64(number)), .text("abc")]) }
        // Nothing yet: the widths are still being measured.
        #expect(capture.text.isEmpty)
        writer.write(row: [.integer(1000), .text("abc")])
        // The 1,000th row fixes the widths: header and rows show at once.
        #expect(capture.text.hasPrefix("+------+-----+\n|  n   |  v  |\n+------+-----+\n|    1 | abc |\n"))
        #expect(capture.text.hasSuffix("| 1000 | abc |\n"))
        writer.write(row: [.integer(123_456), .text("a much wider value")])
        writer.write(row: [.null, .text("ab")])
        writer.end()
        writer.flush()
        #expect(capture.text.hasSuffix("| 1000 | abc |\n| 123… | a…  |\n| NULL | ab  |\n+------+-----+\n"))
    }

    @Test func multiLineRowsDrawRulesBetweenRowsAsDecidedByTheFirstRows() {
        let text = draw([[.text("a\nb")], [.text("c")]], columns: ["v"], mode: .table)
        #expect(text == "+---+\n| v |\n+---+\n| a |\n| b |\n+---+\n| c |\n+---+\n")
    }

    @Test func footerCountsRows() {
        #expect(draw([[.integer(1)]], columns: ["a"], mode: .markdown, footer: true).hasSuffix("| 1 |\n(1 row)\n"))
        #expect(
            draw([[.integer(1)], [.integer(2)], [.integer(3)]], columns: ["a"], mode: .table, footer: true)
                .hasSuffix("+---+\n(3 rows)\n"))
        // A result begun without rows shows its header, so a person sees the query ran.
        #expect(draw([], columns: ["a"], mode: .box, footer: true) == "┌───┐\n│ a │\n├───┤\n└───┘\n(0 rows)\n")
        #expect(draw([], columns: ["a"], mode: .box).isEmpty)
    }

    @Test func fitShrinksTheWidestColumnsFirst() {
        // 1 + Σ(width + 3) must be at most the total.
        #expect(ColumnarFormatter.fit([5, 10, 20], into: 80) == [5, 10, 20])
        #expect(ColumnarFormatter.fit([5, 10, 20], into: 30) == [5, 8, 7])
        #expect(ColumnarFormatter.fit([5, 10, 20], into: 31) == [5, 8, 8])
        #expect(ColumnarFormatter.fit([5, 10, 20], into: 5) == [1, 1, 1])
    }
}

/// Collects what a ``ResultWriter`` writes.
final class Capture {
    var bytes: [UInt8] = []
    var text: String { String(decoding: bytes, as: UTF8.self) }
    func append(_ chunk: [UInt8]) { bytes += chunk }
}
