import Foundation
import ShardQLBase
import Testing

@testable import SQLSyntax

/// Error positions are marked inside the SQL with `⏏`, where the parser must point.
@Suite("Parser errors")
struct ParserErrorTests {
    /// Parses `marked` with the marker removed and checks the error's message and location.
    func expectError(
        _ marked: String, _ message: String, code: ShardQLError.Code = .syntaxError,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        guard let markerRange = marked.range(of: "⏏") else {
            Issue.record("no ⏏ marker in \(marked)", sourceLocation: sourceLocation)
            return
        }
        let sql = marked.replacingCharacters(in: markerRange, with: "")
        let expected = ShardQLBase.SourceLocation(offset: marked[..<markerRange.lowerBound].utf8.count, in: sql)
        do {
            let statements = try SQLParser.parse(sql)
            Issue.record("expected an error, parsed \(statements)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, sourceLocation: sourceLocation)
            #expect(error.message == message, sourceLocation: sourceLocation)
            #expect(error.location == expected, "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func missingTableName() {
        expectError("SELECT * FROM ⏏WHERE x = 1", "expected table name, found 'WHERE'")
    }

    @Test func misspelledKeyword() {
        expectError("SELECT * ⏏FORM t", "expected ';' or end of input, found 'FORM' (did you mean FROM?)")
        // After a table, a misspelled keyword reads as an alias; the error after it says so.
        expectError("SELECT a FROM t WHER ⏏a = 1", "expected ';' or end of input, found 'a' ('WHER' was read as an alias: did you mean WHERE or WHEN?)")
        expectError("SELECT a FROM t ORDRE ⏏BY a", "expected ';' or end of input, found 'BY' ('ORDRE' was read as an alias: did you mean ORDER?)")
        // An ordinary name far from every keyword gets no hint.
        expectError("SELECT a FROM t u ⏏v", "expected ';' or end of input, found 'v'")
    }

    @Test func descriptionReadsLikeTheSpecification() throws {
        do {
            _ = try SQLParser.parse("SELECT a\n  FROM t\n WHERE ⏏".replacingOccurrences(of: "⏏", with: ""))
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "syntax error at line 3, column 8: expected expression, found end of input")
        }
    }

    @Test func positionsAreInCharactersOnTheirLine() {
        expectError("SELECT 'ünïcödé',\n  'ß' FROM ⏏", "expected table name, found end of input")
    }

    @Test func unterminatedString() {
        expectError("SELECT ⏏'abc", "unterminated string literal: 'abc")
    }

    @Test func unrecognizedToken() {
        expectError("SELECT 1 ⏏# 2", "unrecognized token: '#'")
        expectError("SELECT ⏏1abc", "unrecognized token: '1abc'")
        expectError("SELECT ⏏X'123'", "malformed blob literal: odd number of hex digits: 'X'123''")
    }

    @Test func missingParenthesis() {
        expectError("SELECT (1 + 2⏏", "expected ')', found end of input")
        expectError("SELECT count(* ⏏FROM t", "expected ')', found 'FROM'")
    }

    @Test func betweenNeedsAnd() {
        expectError("SELECT a BETWEEN 1 ⏏OR 2", "expected AND, found 'OR'")
    }

    @Test func caseNeedsWhen() {
        expectError("SELECT CASE a ⏏END", "expected WHEN, found 'END'")
    }

    @Test func createNeedsObject() {
        expectError("CREATE ⏏THING t", "expected TABLE, INDEX, VIEW or TRIGGER, found 'THING'")
    }

    @Test func distributionClauseErrors() {
        expectError("CREATE TABLE t(a) DISTRIBUTED BY HASH (a) SHARDS ⏏0", "expected shard count (a positive integer), found '0'")
        expectError("CREATE TABLE t(a) DISTRIBUTED ⏏RANDOMLY", "expected BY HASH or REPLICATED, found 'RANDOMLY'")
        expectError("CREATE TABLE t(a) DISTRIBUTED BY ⏏RANGE (a)", "expected HASH, found 'RANGE'")
    }

    @Test func reservedWordAsName() {
        expectError("CREATE TABLE ⏏select(a)", "expected table name, found 'select'")
    }

    @Test func emptyInputIsNoStatements() throws {
        #expect(try SQLParser.parse("  -- only a comment\n ; ;").isEmpty)
        #expect(throws: ShardQLError.self) { try SQLParser.parseStatement("") }
    }

    @Test func nestingIsCapped() throws {
        let deep = String(repeating: "(", count: 1500) + "1" + String(repeating: ")", count: 1500)
        do {
            _ = try SQLParser.parse("SELECT " + deep)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .tooComplex)
            #expect(error.location != nil)
        }
        // A long left-associative chain is built without recursion but is still a deep tree.
        let long = "SELECT " + Array(repeating: "1", count: 5000).joined(separator: " + ")
        #expect(throws: ShardQLError.self) { try SQLParser.parse(long) }
        let fits = "SELECT " + Array(repeating: "1", count: 999).joined(separator: " + ")
        #expect(try SQLParser.parse(fits).count == 1)
    }

    /// A subquery at the bottom of a long chain, itself holding such a chain, and so on: each
    /// expression is shallow, but a walk over the whole would go as deep as all chains together.
    func chainedSubqueries(levels: Int, terms: Int) -> String {
        var sql = "1"
        for _ in 0..<levels {
            sql = "(SELECT " + sql + ")" + String(repeating: " + 1", count: terms)
        }
        return "SELECT " + sql
    }

    @Test func heightCountsSubqueriesAsSQLiteDoes() throws {
        do {
            _ = try SQLParser.parse(chainedSubqueries(levels: 30, terms: 50))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .tooComplex)
            #expect(error.message == "expression tree is too large (maximum depth 1000)")
        }
        let fits = try SQLParser.parse(chainedSubqueries(levels: 20, terms: 20), options: ParseOptions(recordsSourceRanges: false))
        #expect(try SQLParser.parse(SQLPrinter.print(fits), options: ParseOptions(recordsSourceRanges: false)) == fits)
    }

    @Test func nestingUpToTheLimitParses() throws {
        let depth = 190
        let sql = "SELECT " + String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        #expect(try SQLParser.parse(sql).count == 1)
    }
}

extension ParserErrorTests {
    @Test func constraintWithoutJoin() {
        expectError("SELECT * FROM t ⏏ON x", "a JOIN clause is required before ON")
        expectError("INSERT INTO t SELECT * FROM s ⏏ON CONFLICT DO NOTHING", "a JOIN clause is required before ON")
    }
}
