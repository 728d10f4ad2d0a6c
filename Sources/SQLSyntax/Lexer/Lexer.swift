/// SQLite's tokenizer (tokenize.c), over UTF-8 bytes.
///
/// It never fails: text SQLite would reject becomes an `.invalid` token carrying the reason, so
/// the parser reports it at the point it is reached, with its position. Whitespace and comments
/// (`-- …` to end of line, `/* … */`, unterminated at end of input) are skipped.
public struct Lexer: Sendable {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ source: String) {
        self.bytes = Array(source.utf8)
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// All tokens, ending with one `.endOfInput`.
    public static func tokenize(_ source: String) -> [Token] {
        var lexer = Lexer(source)
        return lexer.tokenizeAll()
    }

    public mutating func tokenizeAll() -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity(bytes.count / 3 + 1)
        while true {
            let token = next()
            tokens.append(token)
            if token.kind == .endOfInput { return tokens }
        }
    }

    public mutating func next() -> Token {
        skipTrivia()
        let start = position
        guard position < bytes.count else { return Token(kind: .endOfInput, start: start, end: start) }
        let kind = scanToken()
        return Token(kind: kind, start: start, end: position)
    }

    // MARK: - Scanning

    private mutating func skipTrivia() {
        while position < bytes.count {
            let byte = bytes[position]
            if Self.isSpace(byte) {
                position += 1
            } else if byte == UInt8(ascii: "-"), peek(1) == UInt8(ascii: "-") {
                while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
            } else if byte == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") {
                position += 2
                while position < bytes.count,
                    !(bytes[position] == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/"))
                {
                    position += 1
                }
                position = min(position + 2, bytes.count)
            } else {
                return
            }
        }
    }

    private func peek(_ offset: Int) -> UInt8? {
        let index = position + offset
        return index < bytes.count ? bytes[index] : nil
    }

    private mutating func scanToken() -> Token.Kind {
        let byte = bytes[position]
        switch byte {
        case UInt8(ascii: "'"):
            return scanQuoted(close: UInt8(ascii: "'"), doubling: true) ? .string : .invalid("unterminated string literal")
        case UInt8(ascii: "\""):
            return scanQuoted(close: UInt8(ascii: "\""), doubling: true)
                ? .quotedIdentifier(.doubleQuotes) : .invalid("unterminated quoted identifier")
        case UInt8(ascii: "`"):
            return scanQuoted(close: UInt8(ascii: "`"), doubling: true)
                ? .quotedIdentifier(.backticks) : .invalid("unterminated quoted identifier")
        case UInt8(ascii: "["):
            return scanQuoted(close: UInt8(ascii: "]"), doubling: false)
                ? .quotedIdentifier(.brackets) : .invalid("unterminated quoted identifier")
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return scanNumber()
        case UInt8(ascii: "."):
            if let next = peek(1), Self.isDigit(next) { return scanNumber() }
            position += 1
            return .punctuation(.dot)
        case UInt8(ascii: "?"):
            position += 1
            while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
            return .parameter
        case UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "$"):
            position += 1
            let nameStart = position
            while position < bytes.count, Self.isIdentifierByte(bytes[position]) { position += 1 }
            return position > nameStart ? .parameter : .invalid("unrecognized token")
        case UInt8(ascii: "x"), UInt8(ascii: "X"):
            if peek(1) == UInt8(ascii: "'") { return scanBlob() }
            return scanWord()
        default:
            if Self.isIdentifierStart(byte) { return scanWord() }
            return scanOperator(byte)
        }
    }

    /// Scans a quoted token starting at the opening quote; returns false when unterminated.
    private mutating func scanQuoted(close: UInt8, doubling: Bool) -> Bool {
        position += 1
        while position < bytes.count {
            if bytes[position] == close {
                if doubling, peek(1) == close {
                    position += 2
                    continue
                }
                position += 1
                return true
            }
            position += 1
        }
        return false
    }

    private mutating func scanNumber() -> Token.Kind {
        if bytes[position] == UInt8(ascii: "0"), let x = peek(1), x | 0x20 == UInt8(ascii: "x"),
            let digit = peek(2), Self.isHexDigit(digit)
        {
            position += 2
            while position < bytes.count, Self.isHexDigit(bytes[position]) { position += 1 }
            return finishNumber(.integer)
        }
        var kind = Token.Kind.integer
        while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            kind = .real
            position += 1
            while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            let next = peek(1)
            let afterSign = peek(2)
            if let next, Self.isDigit(next) {
                position += 1
            } else if let next, next == UInt8(ascii: "+") || next == UInt8(ascii: "-"), let afterSign,
                Self.isDigit(afterSign)
            {
                position += 2
            } else {
                return finishNumber(kind)
            }
            kind = .real
            while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
        }
        return finishNumber(kind)
    }

    /// A number directly followed by identifier characters (`1abc`, `1e`) is one bad token.
    private mutating func finishNumber(_ kind: Token.Kind) -> Token.Kind {
        guard position < bytes.count, Self.isIdentifierByte(bytes[position]) else { return kind }
        while position < bytes.count, Self.isIdentifierByte(bytes[position]) { position += 1 }
        return .invalid("unrecognized token")
    }

    private mutating func scanBlob() -> Token.Kind {
        position += 2
        let digitsStart = position
        while position < bytes.count, Self.isHexDigit(bytes[position]) { position += 1 }
        let digitCount = position - digitsStart
        guard position < bytes.count, bytes[position] == UInt8(ascii: "'") else {
            // Consume to the closing quote (if any) so the error covers the literal.
            while position < bytes.count, bytes[position] != UInt8(ascii: "'") { position += 1 }
            if position < bytes.count { position += 1 }
            return .invalid("malformed blob literal")
        }
        position += 1
        return digitCount % 2 == 0 ? .blob : .invalid("malformed blob literal: odd number of hex digits")
    }

    private mutating func scanWord() -> Token.Kind {
        let start = position
        while position < bytes.count, Self.isIdentifierByte(bytes[position]) { position += 1 }
        if let keyword = Keyword.lookup(bytes: bytes[start..<position]) { return .keyword(keyword) }
        return .identifier
    }

    private mutating func scanOperator(_ byte: UInt8) -> Token.Kind {
        let next = peek(1)
        func take(_ length: Int, _ punctuation: Punctuation) -> Token.Kind {
            position += length
            return .punctuation(punctuation)
        }
        switch byte {
        case UInt8(ascii: "("): return take(1, .leftParen)
        case UInt8(ascii: ")"): return take(1, .rightParen)
        case UInt8(ascii: ","): return take(1, .comma)
        case UInt8(ascii: ";"): return take(1, .semicolon)
        case UInt8(ascii: "*"): return take(1, .star)
        case UInt8(ascii: "/"): return take(1, .slash)
        case UInt8(ascii: "%"): return take(1, .percent)
        case UInt8(ascii: "+"): return take(1, .plus)
        case UInt8(ascii: "~"): return take(1, .tilde)
        case UInt8(ascii: "&"): return take(1, .ampersand)
        case UInt8(ascii: "-"):
            if next == UInt8(ascii: ">") {
                return peek(2) == UInt8(ascii: ">") ? take(3, .doubleArrow) : take(2, .arrow)
            }
            return take(1, .minus)
        case UInt8(ascii: "|"):
            return next == UInt8(ascii: "|") ? take(2, .concat) : take(1, .pipe)
        case UInt8(ascii: "<"):
            switch next {
            case UInt8(ascii: "="): return take(2, .lessOrEqual)
            case UInt8(ascii: ">"): return take(2, .lessGreater)
            case UInt8(ascii: "<"): return take(2, .shiftLeft)
            default: return take(1, .less)
            }
        case UInt8(ascii: ">"):
            switch next {
            case UInt8(ascii: "="): return take(2, .greaterOrEqual)
            case UInt8(ascii: ">"): return take(2, .shiftRight)
            default: return take(1, .greater)
            }
        case UInt8(ascii: "="):
            return next == UInt8(ascii: "=") ? take(2, .doubleEquals) : take(1, .equals)
        case UInt8(ascii: "!"):
            if next == UInt8(ascii: "=") { return take(2, .notEquals) }
            position += 1
            return .invalid("unrecognized token")
        default:
            // One whole UTF-8 character, so the error quotes it intact.
            position += 1
            while position < bytes.count, bytes[position] & 0xC0 == 0x80 { position += 1 }
            return .invalid("unrecognized token")
        }
    }

    // MARK: - Character classes (SQLite's, ASCII; bytes ≥ 0x80 are identifier characters)

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
            || byte >= 0x80
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || isDigit(byte) || byte == UInt8(ascii: "$")
    }
}
