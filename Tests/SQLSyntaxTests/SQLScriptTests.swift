import Testing

@testable import SQLSyntax

@Suite("SQLScript")
struct SQLScriptTests {
    func split(_ sql: String) -> [Substring] { SQLScript(sql).pieces.map(\.text) }

    @Test func splitsAtSemicolonsOutsideStringsCommentsAndTriggers() {
        #expect(split("SELECT 1; SELECT ';' -- a; comment\n; ;") == ["SELECT 1;", "SELECT ';' -- a; comment\n;"])
        let quoted = "SELECT \"a;b\", [c;d], `e;f` /* ; */"
        #expect(split(quoted) == [Substring(quoted)])
        let trigger = "CREATE TEMP TRIGGER r AFTER INSERT ON u BEGIN INSERT INTO v VALUES (1); SELECT 'END;'; END;"
        #expect(split(trigger + " SELECT 2") == [Substring(trigger), "SELECT 2"])
        #expect(split("EXPLAIN CREATE TRIGGER r INSERT ON u BEGIN SELECT 1; END; SELECT 3").count == 2)
        #expect(split("  -- nothing\n ; ").isEmpty)
        #expect(split("SELECT 'é';SELECT 2") == ["SELECT 'é';", "SELECT 2"])
    }
}
