import Testing

@testable import ShardQLBase

@Suite("ShardQLBase")
struct ShardQLBaseTests {
    @Test(arguments: [
        (2.5, "2.5"), (-1.0, "-1.0"), (100.0, "100.0"), (1e20, "1.0e+20"), (1e-5, "1.0e-05"),
        (0.1, "0.1"), (1.0 / 3.0, "0.333333333333333"), (123456789012345678.0, "1.23456789012346e+17"),
        (-0.0, "0.0"), (355975670020709.5, "355975670020709.0"), (Double.infinity, "Inf"), (-Double.infinity, "-Inf"), (2.5e20, "2.5e+20"),
    ])
    func realsFormatLikeSQLite(value: Double, expected: String) {
        #expect(SQLValue.formatReal(value) == expected)
    }

    @Test func textKeepsBytes() {
        let invalid: [UInt8] = [0x61, 0xFF, 0x00, 0x62]
        let value = SQLValue.text(SQLText(bytes: invalid))
        guard case .text(let text) = value else {
            Issue.record("not text")
            return
        }
        #expect(text.bytes == invalid)
        #expect(SQLValue.text("é") != SQLValue.text(SQLText(bytes: [0x65, 0xCC, 0x81])))  // no Unicode folding
    }

    @Test func locationsCountLinesAndCharacters() {
        let source = "SELECT 'é',\n  x FROM"
        let offset = source.utf8.count - 4
        #expect(SourceLocation(offset: offset, in: source) == SourceLocation(offset: offset, line: 2, column: 5))
        #expect(SourceLocation(offset: 0, in: "") == SourceLocation(offset: 0, line: 1, column: 1))
    }

    @Test func errorDescriptions() {
        let syntax = ShardQLError(.syntaxError, "expected FROM, found 'FORM'", location: SourceLocation(offset: 16, line: 1, column: 17))
        #expect(syntax.description == "syntax error at line 1, column 17: expected FROM, found 'FORM'")
        let sqlite = ShardQLError(.sqlite, "UNIQUE constraint failed: t.a", sqliteResultCode: 2067)
        #expect(sqlite.description == "UNIQUE constraint failed: t.a")
        #expect(ShardQLError(.io, "disk full").description == "i/o error: disk full")
    }
}
