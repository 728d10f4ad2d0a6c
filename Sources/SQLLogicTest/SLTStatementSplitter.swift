/// Splits SQL text into statements where `sqlite3_complete` would end them: at a `;` outside
/// strings, quoted identifiers and comments, except inside a `CREATE [TEMP] TRIGGER … END`.
///
/// ```swift
/// SLTStatementSplitter.split("CREATE TABLE t(a); SELECT ';' -- done")
/// // ["CREATE TABLE t(a);", " SELECT ';' -- done"]
/// ```
enum SLTStatementSplitter {
    /// The statements of `sql`, each with its `;` (the last one may lack it). Pieces holding only
    /// whitespace, comments and `;` are dropped.
    static func split(_ sql: String) -> [Substring] {
        let bytes = Array(sql.utf8)
        var pieces: [Substring] = []
        var state = State.start
        var pieceStart = 0
        var hasContent = false
        var index = 0
        while index < bytes.count {
            let (token, end) = nextToken(bytes, index)
            if token != .whitespace && token != .semicolon { hasContent = true }
            state = state.next(token)
            index = end
            if token == .semicolon, state == .start {
                if hasContent { pieces.append(slice(sql, pieceStart, end)) }
                pieceStart = end
                hasContent = false
            }
        }
        if hasContent { pieces.append(slice(sql, pieceStart, bytes.count)) }
        return pieces
    }

    private static func slice(_ sql: String, _ start: Int, _ end: Int) -> Substring {
        let utf8 = sql.utf8
        // Token boundaries fall on ASCII bytes or the end, so both are character boundaries.
        return sql[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)]
    }

    enum Token: Equatable {
        case semicolon, whitespace, other, explain, create, temp, trigger, end
    }

    /// `sqlite3_complete`'s states; `start` after a `;` means a statement just ended.
    enum State {
        case invalid, start, normal, explain, create, trigger, semi, end

        func next(_ token: Token) -> State {
            switch (self, token) {
            case (_, .whitespace) where self != .trigger && self != .semi && self != .end: return self
            case (.invalid, .semicolon), (.start, .semicolon), (.normal, .semicolon), (.explain, .semicolon),
                (.create, .semicolon), (.end, .semicolon):
                return .start
            case (.invalid, .explain), (.start, .explain): return .explain
            case (.invalid, .create), (.start, .create), (.explain, .create): return .create
            case (.invalid, _), (.start, _), (.normal, _): return .normal
            case (.explain, .other): return .explain
            case (.explain, _): return .normal
            case (.create, .temp): return .create
            case (.create, .trigger): return .trigger
            case (.create, _): return .normal
            case (.trigger, .semicolon), (.semi, .semicolon): return .semi
            case (.semi, .end): return .end
            case (.semi, .whitespace): return .semi
            case (.end, .whitespace): return .end
            case (.trigger, _), (.semi, _), (.end, _): return .trigger
            }
        }
    }

    private static func isIdentifier(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$") || byte >= 0x80
    }

    /// The token at `start` and the index just past it.
    private static func nextToken(_ bytes: [UInt8], _ start: Int) -> (Token, Int) {
        let byte = bytes[start]
        var index = start + 1
        switch byte {
        case UInt8(ascii: ";"):
            return (.semicolon, index)
        case 0x20, 0x09...0x0D:
            return (.whitespace, index)
        case UInt8(ascii: "-") where index < bytes.count && bytes[index] == UInt8(ascii: "-"):
            while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            return (.whitespace, index)
        case UInt8(ascii: "/") where index < bytes.count && bytes[index] == UInt8(ascii: "*"):
            index += 1
            let star = UInt8(ascii: "*")
            let slash = UInt8(ascii: "/")
            while index + 1 < bytes.count && !(bytes[index] == star && bytes[index + 1] == slash) {
                index += 1
            }
            return (.whitespace, min(index + 2, bytes.count))
        case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "["):
            // A doubled quote inside reads as two strings back to back: the same token class.
            let close = byte == UInt8(ascii: "[") ? UInt8(ascii: "]") : byte
            while index < bytes.count && bytes[index] != close { index += 1 }
            return (.other, min(index + 1, bytes.count))
        default:
            guard isIdentifier(byte) else { return (.other, index) }
            while index < bytes.count && isIdentifier(bytes[index]) { index += 1 }
            let word = String(decoding: bytes[start..<index], as: UTF8.self).uppercased()
            switch word {
            case "EXPLAIN": return (.explain, index)
            case "CREATE": return (.create, index)
            case "TEMP", "TEMPORARY": return (.temp, index)
            case "TRIGGER": return (.trigger, index)
            case "END": return (.end, index)
            default: return (.other, index)
            }
        }
    }
}
