import ShardQLBase
import Testing

@testable import SQLSyntax

@Suite("Parser")
struct ParserTests {
    let noRanges = ParseOptions(recordsSourceRanges: false)

    func expr(_ sql: String) throws -> Expr {
        try SQLParser.parseExpression(sql, options: noRanges)
    }

    func column(_ name: String) -> Expr { Expr(.column(ColumnReference(column: Identifier(name)))) }
    func int(_ text: String) -> Expr { Expr(.literal(Literal(.integer, text: text))) }

    @Test func precedenceFollowsSQLite() throws {
        // NOT binds looser than =, so NOT a = b is NOT (a = b).
        #expect(try expr("NOT a = b") == Expr(.unary(.not, Expr(.binary(.equals, column("a"), column("b"))))))
        // A NOT in operand position takes a comparison-level operand.
        #expect(try expr("a = NOT b") == Expr(.binary(.equals, column("a"), Expr(.unary(.not, column("b"))))))
        // Left associativity at one level.
        #expect(try expr("a - b - c") == Expr(.binary(.subtract, Expr(.binary(.subtract, column("a"), column("b"))), column("c"))))
        // || binds tighter than *, which binds tighter than +.
        #expect(try expr("a + b * c || d") == Expr(.binary(.add, column("a"), Expr(.binary(.multiply, column("b"), Expr(.binary(.concat, column("c"), column("d"))))))))
        // Unary minus binds tighter than COLLATE.
        #expect(try expr("-a COLLATE nocase") == Expr(.collate(Expr(.unary(.negate, column("a"))), Identifier("nocase"))))
        // Comparison binds tighter than equality.
        #expect(try expr("a = b < c") == Expr(.binary(.equals, column("a"), Expr(.binary(.less, column("b"), column("c"))))))
    }

    @Test func betweenAndLike() throws {
        let between = try expr("a BETWEEN 1 AND 2 AND c")
        guard case .binary(.and, let left, _) = between.kind, case .between(let b) = left.kind else {
            Issue.record("unexpected \(between)")
            return
        }
        #expect(b.low == int("1") && b.high == int("2") && !b.negated)
        let like = try expr("a NOT LIKE 'x%' ESCAPE '\\'")
        guard case .like(let l) = like.kind else {
            Issue.record("unexpected \(like)")
            return
        }
        #expect(l.negated && l.op == .like && l.escape != nil)
    }

    @Test func isFamily() throws {
        #expect(try expr("a IS NOT NULL") == Expr(.binary(.isNot, column("a"), Expr(.literal(.null)))))
        #expect(try expr("a IS NOT DISTINCT FROM b") == Expr(.binary(.isNotDistinctFrom, column("a"), column("b"))))
        #expect(try expr("a NOT NULL") == Expr(.nullTest(column("a"), .notNullTwoWords)))
        #expect(try expr("a ISNULL") == Expr(.nullTest(column("a"), .isNull)))
    }

    @Test func inForms() throws {
        guard case .inList(let empty) = try expr("a IN ()").kind else {
            Issue.record("not IN")
            return
        }
        #expect(empty.source == .list([]))
        guard case .inList(let table) = try expr("a NOT IN main.t").kind else {
            Issue.record("not IN")
            return
        }
        #expect(table.negated && table.source == .table(QualifiedName(schema: Identifier("main"), name: Identifier("t"))))
        guard case .inList(let select) = try expr("a IN (SELECT 1)").kind, case .select = select.source else {
            Issue.record("not IN select")
            return
        }
    }

    @Test func literalsKeepTheirText() throws {
        #expect(try expr("-9223372036854775808") == Expr(.unary(.negate, int("9223372036854775808"))))
        #expect(try expr("0x1F") == int("0x1F"))
        #expect(try expr("1e3") == Expr(.literal(Literal(.real, text: "1e3"))))
        #expect(try expr("'it''s'") == Expr(.literal(Literal(.string, text: "'it''s'"))))
        #expect(Literal(.string, text: "'it''s'").stringValue == "it's")
        #expect(try expr("TRUE") == Expr(.literal(Literal(.true, text: "TRUE"))))
    }

    @Test func nonReservedKeywordsAreNames() throws {
        let statements = try SQLParser.parse(
            "CREATE TABLE key(action INT, replace TEXT, left INT); SELECT action, replace(replace, 'a', 'b') AS key FROM key",
            options: noRanges)
        #expect(statements.count == 2)
    }

    @Test func limitCommaMeansOffsetFirst() throws {
        let statement = try SQLParser.parseStatement("SELECT a FROM t LIMIT 5, 10", options: noRanges)
        guard case .select(let select) = statement.kind else {
            Issue.record("not a select")
            return
        }
        #expect(select.limit == Limit(count: int("10"), offset: int("5")))
    }

    @Test func distributionClause() throws {
        let statement = try SQLParser.parseStatement(
            "CREATE TABLE o(id INTEGER PRIMARY KEY, c INT) DISTRIBUTED BY HASH (id) SHARDS 8 REPLICAS 2 COLOCATE WITH c",
            options: noRanges)
        guard case .createTable(let table) = statement.kind else {
            Issue.record("not CREATE TABLE")
            return
        }
        #expect(table.distribution == .hash(column: Identifier("id"), shards: 8, replicas: 2, colocateWith: QualifiedName(name: Identifier("c"))))
        let reference = try SQLParser.parseStatement("CREATE TABLE n(k TEXT) DISTRIBUTED REPLICATED", options: noRanges)
        guard case .createTable(let ref) = reference.kind else {
            Issue.record("not CREATE TABLE")
            return
        }
        #expect(ref.distribution == .replicated)
    }

    @Test func triggerBodyKeepsItsStatements() throws {
        let statement = try SQLParser.parseStatement(
            "CREATE TRIGGER tr AFTER UPDATE OF a, b ON t FOR EACH ROW WHEN new.a > 0 BEGIN UPDATE u SET x = new.a; DELETE FROM v; END",
            options: noRanges)
        guard case .createTrigger(let trigger) = statement.kind else {
            Issue.record("not a trigger")
            return
        }
        #expect(trigger.body.count == 2)
        #expect(trigger.event == .update(of: [Identifier("a"), Identifier("b")]))
    }

    @Test func sourceRangesCoverTheNode() throws {
        let sql = "SELECT a + 1 FROM t"
        let statement = try SQLParser.parseStatement(sql)
        #expect(statement.range == SourceRange(start: 0, end: sql.utf8.count))
        guard case .select(let select) = statement.kind, case .select(let core) = select.body.first,
            case .expr(let e, _) = core.columns[0]
        else {
            Issue.record("unexpected shape")
            return
        }
        #expect(e.range == SourceRange(start: 7, end: 12))
    }

    @Test func windowFunctions() throws {
        let sql = """
            SELECT sum(x) FILTER (WHERE x > 0) OVER (PARTITION BY g ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE TIES),
                   rank() OVER w
            FROM t WINDOW w AS (ORDER BY y)
            """
        let statement = try SQLParser.parseStatement(sql, options: noRanges)
        guard case .select(let select) = statement.kind, case .select(let core) = select.body.first else {
            Issue.record("unexpected shape")
            return
        }
        #expect(core.windows.count == 1)
    }

    @Test func scriptSplittingFollowsSQLiteComplete() {
        let script = "SELECT 1; CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT ';'; SELECT 2; END; SELECT 'a;b' -- ;\n; SELECT"
        let pieces = SQLScript(script).pieces
        #expect(pieces.map { $0.text.hasPrefix("CREATE") } == [false, true, false, false])
        #expect(pieces.map(\.isComplete) == [true, true, true, false])
        #expect(!SQLScript(script).isComplete)
        #expect(SQLScript("SELECT 1; -- done\n").isComplete)
    }
}

@Suite("Parser agrees with SQLite's grammar")
struct ParserSQLiteAgreementTests {
    let noRanges = ParseOptions(recordsSourceRanges: false)

    func statement(_ sql: String) throws -> Statement {
        try SQLParser.parseStatement(sql, options: noRanges)
    }

    @Test func explainAnalyzeOfAStatementIsShardQLs() throws {
        let ours = try statement("EXPLAIN ANALYZE SELECT 1")
        guard case .explain(.analyze, let inner) = ours.kind, case .select = inner.kind else {
            Issue.record("unexpected \(ours)")
            return
        }
        // SQLite's reading: EXPLAIN of the ANALYZE statement.
        #expect(try statement("EXPLAIN ANALYZE t") == Statement(.explain(.plan, Statement(.analyze(QualifiedName(name: Identifier("t")))))))
        #expect(try statement("EXPLAIN ANALYZE") == Statement(.explain(.plan, Statement(.analyze(nil)))))
    }

    @Test func castAndRaiseAreNotBareNames() {
        #expect(throws: ShardQLError.self) { try statement("SELECT cast FROM t") }
        #expect(throws: ShardQLError.self) { try statement("SELECT raise.x FROM t") }
    }

    @Test func escapeTakesAComparison() throws {
        let parsed = try SQLParser.parseExpression("a LIKE b ESCAPE c <= d", options: noRanges)
        guard case .like(let like) = parsed.kind, case .binary(.lessOrEqual, _, _)? = like.escape?.kind else {
            Issue.record("unexpected \(parsed)")
            return
        }
    }

    @Test func defaultTakesSQLitesForms() throws {
        #expect(throws: ShardQLError.self) { try statement("CREATE TABLE t(a DEFAULT t.c)") }
        #expect(throws: ShardQLError.self) { try statement("CREATE TABLE t(a DEFAULT f(1))") }
        _ = try statement("CREATE TABLE t(a DEFAULT abc, b DEFAULT -1, c DEFAULT (1 + 2), d DEFAULT true, e DEFAULT CURRENT_TIMESTAMP)")
    }

    @Test func upsertAfterABareFromNeedsWhere() throws {
        // SQLite reads the ON as a join constraint and fails; so do we.
        #expect(throws: ShardQLError.self) { try statement("INSERT INTO t SELECT * FROM s ON CONFLICT DO NOTHING") }
        let withWhere = try statement("INSERT INTO t SELECT * FROM s WHERE true ON CONFLICT DO NOTHING")
        guard case .insert(var insert) = withWhere.kind, case .select(var select) = insert.source,
            case .select(var core) = select.body.first
        else {
            Issue.record("unexpected \(withWhere)")
            return
        }
        // A tree built without the WHERE prints one, so SQLite (and our parser) can read it.
        core.whereClause = nil
        select.body.first = .select(core)
        insert.source = .select(select)
        let printed = SQLPrinter.print(Statement(.insert(insert)))
        #expect(printed == "INSERT INTO t SELECT * FROM s WHERE true ON CONFLICT DO NOTHING")
    }

    @Test func valuesTakesNoOrderBy() {
        #expect(throws: ShardQLError.self) { try statement("VALUES (1), (2) ORDER BY 1") }
        #expect(throws: ShardQLError.self) { try statement("SELECT 1 UNION VALUES (2) LIMIT 1") }
    }

    @Test func createTableAsSelectTakesADistribution() throws {
        let parsed = try statement("CREATE TABLE t AS SELECT a FROM u DISTRIBUTED BY HASH (a) SHARDS 2")
        guard case .createTable(let table) = parsed.kind else {
            Issue.record("unexpected \(parsed)")
            return
        }
        #expect(table.distribution == .hash(column: Identifier("a"), shards: 2, replicas: nil, colocateWith: nil))
        #expect(try statement(SQLPrinter.print(parsed)) == parsed)
    }
}

@Suite("Keywords")
struct KeywordTests {
    @Test func everyKeywordIsFoundInAnyCase() {
        for keyword in Keyword.allCases {
            #expect(Keyword.lookup(keyword.rawValue) == keyword)
            #expect(Keyword.lookup(keyword.rawValue.lowercased()) == keyword)
        }
    }

    @Test func nonKeywordsAreNotFound() {
        for word in ["a", "selec", "selects", "_select", "s3lect", "CURRENT_TIMESTAMPS", "ünion", "", "x", "tab1", "rowid"] {
            #expect(Keyword.lookup(word) == nil, "\(word)")
        }
    }
}
