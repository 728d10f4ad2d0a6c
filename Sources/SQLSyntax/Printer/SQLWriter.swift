/// Appends SQL text for AST nodes to one growing string.
///
/// Extensions add one concern each: expressions (`SQLWriter+Expr`), queries (`+Select`), data
/// changes (`+DML`), schema statements (`+DDL`) and the statement dispatch (`+Statement`).
struct SQLWriter {
    private(set) var output: String

    init(capacity: Int = 64) {
        output = ""
        output.reserveCapacity(max(capacity, 16))
    }

    mutating func write(_ text: some StringProtocol) {
        output.append(contentsOf: text)
    }

    /// Writes `items` separated by `, `.
    mutating func commaSeparated<Element>(_ items: [Element], _ element: (inout SQLWriter, Element) -> Void) {
        for (index, item) in items.enumerated() {
            if index > 0 { write(", ") }
            element(&self, item)
        }
    }

    // MARK: - Names

    /// Where a bare name is printed: a few positions accept words that are reserved elsewhere, or
    /// read words as something other than a name.
    enum NamePosition {
        /// Table, column, alias, schema, collation, … names.
        case name
        /// A column name alone in an expression, where `TRUE`, `FALSE` and `CURRENT_TIME`-like
        /// words read as literals.
        case expressionColumn
        /// The first name of `table.column` or `schema.table.column`, where `CURRENT_TIME`-like
        /// words read as literals (`true.x` is a name).
        case expressionQualifier
        /// A function's name, where `CURRENT_TIME`-like words read as literals and `CAST(` and
        /// `RAISE(` start their own forms.
        case functionName
        /// A word of a type name, which takes neither join keywords nor `GENERATED` (that starts
        /// a column constraint).
        case typeWord
        /// A `PRAGMA` value, where SQLite also takes `ON`, `DELETE` and `DEFAULT` bare.
        case pragmaValue
    }

    mutating func identifier(_ identifier: Identifier, position: NamePosition = .name) {
        let name = identifier.name
        switch identifier.quoting {
        case .none:
            if Self.canStayBare(name, position: position) {
                write(name)
            } else {
                quoted(name, open: "\"", close: "\"")
            }
        case .doubleQuotes:
            quoted(name, open: "\"", close: "\"")
        case .brackets:
            // Brackets cannot contain `]`; such a name (only built by code) takes double quotes.
            if name.utf8.contains(UInt8(ascii: "]")) {
                quoted(name, open: "\"", close: "\"")
            } else {
                write("[")
                write(name)
                write("]")
            }
        case .backticks:
            quoted(name, open: "`", close: "`")
        case .singleQuotes:
            quoted(name, open: "'", close: "'")
        }
    }

    /// `[schema.]name`
    mutating func qualifiedName(_ name: QualifiedName) {
        if let schema = name.schema {
            identifier(schema)
            write(".")
        }
        identifier(name.name)
    }

    /// `a, b, c`
    mutating func identifierList(_ names: [Identifier]) {
        commaSeparated(names) { $0.identifier($1) }
    }

    /// `(a, b, c)`
    mutating func parenthesizedIdentifiers(_ names: [Identifier]) {
        write("(")
        identifierList(names)
        write(")")
    }

    /// Writes `name` between quotes, doubling the closing quote inside it. Works on Unicode
    /// scalars: a quote followed by a combining mark is one `Character` but still a quote to SQLite.
    private mutating func quoted(_ name: String, open: Unicode.Scalar, close: Unicode.Scalar) {
        output.unicodeScalars.append(open)
        if name.unicodeScalars.contains(close) {
            for scalar in name.unicodeScalars {
                output.unicodeScalars.append(scalar)
                if scalar == close { output.unicodeScalars.append(close) }
            }
        } else {
            write(name)
        }
        output.unicodeScalars.append(close)
    }

    /// Whether an unquoted name can be printed bare. The parser gives `.none` only to names it
    /// took bare in that position: plain words, non-reserved keywords and join keywords. Names
    /// built by code may be anything, so reserved keywords and non-words get double quotes.
    static func canStayBare(_ name: String, position: NamePosition) -> Bool {
        guard isPlainWord(name) else { return false }
        guard let keyword = Keyword.lookup(name) else {
            guard position == .expressionColumn else { return true }
            let lowered = name.lowercased()
            return lowered != "true" && lowered != "false"
        }
        switch position {
        case .name:
            break
        case .expressionColumn, .expressionQualifier:
            // The parser (like SQLite's) reads the first three as literals there, and takes
            // `cast` and `raise` only before `(`.
            switch keyword {
            case .currentDate, .currentTime, .currentTimestamp, .cast, .raise: return false
            default: break
            }
        case .functionName:
            switch keyword {
            case .currentDate, .currentTime, .currentTimestamp, .cast, .raise: return false
            default: break
            }
        case .typeWord:
            return keyword.isNonReserved && keyword != .generated
        case .pragmaValue:
            if keyword == .on || keyword == .delete || keyword == .default { return true }
        }
        return keyword.isNonReserved || keyword.isJoinKeyword || keyword == .indexed
    }

    /// `[A-Za-z_][A-Za-z0-9_$]*`, where any byte ≥ 0x80 counts as a letter, as in SQLite.
    static func isPlainWord(_ name: String) -> Bool {
        var bytes = name.utf8.makeIterator()
        guard let first = bytes.next(), isWordStart(first) else { return false }
        while let byte = bytes.next() {
            guard
                isWordStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "$")
            else { return false }
        }
        return true
    }

    private static func isWordStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_") || byte >= 0x80
    }
}
