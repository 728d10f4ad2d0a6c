import ShardQLBase

/// Values as the `sqlite3` shell's `json` mode writes them (shell.c's `MODE_Json` and
/// `output_json_string`), byte for byte:
///
/// - NULL is `null`, an INTEGER its decimal digits;
/// - a REAL is printed with SQLite's `%!.20g` (`0.1` is `0.10000000000000000555`, `100.0` stays
///   `100.0`), and ±infinity as `1e999` / `-1e999`;
/// - TEXT is a string up to its first NUL, a BLOB a string of all its bytes; in both, `"` and `\`
///   are escaped, control characters written as `\n`-style or `\u00XX` escapes, and every other
///   byte is copied as is (so a BLOB that is not UTF-8 stays not UTF-8, as in the shell).
enum JSONText {
    static func appendValue(_ value: SQLValue, to output: inout [UInt8]) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .integer(let integer):
            output.append(contentsOf: String(integer).utf8)
        case .real(let real):
            if real.isInfinite {
                output.append(contentsOf: (real < 0 ? "-1e999" : "1e999").utf8)
            } else {
                output.append(contentsOf: SQLiteRealFormat.format(real, significantDigits: 20).utf8)
            }
        case .text(let text):
            appendString(ColumnarFormatter.cString(text.bytes), to: &output)
        case .blob(let bytes):
            appendString(bytes, to: &output)
        }
    }

    static func appendString(_ bytes: [UInt8], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                output.append(UInt8(ascii: "\\"))
                output.append(byte)
            case 0x08: output.append(contentsOf: "\\b".utf8)
            case 0x0C: output.append(contentsOf: "\\f".utf8)
            case 0x0A: output.append(contentsOf: "\\n".utf8)
            case 0x0D: output.append(contentsOf: "\\r".utf8)
            case 0x09: output.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: "\\u00".utf8)
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0xF)])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
