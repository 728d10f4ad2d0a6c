import ShardQLBase

extension Parser {
    mutating func parseCreate() throws(ShardQLError) -> Statement.Kind {
        try expect(.create)
        let temporary = accept(.temp) || accept(.temporary)
        if accept(.table) { return .createTable(try parseCreateTable(temporary: temporary)) }
        if accept(.view) { return .createView(try parseCreateView(temporary: temporary)) }
        if accept(.trigger) { return .createTrigger(try parseCreateTrigger(temporary: temporary)) }
        if !temporary {
            let unique = accept(.unique)
            if accept(.index) { return .createIndex(try parseCreateIndex(unique: unique)) }
            if unique { throw unexpected(expected: "INDEX") }
            throw unexpected(expected: "TABLE, INDEX, VIEW or TRIGGER")
        }
        throw unexpected(expected: "TABLE, VIEW or TRIGGER")
    }

    private mutating func parseIfNotExists() throws(ShardQLError) -> Bool {
        guard isKeyword(.if), isKeyword(.not, at: 1) else { return false }
        advance()
        advance()
        try expect(.exists)
        return true
    }

    private mutating func parseIfExists() throws(ShardQLError) -> Bool {
        guard isKeyword(.if), isKeyword(.exists, at: 1) else { return false }
        advance()
        advance()
        return true
    }

    // MARK: - CREATE TABLE

    private mutating func parseCreateTable(temporary: Bool) throws(ShardQLError) -> CreateTable {
        let ifNotExists = try parseIfNotExists()
        let name = try parseQualifiedName("table name")
        if accept(.as) {
            let definition = CreateTable.Definition.asSelect(try parseSelect())
            return CreateTable(
                temporary: temporary, ifNotExists: ifNotExists, name: name, definition: definition,
                distribution: try parseDistribution())
        }
        guard accept(.leftParen) else { throw unexpected(expected: "'(' or AS") }
        var columns: [ColumnDefinition] = []
        var constraints: [TableConstraint] = []
        columns.append(try parseColumnDefinition())
        while accept(.comma) {
            if startsTableConstraint() { break }
            columns.append(try parseColumnDefinition())
        }
        // Table constraints; SQLite allows them without separating commas.
        while startsTableConstraint() {
            constraints.append(try parseTableConstraint())
            _ = accept(.comma)
        }
        try expect(.rightParen)
        var options: [TableOption] = []
        if isKeyword(.without) || isWord("STRICT") {
            repeat {
                if accept(.without) {
                    try expectWord("ROWID")
                    options.append(.withoutRowID)
                } else {
                    try expectWord("STRICT")
                    options.append(.strict)
                }
            } while accept(.comma)
        }
        let definition = CreateTable.Definition.columns(columns, constraints: constraints, options: options)
        return CreateTable(
            temporary: temporary, ifNotExists: ifNotExists, name: name, definition: definition,
            distribution: try parseDistribution())
    }

    private func startsTableConstraint() -> Bool {
        switch current.kind {
        case .keyword(.constraint), .keyword(.primary), .keyword(.unique), .keyword(.check), .keyword(.foreign): true
        default: false
        }
    }

    /// ShardQL's `DISTRIBUTED BY HASH (col) [SHARDS n] [REPLICAS r] [COLOCATE WITH t]` or
    /// `DISTRIBUTED REPLICATED`.
    private mutating func parseDistribution() throws(ShardQLError) -> Distribution? {
        guard acceptWord("DISTRIBUTED") else { return nil }
        if acceptWord("REPLICATED") { return .replicated }
        guard accept(.by) else { throw unexpected(expected: "BY HASH or REPLICATED") }
        try expectWord("HASH")
        try expect(.leftParen)
        let column = try parseName("distribution column")
        try expect(.rightParen)
        let shards = acceptWord("SHARDS") ? try parseCount("shard count") : nil
        let replicas = acceptWord("REPLICAS") ? try parseCount("replica count") : nil
        var colocateWith: QualifiedName?
        if acceptWord("COLOCATE") {
            try expect(.with)
            colocateWith = try parseQualifiedName("table name")
        }
        return .hash(column: column, shards: shards, replicas: replicas, colocateWith: colocateWith)
    }

    /// A positive decimal integer that fits in `Int`.
    private mutating func parseCount(_ what: String) throws(ShardQLError) -> Int {
        let token = current
        guard token.kind == .integer, let value = Int(text(token)), value > 0 else {
            throw unexpected(expected: "\(what) (a positive integer)")
        }
        advance()
        return value
    }

    mutating func parseColumnDefinition() throws(ShardQLError) -> ColumnDefinition {
        var column = ColumnDefinition(name: try parseName("column name"))
        if isTypeWord(current) { column.type = try parseTypeName() }
        while let constraint = try parseColumnConstraint() {
            column.constraints.append(constraint)
        }
        return column
    }

    private mutating func parseColumnConstraint() throws(ShardQLError) -> ColumnConstraint? {
        let name = try parseConstraintName()
        let kind: ColumnConstraint.Kind
        switch current.kind {
        case .keyword(.primary):
            advance()
            try expect(.key)
            let direction = parseDirection()
            let conflict = try parseConflictClause()
            kind = .primaryKey(direction, conflict, autoincrement: accept(.autoincrement))
        case .keyword(.not) where isKeyword(.null, at: 1):
            advance()
            advance()
            kind = .notNull(try parseConflictClause())
        case .keyword(.null):
            advance()
            kind = .null(try parseConflictClause())
        case .keyword(.unique):
            advance()
            kind = .unique(try parseConflictClause())
        case .keyword(.check):
            advance()
            kind = .check(try parseParenthesizedExpr())
        case .keyword(.default):
            advance()
            kind = .defaultValue(try parseDefaultValue())
        case .keyword(.collate):
            advance()
            kind = .collate(try parseName("collation name"))
        case .keyword(.references):
            kind = .references(try parseForeignKeyClause())
        case .keyword(.generated), .keyword(.as):
            var generatedAlways = false
            if accept(.generated) {
                try expect(.always)
                generatedAlways = true
            }
            try expect(.as)
            let expr = try parseParenthesizedExpr()
            var storage: ColumnConstraint.GeneratedStorage?
            if acceptWord("STORED") {
                storage = .stored
            } else if accept(.virtual) {
                storage = .virtual
            }
            kind = .generated(expr, storage: storage, generatedAlways: generatedAlways)
        default:
            if name != nil { throw unexpected(expected: "constraint") }
            return nil
        }
        return ColumnConstraint(name: name, kind)
    }

    /// `( expr )`, returning the inner expression.
    private mutating func parseParenthesizedExpr() throws(ShardQLError) -> Expr {
        try expect(.leftParen)
        let expr = try parseExpr()
        try expect(.rightParen)
        return expr
    }

    /// `DEFAULT` takes a literal, a signed number, a bare name, or `(expr)`.
    private mutating func parseDefaultValue() throws(ShardQLError) -> Expr {
        let start = current.start
        switch current.kind {
        case .punctuation(.leftParen):
            advance()
            let inner = try parseExpr()
            try expect(.rightParen)
            return Expr(.parenthesized(inner), range: range(from: start))
        case .punctuation(.plus), .punctuation(.minus):
            let op: UnaryOperator = advance().kind == .punctuation(.minus) ? .negate : .plus
            let literalStart = current.start
            let literal: Literal
            switch current.kind {
            case .integer: literal = Literal(.integer, text: text(advance()))
            case .real: literal = Literal(.real, text: text(advance()))
            default: throw unexpected(expected: "number")
            }
            let operand = Expr(.literal(literal), range: range(from: literalStart))
            return Expr(.unary(op, operand), range: range(from: start))
        case .integer, .real, .string, .blob, .keyword(.null), .keyword(.currentTime), .keyword(.currentDate),
            .keyword(.currentTimestamp):
            return try parseExpr(.primary)
        default:
            // SQLite's `DEFAULT id`: one bare name, which SQLite takes as a string (TRUE and FALSE
            // as booleans); never a qualified name or a call.
            guard isName(current, context: .expression), current.kind != .keyword(.cast),
                current.kind != .keyword(.raise)
            else { throw unexpected(expected: "default value") }
            let token = advance()
            if token.kind == .identifier, isTrueOrFalse(token) {
                let kind: Literal.Kind = text(token).lowercased() == "true" ? .true : .false
                return Expr(.literal(Literal(kind, text: text(token))), range: range(from: start))
            }
            return Expr(.column(ColumnReference(column: identifier(from: token))), range: range(from: start))
        }
    }

    private func isTrueOrFalse(_ token: Token) -> Bool {
        let word = text(token).lowercased()
        return word == "true" || word == "false"
    }

    /// `ON CONFLICT resolution`, if present.
    private mutating func parseConflictClause() throws(ShardQLError) -> ConflictResolution? {
        guard isKeyword(.on), isKeyword(.conflict, at: 1) else { return nil }
        advance()
        advance()
        return try parseConflictResolution()
    }

    private mutating func parseTableConstraint() throws(ShardQLError) -> TableConstraint {
        let name = try parseConstraintName()
        switch current.kind {
        case .keyword(.primary):
            advance()
            try expect(.key)
            try expect(.leftParen)
            let columns = try parseIndexedColumns()
            return TableConstraint(name: name, .primaryKey(columns, try parseConflictClause()))
        case .keyword(.unique):
            advance()
            try expect(.leftParen)
            let columns = try parseIndexedColumns()
            return TableConstraint(name: name, .unique(columns, try parseConflictClause()))
        case .keyword(.check):
            advance()
            return TableConstraint(name: name, .check(try parseParenthesizedExpr()))
        case .keyword(.foreign):
            advance()
            try expect(.key)
            let columns = try parseParenthesizedNames("column name")
            return TableConstraint(name: name, .foreignKey(columns, try parseForeignKeyClause()))
        default:
            throw unexpected(expected: "PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY")
        }
    }

    private mutating func parseForeignKeyClause() throws(ShardQLError) -> ForeignKeyClause {
        try expect(.references)
        var clause = ForeignKeyClause(table: try parseName("table name"))
        if isPunctuation(.leftParen) { clause.columns = try parseParenthesizedNames("column name") }
        while true {
            if accept(.on) {
                let isDelete = accept(.delete)
                if !isDelete { try expect(.update) }
                let action = try parseForeignKeyAction()
                clause.items.append(isDelete ? .onDelete(action) : .onUpdate(action))
            } else if accept(.match) {
                clause.items.append(.match(try parseName("match type")))
            } else {
                break
            }
        }
        if isKeyword(.deferrable) || (isKeyword(.not) && isKeyword(.deferrable, at: 1)) {
            var deferrable = ForeignKeyClause.Deferrable(negated: accept(.not))
            advance()
            if accept(.initially) {
                if accept(.deferred) {
                    deferrable.initially = .deferred
                } else {
                    try expect(.immediate)
                    deferrable.initially = .immediate
                }
            }
            clause.deferrable = deferrable
        }
        return clause
    }

    private mutating func parseForeignKeyAction() throws(ShardQLError) -> ForeignKeyClause.Action {
        if accept(.set) {
            if accept(.null) { return .setNull }
            try expect(.default)
            return .setDefault
        }
        if accept(.cascade) { return .cascade }
        if accept(.restrict) { return .restrict }
        if accept(.no) {
            try expect(.action)
            return .noAction
        }
        throw unexpected(expected: "SET NULL, SET DEFAULT, CASCADE, RESTRICT or NO ACTION")
    }

    // MARK: - Other objects

    private mutating func parseCreateIndex(unique: Bool) throws(ShardQLError) -> CreateIndex {
        let ifNotExists = try parseIfNotExists()
        let name = try parseQualifiedName("index name")
        try expect(.on)
        let table = try parseName("table name")
        try expect(.leftParen)
        let columns = try parseIndexedColumns()
        let whereClause = accept(.where) ? try parseExpr() : nil
        return CreateIndex(
            unique: unique, ifNotExists: ifNotExists, name: name, table: table, columns: columns,
            whereClause: whereClause)
    }

    private mutating func parseCreateView(temporary: Bool) throws(ShardQLError) -> CreateView {
        let ifNotExists = try parseIfNotExists()
        let name = try parseQualifiedName("view name")
        let columns = isPunctuation(.leftParen) ? try parseParenthesizedNames("column name") : nil
        try expect(.as)
        return CreateView(
            temporary: temporary, ifNotExists: ifNotExists, name: name, columns: columns, select: try parseSelect())
    }

    private mutating func parseCreateTrigger(temporary: Bool) throws(ShardQLError) -> CreateTrigger {
        let ifNotExists = try parseIfNotExists()
        let name = try parseQualifiedName("trigger name")
        var timing: CreateTrigger.Timing?
        if accept(.before) {
            timing = .before
        } else if accept(.after) {
            timing = .after
        } else if accept(.instead) {
            try expect(.of)
            timing = .insteadOf
        }
        let event: CreateTrigger.Event
        if accept(.delete) {
            event = .delete
        } else if accept(.insert) {
            event = .insert
        } else if accept(.update) {
            var columns: [Identifier]?
            if accept(.of) {
                columns = [try parseName("column name")]
                while accept(.comma) { columns?.append(try parseName("column name")) }
            }
            event = .update(of: columns)
        } else {
            throw unexpected(expected: "DELETE, INSERT or UPDATE")
        }
        try expect(.on)
        let table = try parseQualifiedName("table name")
        var forEachRow = false
        if accept(.for) {
            try expect(.each)
            try expect(.row)
            forEachRow = true
        }
        let when = accept(.when) ? try parseExpr() : nil
        try expect(.begin)
        return CreateTrigger(
            temporary: temporary, ifNotExists: ifNotExists, name: name, timing: timing, event: event, table: table,
            forEachRow: forEachRow, when: when, body: try parseTriggerBody())
    }

    mutating func parseDrop() throws(ShardQLError) -> Drop {
        try expect(.drop)
        let kind: Drop.ObjectKind
        switch current.kind {
        case .keyword(.table): kind = .table
        case .keyword(.index): kind = .index
        case .keyword(.view): kind = .view
        case .keyword(.trigger): kind = .trigger
        default: throw unexpected(expected: "TABLE, INDEX, VIEW or TRIGGER")
        }
        advance()
        let ifExists = try parseIfExists()
        return Drop(kind: kind, ifExists: ifExists, name: try parseQualifiedName("\(kind.rawValue.lowercased()) name"))
    }

    mutating func parseAlterTable() throws(ShardQLError) -> AlterTable {
        try expect(.alter)
        try expect(.table)
        let table = try parseQualifiedName("table name")
        let action: AlterTable.Action
        if accept(.rename) {
            if accept(.to) {
                action = .renameTable(to: try parseName("new table name"))
            } else {
                _ = accept(.column)
                let old = try parseName("column name")
                try expect(.to)
                action = .renameColumn(old, to: try parseName("new column name"))
            }
        } else if accept(.add) {
            _ = accept(.column)
            action = .addColumn(try parseColumnDefinition())
        } else if accept(.drop) {
            _ = accept(.column)
            action = .dropColumn(try parseName("column name"))
        } else {
            throw unexpected(expected: "RENAME, ADD or DROP")
        }
        return AlterTable(table: table, action: action)
    }
}
