import Coordinator
import SQLSyntax
import ShardQLBase

/// `.dump`: the cluster (or some tables) as a script that recreates it, in sqlite3's shape.
extension Shell {
    /// `.dump ?TABLE? …`: `PRAGMA foreign_keys=OFF; BEGIN TRANSACTION;`, then each table's CREATE
    /// (with its distribution clause) and its rows, then indexes, views and triggers (after the
    /// rows, so replaying fires no trigger and builds each index once), then `COMMIT;`. Tables come
    /// in creation order, so a `COLOCATE WITH` names a table already created. Rows stream from the
    /// shards in rowid order and are written as they arrive.
    func dump(patterns: [String]) async throws {
        let likes = patterns.map(LikePattern.init)
        func selected(_ name: String) -> Bool { likes.isEmpty || likes.contains { $0.matches(name) } }
        let schema = try cluster.schema()
        output.note("PRAGMA foreign_keys=OFF;")
        output.note("BEGIN TRANSACTION;")
        for entry in schema where entry.kind == .table && selected(entry.name) {
            output.note(entry.sql + ";")
            try await dumpRows(of: entry.name)
        }
        for entry in schema where entry.kind != .table && selected(entry.tableName) {
            output.note(entry.sql + ";")
        }
        output.note("COMMIT;")
    }

    /// One `INSERT` per row. Rowids are kept: an `INTEGER PRIMARY KEY` is a column like any
    /// other; a hidden rowid is written (`INSERT INTO t(rowid,…)`) only where replaying the plain
    /// `INSERT` would give another one — that is, where the rowids so far are not 1, 2, 3, ….
    private func dumpRows(of table: String) async throws {
        let contents = try await cluster.contents(ofTable: table)
        let name = DumpSQL.identifier(contents.table)
        let columns = contents.columns.map(DumpSQL.identifier).joined(separator: ",")
        // A generated column is left out, so the columns must be named.
        let plainTarget = contents.hasGeneratedColumns ? "\(name)(\(columns))" : name
        let rowIDTarget = "\(name)(rowid,\(columns))"
        // The rowid the engine would give the next plain INSERT (one more than the largest so far),
        // while that is still predictable.
        var nextRowID: Int64? = 1
        for try await batch in contents {
            for row in batch {
                var target = plainTarget
                var values = row.values
                if contents.rowIDAlias == nil, let rowID = row.rowID {
                    if rowID != nextRowID {
                        target = rowIDTarget
                        values.insert(.integer(rowID), at: 0)
                    }
                    nextRowID = rowID >= 1 && rowID < Int64.max ? rowID + 1 : nil
                }
                output.note("INSERT INTO \(target) VALUES(\(values.map(DumpSQL.literal).joined(separator: ",")));")
            }
            output.flush()
        }
    }
}

/// Values and names written as sqlite3 3.40's `.dump` writes them, so they read back exactly.
enum DumpSQL {
    /// A name bare when it is a plain word and no keyword, else in double quotes (shell.c's
    /// `quoteChar`).
    static func identifier(_ name: String) -> String {
        let bytes = Array(name.utf8)
        let isWord = bytes.first.map { isLetter($0) || $0 == UInt8(ascii: "_") } ?? false
            && bytes.allSatisfy { isLetter($0) || $0 == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        if isWord, Keyword.lookup(name) == nil { return name }
        var quoted = "\""
        for scalar in name.unicodeScalars {
            if scalar == "\"" { quoted.unicodeScalars.append(scalar) }
            quoted.unicodeScalars.append(scalar)
        }
        return quoted + "\""
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// The value as a SQL literal.
    static func literal(_ value: SQLValue) -> String {
        switch value {
        case .null: "NULL"
        case .integer(let integer): String(integer)
        case .real(let real): literal(real)
        case .text(let text): literal(text)
        case .blob(let bytes): "X'" + hex(bytes) + "'"
        }
    }

    /// shell.c: infinities as `1e999`/`-1e999`, integral values in the 64-bit range as
    /// `<integer>.0`, anything else with SQLite's `%!.20g` (enough digits to read back the same
    /// double). One difference: `-0.0` keeps its sign (sqlite3 writes `0.0`).
    static func literal(_ real: Double) -> String {
        if real.isNaN { return "NULL" }
        if real == .infinity { return "1e999" }
        if real == -.infinity { return "-1e999" }
        if real == 0, real.sign == .minus { return "-0.0" }
        if real >= -0x1p63, real < 0x1p63, real == real.rounded(.towardZero) { return String(Int64(real)) + ".0" }
        return SQLiteRealFormat.format(real, significantDigits: 20)
    }

    /// shell.c's `output_quoted_escaped_string`: `'…'` with `''` for a quote, and line feeds and
    /// carriage returns through `replace()` and `char()`, so a dump line holds one statement.
    /// Text sqlite3 could not write (a NUL inside, bytes that are not UTF-8) is spelled out with
    /// `char(0)` or as `CAST(X'…' AS TEXT)`.
    static func literal(_ text: SQLText) -> String {
        let bytes = text.bytes
        guard String(validating: bytes, as: UTF8.self) != nil else { return "CAST(X'\(hex(bytes))' AS TEXT)" }
        if bytes.contains(0) {
            return bytes.split(separator: 0, omittingEmptySubsequences: false)
                .map { literal(SQLText(bytes: Array($0))) }.joined(separator: "||char(0)||")
        }
        let quote = UInt8(ascii: "'")
        let newline = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        guard bytes.contains(where: { $0 == quote || $0 == newline || $0 == carriageReturn }) else {
            return "'" + text.string + "'"
        }
        let newlineMark = bytes.contains(newline) ? unusedMark(in: bytes, "\\n", "\\012") : nil
        let returnMark = bytes.contains(carriageReturn) ? unusedMark(in: bytes, "\\r", "\\015") : nil
        var output: [UInt8] = []
        if newlineMark != nil { output += Array("replace(".utf8) }
        if returnMark != nil { output += Array("replace(".utf8) }
        output.append(quote)
        for byte in bytes {
            switch byte {
            case quote: output += [quote, quote]
            case newline: output += Array(newlineMark!.utf8)
            case carriageReturn: output += Array(returnMark!.utf8)
            default: output.append(byte)
            }
        }
        output.append(quote)
        if let returnMark { output += Array(",'\(returnMark)',char(13))".utf8) }
        if let newlineMark { output += Array(",'\(newlineMark)',char(10))".utf8) }
        return String(decoding: output, as: UTF8.self)
    }

    /// shell.c's `unused_string`: the first of `first`, `second`, `(first0)`, `(first1)`, … that
    /// does not occur in the text.
    private static func unusedMark(in bytes: [UInt8], _ first: String, _ second: String) -> String {
        func occurs(_ mark: String) -> Bool {
            let needle = Array(mark.utf8)
            guard needle.count <= bytes.count else { return false }
            return (0...(bytes.count - needle.count)).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
        if !occurs(first) { return first }
        if !occurs(second) { return second }
        var counter = 0
        while occurs("(\(first)\(counter))") { counter += 1 }
        return "(\(first)\(counter))"
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
