import Testing

@testable import SQLSyntax

// Trees are built by hand here, so these tests do not depend on the parser.

private func col(_ name: String, table: String? = nil, quoting: Identifier.Quoting = .none) -> Expr {
    Expr(.column(ColumnReference(table: table.map { Identifier($0) }, column: Identifier(name, quoting: quoting))))
}
private func int(_ text: String) -> Expr { Expr(.literal(Literal(.integer, text: text))) }
private func str(_ value: String) -> Expr { Expr(.literal(.string(value))) }
private func bin(_ op: BinaryOperator, _ left: Expr, _ right: Expr) -> Expr { Expr(.binary(op, left, right)) }
private func not(_ operand: Expr) -> Expr { Expr(.unary(.not, operand)) }
private func neg(_ operand: Expr) -> Expr { Expr(.unary(.negate, operand)) }
private func paren(_ inner: Expr) -> Expr { Expr(.parenthesized(inner)) }
private func id(_ name: String, _ quoting: Identifier.Quoting = .none) -> Identifier {
    Identifier(name, quoting: quoting)
}
private func qname(_ name: String, schema: String? = nil) -> QualifiedName {
    QualifiedName(schema: schema.map { Identifier($0) }, name: Identifier(name))
}
private func call(_ name: String, _ arguments: [Expr]) -> Expr {
    Expr(.function(FunctionCall(name: Identifier(name), arguments: .list(arguments))))
}
private func selectAll(from table: String, where condition: Expr? = nil) -> Select {
    Select(
        body: SelectBody(
            first: .select(
                SelectClause(
                    columns: [.all], from: JoinClause(first: .table(TableReference(name: qname(table)))),
                    whereClause: condition))))
}
private func selectValues(_ rows: [[Expr]]) -> Select { Select(body: SelectBody(first: .values(rows))) }

@Suite("SQLPrinter: expressions")
struct PrinterExpressionTests {
    @Test(
        "binary operators group as the tree does",
        arguments: [
            (bin(.multiply, bin(.add, col("a"), col("b")), col("c")), "(a + b) * c"),
            (bin(.add, col("a"), bin(.multiply, col("b"), col("c"))), "a + b * c"),
            (bin(.subtract, col("a"), bin(.subtract, col("b"), col("c"))), "a - (b - c)"),
            (bin(.subtract, bin(.subtract, col("a"), col("b")), col("c")), "a - b - c"),
            (bin(.and, col("a"), bin(.or, col("b"), col("c"))), "a AND (b OR c)"),
            (bin(.or, bin(.and, col("a"), col("b")), col("c")), "a AND b OR c"),
            (bin(.equals, col("a"), bin(.equals, col("b"), col("c"))), "a = (b = c)"),
            (bin(.less, bin(.concat, col("a"), col("b")), bin(.bitAnd, col("c"), int("1"))), "a || b < c & 1"),
            (bin(.concat, bin(.extractText, col("j"), str("$.a")), col("b")), "j ->> '$.a' || b"),
            (bin(.isNotDistinctFrom, col("a"), col("b")), "a IS NOT DISTINCT FROM b"),
            (bin(.multiply, paren(bin(.add, col("a"), col("b"))), col("c")), "(a + b) * c"),
            (paren(paren(col("a"))), "((a))"),
        ])
    func binaryGrouping(expr: Expr, expected: String) {
        #expect(SQLPrinter.print(expr) == expected)
    }

    @Test(
        "prefix NOT stays bare only where the parser would read it the same way",
        arguments: [
            (bin(.equals, not(col("a")), col("b")), "(NOT a) = b"),
            (bin(.equals, col("a"), not(col("b"))), "a = NOT b"),
            (not(bin(.equals, col("a"), col("b"))), "NOT a = b"),
            (bin(.is, col("a"), not(col("b"))), "a IS (NOT b)"),
            (bin(.isNot, col("a"), not(col("b"))), "a IS NOT NOT b"),
            (bin(.and, bin(.equals, col("a"), not(col("b"))), col("c")), "a = NOT b AND c"),
            (bin(.equals, bin(.equals, col("a"), not(col("b"))), col("c")), "a = (NOT b) = c"),
            (bin(.equals, col("a"), not(bin(.equals, col("b"), col("c")))), "a = NOT b = c"),
            (bin(.add, bin(.add, col("a"), not(col("b"))), col("c")), "a + (NOT b) + c"),
            (bin(.and, not(col("a")), not(col("b"))), "NOT a AND NOT b"),
            (not(bin(.and, col("a"), col("b"))), "NOT (a AND b)"),
            (not(not(col("a"))), "NOT NOT a"),
            (neg(not(col("a"))), "- NOT a"),
            (bin(.add, neg(not(col("a"))), col("b")), "-(NOT a) + b"),
        ])
    func prefixNot(expr: Expr, expected: String) {
        #expect(SQLPrinter.print(expr) == expected)
    }

    @Test(
        "unary signs never print as a comment",
        arguments: [
            (neg(neg(int("1"))), "- -1"),
            (neg(int("-1")), "- -1"),
            (neg(Expr(.unary(.plus, int("1")))), "- +1"),
            (neg(int("1")), "-1"),
            (bin(.subtract, col("a"), neg(int("1"))), "a - -1"),
            (Expr(.unary(.bitNot, neg(col("a")))), "~ -a"),
            (neg(Expr(.collate(col("a"), id("x")))), "-(a COLLATE x)"),
            (Expr(.collate(neg(col("a")), id("x"))), "-a COLLATE x"),
            (neg(bin(.add, col("a"), col("b"))), "-(a + b)"),
        ])
    func unarySigns(expr: Expr, expected: String) {
        #expect(SQLPrinter.print(expr) == expected)
        #expect(!expected.contains("--"))
    }

    @Test(
        "BETWEEN, LIKE, IN and null tests",
        arguments: [
            (
                Expr(
                    .between(
                        BetweenExpression(
                            value: col("a"), negated: false, low: bin(.add, col("b"), int("1")), high: col("c")))),
                "a BETWEEN b + 1 AND c"
            ),
            (
                Expr(
                    .between(
                        BetweenExpression(
                            value: col("a"), negated: true, low: bin(.and, col("x"), col("y")), high: col("c")))),
                "a NOT BETWEEN (x AND y) AND c"
            ),
            (
                bin(
                    .and,
                    Expr(.between(BetweenExpression(value: col("a"), negated: false, low: col("b"), high: col("c")))),
                    col("d")),
                "a BETWEEN b AND c AND d"
            ),
            (
                Expr(
                    .between(
                        BetweenExpression(
                            value: col("a"), negated: false, low: col("b"), high: bin(.equals, col("c"), col("d"))))),
                "a BETWEEN b AND (c = d)"
            ),
            (
                Expr(
                    .between(
                        BetweenExpression(
                            value: bin(.equals, col("a"), col("b")), negated: false, low: col("c"), high: col("d")))),
                "a = b BETWEEN c AND d"
            ),
            (
                Expr(.between(BetweenExpression(value: col("a"), negated: false, low: not(col("b")), high: col("c")))),
                "a BETWEEN NOT b AND c"
            ),
            (
                Expr(
                    .like(
                        LikeExpression(
                            value: col("a"), negated: false, op: .like, pattern: str("x%"), escape: str("\\")))),
                "a LIKE 'x%' ESCAPE '\\'"
            ),
            (
                Expr(
                    .like(
                        LikeExpression(
                            value: col("a"), negated: true, op: .glob, pattern: bin(.concat, col("b"), str("*"))))),
                "a NOT GLOB b || '*'"
            ),
            (
                Expr(
                    .like(
                        LikeExpression(
                            value: col("a"), negated: false, op: .like, pattern: bin(.equals, col("b"), col("c"))))),
                "a LIKE (b = c)"
            ),
            (
                Expr(
                    .like(
                        LikeExpression(
                            value: col("a"), negated: false, op: .like, pattern: not(col("b")), escape: col("e")))),
                "a LIKE NOT b ESCAPE e"
            ),
            (
                Expr(
                    .like(
                        LikeExpression(
                            value: col("a"), negated: false, op: .match, pattern: col("b"),
                            escape: bin(.equals, col("e"), col("f"))))),
                "a MATCH b ESCAPE (e = f)"
            ),
            (
                Expr(.inList(InExpression(value: col("a"), negated: false, source: .list([int("1"), int("2")])))),
                "a IN (1, 2)"
            ),
            (Expr(.inList(InExpression(value: col("a"), negated: true, source: .list([])))), "a NOT IN ()"),
            (
                Expr(.inList(InExpression(value: col("a"), negated: false, source: .select(selectAll(from: "t"))))),
                "a IN (SELECT * FROM t)"
            ),
            (
                Expr(
                    .inList(InExpression(value: col("a"), negated: false, source: .table(qname("t", schema: "main"))))),
                "a IN main.t"
            ),
            (
                Expr(
                    .inList(
                        InExpression(
                            value: col("a"), negated: true, source: .tableFunction(qname("f", schema: "s"), [int("1")]))
                    )),
                "a NOT IN s.f(1)"
            ),
            (
                Expr(.inList(InExpression(value: not(col("a")), negated: false, source: .list([int("1")])))),
                "(NOT a) IN (1)"
            ),
            (Expr(.nullTest(col("a"), .isNull)), "a ISNULL"),
            (Expr(.nullTest(col("a"), .notNullTwoWords)), "a NOT NULL"),
            (Expr(.nullTest(bin(.equals, col("a"), col("b")), .notNull)), "a = b NOTNULL"),
            (Expr(.nullTest(bin(.or, col("a"), col("b")), .notNull)), "(a OR b) NOTNULL"),
            // A postfix form needs no parentheses as a left operand where the parser applies it.
            (bin(.lessOrEqual, Expr(.nullTest(col("a"), .isNull)), col("b")), "a ISNULL <= b"),
            (
                bin(
                    .add, Expr(.inList(InExpression(value: col("a"), negated: false, source: .list([int("1")])))),
                    int("1")),
                "a IN (1) + 1"
            ),
            (
                bin(.add, col("c"), bin(.multiply, Expr(.nullTest(col("a"), .isNull)), col("b"))),
                "c + (a ISNULL) * b"
            ),
            (bin(.equals, col("a"), Expr(.nullTest(col("b"), .isNull))), "a = (b ISNULL)"),
            (neg(Expr(.nullTest(col("a"), .notNullTwoWords))), "-(a NOT NULL)"),
        ])
    func postfixForms(expr: Expr, expected: String) {
        #expect(SQLPrinter.print(expr) == expected)
    }

    @Test func primaries() {
        let caseExpr = Expr(
            .caseWhen(
                CaseExpression(
                    base: col("x"),
                    whenClauses: [
                        .init(condition: int("1"), result: str("one")), .init(condition: int("2"), result: str("two")),
                    ],
                    elseResult: Expr(.literal(.null)))))
        #expect(caseExpr.description == "CASE x WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE NULL END")

        let cast = Expr(
            .cast(bin(.add, col("a"), int("1")), TypeName(words: [id("DECIMAL")], arguments: ["10", "-2"])))
        #expect(cast.description == "CAST(a + 1 AS DECIMAL(10, -2))")

        let window = FunctionCall(
            name: id("count"), distinct: true, arguments: .list([col("a")]), filter: bin(.greater, col("a"), int("0")),
            over: .definition(
                WindowDefinition(
                    base: id("w"), partitionBy: [col("b")],
                    orderBy: [OrderingTerm(expr: col("c"), direction: .descending, nulls: .last)],
                    frame: FrameSpec(unit: .rows, start: .preceding(int("1")), end: .currentRow, exclude: .ties))))
        #expect(
            Expr(.function(window)).description
                == "count(DISTINCT a) FILTER (WHERE a > 0) OVER (w PARTITION BY b ORDER BY c DESC NULLS LAST "
                + "ROWS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE TIES)")
        let star = FunctionCall(name: id("count"), arguments: .star, over: .named(id("w")))
        #expect(Expr(.function(star)).description == "count(*) OVER w")
        #expect(call("random", []).description == "random()")
        let frame = FrameSpec(unit: .groups, start: .unboundedPreceding)
        let ranked = FunctionCall(
            name: id("rank"), arguments: .list([]), over: .definition(WindowDefinition(frame: frame)))
        #expect(Expr(.function(ranked)).description == "rank() OVER (GROUPS UNBOUNDED PRECEDING)")

        #expect(Expr(.exists(selectAll(from: "t"))).description == "EXISTS (SELECT * FROM t)")
        #expect(not(Expr(.exists(selectAll(from: "t")))).description == "NOT EXISTS (SELECT * FROM t)")
        #expect(Expr(.subquery(selectValues([[int("1")]]))).description == "(VALUES (1))")
        #expect(Expr(.row([col("a"), col("b")])).description == "(a, b)")
        #expect(Expr(.raise(.ignore, nil)).description == "RAISE(IGNORE)")
        #expect(Expr(.raise(.abort, str("no"))).description == "RAISE(ABORT, 'no')")
        #expect(Expr(.parameter("?1")).description == "?1")
        #expect(Expr(.parameter(":name")).description == ":name")
        #expect(Expr(.literal(Literal(.blob, text: "x'00FF'"))).description == "x'00FF'")
        #expect(col("c", table: "t").description == "t.c")
        let qualified = ColumnReference(schema: id("main"), table: id("t"), column: id("c"))
        #expect(Expr(.column(qualified)).description == "main.t.c")
    }
}

@Suite("SQLPrinter: identifiers")
struct PrinterIdentifierTests {
    @Test(
        "names print as quoted, or bare when the parser takes them bare",
        arguments: [
            (id("select"), "\"select\""),
            (id("Where"), "\"Where\""),
            (id("key"), "key"),
            (id("left"), "left"),
            (id("indexed"), "indexed"),
            (id("window"), "window"),
            (id("t_1$x"), "t_1$x"),
            (id("café"), "café"),
            (id("a b"), "\"a b\""),
            (id("1abc"), "\"1abc\""),
            (id(""), "\"\""),
            (id("a\"b"), "\"a\"\"b\""),
            (id("a\"b", .doubleQuotes), "\"a\"\"b\""),
            (id("select", .doubleQuotes), "\"select\""),
            (id("x y", .brackets), "[x y]"),
            (id("a]b", .brackets), "\"a]b\""),
            (id("a`b", .backticks), "`a``b`"),
            (id("it's", .singleQuotes), "'it''s'"),
        ])
    func quoting(identifier: Identifier, expected: String) {
        var writer = SQLWriter()
        writer.identifier(identifier)
        #expect(writer.output == expected)
    }

    @Test func wordsThatWouldReadAsLiterals() {
        #expect(col("true").description == "\"true\"")
        #expect(col("FALSE").description == "\"FALSE\"")
        #expect(col("current_time").description == "\"current_time\"")
        #expect(col("true", table: "t").description == "t.true")
        #expect(col("c", table: "current_date").description == "\"current_date\".c")
        #expect(call("cast", [col("a")]).description == "\"cast\"(a)")
        #expect(col("cast", table: "t").description == "t.cast")
        #expect(call("left", [col("a")]).description == "left(a)")
        let type = TypeName(words: [id("key"), id("left"), id("generated")])
        #expect(Expr(.cast(col("a"), type)).description == "CAST(a AS key \"left\" \"generated\")")
        let pragma = Statement(.pragma(Pragma(name: qname("foreign_keys"), form: .assign(.name(id("ON"))))))
        #expect(pragma.description == "PRAGMA foreign_keys = ON")
        let select = Statement(.pragma(Pragma(name: qname("x"), form: .call(.name(id("select"))))))
        #expect(select.description == "PRAGMA x(\"select\")")
    }
}

@Suite("SQLPrinter: statements")
struct PrinterStatementTests {
    @Test func selectWithEverything() {
        let cte = CommonTableExpression(
            name: id("r"), columns: [id("n")], materialization: .notMaterialized, select: selectValues([[int("1")]]))
        let from = JoinClause(
            first: .table(
                TableReference(name: qname("t", schema: "main"), alias: id("x"), indexHint: .indexedBy(id("i")))),
            joins: [
                Join(op: JoinOperator(.comma), table: .table(TableReference(name: qname("u"), indexHint: .notIndexed))),
                Join(
                    op: JoinOperator(.left), table: .subquery(selectAll(from: "v"), alias: id("v")),
                    constraint: .on(bin(.equals, col("a", table: "v"), col("a", table: "x")))),
                Join(
                    op: JoinOperator(.inner, natural: true),
                    table: .tableFunction(name: qname("json_each"), arguments: [col("j")], alias: nil)),
                Join(
                    op: JoinOperator(.cross),
                    table: .join(
                        JoinClause(
                            first: .table(TableReference(name: qname("p"))),
                            joins: [
                                Join(
                                    op: JoinOperator(.full), table: .table(TableReference(name: qname("q"))),
                                    constraint: .using([id("k")]))
                            ]))),
            ])
        let core = SelectClause(
            quantifier: .distinct,
            columns: [
                .all, .allOf(id("x")), .expr(bin(.add, col("a"), int("1")), alias: id("b")),
                .expr(col("c"), alias: nil),
            ],
            from: from, whereClause: bin(.greater, col("a"), int("0")), groupBy: [col("a"), col("c")],
            having: bin(.greater, call("count", [col("a")]), int("1")),
            windows: [NamedWindow(name: id("w"), definition: WindowDefinition(partitionBy: [col("a")]))])
        let select = Select(
            with: WithClause(recursive: true, tables: [cte]),
            body: SelectBody(
                first: .select(core),
                compounds: [
                    CompoundPart(op: .unionAll, core: .values([[int("1"), int("2")], [int("3"), int("4")]])),
                    CompoundPart(
                        op: .except,
                        core: .select(SelectClause(quantifier: .all, columns: [.expr(int("1"), alias: nil)]))),
                ]),
            orderBy: [OrderingTerm(expr: Expr(.collate(col("a"), id("NOCASE"))), direction: .ascending, nulls: .first)],
            limit: Limit(count: int("10"), offset: int("5")))
        #expect(
            select.description
                == "WITH RECURSIVE r(n) AS NOT MATERIALIZED (VALUES (1)) "
                + "SELECT DISTINCT *, x.*, a + 1 AS b, c FROM main.t AS x INDEXED BY i, u NOT INDEXED "
                + "LEFT JOIN (SELECT * FROM v) AS v ON v.a = x.a NATURAL JOIN json_each(j) "
                + "CROSS JOIN (p FULL JOIN q USING (k)) "
                + "WHERE a > 0 GROUP BY a, c HAVING count(a) > 1 WINDOW w AS (PARTITION BY a) "
                + "UNION ALL VALUES (1, 2), (3, 4) EXCEPT SELECT ALL 1 "
                + "ORDER BY a COLLATE NOCASE ASC NULLS FIRST LIMIT 10 OFFSET 5")
    }

    @Test func insertWithUpsertAndReturning() {
        let insert = Insert(
            verb: .insert(.abort), table: qname("t", schema: "main"), alias: id("n"), columns: [id("id"), id("v")],
            source: .select(selectValues([[int("1"), str("a")], [Expr(.parameter("?")), Expr(.parameter("?"))]])),
            upserts: [
                Upsert(
                    target: [IndexedColumn(expr: col("id"))], targetWhere: bin(.greater, col("id"), int("0")),
                    action: .nothing),
                Upsert(
                    action: .update(
                        [
                            Assignment(columns: [id("v")], value: col("v", table: "excluded")),
                            Assignment(columns: [id("a"), id("b")], value: Expr(.row([int("1"), int("2")]))),
                            Assignment(columns: [id("c")], parenthesized: true, value: int("3")),
                        ],
                        whereClause: bin(.notEquals, col("v"), col("v", table: "excluded")))),
            ],
            returning: [.all, .expr(col("id"), alias: id("key"))])
        #expect(
            Statement(.insert(insert)).description
                == "INSERT OR ABORT INTO main.t AS n (id, v) VALUES (1, 'a'), (?, ?) "
                + "ON CONFLICT (id) WHERE id > 0 DO NOTHING "
                + "ON CONFLICT DO UPDATE SET v = excluded.v, (a, b) = (1, 2), (c) = 3 WHERE v != excluded.v "
                + "RETURNING *, id AS key")

        let replace = Insert(verb: .replace, table: qname("t"), source: .defaultValues)
        #expect(Statement(.insert(replace)).description == "REPLACE INTO t DEFAULT VALUES")
        let withInsert = Insert(
            with: WithClause(
                recursive: false, tables: [CommonTableExpression(name: id("c"), select: selectValues([[int("1")]]))]),
            table: qname("t"), source: .select(selectAll(from: "c")))
        #expect(Statement(.insert(withInsert)).description == "WITH c AS (VALUES (1)) INSERT INTO t SELECT * FROM c")
    }

    @Test func updateAndDelete() {
        let update = Update(
            conflict: .ignore, table: TableReference(name: qname("t"), alias: id("x")),
            assignments: [Assignment(columns: [id("a")], value: bin(.add, col("a"), int("1")))],
            from: JoinClause(first: .table(TableReference(name: qname("u")))),
            whereClause: bin(.equals, col("id", table: "u"), col("id", table: "x")),
            returning: [.expr(col("a"), alias: nil)],
            orderBy: [OrderingTerm(expr: col("a"))], limit: Limit(count: int("1")))
        #expect(
            Statement(.update(update)).description
                == "UPDATE OR IGNORE t AS x SET a = a + 1 FROM u WHERE u.id = x.id RETURNING a ORDER BY a LIMIT 1")
        let delete = Delete(
            table: TableReference(name: qname("t"), indexHint: .notIndexed),
            whereClause: bin(.less, col("a"), int("0")),
            returning: [.all], orderBy: [OrderingTerm(expr: col("a"), direction: .descending)],
            limit: Limit(count: int("5"), offset: int("1")))
        #expect(
            Statement(.delete(delete)).description
                == "DELETE FROM t NOT INDEXED WHERE a < 0 RETURNING * ORDER BY a DESC LIMIT 5 OFFSET 1")
    }

    @Test func createTableWithEveryConstraint() {
        let foreignKey = ForeignKeyClause(
            table: id("parent"), columns: [id("id")],
            items: [.onDelete(.cascade), .onUpdate(.setNull), .match(id("FULL"))],
            deferrable: .init(initially: .deferred))
        let columns = [
            ColumnDefinition(
                name: id("id"), type: TypeName(words: [id("INTEGER")]),
                constraints: [ColumnConstraint(name: id("pk"), .primaryKey(.descending, .replace, autoincrement: true))]
            ),
            ColumnDefinition(
                name: id("name"), type: TypeName(words: [id("VARCHAR")], arguments: ["10"]),
                constraints: [
                    ColumnConstraint(.notNull(.fail)), ColumnConstraint(.unique(nil)),
                    ColumnConstraint(.collate(id("NOCASE"))),
                    ColumnConstraint(.defaultValue(str("x"))),
                ]),
            ColumnDefinition(
                name: id("n"), type: TypeName(words: [id("DOUBLE"), id("PRECISION")]),
                constraints: [
                    ColumnConstraint(.null(nil)),
                    ColumnConstraint(.defaultValue(neg(Expr(.literal(Literal(.real, text: "1.5")))))),
                    ColumnConstraint(name: id("positive"), .check(bin(.greater, col("n"), int("0")))),
                ]),
            ColumnDefinition(
                name: id("parent"),
                constraints: [ColumnConstraint(.references(foreignKey)), ColumnConstraint(.defaultValue(col("abc")))]),
            ColumnDefinition(
                name: id("total"),
                constraints: [
                    ColumnConstraint(
                        .generated(bin(.multiply, col("n"), int("2")), storage: .stored, generatedAlways: true)),
                    ColumnConstraint(.defaultValue(bin(.add, int("1"), int("2")))),
                ]),
            ColumnDefinition(
                name: id("v"),
                constraints: [
                    ColumnConstraint(.generated(col("n"), storage: nil, generatedAlways: false)),
                    ColumnConstraint(.defaultValue(paren(call("random", [])))),
                    ColumnConstraint(
                        .defaultValue(Expr(.literal(Literal(.currentTimestamp, text: "CURRENT_TIMESTAMP"))))),
                ]),
        ]
        let constraints = [
            TableConstraint(
                name: id("k"),
                .primaryKey(
                    [IndexedColumn(expr: col("id")), IndexedColumn(expr: col("name"), direction: .ascending)], .abort)),
            TableConstraint(.unique([IndexedColumn(expr: Expr(.collate(col("name"), id("RTRIM"))))], nil)),
            TableConstraint(.check(bin(.less, col("n"), int("100")))),
            TableConstraint(
                .foreignKey([id("parent")], ForeignKeyClause(table: id("parent"), deferrable: .init(negated: true)))),
        ]
        let hashed = CreateTable(
            temporary: true, ifNotExists: true, name: qname("t", schema: "main"),
            definition: .columns(columns, constraints: constraints, options: [.withoutRowID, .strict]),
            distribution: .hash(column: id("id"), shards: 8, replicas: 2, colocateWith: qname("parent")))
        #expect(
            Statement(.createTable(hashed)).description
                == "CREATE TEMP TABLE IF NOT EXISTS main.t ("
                + "id INTEGER CONSTRAINT pk PRIMARY KEY DESC ON CONFLICT REPLACE AUTOINCREMENT, "
                + "name VARCHAR(10) NOT NULL ON CONFLICT FAIL UNIQUE COLLATE NOCASE DEFAULT 'x', "
                + "n DOUBLE PRECISION NULL DEFAULT -1.5 CONSTRAINT positive CHECK (n > 0), "
                + "parent REFERENCES parent (id) ON DELETE CASCADE ON UPDATE SET NULL MATCH FULL "
                + "DEFERRABLE INITIALLY DEFERRED DEFAULT abc, "
                + "total GENERATED ALWAYS AS (n * 2) STORED DEFAULT (1 + 2), "
                + "v AS (n) DEFAULT (random()) DEFAULT CURRENT_TIMESTAMP, "
                + "CONSTRAINT k PRIMARY KEY (id, name ASC) ON CONFLICT ABORT, UNIQUE (name COLLATE RTRIM), "
                + "CHECK (n < 100), FOREIGN KEY (parent) REFERENCES parent NOT DEFERRABLE"
                + ") WITHOUT ROWID, STRICT DISTRIBUTED BY HASH (id) SHARDS 8 REPLICAS 2 COLOCATE WITH parent")

        let replicated = CreateTable(
            name: qname("r"), definition: .columns([ColumnDefinition(name: id("a"))], constraints: [], options: []),
            distribution: .replicated)
        #expect(Statement(.createTable(replicated)).description == "CREATE TABLE r (a) DISTRIBUTED REPLICATED")
        let hashOnly = CreateTable(
            name: qname("h"), definition: .columns([ColumnDefinition(name: id("a"))], constraints: [], options: []),
            distribution: .hash(column: id("a"), shards: nil, replicas: nil, colocateWith: nil))
        #expect(Statement(.createTable(hashOnly)).description == "CREATE TABLE h (a) DISTRIBUTED BY HASH (a)")
        let asSelect = CreateTable(name: qname("c"), definition: .asSelect(selectAll(from: "t")))
        #expect(Statement(.createTable(asSelect)).description == "CREATE TABLE c AS SELECT * FROM t")
    }

    @Test func trigger() {
        let body = [
            Statement(
                .insert(
                    Insert(
                        table: qname("log"), columns: [id("id")],
                        source: .select(selectValues([[col("id", table: "NEW")]]))))),
            Statement(
                .update(
                    Update(
                        table: TableReference(name: qname("t")),
                        assignments: [Assignment(columns: [id("n")], value: bin(.add, col("n"), int("1")))],
                        whereClause: bin(.equals, col("id"), col("id", table: "OLD"))))),
            Statement(
                .select(
                    Select(
                        body: SelectBody(
                            first: .select(SelectClause(columns: [.expr(Expr(.raise(.ignore, nil)), alias: nil)])))))),
        ]
        let trigger = CreateTrigger(
            temporary: true, ifNotExists: true, name: qname("trg"), timing: .insteadOf,
            event: .update(of: [id("a"), id("b")]),
            table: qname("v"), forEachRow: true, when: bin(.isNot, col("a", table: "NEW"), col("a", table: "OLD")),
            body: body)
        #expect(
            Statement(.createTrigger(trigger)).description
                == "CREATE TEMP TRIGGER IF NOT EXISTS trg INSTEAD OF UPDATE OF a, b ON v FOR EACH ROW "
                + "WHEN NEW.a IS NOT OLD.a BEGIN INSERT INTO log (id) VALUES (NEW.id); "
                + "UPDATE t SET n = n + 1 WHERE id = OLD.id; SELECT RAISE(IGNORE); END")
        let simple = CreateTrigger(
            name: qname("d"), timing: .after, event: .delete, table: qname("t"),
            body: [Statement(.delete(Delete(table: TableReference(name: qname("u")))))])
        #expect(
            Statement(.createTrigger(simple)).description
                == "CREATE TRIGGER d AFTER DELETE ON t BEGIN DELETE FROM u; END")
    }

    @Test func otherStatements() {
        let index = CreateIndex(
            unique: true, ifNotExists: true, name: qname("i", schema: "main"), table: id("t"),
            columns: [
                IndexedColumn(expr: col("a"), direction: .descending),
                IndexedColumn(expr: bin(.add, col("b"), col("c"))),
            ],
            whereClause: Expr(.nullTest(col("a"), .notNullTwoWords)))
        let cases: [(Statement.Kind, String)] = [
            (.createIndex(index), "CREATE UNIQUE INDEX IF NOT EXISTS main.i ON t (a DESC, b + c) WHERE a NOT NULL"),
            (
                .createView(
                    CreateView(temporary: true, name: qname("v"), columns: [id("x")], select: selectAll(from: "t"))),
                "CREATE TEMP VIEW v (x) AS SELECT * FROM t"
            ),
            (.drop(Drop(kind: .table, ifExists: true, name: qname("t", schema: "s"))), "DROP TABLE IF EXISTS s.t"),
            (.drop(Drop(kind: .trigger, name: qname("g"))), "DROP TRIGGER g"),
            (
                .alterTable(AlterTable(table: qname("t"), action: .renameTable(to: id("u")))),
                "ALTER TABLE t RENAME TO u"
            ),
            (
                .alterTable(AlterTable(table: qname("t"), action: .renameColumn(id("a"), to: id("b")))),
                "ALTER TABLE t RENAME COLUMN a TO b"
            ),
            (
                .alterTable(
                    AlterTable(
                        table: qname("t"),
                        action: .addColumn(
                            ColumnDefinition(
                                name: id("c"), type: TypeName(words: [id("TEXT")]),
                                constraints: [ColumnConstraint(.defaultValue(str("")))])))),
                "ALTER TABLE t ADD COLUMN c TEXT DEFAULT ''"
            ),
            (.alterTable(AlterTable(table: qname("t"), action: .dropColumn(id("c")))), "ALTER TABLE t DROP COLUMN c"),
            (.reindex(nil), "REINDEX"),
            (.reindex(qname("i", schema: "main")), "REINDEX main.i"),
            (.analyze(qname("t")), "ANALYZE t"),
            (.vacuum(schema: id("main"), into: str("/tmp/x.db")), "VACUUM main INTO '/tmp/x.db'"),
            (.vacuum(schema: nil, into: nil), "VACUUM"),
            (.attach(file: str("x.db"), name: id("aux")), "ATTACH DATABASE 'x.db' AS aux"),
            (.detach(id("aux")), "DETACH DATABASE aux"),
            (.pragma(Pragma(name: qname("table_info"), form: .call(.name(id("t"))))), "PRAGMA table_info(t)"),
            (
                .pragma(Pragma(name: qname("cache_size", schema: "main"), form: .assign(.number("-2000")))),
                "PRAGMA main.cache_size = -2000"
            ),
            (.pragma(Pragma(name: qname("encoding"), form: .assign(.string("'UTF-8'")))), "PRAGMA encoding = 'UTF-8'"),
            (.pragma(Pragma(name: qname("user_version"))), "PRAGMA user_version"),
            (.begin(nil), "BEGIN"),
            (.begin(.immediate), "BEGIN IMMEDIATE"),
            (.commit, "COMMIT"),
            (.rollback(toSavepoint: nil), "ROLLBACK"),
            (.rollback(toSavepoint: id("sp")), "ROLLBACK TO sp"),
            (.savepoint(id("sp")), "SAVEPOINT sp"),
            (.release(id("sp")), "RELEASE sp"),
            (.explain(.plan, Statement(.select(selectAll(from: "t")))), "EXPLAIN SELECT * FROM t"),
            (.explain(.queryPlan, Statement(.select(selectAll(from: "t")))), "EXPLAIN QUERY PLAN SELECT * FROM t"),
            (.explain(.analyze, Statement(.analyze(nil))), "EXPLAIN ANALYZE ANALYZE"),
        ]
        for (kind, expected) in cases {
            #expect(SQLPrinter.print(Statement(kind)) == expected)
        }
    }

    @Test func scriptsJoinWithSemicolons() {
        let statements = [
            Statement(.begin(nil)), Statement(.delete(Delete(table: TableReference(name: qname("t"))))),
            Statement(.commit),
        ]
        #expect(SQLPrinter.print(statements) == "BEGIN;\nDELETE FROM t;\nCOMMIT")
        #expect(SQLPrinter.print([Statement]()) == "")
        #expect(SQLPrinter.print(selectAll(from: "t", where: not(col("a")))) == "SELECT * FROM t WHERE NOT a")
    }
}
