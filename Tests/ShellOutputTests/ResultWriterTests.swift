import ShardQLBase
import Testing

@testable import ShellOutput

/// The streaming modes' details that need no `sqlite3` to check (the CLI tests compare the rest
/// with it).
@Suite("Result writer")
struct ResultWriterTests {
    func write(_ rows: [[SQLValue]], columns: [String], mode: OutputMode, header: Bool = false) -> String {
        let capture = Capture()
        let writer = ResultWriter(mode: mode, showsHeader: header, nullValue: "", write: capture.append)
        writer.begin(columns: columns)
        for row in rows { writer.write(row: row) }
        writer.end()
        writer.flush()
        return capture.text
    }

    @Test func jsonLinesIsOneObjectPerLine() {
        let text = write(
            [[.integer(1), .text("a\"b\n"), .null], [.real(0.1), .blob([0x41, 0x00]), .real(-.infinity)]],
            columns: ["i", "t", "n"], mode: .jsonl)
        #expect(text == "{\"i\":1,\"t\":\"a\\\"b\\n\",\"n\":null}\n{\"i\":0.10000000000000000555,\"t\":\"A\\u0000\",\"n\":-1e999}\n")
    }

    @Test func aResultWithoutRowsPrintsNothingInAnyMode() {
        for mode in OutputMode.allCases {
            #expect(write([], columns: ["a"], mode: mode, header: true).isEmpty, "\(mode)")
        }
    }

    @Test func endWithoutBeginPrintsNothing() {
        let capture = Capture()
        let writer = ResultWriter(mode: .json, showsHeader: false, nullValue: "", write: capture.append)
        writer.end()
        writer.flush()
        #expect(capture.bytes.isEmpty)
    }

    @Test func realsInJSONUseTwentySignificantDigits() {
        // As `sqlite3 -json` prints them (checked against 3.40).
        let cases: [(Double, String)] = [
            (0.1, "0.10000000000000000555"), (1.5, "1.5"), (100, "100.0"), (1e20, "1.0e+20"),
            (1.0 / 3, "0.33333333333333331482"), (-0.0, "0.0"), (1e-5, "1.0000000000000000817e-05"),
        ]
        for (value, expected) in cases {
            var output: [UInt8] = []
            JSONText.appendValue(.real(value), to: &output)
            #expect(String(decoding: output, as: UTF8.self) == expected)
        }
    }
}
