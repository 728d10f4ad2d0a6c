import SQLiteCore
import ShardQLBase

extension LocalWorker {
    public func statistics(of shard: ShardFileID) async throws -> ShardStatistics {
        let tables = try await query(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                + "AND name NOT LIKE '\\_shardql\\_%' ESCAPE '\\'",
            parameters: [], on: shard)
        let names = tables.rows.compactMap { row -> String? in
            guard case .text(let name)? = row.first else { return nil }
            return name.string
        }
        // A few statements for every count and the size: few trips to the file. SQLite allows
        // 500 terms in a compound SELECT; the names go in as parameters, the identifiers quoted.
        var rowsByTable: [String: Int64] = [:]
        var bytes: Int64 = 0
        var start = 0
        repeat {
            let chunk = names[start..<min(names.count, start + 400)]
            var selects = chunk.map { "SELECT ?, count(*) FROM \(sqliteQuotedIdentifier($0))" }
            if start == 0 {
                selects.append("SELECT NULL, page_count * page_size FROM pragma_page_count(), pragma_page_size()")
            }
            let counts = try await query(
                selects.joined(separator: " UNION ALL "), parameters: chunk.map { .text($0) }, on: shard)
            for row in counts.rows {
                guard row.count == 2, case .integer(let count) = row[1] else { continue }
                if case .text(let name) = row[0] {
                    rowsByTable[name.string] = count
                } else {
                    bytes = count
                }
            }
            start += chunk.count
        } while start < names.count
        return ShardStatistics(rowsByTable: rowsByTable, bytes: bytes)
    }
}
