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
    /// Where each field starts: its 1-based line, its offset in `raw`, and the offset in `raw`
    /// where that line starts (the character column is counted only when asked for).
    fileprivate var starts: [(line: Int, offset: Int, lineStart: Int)] = []
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
    public func position(of index: Int) -> (line: Int, column: Int) {
        let start = starts[index]
        return (start.line, DelimitedParser.column(in: raw, lineStart: start.lineStart, offset: start.offset))
    }

    /// Field `index` as text.
    ///
    /// - Throws: ``ShardQLError`` naming `file`, the line and column of the first byte that is not
    ///   UTF-8, and showing the record.
    public func text(_ index: Int, file: String) throws -> String {
        try withBytes(of: index) { buffer in
            if let text = String(validating: buffer, as: UTF8.self) { return text }
            let valid = Self.validPrefixLength(buffer)
            let characters = String(decoding: UnsafeBufferPointer(rebasing: buffer[..<valid]), as: UTF8.self).count
            let (line, column) = position(of: index)
            throw DelimitedParser.error(
                file: file, line: line, column: column + characters + (quoted[index] ? 1 : 0),
                "invalid UTF-8 (byte 0x\(String(buffer[valid], radix: 16, uppercase: true)))", text: recordText)
        }
    }

    /// Every field at once: the unquoted values back to back, each field's range in them, and
    /// whether it was quoted — for a caller that copies a whole record in one go.
    public func withFields<T>(
        _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Range<Int>>, UnsafeBufferPointer<Bool>) throws -> T
    ) rethrows -> T {
        try bytes.withUnsafeBufferPointer { bytes in
            try ranges.withUnsafeBufferPointer { ranges in
                try quoted.withUnsafeBufferPointer { quoted in try body(bytes, ranges, quoted) }
            }
        }
    }

    /// The record's bytes as they stood in the file.
    public func withRawBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try raw.withUnsafeBufferPointer(body)
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
/// Runs of ordinary bytes are found by a tight scan and copied in bulk; line and column are
/// worked out only for an error.
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
    /// The 1-based line of the next byte.
    private var line = 1
    /// Where the current line starts in `record.raw` (the record's own bytes).
    private var lineStart = 0
    /// Where the open quoted field began (for "unterminated" errors): line, offset in `raw`, line start.
    private var openQuote = (line: 0, offset: 0, lineStart: 0)

    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    public init(format: DelimitedFormat, file: String) {
        self.format = format
        self.file = file
    }

    /// Parses `chunk`, calling `body` with each record it completes.
    public mutating func feed(
        _ chunk: UnsafeRawBufferPointer, _ body: (borrowing DelimitedRecord) throws -> Void
    ) throws {
        let bytes = chunk.assumingMemoryBound(to: UInt8.self)
        let count = bytes.count
        let delimiter = format.delimiter
        let quote = format.quote.map(Int.init) ?? -1
        // `bytes[pending..<index]` belong to the current record but are not yet in `record.raw`.
        var pending = 0
        var index = 0
        /// The offset in `record.raw` that `bytes[position]` has (or will have).
        func rawOffset(_ position: Int) -> Int { record.raw.count + position - pending }
        func flushRaw(through end: Int) {
            if inRecord, end > pending {
                record.raw.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[pending..<end]))
            }
            pending = end
        }
        while index < count {
            let byte = bytes[index]
            switch state {
            case .fieldStart:
                if byte == Self.lineFeed, !inRecord {
                    // A blank line: nothing begins.
                    line += 1
                    index += 1
                    pending = index
                    continue
                }
                if !inRecord {
                    inRecord = true
                    record.line = line
                    lineStart = 0
                    pending = index
                }
                fieldStart = record.bytes.count
                record.starts.append((line, rawOffset(index), lineStart))
                if Int(byte) == quote {
                    record.quoted.append(true)
                    openQuote = (line, rawOffset(index), lineStart)
                    state = .quoted
                    index += 1
                } else {
                    record.quoted.append(false)
                    state = .unquoted
                }
            case .unquoted:
                // The run of ordinary bytes, copied at once.
                var end = index
                while end < count {
                    let next = bytes[end]
                    if next == delimiter || next == Self.lineFeed || next == Self.carriageReturn { break }
                    end += 1
                }
                if end > index { record.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end])) }
                index = end
                guard index < count else { break }
                let special = bytes[index]
                index += 1
                if special == delimiter {
                    endField()
                    state = .fieldStart
                } else if special == Self.lineFeed {
                    endField()
                    flushRaw(through: index)
                    try endRecord(body)
                    state = .fieldStart
                } else {
                    state = .carriageReturn
                }
            case .carriageReturn:
                if byte == Self.lineFeed {
                    index += 1
                    endField()
                    flushRaw(through: index)
                    try endRecord(body)
                    state = .fieldStart
                } else {
                    // A lone CR is data; the byte after it is read as in an unquoted field.
                    record.bytes.append(Self.carriageReturn)
                    if byte == Self.carriageReturn {
                        index += 1
                    } else {
                        state = .unquoted
                    }
                }
            case .quoted:
                var end = index
                while end < count {
                    let next = bytes[end]
                    if Int(next) == quote { break }
                    if next == Self.lineFeed {
                        line += 1
                        lineStart = rawOffset(end + 1)
                    }
                    end += 1
                }
                if end > index { record.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end])) }
                index = end
                guard index < count else { break }
                index += 1
                state = .quoteInQuoted
            case .quoteInQuoted:
                index += 1
                if Int(byte) == quote {
                    record.bytes.append(byte)
                    state = .quoted
                } else if byte == delimiter {
                    endField()
                    state = .fieldStart
                } else if byte == Self.lineFeed {
                    endField()
                    flushRaw(through: index)
                    try endRecord(body)
                    state = .fieldStart
                } else if byte == Self.carriageReturn {
                    endField()
                    state = .carriageReturnAfterQuote
                } else {
                    flushRaw(through: index)
                    throw afterQuoteError(at: rawOffset(index - 1))
                }
            case .carriageReturnAfterQuote:
                index += 1
                guard byte == Self.lineFeed else {
                    flushRaw(through: index)
                    throw afterQuoteError(at: rawOffset(index - 1))
                }
                flushRaw(through: index)
                try endRecord(body)
                state = .fieldStart
            }
        }
        flushRaw(through: count)
    }

    /// Ends the input: completes the last record (one without a final line break).
    ///
    /// - Throws: ``ShardQLError`` when a quoted field is still open, naming where it began.
    public mutating func finish(_ body: (borrowing DelimitedRecord) throws -> Void) throws {
        defer { state = .fieldStart }
        switch state {
        case .quoted:
            throw Self.error(
                file: file, line: openQuote.line,
                column: Self.column(in: record.raw, lineStart: openQuote.lineStart, offset: openQuote.offset),
                "unterminated quoted field: its closing quote is missing", text: Self.shown(record.raw))
        case .fieldStart:
            guard inRecord else { return }
            // The record ended with a delimiter: its last field is empty.
            fieldStart = record.bytes.count
            record.quoted.append(false)
            record.starts.append((line, record.raw.count, lineStart))
            endField()
        case .carriageReturn:
            record.bytes.append(Self.carriageReturn)
            endField()
        case .unquoted, .quoteInQuoted, .carriageReturnAfterQuote:
            endField()
        }
        try endRecord(body)
    }

    private mutating func endField() {
        record.ranges.append(fieldStart..<record.bytes.count)
    }

    private func afterQuoteError(at offset: Int) -> ShardQLError {
        let delimiter = format.delimiter == UInt8(ascii: "\t") ? "\\t" : Self.shown([format.delimiter])
        return Self.error(
            file: file, line: line, column: Self.column(in: record.raw, lineStart: lineStart, offset: offset),
            "expected '\(delimiter)' or the end of the line after the closing quote", text: Self.shown(record.raw))
    }

    private mutating func endRecord(_ body: (borrowing DelimitedRecord) throws -> Void) throws {
        line += 1
        try body(record)
        record.bytes.removeAll(keepingCapacity: true)
        record.ranges.removeAll(keepingCapacity: true)
        record.quoted.removeAll(keepingCapacity: true)
        record.starts.removeAll(keepingCapacity: true)
        record.raw.removeAll(keepingCapacity: true)
        inRecord = false
    }

    /// The 1-based character column of `raw[offset]` on the line starting at `lineStart`.
    static func column(in raw: [UInt8], lineStart: Int, offset: Int) -> Int {
        var column = 1
        for byte in raw[lineStart..<min(offset, raw.count)] where byte & 0xC0 != 0x80 { column += 1 }
        return column
    }

    /// An import error: `FILE:LINE:COLUMN: message`, then the record's text.
    static func error(file: String, line: Int, column: Int, _ message: String, text: String) -> ShardQLError {
        ShardQLError(.invalidArgument, "\(file):\(line):\(column): \(message)\n  \(text)")
    }

    /// Bytes for a message: invalid UTF-8 as U+FFFD, line breaks and tabs escaped, cut at 200 characters.
    static func shown(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        while text.last == "\n" || text.last == "\r" || text.last == "\r\n" { text.removeLast() }
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
