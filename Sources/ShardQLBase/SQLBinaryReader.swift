/// Reads what ``SQLBinaryWriter`` wrote (the format is described there).
///
/// The bytes may come from a damaged file or another node, so every read is bounds-checked and a
/// malformed input throws ``ShardQLError`` (code ``ShardQLError/Code/invalidArgument``) naming
/// the byte offset; nothing is allocated for a length or a count larger than the bytes left.
///
/// ```swift
/// let values = try SQLBinaryReader.decodeValues(bytes)
/// ```
public struct SQLBinaryReader: Sendable {
    private let bytes: [UInt8]
    /// The offset of the next byte to read.
    public private(set) var offset: Int

    /// A reader starting at the first of `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// Decodes a list written by ``SQLBinaryWriter/encode(_:)``, which must fill `bytes` exactly.
    public static func decodeValues(_ bytes: [UInt8]) throws -> [SQLValue] {
        var reader = SQLBinaryReader(bytes)
        let values = try reader.readValues()
        try reader.expectEnd()
        return values
    }

    /// How many bytes are left.
    public var remainingCount: Int { bytes.count - offset }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset == bytes.count }

    /// Throws unless every byte has been read: trailing bytes mean the input is not what the
    /// caller thinks it is.
    public func expectEnd() throws {
        guard isAtEnd else { throw malformed("\(remainingCount) unexpected bytes after the end") }
    }

    /// Reads one byte.
    public mutating func readByte() throws -> UInt8 {
        guard offset < bytes.count else { throw malformed("the data ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a varint (at most 10 bytes, in its shortest form).
    public mutating func readVarint() throws -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        for index in 0..<10 {
            let byte = try readByte()
            // The tenth byte holds only bit 63.
            if index == 9, byte > 1 { throw malformed("a varint overflows 64 bits", at: start) }
            result |= UInt64(byte & 0x7F) << UInt64(7 * index)
            if byte & 0x80 == 0 {
                // A zero last byte adds nothing: only a longer-than-needed encoding ends so.
                if byte == 0, index > 0 { throw malformed("a varint is not in its shortest form", at: start) }
                return result
            }
        }
        throw malformed("a varint is longer than 10 bytes", at: start)
    }

    /// Reads a count of items that each take at least `minimumItemSize` bytes, and checks that
    /// the bytes left can hold them, so a caller may reserve room for that many.
    public mutating func readCount(minimumItemSize: Int = 1) throws -> Int {
        let start = offset
        let count = try readVarint()
        guard count <= UInt64(remainingCount / max(1, minimumItemSize)) else {
            throw malformed("a count of \(count) exceeds the \(remainingCount) bytes left", at: start)
        }
        return Int(count)
    }

    /// Reads a length-prefixed byte string.
    public mutating func readBytes() throws -> [UInt8] {
        let start = offset
        let length = try readVarint()
        guard length <= UInt64(remainingCount) else {
            throw malformed("a length of \(length) exceeds the \(remainingCount) bytes left", at: start)
        }
        let end = offset + Int(length)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// Reads a length-prefixed UTF-8 string; invalid UTF-8 is malformed, never repaired.
    public mutating func readString() throws -> String {
        let start = offset
        let utf8 = try readBytes()
        guard let string = String(validating: utf8, as: UTF8.self) else {
            throw malformed("a string is not valid UTF-8", at: start)
        }
        return string
    }

    /// Reads one value.
    public mutating func readValue() throws -> SQLValue {
        let start = offset
        let tag = try readByte()
        switch SQLBinaryWriter.Tag(rawValue: tag) {
        case .null:
            return .null
        case .integer:
            let zigzag = try readVarint()
            return .integer(Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1))
        case .real:
            guard remainingCount >= 8 else { throw malformed("a REAL needs 8 bytes", at: start) }
            var bits: UInt64 = 0
            for index in 0..<8 {
                bits |= UInt64(bytes[offset + index]) << UInt64(8 * index)
            }
            offset += 8
            let real = Double(bitPattern: bits)
            // SQLite has no NaN (it stores NULL instead), and the writer never writes one.
            guard !real.isNaN else { throw malformed("a REAL is NaN", at: start) }
            return .real(real)
        case .text:
            return .text(SQLText(bytes: try readBytes()))
        case .blob:
            return .blob(try readBytes())
        case nil:
            throw malformed("unknown value tag \(tag)", at: start)
        }
    }

    /// Reads a count, then that many values.
    public mutating func readValues() throws -> [SQLValue] {
        let count = try readCount()
        var values: [SQLValue] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try readValue())
        }
        return values
    }

    private func malformed(_ message: String, at position: Int? = nil) -> ShardQLError {
        ShardQLError(.invalidArgument, "malformed binary data at byte \(position ?? offset): \(message)")
    }
}
