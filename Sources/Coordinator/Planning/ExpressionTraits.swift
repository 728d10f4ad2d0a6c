import Catalog
import Partitioning
import SQLSyntax

/// The affinity and collating sequence SQLite gives an expression (`sqlite3ExprAffinity` and
/// `sqlite3ExprCollSeq` in expr.c), so values that move to the coordinator compare there exactly
/// as they did on the shards.
enum ExpressionTraits {
    /// The collation comparisons of `expr` use: an explicit `COLLATE` found the way SQLite walks
    /// the tree (left operand first, then right, then function arguments), else a column's declared
    /// collation seen through `CAST` and unary `+`, else BINARY.
    static func collation(of expr: Expr, in sources: BoundSources) -> Collation {
        var node = expr
        while true {
            switch node.kind {
            case .parenthesized(let inner):
                node = inner
            case .collate(_, let name):
                return Collation(name: name.name) ?? .binary
            case .column(let reference):
                return sources.resolve(reference)?.column?.collation ?? .binary
            case .cast(let operand, _), .unary(.plus, let operand):
                node = operand
            case .row(let items) where !items.isEmpty:
                node = items[0]
            default:
                guard let next = firstChildWithCollate(of: node) else { return .binary }
                node = next
            }
        }
    }

    /// The affinity SQLite gives `expr`'s value: a column's (the rowid's is INTEGER), a `CAST`'s
    /// type, a `COLLATE`'s operand's; anything else has none (`.blob`).
    static func affinity(of expr: Expr, in sources: BoundSources) -> Affinity {
        switch expr.kind {
        case .parenthesized(let inner), .collate(let inner, _):
            return affinity(of: inner, in: sources)
        case .column(let reference):
            guard let bound = sources.resolve(reference) else { return .blob }
            return bound.column?.affinity ?? .integer
        case .cast(_, let type):
            return Affinity(declaredType: type.name)
        case .row(let items) where !items.isEmpty:
            return affinity(of: items[0], in: sources)
        default:
            return .blob
        }
    }

    /// SQLite's `EP_Collate` walk: the left operand if it holds an explicit `COLLATE`, else the
    /// right one, else the first function argument that does.
    private static func firstChildWithCollate(of expr: Expr) -> Expr? {
        expr.children.first(where: hasExplicitCollate)
    }

    /// Whether a `COLLATE` appears in `expr` outside any subquery (SQLite's `EP_Collate` flag).
    static func hasExplicitCollate(_ expr: Expr) -> Bool {
        switch expr.kind {
        case .collate: return true
        case .literal, .parameter, .column, .subquery, .exists, .raise: return false
        case .parenthesized(let inner), .unary(_, let inner), .nullTest(let inner, _), .cast(let inner, _):
            return hasExplicitCollate(inner)
        case .row(let items): return items.contains(where: hasExplicitCollate)
        default: return firstChildWithCollate(of: expr) != nil
        }
    }
}

extension Affinity {
    /// A declared type with this affinity, for a coordinator table column ("" for none).
    var declaredTypeName: String {
        switch self {
        case .integer: "INTEGER"
        case .text: "TEXT"
        case .real: "REAL"
        case .numeric: "NUMERIC"
        case .blob: ""
        }
    }
}
