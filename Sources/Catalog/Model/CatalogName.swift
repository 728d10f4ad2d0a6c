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
        key(lhs) == key(rhs)
    }
}
