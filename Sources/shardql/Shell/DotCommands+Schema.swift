import Coordinator
import ShardQLBase

/// `.tables`, `.indexes` and `.schema`: the catalog's objects, as sqlite3 lists them.
extension Shell {
    /// `.tables ?PATTERN?` / `.indexes ?TABLE?`: names in sorted columns. Tables and views match
    /// on their name; indexes on their table's name, as in sqlite3.
    func listNames(of kinds: Set<SchemaEntry.Kind>, matching pattern: String?) throws {
        let names = try cluster.schema().filter { entry in
            guard kinds.contains(entry.kind) else { return false }
            guard let pattern else { return true }
            return LikePattern(pattern).matches(entry.kind == .index ? entry.tableName : entry.name)
        }.map(\.name).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for line in Self.columns(names) { output.note(line) }
    }

    /// shell.c's layout for `.tables`: names in as many columns of the widest name's width as fit
    /// in 80 characters, filled down then across, two spaces apart.
    static func columns(_ names: [String]) -> [String] {
        guard !names.isEmpty else { return [] }
        let width = names.map(\.count).max() ?? 0
        let columnCount = max(1, 80 / (width + 2))
        let rowCount = (names.count + columnCount - 1) / columnCount
        return (0..<rowCount).map { row in
            var line = ""
            for index in stride(from: row, to: names.count, by: rowCount) {
                if index >= rowCount { line += "  " }
                line += names[index] + String(repeating: " ", count: width - names[index].count)
            }
            return line
        }
    }

    /// `.schema ?PATTERN?`: each object's CREATE statement, a table's with the distribution clause
    /// that recreates its layout, in an order that replays.
    func showSchema(_ arguments: [String], _ command: DotCommand) throws {
        // sqlite3's options; --indent and --nosys change nothing here (no system tables are shown).
        let patterns = arguments.filter { $0 != "--indent" && $0 != "--nosys" }
        guard patterns.count <= 1, !patterns.contains(where: { $0.hasPrefix("--") }) else { throw command.usageError }
        let pattern = patterns.first.map(LikePattern.init)
        for entry in try cluster.schema() {
            if let pattern, !pattern.matches(entry.name), !pattern.matches(entry.tableName) { continue }
            output.note(entry.sql + ";")
        }
    }
}

/// A SQL `LIKE` pattern as SQLite applies it without ESCAPE: `%` any run, `_` one character,
/// ASCII letters compared without case.
struct LikePattern {
    private let pattern: [Unicode.Scalar]

    init(_ pattern: String) {
        self.pattern = Array(pattern.unicodeScalars)
    }

    func matches(_ text: String) -> Bool {
        Self.matches(pattern[...], Array(text.unicodeScalars)[...])
    }

    private static func matches(_ pattern: ArraySlice<Unicode.Scalar>, _ text: ArraySlice<Unicode.Scalar>) -> Bool {
        var pattern = pattern
        var text = text
        while let first = pattern.first {
            switch first {
            case "%":
                pattern.removeFirst()
                while pattern.first == "%" { pattern.removeFirst() }
                if pattern.isEmpty { return true }
                for start in text.indices where matches(pattern, text[start...]) { return true }
                return false
            case "_":
                guard !text.isEmpty else { return false }
            default:
                guard let character = text.first, folded(character) == folded(first) else { return false }
            }
            pattern.removeFirst()
            text.removeFirst()
        }
        return text.isEmpty
    }

    private static func folded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
    }
}
