/// A position in SQL source text.
///
/// `offset` counts UTF-8 bytes from the start of the text; `line` and `column` are 1-based and
/// count characters, so a REPL can draw a caret under the offending token.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var offset: Int
    public var line: Int
    public var column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// Resolves a UTF-8 byte offset in `source` to a line and column.
    public init(offset: Int, in source: String) {
        var line = 1
        var lineStart = source.utf8.startIndex
        let utf8 = source.utf8
        let clamped = min(max(offset, 0), utf8.count)
        let target = utf8.index(utf8.startIndex, offsetBy: clamped)
        var index = utf8.startIndex
        while index < target {
            if utf8[index] == UInt8(ascii: "\n") {
                line += 1
                lineStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        // Count characters between the line start and the offset; an offset inside a multi-byte
        // character counts the characters that start before it.
        let lineText = source[lineStart..<(String.Index(target, within: source) ?? target)]
        self.init(offset: clamped, line: line, column: lineText.count + 1)
    }

    public var description: String { "line \(line), column \(column)" }
}

/// A half-open range of UTF-8 byte offsets into the statement text an AST node came from.
public struct SourceRange: Sendable, Hashable, CustomStringConvertible {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// The range used for nodes built by code rather than parsed.
    public static let synthesized = SourceRange(start: 0, end: 0)

    public var description: String { "\(start)..<\(end)" }
}
