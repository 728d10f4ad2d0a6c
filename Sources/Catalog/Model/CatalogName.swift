/// Name comparison as SQLite does it: ASCII letters ignore case, every other byte is exact
/// (`"Ä"` and `"ä"` are different names in SQLite, and so here).
public enum CatalogName {
    /// The name with ASCII `A`–`Z` lowered: equal keys mean equal names.
    public static func key(_ name: String) -> String {
        var bytes = Array(name.utf8)
        for index in bytes.indices where bytes[index] >= 0x41 && bytes[index] <= 0x5A {
            bytes[index] += 0x20
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether two names denote the same object.
    public static func equal(_ lhs: String, _ rhs: String) -> Bool {
        // Byte by byte, folding ASCII only: no allocation (the planner compares names a lot).
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case (let a?, let b?):
                if a == b { continue }
                let foldedA = a >= 0x41 && a <= 0x5A ? a + 0x20 : a
                let foldedB = b >= 0x41 && b <= 0x5A ? b + 0x20 : b
                if foldedA != foldedB { return false }
            default: return false
            }
        }
    }
}
