/// A bounded least-recently-used cache of prepared statements keyed by their SQL text.
///
/// Lookups are a dictionary access; eviction scans for the oldest entry, which is O(capacity) but
/// only happens on a miss that also has to prepare a statement, far costlier than the scan for the
/// small capacities a connection uses.
package struct SQLiteStatementCache {
    private struct Entry {
        var statement: SQLiteStatement
        var lastUse: UInt64
    }

    package let capacity: Int
    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0

    package init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    package var count: Int { entries.count }

    /// The cached statement for `sql`, marked as most recently used.
    package mutating func statement(for sql: String) -> SQLiteStatement? {
        clock &+= 1
        guard let index = entries.index(forKey: sql) else { return nil }
        entries.values[index].lastUse = clock
        return entries.values[index].statement
    }

    /// Caches `statement`, evicting the least recently used entry when full.
    ///
    /// An evicted statement is finalized once its last reference goes; a caller still holding it
    /// can keep using it.
    package mutating func insert(_ statement: SQLiteStatement, for sql: String) {
        guard capacity > 0 else { return }
        clock &+= 1
        if entries.count >= capacity, entries[sql] == nil,
           let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            entries[oldest] = nil
        }
        entries[sql] = Entry(statement: statement, lastUse: clock)
    }

    package mutating func removeAll() {
        entries.removeAll()
    }
}
