import ShardQLBase

/// A lexical token: its kind and the UTF-8 byte range it covers in the source.
public struct Token: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A bare word that is not a keyword.
        case identifier
        /// `"x"`, `[x]` or `` `x` ``.
        case quotedIdentifier(Identifier.Quoting)
        case keyword(Keyword)
        /// `'text'`
        case string
        /// `X'0F'`
        case blob
        /// Decimal or hexadecimal integer literal.
        case integer
        /// `1.5`, `.5`, `1.`, `1e10`
        case real
        /// `?`, `?12`, `:name`, `@name`, `$name`
        case parameter
        case punctuation(Punctuation)
        /// Text SQLite would not tokenize; the reason is given.
        case invalid(String)
        case endOfInput
    }

    public var kind: Kind
    public var start: Int
    public var end: Int

    public init(kind: Kind, start: Int, end: Int) {
        self.kind = kind
        self.start = start
        self.end = end
    }

    public var range: SourceRange { SourceRange(start: start, end: end) }

    public var keyword: Keyword? {
        if case .keyword(let keyword) = kind { return keyword }
        return nil
    }
}

/// Operators and punctuation.
public enum Punctuation: String, Sendable, Hashable {
    case leftParen = "("
    case rightParen = ")"
    case comma = ","
    case semicolon = ";"
    case dot = "."
    case star = "*"
    case slash = "/"
    case percent = "%"
    case plus = "+"
    case minus = "-"
    case concat = "||"
    case arrow = "->"
    case doubleArrow = "->>"
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case equals = "="
    case doubleEquals = "=="
    case notEquals = "!="
    case lessGreater = "<>"
    case shiftLeft = "<<"
    case shiftRight = ">>"
    case ampersand = "&"
    case pipe = "|"
    case tilde = "~"
}
