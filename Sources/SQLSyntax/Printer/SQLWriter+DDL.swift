/// Schema statements: `CREATE TABLE|INDEX|VIEW|TRIGGER`, `DROP`, `ALTER TABLE`, and the column
/// and table constraints.
extension SQLWriter {
    /// `CREATE [TEMP] TABLE [IF NOT EXISTS] name (…) [options] [distribution]` or `… AS select`.
    mutating func createTable(_ create: CreateTable) {
        write(create.temporary ? "CREATE TEMP TABLE " : "CREATE TABLE ")
        if create.ifNotExists { write("IF NOT EXISTS ") }
        qualifiedName(create.name)
        switch create.definition {
        case .columns(let columns, let constraints, let options):
            write(" (")
            commaSeparated(columns) { $0.columnDefinition($1) }
            for constraint in constraints {
                write(", ")
                tableConstraint(constraint)
            }
            write(")")
            if !options.isEmpty {
                write(" ")
                commaSeparated(options) { $0.write($1.rawValue) }
            }
            if let distribution = create.distribution {
                self.distribution(distribution)
            }
        case .asSelect(let select):
            write(" AS ")
            self.select(select)
            if let distribution = create.distribution {
                self.distribution(distribution)
            }
        }
    }

    /// ` DISTRIBUTED BY HASH (c) [SHARDS n] [REPLICAS r] [COLOCATE WITH t]` | ` DISTRIBUTED REPLICATED`
    private mutating func distribution(_ distribution: Distribution) {
        switch distribution {
        case .hash(let column, let shards, let replicas, let colocateWith):
            write(" DISTRIBUTED BY HASH (")
            identifier(column)
            write(")")
            if let shards {
                write(" SHARDS ")
                write(String(shards))
            }
            if let replicas {
                write(" REPLICAS ")
                write(String(replicas))
            }
            if let colocateWith {
                write(" COLOCATE WITH ")
                qualifiedName(colocateWith)
            }
        case .replicated:
            write(" DISTRIBUTED REPLICATED")
        }
    }

    /// `name [type] constraint…`
    mutating func columnDefinition(_ column: ColumnDefinition) {
        identifier(column.name)
        if let type = column.type, !type.words.isEmpty {
            write(" ")
            typeName(type)
        }
        for constraint in column.constraints {
            write(" ")
            columnConstraint(constraint)
        }
    }

    private mutating func constraintName(_ name: Identifier?) {
        guard let name else { return }
        write("CONSTRAINT ")
        identifier(name)
        write(" ")
    }

    private mutating func columnConstraint(_ constraint: ColumnConstraint) {
        constraintName(constraint.name)
        switch constraint.kind {
        case .primaryKey(let direction, let resolution, let autoincrement):
            write("PRIMARY KEY")
            if let direction {
                write(" ")
                write(direction.rawValue)
            }
            conflictClause(resolution)
            if autoincrement { write(" AUTOINCREMENT") }
        case .notNull(let resolution):
            write("NOT NULL")
            conflictClause(resolution)
        case .null(let resolution):
            write("NULL")
            conflictClause(resolution)
        case .unique(let resolution):
            write("UNIQUE")
            conflictClause(resolution)
        case .check(let condition):
            write("CHECK (")
            expr(condition)
            write(")")
        case .defaultValue(let value):
            write("DEFAULT ")
            if Self.isBareDefault(value) {
                expr(value)
            } else {
                write("(")
                expr(value)
                write(")")
            }
        case .collate(let collation):
            write("COLLATE ")
            identifier(collation)
        case .references(let clause):
            foreignKeyClause(clause)
        case .generated(let value, let storage, let generatedAlways):
            write(generatedAlways ? "GENERATED ALWAYS AS (" : "AS (")
            expr(value)
            write(")")
            if let storage {
                write(" ")
                write(storage.rawValue)
            }
        }
    }

    /// Whether `DEFAULT` takes `value` without parentheses: a literal, a signed number or a bare
    /// name. Anything else must be written `DEFAULT (expr)`.
    static func isBareDefault(_ value: Expr) -> Bool {
        switch value.kind {
        case .literal, .parenthesized:
            return true
        case .unary(.negate, let operand), .unary(.plus, let operand):
            guard case .literal(let literal) = operand.kind, literal.kind == .integer || literal.kind == .real
            else { return false }
            return !literal.text.hasPrefix("-") && !literal.text.hasPrefix("+")
        case .column(let column):
            return column.table == nil && column.schema == nil
        default:
            return false
        }
    }

    /// ` ON CONFLICT X`, if present.
    private mutating func conflictClause(_ resolution: ConflictResolution?) {
        guard let resolution else { return }
        write(" ON CONFLICT ")
        write(resolution.rawValue)
    }

    private mutating func tableConstraint(_ constraint: TableConstraint) {
        constraintName(constraint.name)
        switch constraint.kind {
        case .primaryKey(let columns, let resolution):
            write("PRIMARY KEY (")
            indexedColumns(columns)
            write(")")
            conflictClause(resolution)
        case .unique(let columns, let resolution):
            write("UNIQUE (")
            indexedColumns(columns)
            write(")")
            conflictClause(resolution)
        case .check(let condition):
            write("CHECK (")
            expr(condition)
            write(")")
        case .foreignKey(let columns, let clause):
            write("FOREIGN KEY ")
            parenthesizedIdentifiers(columns)
            write(" ")
            foreignKeyClause(clause)
        }
    }

    /// `REFERENCES t [(cols)] [ON DELETE|UPDATE action | MATCH name]… [[NOT] DEFERRABLE [INITIALLY …]]`
    private mutating func foreignKeyClause(_ clause: ForeignKeyClause) {
        write("REFERENCES ")
        identifier(clause.table)
        if let columns = clause.columns {
            write(" ")
            parenthesizedIdentifiers(columns)
        }
        for item in clause.items {
            switch item {
            case .onDelete(let action):
                write(" ON DELETE ")
                write(action.rawValue)
            case .onUpdate(let action):
                write(" ON UPDATE ")
                write(action.rawValue)
            case .match(let name):
                write(" MATCH ")
                identifier(name)
            }
        }
        if let deferrable = clause.deferrable {
            write(deferrable.negated ? " NOT DEFERRABLE" : " DEFERRABLE")
            if let initially = deferrable.initially {
                write(" INITIALLY ")
                write(initially.rawValue)
            }
        }
    }

    /// `expr [ASC|DESC], …` (index columns, key constraints, upsert targets).
    mutating func indexedColumns(_ columns: [IndexedColumn]) {
        commaSeparated(columns) { writer, column in
            writer.expr(column.expr)
            if let direction = column.direction {
                writer.write(" ")
                writer.write(direction.rawValue)
            }
        }
    }

    /// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (cols) [WHERE …]`
    mutating func createIndex(_ create: CreateIndex) {
        write(create.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ")
        if create.ifNotExists { write("IF NOT EXISTS ") }
        qualifiedName(create.name)
        write(" ON ")
        identifier(create.table)
        write(" (")
        indexedColumns(create.columns)
        write(")")
        whereClause(create.whereClause)
    }

    /// `CREATE [TEMP] VIEW [IF NOT EXISTS] name [(cols)] AS select`
    mutating func createView(_ create: CreateView) {
        write(create.temporary ? "CREATE TEMP VIEW " : "CREATE VIEW ")
        if create.ifNotExists { write("IF NOT EXISTS ") }
        qualifiedName(create.name)
        if let columns = create.columns {
            write(" ")
            parenthesizedIdentifiers(columns)
        }
        write(" AS ")
        select(create.select)
    }

    /// `CREATE [TEMP] TRIGGER [IF NOT EXISTS] name [timing] event ON t [FOR EACH ROW] [WHEN e]
    /// BEGIN stmt; … END`
    mutating func createTrigger(_ create: CreateTrigger) {
        write(create.temporary ? "CREATE TEMP TRIGGER " : "CREATE TRIGGER ")
        if create.ifNotExists { write("IF NOT EXISTS ") }
        qualifiedName(create.name)
        if let timing = create.timing {
            write(" ")
            write(timing.rawValue)
        }
        switch create.event {
        case .delete:
            write(" DELETE")
        case .insert:
            write(" INSERT")
        case .update(let columns):
            write(" UPDATE")
            if let columns {
                write(" OF ")
                identifierList(columns)
            }
        }
        write(" ON ")
        qualifiedName(create.table)
        if create.forEachRow { write(" FOR EACH ROW") }
        if let when = create.when {
            write(" WHEN ")
            expr(when)
        }
        write(" BEGIN ")
        for statement in create.body {
            self.statement(statement)
            write("; ")
        }
        write("END")
    }

    /// `DROP TABLE|INDEX|VIEW|TRIGGER [IF EXISTS] name`
    mutating func drop(_ drop: Drop) {
        write("DROP ")
        write(drop.kind.rawValue)
        write(drop.ifExists ? " IF EXISTS " : " ")
        qualifiedName(drop.name)
    }

    /// `ALTER TABLE t RENAME TO n | RENAME COLUMN a TO b | ADD COLUMN def | DROP COLUMN c`
    mutating func alterTable(_ alter: AlterTable) {
        write("ALTER TABLE ")
        qualifiedName(alter.table)
        switch alter.action {
        case .renameTable(let name):
            write(" RENAME TO ")
            identifier(name)
        case .renameColumn(let column, let name):
            write(" RENAME COLUMN ")
            identifier(column)
            write(" TO ")
            identifier(name)
        case .addColumn(let definition):
            write(" ADD COLUMN ")
            columnDefinition(definition)
        case .dropColumn(let column):
            write(" DROP COLUMN ")
            identifier(column)
        }
    }
}
