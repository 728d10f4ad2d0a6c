import ShellOutput
import Testing

@Suite("Output mode names")
struct OutputModeNameTests {
    @Test func tabsIsSQLite3sNameForTSV() {
        #expect(OutputMode(rawValue: "tabs") == .tsv)
        #expect(OutputMode(rawValue: "tsv") == .tsv)
        #expect(OutputMode.tsv.rawValue == "tsv")
        #expect(OutputMode(rawValue: "jsonl") == .jsonl)
        #expect(OutputMode(rawValue: "nosuch") == nil)
    }
}
