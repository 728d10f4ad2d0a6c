import ShardQLBase

/// Rows for a bulk load into one shard, in the order of an INSERT's parameters.
///
/// Every value lives in one flat byte buffer with its storage class and end offset beside it, so
/// building a batch of thousands of rows costs no allocation per value, and the worker binds
/// TEXT and BLOB values to SQLite straight out of the buffer (``SQLiteStatement/bindText(borrowing:at:)``).
/// INTEGER and REAL values are stored as their 8 bytes.
///
/// ```swift
/// var batch = IngestBatch(columnCount: 2)
/// batch.append(.integer(1))
/// batch.appendText("one")
/// batch.rowCount  // 1
/// ```
public struct IngestBatch: Sendable, Hashable {
    public enum Kind: UInt8, Sendable {
        case null = 0, integer, real, text, blob
    }

    public let columnCount: Int
    /// The storage class of each value, row after row.
    public private(set) var kinds: [Kind] = []
    /// Where each value's bytes end in ``bytes``.
    public private(set) var ends: [UInt32] = []
    public private(set) var bytes: [UInt8] = []

    public init(columnCount: Int) {
        precondition(columnCount > 0, "a batch row has at least one value")
        self.columnCount = columnCount
    }

    /// An empty batch with room for `rows` rows and `bytes` bytes of values.
    public init(columnCount: Int, reservingRows rows: Int, bytes byteCount: Int) {
        self.init(columnCount: columnCount)
        kinds.reserveCapacity(rows * columnCount)
        ends.reserveCapacity(rows * columnCount)
        bytes.reserveCapacity(byteCount)
    }

    /// A batch from its parts, as the wire carries them.
    ///
    /// - Throws: ``ShardQLError/Code/invalidArgument`` when the parts do not describe whole rows
    ///   inside the buffer.
    public init(columnCount: Int, kinds: [UInt8], ends: [UInt32], bytes: [UInt8]) throws {
        guard columnCount > 0, kinds.count == ends.count, kinds.count % columnCount == 0 else {
            throw ShardQLError(.invalidArgument, "an ingest batch has \(kinds.count) values for rows of \(columnCount)")
        }
        var start: UInt32 = 0
        var decoded: [Kind] = []
        decoded.reserveCapacity(kinds.count)
        for (kind, end) in zip(kinds, ends) {
            // A NULL may span bytes (copied with its row, never read).
            guard let known = Kind(rawValue: kind), end >= start, end <= bytes.count,
                (known != .integer && known != .real) || end - start == 8
            else { throw ShardQLError(.invalidArgument, "an ingest batch holds a malformed value") }
            decoded.append(known)
            start = end
        }
        self.columnCount = columnCount
        self.kinds = decoded
        self.ends = ends
        self.bytes = bytes
    }

    public var rowCount: Int { kinds.count / columnCount }
    public var isEmpty: Bool { kinds.isEmpty }
    /// Bytes of values held (what a batch is sized by).
    public var byteCount: Int { bytes.count + kinds.count * 5 }

    public mutating func appendNull() {
        kinds.append(.null)
        ends.append(UInt32(bytes.count))
    }

    public mutating func appendText(_ text: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: text)
        kinds.append(.text)
        ends.append(UInt32(bytes.count))
    }

    public mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { appendText(UnsafeRawBufferPointer($0)) }
    }

    public mutating func append(_ value: SQLValue) {
        switch value {
        case .null: appendNull()
        case .integer(let integer):
            withUnsafeBytes(of: integer.littleEndian) { bytes.append(contentsOf: $0) }
            kinds.append(.integer)
            ends.append(UInt32(bytes.count))
        case .real(let real):
            withUnsafeBytes(of: real.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            kinds.append(.real)
            ends.append(UInt32(bytes.count))
        case .text(let text):
            text.bytes.withUnsafeBytes { appendText($0) }
        case .blob(let blob):
            bytes.append(contentsOf: blob)
            kinds.append(.blob)
            ends.append(UInt32(bytes.count))
        }
    }

    /// Appends TEXT values cut from one buffer in a single copy: value `i` is
    /// `bytes[ranges[i]]`, where the ranges follow each other without gaps from
    /// `ranges.first.lowerBound`; a value whose `nulls[i]` is set is NULL instead (its bytes are
    /// copied but never read).
    public mutating func appendTexts(
        _ bytes: UnsafeBufferPointer<UInt8>, ranges: UnsafeBufferPointer<Range<Int>>, nulls: UnsafeBufferPointer<Bool>
    ) {
        guard let first = ranges.first else { return }
        let base = self.bytes.count - first.lowerBound
        self.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[first.lowerBound..<ranges[ranges.count - 1].upperBound]))
        // The row's kinds and ends built on the stack, then appended once each.
        withUnsafeTemporaryAllocation(of: Kind.self, capacity: ranges.count) { rowKinds in
            for index in 0..<ranges.count { rowKinds[index] = nulls[index] ? .null : .text }
            kinds.append(contentsOf: rowKinds)
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: ranges.count) { rowEnds in
            for index in 0..<ranges.count { rowEnds[index] = UInt32(base + ranges[index].upperBound) }
            ends.append(contentsOf: rowEnds)
        }
    }

    /// Removes the values appended since the batch had `valueCount` values (a row given up half way).
    public mutating func truncate(toValueCount valueCount: Int) {
        guard valueCount < kinds.count else { return }
        let end = valueCount == 0 ? 0 : Int(ends[valueCount - 1])
        kinds.removeSubrange(valueCount...)
        ends.removeSubrange(valueCount...)
        bytes.removeSubrange(end...)
    }

    public var valueCount: Int { kinds.count }
}

/// What a bulk load into one shard did with a batch.
public struct IngestOutcome: Sendable, Hashable {
    /// Rows inserted.
    public var inserted: Int
    /// Rows SQLite refused (a constraint, a STRICT column's type), by their place in the batch,
    /// with SQLite's message; the other rows are kept.
    public var rejected: [Rejection]
    /// The batch was cut short after `rejectionLimit` rejections: the rows after the last
    /// rejection were not tried.
    public var stoppedEarly: Bool

    public struct Rejection: Sendable, Hashable {
        public var row: Int
        public var message: String

        public init(row: Int, message: String) {
            self.row = row
            self.message = message
        }
    }

    public init(inserted: Int, rejected: [Rejection], stoppedEarly: Bool) {
        self.inserted = inserted
        self.rejected = rejected
        self.stoppedEarly = stoppedEarly
    }
}
