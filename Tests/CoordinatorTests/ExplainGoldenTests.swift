import Foundation
import ShardQLBase
import Testing

@testable import Coordinator

/// `EXPLAIN` output pinned in `Golden/explain.txt`: a change to plans shows up as a diff of that
/// file. Re-record it with `SHARDQL_RECORD_GOLDEN=1 swift test --filter ExplainGoldenTests`.
@Suite("EXPLAIN golden file")
struct ExplainGoldenTests {
    static let schema = [
        "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT, team INTEGER, score INTEGER)",
        "CREATE TABLE visits(person INTEGER, day INTEGER) DISTRIBUTED BY HASH (person) COLOCATE WITH people",
        "CREATE TABLE teams(team INTEGER PRIMARY KEY, label TEXT) DISTRIBUTED REPLICATED",
        "CREATE TABLE events(kind TEXT, at INTEGER)",  // no key: round-robin
        "INSERT INTO people VALUES (1, 'ada', 1, 10), (2, 'bob', 2, 20), (3, 'cy', 1, NULL), (4, 'di', 3, 5)",
        "INSERT INTO visits VALUES (1, 100), (1, 101), (2, 102), (4, 103)",
        "INSERT INTO teams VALUES (1, 'red'), (2, 'blue'), (3, 'green')",
        "INSERT INTO events VALUES ('a', 1), ('b', 2)",
    ]

    static let queries = [
        "SELECT name FROM people WHERE id = 3",
        "SELECT name FROM people WHERE id IN (1, 2, 3, 4) ORDER BY name",
        "SELECT * FROM people WHERE score > 5",
        "SELECT team, count(*), avg(score) FROM people GROUP BY team HAVING count(*) > 1 ORDER BY 2 DESC",
        "SELECT id, count(*) FROM people JOIN visits ON visits.person = people.id GROUP BY id",
        "SELECT name, score FROM people ORDER BY score DESC NULLS LAST LIMIT 2 OFFSET 1",
        "SELECT p.name, t.label FROM people p JOIN teams t ON t.team = p.team WHERE p.id = 2",
        "SELECT label FROM teams ORDER BY label",
        "SELECT count(*) FROM events",
        "SELECT DISTINCT team FROM people",
        "SELECT name, row_number() OVER (ORDER BY score) FROM people",
        "SELECT count(*) FROM people p JOIN visits v ON v.day = p.id",
    ]

    static var goldenPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/explain.txt").path
    }

    @Test func explainMatchesTheGoldenFile() async throws {
        let text = try await DifferentialTests.withCluster(shards: 4) { cluster in
            for sql in Self.schema { _ = try await cluster.execute(sql) }
            var text = ""
            for sql in Self.queries {
                let lines = try await cluster.execute("EXPLAIN " + sql).last?.rows.map { row -> String in
                    if case .text(let line) = row[0] { return line.string }
                    return "\(row[0])"
                } ?? []
                text += "> " + sql + "\n" + lines.joined(separator: "\n") + "\n\n"
            }
            return text
        }
        if ProcessInfo.processInfo.environment["SHARDQL_RECORD_GOLDEN"] == "1" {
            try text.write(toFile: Self.goldenPath, atomically: true, encoding: .utf8)
            return
        }
        let golden = try String(contentsOfFile: Self.goldenPath, encoding: .utf8)
        #expect(text == golden, "EXPLAIN output changed; if intended, re-record with SHARDQL_RECORD_GOLDEN=1:\n\(text)")
    }

    @Test func explainAnalyzeReportsEveryShard() async throws {
        try await DifferentialTests.withCluster(shards: 4) { cluster in
            for sql in Self.schema { _ = try await cluster.execute(sql) }
            let rows = try await cluster.execute("EXPLAIN ANALYZE SELECT team, count(*) FROM people GROUP BY team").last?.rows ?? []
            let lines = rows.compactMap { row -> String? in
                if case .text(let line) = row[0] { return line.string }
                return nil
            }
            #expect(lines.first == "Tier: pushdown")
            let shardLines = lines.filter { $0.hasPrefix("Shard ") && $0.contains(" rows in ") }
            #expect(shardLines.count == 4, "\(lines)")
            // The shards' partial rows add up: 4 people in 3 teams, at most one row per team and shard.
            let partialRows = shardLines.compactMap { line in
                line.split(separator: ": ").dropFirst().first.flatMap { Int($0.split(separator: " ")[0]) }
            }.reduce(0, +)
            #expect((3...4).contains(partialRows), "\(lines)")
            // Each names the node whose copy answered: the in-process worker here.
            #expect(shardLines.allSatisfy { $0.contains(" on local: ") }, "\(lines)")
            #expect(lines.last?.hasPrefix("Result: 3 rows in ") == true, "\(lines)")
        }
    }
}
