/// SQLite's operator precedence, lowest first (parse.y's `%left`/`%right` lines).
///
/// The parser climbs these levels; the printer uses the same table to decide where parentheses
/// are needed, so `parse(print(ast)) == ast` holds for every tree.
public enum Precedence: Int, Sendable, Comparable {
    case none = 0
    case or = 1
    case and = 2
    /// Prefix `NOT`: its operand is parsed at this level, so `NOT a = b` is `NOT (a = b)`.
    case not = 3
    /// `= == != <> IS IN LIKE GLOB REGEXP MATCH BETWEEN ISNULL NOTNULL NOT NULL`
    case equality = 4
    /// `< <= > >=`
    case comparison = 5
    /// `ESCAPE` (only inside `LIKE`)
    case escape = 6
    /// `& | << >>`
    case bitwise = 7
    /// `+ -`
    case additive = 8
    /// `* / %`
    case multiplicative = 9
    /// `|| -> ->>`
    case concat = 10
    /// postfix `COLLATE`
    case collate = 11
    /// prefix `- + ~`
    case unary = 12
    /// literals, names, calls, parenthesized and bracketed forms
    case primary = 13

    public static func < (lhs: Precedence, rhs: Precedence) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The next-tighter level (operands of left-associative operators on their right side).
    public var tighter: Precedence { Precedence(rawValue: rawValue + 1) ?? .primary }
}

extension BinaryOperator {
    public var precedence: Precedence {
        switch self {
        case .or: .or
        case .and: .and
        case .equals, .doubleEquals, .notEquals, .lessGreater, .is, .isNot, .isDistinctFrom, .isNotDistinctFrom:
            .equality
        case .less, .lessOrEqual, .greater, .greaterOrEqual: .comparison
        case .bitAnd, .bitOr, .shiftLeft, .shiftRight: .bitwise
        case .add, .subtract: .additive
        case .multiply, .divide, .modulo: .multiplicative
        case .concat, .extract, .extractText: .concat
        }
    }
}

extension Expr {
    /// The precedence of this node as the top of an expression.
    public var precedence: Precedence {
        switch kind {
        case .binary(let op, _, _): op.precedence
        case .unary(.not, _): .not
        case .unary: .unary
        case .like, .between, .inList, .nullTest: .equality
        case .collate: .collate
        default: .primary
        }
    }
}
