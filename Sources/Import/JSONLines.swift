import Foundation
import ShardQLBase

/// Cuts input into lines as it arrives (LF or CRLF), skipping blank ones; each line is handed
/// over with its 1-based number.
struct LineSplitter {
    private var pending: [UInt8] = []
    private var number = 0

    mutating func feed(
        _ chunk: UnsafeRawBufferPointer, final: Bool, _ body: ([UInt8], Int) throws -> Void
    ) throws {
        var start = 0
        let bytes = chunk.bindMemory(to: UInt8.self)
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            start = index + 1
            try emit(body)
        }
        pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        if final, !pending.isEmpty { try emit(body) }
    }

    private mutating func emit(_ body: ([UInt8], Int) throws -> Void) throws {
        number += 1
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        defer { pending.removeAll(keepingCapacity: true) }
        guard pending.contains(where: { $0 > 0x20 }) else { return }
        try body(pending, number)
    }
}

/// One JSON Lines record: an object whose members become columns. Strings are TEXT, integers
/// INTEGER, other numbers REAL, `true`/`false` 1/0, `null` NULL, and a nested object or array
/// its JSON text.
enum JSONLine {
    enum Value: Equatable {
        case null, integer(Int64), real(Double), text(String), json(String)

        var sqlValue: SQLValue {
            switch self {
            case .null: .null
            case .integer(let value): .integer(value)
            case .real(let value): .real(value)
            case .text(let text), .json(let text): .text(SQLText(text))
            }
        }
    }

    /// The members of the object on `line`, in order.
    ///
    /// - Throws: ``ShardQLError`` (``ShardQLError/Code/invalidArgument``) naming file, line and
    ///   column of what is not JSON.
    static func parse(_ line: [UInt8], file: String, line number: Int) throws -> [(String, Value)] {
        var parser = Parser(bytes: line, file: file, line: number)
        parser.skipSpace()
        guard parser.peek == UInt8(ascii: "{") else { throw parser.error("expected a JSON object") }
        let members = try parser.object()
        parser.skipSpace()
        guard parser.index == line.count else { throw parser.error("unexpected text after the object") }
        return members
    }

    private struct Parser {
        let bytes: [UInt8]
        let file: String
        let line: Int
        var index = 0

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A { index += 1 }
        }

        func error(_ message: String) -> ShardQLError {
            let column = String(decoding: bytes[..<min(index, bytes.count)], as: UTF8.self).count + 1
            return ShardQLError(
                .invalidArgument, "\(file):\(line):\(column): \(message)\n  \(DelimitedParser.shown(bytes))")
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws {
            skipSpace()
            guard peek == byte else { throw error("expected \(what)") }
            index += 1
        }

        mutating func object() throws -> [(String, Value)] {
            try expect(UInt8(ascii: "{"), "'{'")
            var members: [(String, Value)] = []
            skipSpace()
            if peek == UInt8(ascii: "}") {
                index += 1
                return members
            }
            while true {
                skipSpace()
                guard peek == UInt8(ascii: "\"") else { throw error("expected a member name in double quotes") }
                let key = try string()
                try expect(UInt8(ascii: ":"), "':' after the member name")
                skipSpace()
                members.append((key, try value()))
                skipSpace()
                if peek == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "}"), "',' or '}'")
                return members
            }
        }

        mutating func value() throws -> Value {
            guard let byte = peek else { throw error("expected a value") }
            switch byte {
            case UInt8(ascii: "\""): return .text(try string())
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let start = index
                try skipNested()
                return .json(String(decoding: bytes[start..<index], as: UTF8.self))
            case UInt8(ascii: "t"): try word("true"); return .integer(1)
            case UInt8(ascii: "f"): try word("false"); return .integer(0)
            case UInt8(ascii: "n"): try word("null"); return .null
            default: return try numberValue()
            }
        }

        mutating func word(_ text: String) throws {
            let expected = Array(text.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
                throw error("expected a value")
            }
            index += expected.count
        }

        mutating func numberValue() throws -> Value {
            let start = index
            var isInteger = true
            while let byte = peek, (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
                || byte == UInt8(ascii: "E")
            {
                if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") { isInteger = false }
                index += 1
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if isInteger, let integer = Int64(text) { return .integer(integer) }
            guard !text.isEmpty, let real = Double(text) else {
                index = start
                throw error("expected a value")
            }
            return .real(real)
        }

        /// Past a nested object or array (strings inside may hold brackets).
        mutating func skipNested() throws {
            var depth = 0
            repeat {
                guard let byte = peek else { throw error("unterminated object or array") }
                switch byte {
                case UInt8(ascii: "\""): _ = try string(); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                default: break
                }
                index += 1
            } while depth > 0
        }

        mutating func string() throws -> String {
            let open = index
            index += 1
            var result: [UInt8] = []
            while true {
                guard let byte = peek else {
                    index = open
                    throw error("unterminated string")
                }
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: result, as: UTF8.self) else {
                        index = open
                        throw error("invalid UTF-8 in a string")
                    }
                    return text
                case UInt8(ascii: "\\"):
                    guard let escaped = peek else { continue }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "n"): result.append(0x0A)
                    case UInt8(ascii: "t"): result.append(0x09)
                    case UInt8(ascii: "r"): result.append(0x0D)
                    case UInt8(ascii: "b"): result.append(0x08)
                    case UInt8(ascii: "f"): result.append(0x0C)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar), peek == UInt8(ascii: "\\") {
                            index += 2
                            let low = try hex4()
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                        result.append(contentsOf: Array(String(Character(unicode)).utf8))
                    default: result.append(escaped)
                    }
                default: result.append(byte)
                }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count,
                let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else { throw error("invalid \\u escape") }
            index += 4
            return value
        }
    }
}
