/// Writes ``SQLValue``s, counts and strings in ShardQL's compact binary form; ``SQLBinaryReader``
/// reads it back.
///
/// It is the form of stored redo logs and of row batches sent between nodes, so it is exact:
/// every value decodes to the same storage class and bits (`-0.0`, `Int64.min`, TEXT with NUL
/// bytes or invalid UTF-8, an empty TEXT versus an empty BLOB).
///
/// The format, little-endian throughout:
/// - a *varint* is an unsigned LEB128 number: 7 bits per byte, low bits first, the high bit set on
///   every byte but the last; at most 10 bytes, in its shortest form;
/// - a value is a tag byte and its payload:
///   `0x00` NULL; `0x01` INTEGER as the varint of its zigzag form (small magnitudes take one
///   byte); `0x02` REAL as the 8 bytes of its IEEE 754 bit pattern; `0x03` TEXT and `0x04` BLOB
///   as a varint byte count and the bytes;
/// - a string is UTF-8 with a varint byte count first; a list of values has its count first.
///
/// ```swift
/// var writer = SQLBinaryWriter()
/// writer.write([.integer(42), .text("hi"), .null])
/// var reader = SQLBinaryReader(writer.bytes)
/// let values = try reader.readValues()  // [.integer(42), .text("hi"), .null]
/// try reader.expectEnd()
/// ```
///
/// A REAL NaN is written as NULL, as SQLite stores it; the reader rejects NaN bits.
public struct SQLBinaryWriter: Sendable {
    /// The value tags.
    enum Tag: UInt8 {
        case null = 0, integer = 1, real = 2, text = 3, blob = 4
    }

    /// What has been written.
    public private(set) var bytes: [UInt8]

    /// An empty writer with room for `capacity` bytes before it grows.
    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The encoding of `values`, count first (what ``SQLBinaryReader/decodeValues(_:)`` reads).
    public static func encode(_ values: [SQLValue]) -> [UInt8] {
        var writer = SQLBinaryWriter(capacity: values.count * 4 + 1)
        writer.write(values)
        return writer.bytes
    }

    /// Appends one byte as is.
    public mutating func write(byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends `value` as a varint.
    public mutating func write(varint value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Appends a count or an index (a non-negative `Int`) as a varint.
    public mutating func write(count: Int) {
        precondition(count >= 0, "a count cannot be negative")
        write(varint: UInt64(count))
    }

    /// Appends `string` as UTF-8 with its byte count first.
    public mutating func write(string: String) {
        var string = string
        string.withUTF8 { write(lengthPrefixed: $0) }
    }

    /// Appends one value: its tag, then its payload.
    public mutating func write(_ value: SQLValue) {
        switch value {
        case .null:
            bytes.append(Tag.null.rawValue)
        case .integer(let integer):
            bytes.append(Tag.integer.rawValue)
            // Zigzag: 0, -1, 1, -2, … become 0, 1, 2, 3, …, so small negatives stay short.
            write(varint: UInt64(bitPattern: (integer << 1) ^ (integer >> 63)))
        case .real(let real) where real.isNaN:
            bytes.append(Tag.null.rawValue)
        case .real(let real):
            bytes.append(Tag.real.rawValue)
            let bits = real.bitPattern
            for shift in stride(from: 0, to: 64, by: 8) {
                bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
            }
        case .text(let text):
            bytes.append(Tag.text.rawValue)
            text.bytes.withUnsafeBufferPointer { write(lengthPrefixed: $0) }
        case .blob(let blob):
            bytes.append(Tag.blob.rawValue)
            blob.withUnsafeBufferPointer { write(lengthPrefixed: $0) }
        }
    }

    /// Appends the count of `values`, then each value.
    public mutating func write(_ values: [SQLValue]) {
        write(count: values.count)
        for value in values {
            write(value)
        }
    }

    private mutating func write(lengthPrefixed buffer: UnsafeBufferPointer<UInt8>) {
        write(count: buffer.count)
        bytes.append(contentsOf: buffer)
    }
}
