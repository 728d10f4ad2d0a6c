import Import
import ShardQLBase
import Testing

@Suite("DelimitedParser: CSV and TSV cut into records, in any chunks, with positioned errors")
struct DelimitedParserTests {
    struct Parsed: Equatable, CustomStringConvertible {
        var fields: [[String]]
        var quoted: [[Bool]]
        var lines: [Int]
        var description: String { "\(fields) quoted \(quoted) lines \(lines)" }
    }

    /// Parses `input` fed in pieces of `chunk` bytes (the whole at once when nil).
    func parse(_ input: String, _ format: DelimitedFormat = .csv, chunk: Int? = nil) throws -> Parsed {
        var parsed = Parsed(fields: [], quoted: [], lines: [])
        var parser = DelimitedParser(format: format, file: "in.csv")
        func take(_ record: borrowing DelimitedRecord) throws {
            parsed.fields.append(try (0..<record.count).map { try record.text($0, file: "in.csv") })
            parsed.quoted.append((0..<record.count).map { record.isQuoted($0) })
            parsed.lines.append(record.line)
        }
        let bytes = Array(input.utf8)
        let size = max(1, chunk ?? bytes.count)
        var start = 0
        while start < bytes.count {
            let end = min(start + size, bytes.count)
            try bytes[start..<end].withUnsafeBytes { try parser.feed($0) { try take($0) } }
            start = end
        }
        try parser.finish { try take($0) }
        return parsed
    }

    /// The same records whole, byte by byte and in odd-sized pieces.
    func expectSameInAnyChunks(_ input: String, _ format: DelimitedFormat = .csv) throws -> Parsed {
        let whole = try parse(input, format)
        for chunk in [1, 2, 3, 7] {
            #expect(try parse(input, format, chunk: chunk) == whole, "chunks of \(chunk)")
        }
        return whole
    }

    @Test func csvOfRFC4180() throws {
        let input = "id,name,note\r\n1,\"Smith, Ann\",\"said \"\"hi\"\"\"\r\n2,Bo,\"two\nlines\"\r\n3,,\"\"\n"
        let parsed = try expectSameInAnyChunks(input)
        #expect(
            parsed.fields == [
                ["id", "name", "note"], ["1", "Smith, Ann", "said \"hi\""], ["2", "Bo", "two\nlines"], ["3", "", ""],
            ])
        #expect(parsed.quoted[3] == [false, false, true])
        #expect(parsed.lines == [1, 2, 3, 5])
    }

    @Test func lastRecordWithoutLineBreakAndBlankLinesSkipped() throws {
        let parsed = try expectSameInAnyChunks("\na,b\n\n\nc,d")
        #expect(parsed.fields == [["a", "b"], ["c", "d"]])
        #expect(parsed.lines == [2, 5])
        #expect(try expectSameInAnyChunks("a,b\r\n").fields == [["a", "b"]])
        #expect(try expectSameInAnyChunks("").fields.isEmpty)
    }

    @Test func emptyFieldsAndLenientQuotes() throws {
        let parsed = try expectSameInAnyChunks(",,\nx,5\"2,\"\"\n")
        #expect(parsed.fields == [["", "", ""], ["x", "5\"2", ""]])
        #expect(parsed.quoted == [[false, false, false], [false, false, true]])
        // A lone CR is data; CRLF ends the record.
        #expect(try expectSameInAnyChunks("a\rb,c\r\n").fields == [["a\rb", "c"]])
    }

    @Test func tsvHasNoQuotes() throws {
        let parsed = try expectSameInAnyChunks("a\t\"b\"\tc d\n1\t\t3\n", .tsv)
        #expect(parsed.fields == [["a", "\"b\"", "c d"], ["1", "", "3"]])
        let semicolons = DelimitedFormat(delimiter: UInt8(ascii: ";"), quote: UInt8(ascii: "'"))
        #expect(try expectSameInAnyChunks("'a;b';c\n", semicolons).fields == [["a;b", "c"]])
    }

    @Test func unicodeColumnsCountCharacters() throws {
        let input = "ключ,値\n\"é\",x\"y\n"
        #expect(try expectSameInAnyChunks(input).fields == [["ключ", "値"], ["é", "x\"y"]])
    }

    @Test func unterminatedQuoteNamesWhereItOpened() throws {
        for chunk in [nil, 1, 5] {
            let error = #expect(throws: ShardQLError.self) {
                _ = try parse("a,b\n1,\"open\n2,3\n", chunk: chunk)
            }
            #expect(error?.message.hasPrefix("in.csv:2:3: unterminated quoted field") == true, "\(String(describing: error))")
            #expect(error?.message.contains("1,\"open\\n2,3") == true, "\(String(describing: error))")
        }
    }

    @Test func textAfterAClosingQuoteIsAnError() throws {
        let error = #expect(throws: ShardQLError.self) { _ = try parse("a,b\n\"x\"y,2\n") }
        #expect(
            error?.message.hasPrefix("in.csv:2:4: expected ',' or the end of the line after the closing quote") == true,
            "\(String(describing: error))")
        #expect(throws: ShardQLError.self) { _ = try parse("\"x\"\ry\n") }
    }

    @Test func invalidUTF8NamesItsColumn() throws {
        var bytes = Array("id,name\n1,ab".utf8) + [0xC3, 0x28] + Array("c\n".utf8)
        var parser = DelimitedParser(format: .csv, file: "bad.csv")
        var messages: [String] = []
        func take(_ record: borrowing DelimitedRecord) {
            for index in 0..<record.count {
                do { _ = try record.text(index, file: "bad.csv") } catch let error as ShardQLError { messages.append(error.message) } catch {}
            }
        }
        try bytes.withUnsafeBytes { try parser.feed($0) { take($0) } }
        try parser.finish { take($0) }
        #expect(messages.count == 1)
        #expect(messages.first?.hasPrefix("bad.csv:2:5: invalid UTF-8 (byte 0xC3)") == true, "\(messages)")
        bytes.removeAll()
    }
}
