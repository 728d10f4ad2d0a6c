import Foundation
import ShardQL
import Testing

@Suite("Swift API: parameters")
struct ParameterTests {
    /// What SQLite stores for a value bound to a column without affinity: (typeof, quote()).
    func stored(_ value: (any SQLValueConvertible)?, in database: Database) async throws -> (String, String) {
        try await database.execute("DELETE FROM v")
        try await database.execute("INSERT INTO v VALUES (1, ?)", parameters: [value])
        let row = try #require(try await database.fetchOne("SELECT typeof(x), quote(x) FROM v"))
        return (try row.get(0), try row.get(1))
    }

    @Test func everySwiftTypeBindsAsSQLiteWouldBindIt() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE v(k INTEGER PRIMARY KEY, x)")
            #expect(try await stored(42, in: database) == ("integer", "42"))
            #expect(try await stored(-7, in: database) == ("integer", "-7"))
            #expect(try await stored(Int64.min, in: database) == ("integer", "-9223372036854775808"))
            #expect(try await stored(Int64.max, in: database) == ("integer", "9223372036854775807"))
            #expect(try await stored(Int32(-5), in: database) == ("integer", "-5"))
            #expect(try await stored(2.5, in: database) == ("real", "2.5"))
            #expect(try await stored(-0.1, in: database) == ("real", "-0.1"))
            #expect(try await stored(Double.infinity, in: database) == ("real", "Inf"))
            #expect(try await stored(-Double.infinity, in: database) == ("real", "-Inf"))
            #expect(try await stored(Double.nan, in: database) == ("null", "NULL"))
            #expect(try await stored("it's", in: database) == ("text", "'it''s'"))
            #expect(try await stored("", in: database) == ("text", "''"))
            #expect(try await stored(true, in: database) == ("integer", "1"))
            #expect(try await stored(false, in: database) == ("integer", "0"))
            #expect(try await stored(Data([0, 1, 0xFF]), in: database) == ("blob", "X'0001FF'"))
            #expect(try await stored([UInt8]([0xAB]), in: database) == ("blob", "X'AB'"))
            #expect(try await stored([UInt8](), in: database) == ("blob", "X''"))
            #expect(try await stored(nil, in: database) == ("null", "NULL"))
            #expect(try await stored(Int?.none, in: database) == ("null", "NULL"))
            #expect(try await stored(Optional("x"), in: database) == ("text", "'x'"))
            #expect(try await stored(Date(timeIntervalSince1970: 1.5), in: database) == ("text", "'1970-01-01 00:00:01.500'"))
            #expect(try await stored(SQLValue.integer(3), in: database) == ("integer", "3"))
        }
    }

    @Test func valuesAreNeverParsedAsSQL() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT)")
            let hostile = "x'); DROP TABLE t; --"
            try await database.execute("INSERT INTO t VALUES (1, ?)", parameters: [hostile])
            #expect(try await database.fetchOne("SELECT s FROM t")?.get(0) == hostile)
            // Text holding NUL bytes survives byte for byte.
            let withNUL = "a\u{0}b"
            try await database.execute("INSERT INTO t VALUES (2, ?)", parameters: [withNUL])
            let row = try #require(try await database.fetchOne("SELECT s, length(s), typeof(s) FROM t WHERE id = 2"))
            #expect(row[0] == .text(SQLText(bytes: [0x61, 0, 0x62])))
            #expect(try row.get(2) == "text")
        }
    }

    @Test func realsRoundTripBitForBit() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE r(k INTEGER PRIMARY KEY, x REAL)")
            var generator = SystemRandomNumberGenerator()
            var values: [Double] = [0.1, 1e300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 123456789.123456789, 1 / 3]
            for _ in 0..<300 {
                values.append(Double(bitPattern: generator.next() & ~(0x7FF << 52) | (UInt64.random(in: 900...1150) << 52)))
            }
            for (index, value) in values.enumerated() {
                try await database.execute("INSERT INTO r VALUES (?, ?)", parameters: [index, value])
            }
            for (index, value) in values.enumerated() {
                let read: Double = try #require(try await database.fetchOne("SELECT x FROM r WHERE k = ?", parameters: [index])?.get(0))
                #expect(read.bitPattern == value.bitPattern, "\(value) came back as \(read)")
                // The bound value also compares equal inside SQLite.
                #expect(try await database.fetchOne("SELECT k FROM r WHERE x = ?", parameters: [value])?.get(0) == index)
            }
        }
    }

    @Test func namedParametersFollowSQLiteNumbering() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE t(a, b, c)")
            try await database.execute("INSERT INTO t VALUES (:a, @b, $c)", parameters: ["a": 1, "@b": 2, "c": 3])
            #expect(try await database.fetchOne("SELECT a, b, c FROM t")?.values == [.integer(1), .integer(2), .integer(3)])
            // A name used twice is one parameter; names can be bound by position, in order of first use.
            let row = try await database.fetchOne("SELECT :x + :y + :x", parameters: [10, 1])
            #expect(try row?.get(0) == 21)
            // ?NNN sets the number; a bare ? takes the next one.
            #expect(try await database.fetchOne("SELECT ?2, ?1, ?", parameters: [1, 2, 3])?.values == [.integer(2), .integer(1), .integer(3)])
        }
    }

    @Test func mismatchedParametersAreErrors() async throws {
        try await withDatabase { database in
            await expectError(.invalidArgument) { try await database.fetchAll("SELECT ?, ?", parameters: [1]) }
            await expectError(.invalidArgument) { try await database.fetchAll("SELECT ?", parameters: [1, 2]) }
            await expectError(.invalidArgument) { try await database.fetchAll("SELECT ?") }
            await expectError(.invalidArgument) { try await database.fetchAll("SELECT :a", parameters: ["b": 1]) }
            await expectError(.invalidArgument) { try await database.fetchAll("SELECT :a", parameters: ["a": 1, "b": 2]) }
            await expectError(.invalidArgument) { try await database.fetchAll("SELECT ?", parameters: ["a": 1]) }
            await expectError(.syntaxError) { try await database.fetchAll("SELECT ?0", parameters: [1]) }
        }
    }

    @Test func parametersPruneShardsLikeLiterals() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
            for id in 1...20 { try await database.execute("INSERT INTO t VALUES (?, ?)", parameters: [id, "v\(id)"]) }
            #expect(try await database.explain("SELECT v FROM t WHERE id = ?", parameters: [-3]).tier == .router)
            #expect(try await database.fetchOne("SELECT v FROM t WHERE id = ?", parameters: [7])?.get(0) == "v7")
            #expect(try await database.fetchAll("SELECT v FROM t WHERE id IN (?, ?) ORDER BY id", parameters: [3, 19]).map { try $0.get(0) as String } == ["v3", "v19"])
        }
    }

    @Test func preparedStatementsRunManyTimes() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
            let insert = try database.prepare("INSERT INTO t VALUES (:id, :v)")
            #expect(insert.parameterCount == 2)
            #expect(insert.parameterNames == [":id", ":v"])
            for id in 1...10 { try await insert.execute(parameters: ["id": id, "v": "n\(id)"]) }
            let lookup = try database.prepare("SELECT v FROM t WHERE id = ?")
            #expect(lookup.parameterCount == 1)
            #expect(try await lookup.fetchOne(parameters: [4])?.get(0) == "n4")
            #expect(try await lookup.fetchAll(String.self, parameters: [9]) == ["n9"])
            do {
                _ = try database.prepare("SELECT * FROM t WHERE id = = ?")
                Issue.record("a syntax error should be thrown at prepare")
            } catch let error as ShardQLError {
                #expect(error.code == .syntaxError)
                #expect(error.location?.column == 28)
            }
        }
    }
}
