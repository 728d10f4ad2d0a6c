import ShardQLBase

/// How a delimited text file is cut into fields: CSV (`,` and `"`), TSV (tab, no quoting), or
/// any single-byte delimiter and quote.
public struct DelimitedFormat: Sendable, Hashable {
    /// The byte between fields.
    public var delimiter: UInt8
    /// The byte that quotes a field (doubled inside one to stand for itself); nil: no quoting.
    public var quote: UInt8?

    public init(delimiter: UInt8, quote: UInt8?) {
        self.delimiter = delimiter
        self.quote = quote
    }

    /// RFC 4180: comma-separated, double-quoted.
    public static let csv = DelimitedFormat(delimiter: UInt8(ascii: ","), quote: UInt8(ascii: "\""))
    /// Tab-separated, no quoting (a field cannot hold a tab or a line break).
    public static let tsv = DelimitedFormat(delimiter: UInt8(ascii: "\t"), quote: nil)
}

/// One record of a delimited file, valid only inside the callback that receives it (its storage
/// is reused for the next record, so parsing allocates nothing per record in the steady state).
public struct DelimitedRecord: ~Copyable {
    /// The 1-based line the record starts on.
    public fileprivate(set) var line = 0
    /// Field values, unquoted, back to back.
    fileprivate var bytes: [UInt8] = []
    /// Each field's range in `bytes`.
    fileprivate var ranges: [Range<Int>] = []
    /// Whether each field was quoted (a quoted `NA` is text, not the `--null` marker).
    fileprivate var quoted: [Bool] = []
    /// Each field's 1-based column (in characters) and line where it starts.
    fileprivate var starts: [(line: Int, column: Int)] = []
    /// The record as it stood in the file (for error messages).
    fileprivate var raw: [UInt8] = []

    /// How many fields the record has.
    public var count: Int { ranges.count }

    /// Field `index`'s bytes (unquoted, not yet checked to be UTF-8).
    public func withBytes<T>(of index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try bytes.withUnsafeBufferPointer { buffer in
            try body(UnsafeBufferPointer(rebasing: buffer[ranges[index]]))
        }
    }

    /// Whether field `index` was written in quotes.
    public func isQuoted(_ index: Int) -> Bool { quoted[index] }

    /// Where field `index` starts: 1-based line and character column.
    public func position(of index: Int) -> (line: Int, column: Int) { starts[index] }

    /// Field `index` as text.
    ///
    /// - Throws: ``ShardQLError`` naming `file`, the line and column of the first byte that is not
    ///   UTF-8, and showing the record.
    public func text(_ index: Int, file: String) throws -> String {
        try withBytes(of: index) { buffer in
            if let text = String(validating: buffer, as: UTF8.self) { return text }
            let valid = Self.validPrefixLength(buffer)
            let characters = String(decoding: UnsafeBufferPointer(rebasing: buffer[..<valid]), as: UTF8.self).count
            let (line, column) = starts[index]
            throw DelimitedParser.error(
                file: file, line: line, column: column + characters + (quoted[index] ? 1 : 0),
                "invalid UTF-8 (byte 0x\(String(buffer[valid], radix: 16, uppercase: true)))", text: recordText)
        }
    }

    /// The record as written, with bytes that are not UTF-8 shown as U+FFFD.
    public var recordText: String { DelimitedParser.shown(raw) }

    /// The length of the longest prefix of `buffer` made of whole, valid UTF-8 characters.
    private static func validPrefixLength(_ buffer: UnsafeBufferPointer<UInt8>) -> Int {
        var iterator = buffer.makeIterator()
        var decoder = UTF8()
        var length = 0
        while case .scalarValue(let scalar) = decoder.decode(&iterator) {
            length += UTF8.width(scalar)
        }
        return length
    }
}

/// Cuts delimited text (CSV, TSV) into records as it arrives, chunk by chunk, so a file of any
/// size is parsed in constant memory: the state machine of RFC 4180 with sqlite3's leniency
/// where it does no harm.
///
/// - Records end at LF or CRLF; a quoted field may hold delimiters, quotes (doubled) and line
///   breaks. Blank lines between records are skipped.
/// - A quote inside an unquoted field is an ordinary character (as sqlite3's `.import` reads it).
/// - Errors name the file, line and column and show the record: a quoted field still open at the
///   end of the input, or something other than a delimiter or line break after a closing quote.
///
/// ```swift
/// var parser = DelimitedParser(format: .csv, file: "flights.csv")
/// try parser.feed(chunk) { record in print(record.count) }
/// try parser.finish { record in print(record.count) }
/// ```
public struct DelimitedParser: ~Copyable {
    public let format: DelimitedFormat
    /// How errors name the input.
    public let file: String

    private enum State {
        /// At the start of a field.
        case fieldStart
        /// Inside an unquoted field.
        case unquoted
        /// Inside a quoted field.
        case quoted
        /// Just after a quote inside a quoted field: the field's end, or the first of two quotes.
        case quoteInQuoted
        /// After a CR outside quotes: a line break if LF follows, else data.
        case carriageReturn
        /// After a CR that follows a closing quote: only LF may come.
        case carriageReturnAfterQuote
    }

    private var state = State.fieldStart
    private var record = DelimitedRecord()
    private var fieldStart = 0
    /// Whether the record has begun (a blank line never begins one).
    private var inRecord = false
    /// Where the input is now: 1-based line, and the character column of the next byte.
    private var line = 1
    private var column = 1
    /// Where the open quoted field began (for "unterminated" errors).
    private var quoteLine = 0
    private var quoteColumn = 0

    public init(format: DelimitedFormat, file: String) {
        self.format = format
        self.file = file
    }

    /// Parses `chunk`, calling `body` with each record it completes.
    public mutating func feed(
        _ chunk: UnsafeRawBufferPointer, _ body: (borrowing DelimitedRecord) throws -> Void
    ) throws {
        let delimiter = format.delimiter
        let quote = format.quote.map(Int.init) ?? -1
        for byte in chunk {
            let position = (line, column)
            // The column counts characters: a UTF-8 continuation byte adds nothing.
            if byte & 0xC0 != 0x80 { column += 1 }
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            }
            if inRecord || byte != UInt8(ascii: "\n") { record.raw.append(byte) }
            switch state {
            case .fieldStart:
                if Int(byte) == quote {
                    beginRecordIfNeeded(at: position)
                    beginField(at: position, quoted: true)
                    (quoteLine, quoteColumn) = position
                    state = .quoted
                } else if byte == delimiter {
                    beginRecordIfNeeded(at: position)
                    beginField(at: position, quoted: false)
                    endField()
                } else if byte == UInt8(ascii: "\n") {
                    if inRecord {
                        beginField(at: position, quoted: false)
                        endField()
                        try endRecord(body)
                    }
                } else if byte == UInt8(ascii: "\r") {
                    beginRecordIfNeeded(at: position)
                    beginField(at: position, quoted: false)
                    state = .carriageReturn
                } else {
                    beginRecordIfNeeded(at: position)
                    beginField(at: position, quoted: false)
                    record.bytes.append(byte)
                    state = .unquoted
                }
            case .unquoted:
                if byte == delimiter {
                    endField()
                    state = .fieldStart
                } else if byte == UInt8(ascii: "\n") {
                    endField()
                    try endRecord(body)
                    state = .fieldStart
                } else if byte == UInt8(ascii: "\r") {
                    state = .carriageReturn
                } else {
                    record.bytes.append(byte)
                }
            case .carriageReturn:
                if byte == UInt8(ascii: "\n") {
                    endField()
                    try endRecord(body)
                    state = .fieldStart
                } else {
                    // A lone CR is data.
                    record.bytes.append(UInt8(ascii: "\r"))
                    if byte == delimiter {
                        endField()
                        state = .fieldStart
                    } else if byte == UInt8(ascii: "\r") {
                        state = .carriageReturn
                    } else {
                        record.bytes.append(byte)
                        state = .unquoted
                    }
                }
            case .quoted:
                if Int(byte) == quote {
                    state = .quoteInQuoted
                } else {
                    record.bytes.append(byte)
                }
            case .quoteInQuoted:
                if Int(byte) == quote {
                    record.bytes.append(byte)
                    state = .quoted
                } else if byte == delimiter {
                    endField()
                    state = .fieldStart
                } else if byte == UInt8(ascii: "\n") {
                    endField()
                    try endRecord(body)
                    state = .fieldStart
                } else if byte == UInt8(ascii: "\r") {
                    endField()
                    state = .carriageReturnAfterQuote
                } else {
                    throw afterQuoteError(at: position)
                }
            case .carriageReturnAfterQuote:
                guard byte == UInt8(ascii: "\n") else { throw afterQuoteError(at: position) }
                try endRecord(body)
                state = .fieldStart
            }
        }
    }

    /// Ends the input: completes the last record (one without a final line break).
    ///
    /// - Throws: ``ShardQLError`` when a quoted field is still open, naming where it began.
    public mutating func finish(_ body: (borrowing DelimitedRecord) throws -> Void) throws {
        switch state {
        case .quoted:
            throw Self.error(
                file: file, line: quoteLine, column: quoteColumn,
                "unterminated quoted field: its closing quote is missing", text: Self.shown(record.raw))
        case .fieldStart:
            if inRecord {
                beginField(at: (line, column), quoted: false)
                endField()
                try endRecord(body)
            }
        case .carriageReturn:
            record.bytes.append(UInt8(ascii: "\r"))
            endField()
            try endRecord(body)
        case .unquoted, .quoteInQuoted, .carriageReturnAfterQuote:
            endField()
            try endRecord(body)
        }
        state = .fieldStart
    }

    private mutating func beginRecordIfNeeded(at position: (Int, Int)) {
        guard !inRecord else { return }
        inRecord = true
        record.line = position.0
    }

    private mutating func beginField(at position: (Int, Int), quoted: Bool) {
        fieldStart = record.bytes.count
        record.quoted.append(quoted)
        record.starts.append(position)
    }

    private mutating func endField() {
        if record.ranges.count < record.quoted.count {
            record.ranges.append(fieldStart..<record.bytes.count)
        }
    }

    private func afterQuoteError(at position: (Int, Int)) -> ShardQLError {
        let delimiter = format.delimiter == UInt8(ascii: "\t") ? "\\t" : Self.shown([format.delimiter])
        return Self.error(
            file: file, line: position.0, column: position.1,
            "expected '\(delimiter)' or the end of the line after the closing quote", text: Self.shown(record.raw))
    }

    private mutating func endRecord(_ body: (borrowing DelimitedRecord) throws -> Void) throws {
        try body(record)
        record.bytes.removeAll(keepingCapacity: true)
        record.ranges.removeAll(keepingCapacity: true)
        record.quoted.removeAll(keepingCapacity: true)
        record.starts.removeAll(keepingCapacity: true)
        record.raw.removeAll(keepingCapacity: true)
        inRecord = false
    }

    /// An import error: `FILE:LINE:COLUMN: message`, then the record's text.
    static func error(file: String, line: Int, column: Int, _ message: String, text: String) -> ShardQLError {
        ShardQLError(.invalidArgument, "\(file):\(line):\(column): \(message)\n  \(text)")
    }

    /// Bytes for a message: invalid UTF-8 as U+FFFD, line breaks and tabs escaped, cut at 200 characters.
    static func shown(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        let escaped = text.replacingOccurrencesOfControls()
        return escaped.count > 200 ? String(escaped.prefix(200)) + "…" : escaped
    }
}

extension String {
    fileprivate func replacingOccurrencesOfControls() -> String {
        var result = ""
        for character in self {
            switch character {
            case "\n": result += "\\n"
            case "\r\n": result += "\\r\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result.append(character)
            }
        }
        return result
    }
}
