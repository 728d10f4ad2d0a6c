import ShardQLBase

/// An expression node: what it is, and where it came from in the source.
///
/// `height` is the depth of the tree below and including this node, subqueries included (as
/// SQLite counts it); the parser refuses trees higher than ``ParseOptions/maxDepth`` (SQLite's
/// `SQLITE_MAX_EXPR_DEPTH`), which bounds the recursion of every later walk over the tree.
public struct Expr: Sendable, Hashable {
    public var kind: Kind {
        didSet { height = kind.childHeight + 1 }
    }
    public var range: SourceRange
    public private(set) var height: Int

    public init(_ kind: Kind, range: SourceRange = .synthesized) {
        self.kind = kind
        self.range = range
        self.height = kind.childHeight + 1
    }

    public indirect enum Kind: Sendable, Hashable {
        case literal(Literal)
        case parameter(String)
        /// `[[schema.]table.]column`
        case column(ColumnReference)
        /// `-x`, `+x`, `~x`, `NOT x`
        case unary(UnaryOperator, Expr)
        case binary(BinaryOperator, Expr, Expr)
        /// `x [NOT] LIKE|GLOB|REGEXP|MATCH pattern [ESCAPE e]`
        case like(LikeExpression)
        /// `x [NOT] BETWEEN low AND high`
        case between(BetweenExpression)
        /// `x [NOT] IN (…)`, `x [NOT] IN (SELECT …)`, `x [NOT] IN table`
        case inList(InExpression)
        /// `x ISNULL` / `x NOTNULL` / `x NOT NULL`
        case nullTest(Expr, NullTest)
        /// `x COLLATE name`
        case collate(Expr, Identifier)
        /// `CAST(x AS type)`
        case cast(Expr, TypeName)
        case caseWhen(CaseExpression)
        case function(FunctionCall)
        /// `(SELECT …)`
        case subquery(Select)
        /// `EXISTS (SELECT …)`
        case exists(Select)
        /// `(x)`: kept so printing reproduces the source's grouping.
        case parenthesized(Expr)
        /// `(a, b, …)`: a row value.
        case row([Expr])
        /// `RAISE(IGNORE)`, `RAISE(ABORT, 'msg')`, …
        case raise(RaiseAction, Expr?)
    }
}

/// A literal, with its exact source text (`0x1F`, `1e3`, `'it''s'`, `X'00'`), so printing it
/// gives SQLite the same token and values such as `-9223372036854775808` survive.
public struct Literal: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case integer, real, string, blob, null, `true`, `false`
        case currentTime, currentDate, currentTimestamp
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, text: String) {
        self.kind = kind
        self.text = text
    }

    public static let null = Literal(.null, text: "NULL")

    /// A string literal for `value`, quoted and escaped.
    public static func string(_ value: String) -> Literal {
        var text = "'"
        for character in value {
            text.append(character)
            if character == "'" { text.append("'") }
        }
        text.append("'")
        return Literal(.string, text: text)
    }

    /// The value of a string literal without quotes (`'it''s'` → `it's`).
    public var stringValue: String? {
        guard kind == .string else { return nil }
        var value = ""
        var previousWasQuote = false
        for character in text.dropFirst().dropLast() {
            if character == "'", previousWasQuote {
                previousWasQuote = false
                continue
            }
            previousWasQuote = character == "'"
            value.append(character)
        }
        return value
    }
}

public struct ColumnReference: Sendable, Hashable {
    public var schema: Identifier?
    public var table: Identifier?
    public var column: Identifier

    public init(schema: Identifier? = nil, table: Identifier? = nil, column: Identifier) {
        self.schema = schema
        self.table = table
        self.column = column
    }
}

public enum UnaryOperator: String, Sendable, Hashable {
    case negate = "-"
    case plus = "+"
    case bitNot = "~"
    case not = "NOT"
}

/// Binary operators. `==` and `<>` are kept apart from `=` and `!=` only by spelling.
public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
    case or = "OR"
    case and = "AND"
    case equals = "="
    case doubleEquals = "=="
    case notEquals = "!="
    case lessGreater = "<>"
    case `is` = "IS"
    case isNot = "IS NOT"
    case isDistinctFrom = "IS DISTINCT FROM"
    case isNotDistinctFrom = "IS NOT DISTINCT FROM"
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case bitAnd = "&"
    case bitOr = "|"
    case shiftLeft = "<<"
    case shiftRight = ">>"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case modulo = "%"
    case concat = "||"
    case extract = "->"
    case extractText = "->>"
}

public struct LikeExpression: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable { case like = "LIKE", glob = "GLOB", regexp = "REGEXP", match = "MATCH" }
    public var value: Expr
    public var negated: Bool
    public var op: Operator
    public var pattern: Expr
    public var escape: Expr?

    public init(value: Expr, negated: Bool, op: Operator, pattern: Expr, escape: Expr? = nil) {
        self.value = value
        self.negated = negated
        self.op = op
        self.pattern = pattern
        self.escape = escape
    }
}

public struct BetweenExpression: Sendable, Hashable {
    public var value: Expr
    public var negated: Bool
    public var low: Expr
    public var high: Expr

    public init(value: Expr, negated: Bool, low: Expr, high: Expr) {
        self.value = value
        self.negated = negated
        self.low = low
        self.high = high
    }
}

public struct InExpression: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// `(a, b, …)`, possibly empty.
        case list([Expr])
        case select(Select)
        /// `IN [schema.]table`
        case table(QualifiedName)
        /// `IN [schema.]function(args)`
        case tableFunction(QualifiedName, [Expr])
    }

    public var value: Expr
    public var negated: Bool
    public var source: Source

    public init(value: Expr, negated: Bool, source: Source) {
        self.value = value
        self.negated = negated
        self.source = source
    }
}

public enum NullTest: String, Sendable, Hashable {
    /// `ISNULL`
    case isNull = "ISNULL"
    /// `NOTNULL`
    case notNull = "NOTNULL"
    /// `NOT NULL`
    case notNullTwoWords = "NOT NULL"
}

public struct CaseExpression: Sendable, Hashable {
    public struct WhenClause: Sendable, Hashable {
        public var condition: Expr
        public var result: Expr
        public init(condition: Expr, result: Expr) {
            self.condition = condition
            self.result = result
        }
    }

    public var base: Expr?
    public var whenClauses: [WhenClause]
    public var elseResult: Expr?

    public init(base: Expr?, whenClauses: [WhenClause], elseResult: Expr?) {
        self.base = base
        self.whenClauses = whenClauses
        self.elseResult = elseResult
    }
}

public struct FunctionCall: Sendable, Hashable {
    public enum Arguments: Sendable, Hashable {
        /// `f(*)`
        case star
        /// `f(a, b)`; `f()` is an empty list.
        case list([Expr])
    }

    public var name: Identifier
    public var distinct: Bool
    public var arguments: Arguments
    /// `FILTER (WHERE …)`
    public var filter: Expr?
    public var over: WindowReference?

    public init(
        name: Identifier, distinct: Bool = false, arguments: Arguments,
        filter: Expr? = nil, over: WindowReference? = nil
    ) {
        self.name = name
        self.distinct = distinct
        self.arguments = arguments
        self.filter = filter
        self.over = over
    }
}

/// `OVER name` or `OVER (…)`
public enum WindowReference: Sendable, Hashable {
    case named(Identifier)
    case definition(WindowDefinition)
}

public struct WindowDefinition: Sendable, Hashable {
    public var base: Identifier?
    public var partitionBy: [Expr]
    public var orderBy: [OrderingTerm]
    public var frame: FrameSpec?

    public init(base: Identifier? = nil, partitionBy: [Expr] = [], orderBy: [OrderingTerm] = [], frame: FrameSpec? = nil) {
        self.base = base
        self.partitionBy = partitionBy
        self.orderBy = orderBy
        self.frame = frame
    }
}

public struct FrameSpec: Sendable, Hashable {
    public enum Unit: String, Sendable, Hashable { case rows = "ROWS", range = "RANGE", groups = "GROUPS" }
    public enum Bound: Sendable, Hashable {
        case unboundedPreceding
        case preceding(Expr)
        case currentRow
        case following(Expr)
        case unboundedFollowing
    }
    public enum Exclude: String, Sendable, Hashable {
        case noOthers = "NO OTHERS", currentRow = "CURRENT ROW", group = "GROUP", ties = "TIES"
    }

    public var unit: Unit
    public var start: Bound
    /// Present for `BETWEEN start AND end`.
    public var end: Bound?
    public var exclude: Exclude?

    public init(unit: Unit, start: Bound, end: Bound? = nil, exclude: Exclude? = nil) {
        self.unit = unit
        self.start = start
        self.end = end
        self.exclude = exclude
    }
}

public enum RaiseAction: String, Sendable, Hashable {
    case ignore = "IGNORE", rollback = "ROLLBACK", abort = "ABORT", fail = "FAIL"
}

/// A column type as written: `INTEGER`, `VARCHAR(10)`, `DOUBLE PRECISION`, `DECIMAL(10, 2)`.
public struct TypeName: Sendable, Hashable {
    public var words: [Identifier]
    /// Signed numbers as written (`-5`, `+3`, `10`).
    public var arguments: [String]

    public init(words: [Identifier], arguments: [String] = []) {
        self.words = words
        self.arguments = arguments
    }

    /// The words joined by single spaces, as SQLite's affinity rules read them.
    public var name: String { words.map(\.name).joined(separator: " ") }
}

/// `expr [ASC|DESC] [NULLS FIRST|LAST]`; a `COLLATE` is part of `expr`.
public struct OrderingTerm: Sendable, Hashable {
    public enum Direction: String, Sendable, Hashable { case ascending = "ASC", descending = "DESC" }
    public enum Nulls: String, Sendable, Hashable { case first = "NULLS FIRST", last = "NULLS LAST" }

    public var expr: Expr
    public var direction: Direction?
    public var nulls: Nulls?

    public init(expr: Expr, direction: Direction? = nil, nulls: Nulls? = nil) {
        self.expr = expr
        self.direction = direction
        self.nulls = nulls
    }
}
