
/// Reads sqllogictest files the way SQLite's `sqllogictest.c` does.
///
/// - Lines end with `\n`; a `\r` before it is dropped, so CRLF files read like LF files.
/// - A line starting with `#` is a comment and is skipped wherever it is, even inside a record's
///   SQL or results; it does not end a record.
/// - A line holding only whitespace is blank; one or more blank lines separate records.
/// - A record starts with any number of `skipif X` / `onlyif X` lines, then its directive line,
///   whose first tokens (separated by whitespace) say what it is.
///
/// ```swift
/// let records = try SQLLogicTestFile.parse(contents: text, path: "select1.test")
/// for record in SQLLogicTestFile.runnable(records, dialect: "sqlite") { ... }
/// ```
public enum SQLLogicTestFile {
    /// Parses a whole file into records, in file order, keeping every record whatever its conditions.
    ///
    /// `halt` records are returned like the others: a runner stops at the first one that applies to
    /// its dialect (``runnable(_:dialect:)`` does that).
    public static func parse(contents: String, path: String) throws(SLTParseError) -> [SLTRecord] {
        var records: [SLTRecord] = []
        for group in recordLines(of: contents) {
            records.append(try parseRecord(group, path: path))
        }
        return records
    }

    /// Reads and parses the file at `path`. Invalid UTF-8 is decoded with replacement characters.
    public static func parse(fileAtPath path: String) throws -> [SLTRecord] {
        return try parse(contents: String(decoding: try LocalFiles.read(path), as: UTF8.self), path: path)
    }

    /// The records a runner for `dialect` executes, in order: those that apply to it, up to (and not
    /// including) the first `halt` that applies to it.
    public static func runnable(_ records: [SLTRecord], dialect: String) -> [SLTRecord] {
        var result: [SLTRecord] = []
        for record in records where record.applies(toDialect: dialect) {
            if record.kind == .halt { break }
            result.append(record)
        }
        return result
    }

    // MARK: - Lines and records

    /// One non-blank, non-comment line, with its 1-based line number.
    struct Line {
        var number: Int
        var text: Substring
    }

    /// Splits the text into records: maximal runs of content lines, comments skipped, blank lines
    /// separating. Splits on `\n` bytes: Swift treats `\r\n` as a single `Character`.
    static func recordLines(of contents: String) -> [[Line]] {
        var groups: [[Line]] = []
        var current: [Line] = []
        var number = 0
        for rawLine in contents.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var bytes = rawLine
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            if bytes.first == UInt8(ascii: "#") { continue }
            if bytes.allSatisfy(isSpace) {
                if !current.isEmpty {
                    groups.append(current)
                    current = []
                }
                continue
            }
            current.append(Line(number: number, text: Substring(bytes)))
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// C's `isspace` in the "C" locale.
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    static func tokens(of line: Substring) -> [Substring] {
        line.utf8.split(whereSeparator: isSpace).map { Substring($0) }
    }

    static func parseRecord(_ lines: [Line], path: String) throws(SLTParseError) -> SLTRecord {
        func fail(_ line: Line, _ message: String) -> SLTParseError {
            SLTParseError(path: path, line: line.number, message: message)
        }

        var conditions: [SLTCondition] = []
        var index = 0
        var directive = tokens(of: lines[0].text)
        while directive.first == "skipif" || directive.first == "onlyif" {
            guard directive.count >= 2 else {
                throw fail(lines[index], "'\(directive[0])' needs a database name")
            }
            let name = String(directive[1])
            conditions.append(directive[0] == "skipif" ? .skipIf(name) : .onlyIf(name))
            index += 1
            guard index < lines.count else {
                throw fail(lines[index - 1], "'\(directive[0])' is not followed by a record")
            }
            directive = tokens(of: lines[index].text)
        }

        let directiveLine = lines[index]
        let body = lines[(index + 1)...]
        var record = SLTRecord(kind: .halt, conditions: conditions, line: lines[0].number)

        switch directive[0] {
        case "statement":
            switch directive.count > 1 ? directive[1] : "" {
            case "ok": record.kind = .statement(expectError: false)
            case "error": record.kind = .statement(expectError: true)
            default: throw fail(directiveLine, "statement argument should be 'ok' or 'error'")
            }
            record.sql = joined(body)
            record.sqlLine = body.first?.number

        case "query":
            guard directive.count > 1 else { throw fail(directiveLine, "query needs its column types") }
            var types: [SLTColumnType] = []
            for character in directive[1] {
                guard let type = SLTColumnType(rawValue: character) else {
                    throw fail(directiveLine, "unknown column type '\(character)' in '\(directive[1])'")
                }
                types.append(type)
            }
            var sort = SLTSortMode.nosort
            if directive.count > 2 {
                guard let mode = SLTSortMode(rawValue: String(directive[2])) else {
                    throw fail(directiveLine, "unknown sort method: '\(directive[2])'")
                }
                sort = mode
            }
            let label = directive.count > 3 ? String(directive[3]) : nil
            record.kind = .query(types: types, sort: sort, label: label)

            let separator = body.firstIndex { $0.text == "----" }
            let sqlLines = body[..<(separator ?? body.endIndex)]
            record.sql = joined(sqlLines)
            record.sqlLine = sqlLines.first?.number
            if let separator {
                let values = body[(separator + 1)...].map { String($0.text) }
                record.expected = hashResult(values) ?? .values(values)
            }

        case "hash-threshold":
            guard directive.count > 1, let threshold = Int(directive[1]), threshold >= 0 else {
                throw fail(directiveLine, "hash-threshold needs a non-negative integer")
            }
            record.kind = .hashThreshold(threshold)

        case "halt":
            record.kind = .halt

        default:
            throw fail(directiveLine, "unknown record type: '\(directive[0])'")
        }
        return record
    }

    static func joined(_ lines: ArraySlice<Line>) -> String {
        lines.map(\.text).joined(separator: "\n")
    }

    /// `N values hashing to <32 hex digits>` as the only result line.
    static func hashResult(_ values: [String]) -> SLTExpected? {
        guard values.count == 1 else { return nil }
        let parts = values[0].split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[1] == "values", parts[2] == "hashing", parts[3] == "to",
            let count = Int(parts[0]), count >= 0,
            parts[4].utf8.count == 32, parts[4].allSatisfy(\.isHexDigit)
        else { return nil }
        return .hash(count: count, md5: parts[4].lowercased())
    }
}
