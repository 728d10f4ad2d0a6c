import Foundation
import ShardQL
import Testing

@Suite("Swift API: rows, decoding, streaming")
struct RowTests {
    enum Level: String, Decodable { case low, high }

    struct Person: Decodable, Equatable {
        var id: Int
        var name: String
        var nickname: String?
        var score: Double
        var active: Bool
        var joined: Date
        var level: Level
        var avatar: Data?
    }

    @Test func decodesRowsIntoStructs() async throws {
        try await withDatabase { database in
            try await database.execute(
                "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT, nickname TEXT, score REAL, active INT, joined TEXT, level TEXT, avatar BLOB)")
            let joined = Date(timeIntervalSince1970: 1_700_000_000.25)
            try await database.execute(
                "INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                parameters: [1, "Ada", nil, 9.5, true, joined, "high", Data([1, 2])])
            try await database.execute(
                "INSERT INTO people VALUES (2, 'Grace', 'amazing', 7, 0, '2024-02-29 12:00:00', 'low', NULL)")
            let people = try await database.fetchAll(Person.self, "SELECT * FROM people ORDER BY id")
            #expect(people == [
                Person(id: 1, name: "Ada", nickname: nil, score: 9.5, active: true, joined: joined, level: .high, avatar: Data([1, 2])),
                Person(
                    id: 2, name: "Grace", nickname: "amazing", score: 7, active: false,
                    joined: Date(timeIntervalSince1970: 1_709_208_000), level: .low, avatar: nil),
            ])
            #expect(try await database.fetchOne(Int.self, "SELECT count(*) FROM people") == 2)
        }
    }

    struct Strict: Decodable { var id: Int; var name: Int }
    struct Missing: Decodable { var id: Int; var age: Int }

    @Test func aDecodingMismatchNamesTheColumn() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)")
            try await database.execute("INSERT INTO t VALUES (1, 'Ada')")
            let mismatch = await expectError(.typeMismatch) { try await database.fetchAll(Strict.self, "SELECT * FROM t") }
            #expect(mismatch?.message.contains("column 'name'") == true)
            #expect(mismatch?.message.contains("Ada") == true)
            let missing = await expectError(.invalidArgument) { try await database.fetchAll(Missing.self, "SELECT * FROM t") }
            #expect(missing?.message.contains("'age'") == true)
            let row = try #require(try await database.fetchOne("SELECT * FROM t"))
            await expectError(.typeMismatch) { try row.get("id", as: String.self) }
            await expectError(.invalidArgument) { try row.get("nope", as: Int.self) }
            await expectError(.invalidArgument) { try row.get(5, as: Int.self) }
            #expect(try row.get("name", as: String?.self) == "Ada")
        }
    }

    @Test func typedGettersConvertStrictly() async throws {
        try await withDatabase { database in
            let row = try #require(try await database.fetchOne("SELECT 3, 2.0, 2.5, '7', NULL, x'00ff', 300"))
            #expect(try row.get(0, as: Int.self) == 3)
            #expect(try row.get(0, as: Double.self) == 3.0)
            #expect(try row.get(1, as: Int.self) == 2, "a REAL with no fraction reads as an integer")
            await expectError(.typeMismatch) { try row.get(2, as: Int.self) }
            await expectError(.typeMismatch) { try row.get(3, as: Int.self) }
            await expectError(.typeMismatch) { try row.get(4, as: Int.self) }
            #expect(try row.get(4, as: Int?.self) == nil)
            #expect(try row.get(5, as: [UInt8].self) == [0, 0xFF])
            await expectError(.typeMismatch) { try row.get(6, as: UInt8.self) }
            #expect(try row.get(6, as: Int16.self) == 300)
        }
    }

    @Test func rowsStreamAndCancellationStopsTheShards() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE big(id INTEGER PRIMARY KEY, v TEXT)")
            try await database.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) INSERT INTO big SELECT i, printf('row %d', i) FROM n")
            // Leaving the loop early is fine and the database stays usable.
            var seen = 0
            for try await _ in try await database.query("SELECT * FROM big") {
                seen += 1
                if seen == 10 { break }
            }
            #expect(seen == 10)
            // Cancelling the task mid-stream ends the iteration with a cancellation error.
            let reader = Task {
                var count = 0
                do throws(ShardQLError) {
                    for try await _ in try await database.query("SELECT * FROM big") {
                        count += 1
                        if count == 100 { withUnsafeCurrentTask { $0?.cancel() } }
                    }
                    return (count, ShardQLError.Code?.none)
                } catch {
                    return (count, Optional(error.code))
                }
            }
            let (count, code) = await reader.value
            #expect(code == .cancelled)
            #expect(count < 50000)
            #expect(try await database.fetchOne(Int.self, "SELECT count(*) FROM big") == 50000)
        }
    }
}
