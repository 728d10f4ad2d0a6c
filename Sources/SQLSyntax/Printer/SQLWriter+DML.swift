/// Data changes: `INSERT`/`REPLACE` with upserts, `UPDATE`, `DELETE`, and `RETURNING`.
extension SQLWriter {
    /// `[WITH …] INSERT [OR X] | REPLACE INTO t [AS a] [(cols)] select | DEFAULT VALUES [upserts] [RETURNING …]`
    mutating func insert(_ insert: Insert) {
        if let with = insert.with {
            withClause(with)
            write(" ")
        }
        switch insert.verb {
        case .insert(nil):
            write("INSERT INTO ")
        case .insert(let resolution?):
            write("INSERT OR ")
            write(resolution.rawValue)
            write(" INTO ")
        case .replace:
            write("REPLACE INTO ")
        }
        qualifiedName(insert.table)
        alias(insert.alias)
        if let columns = insert.columns {
            write(" ")
            parenthesizedIdentifiers(columns)
        }
        switch insert.source {
        case .select(let select):
            write(" ")
            self.select(select)
            // SQLite reads `… FROM t ON CONFLICT` as a join constraint; a WHERE ends the FROM
            // clause (SQLite's documented workaround). The parser never builds such a tree.
            if !insert.upserts.isEmpty, Self.endsWithOpenFrom(select) { write(" WHERE true") }
        case .defaultValues:
            write(" DEFAULT VALUES")
        }
        for upsert in insert.upserts {
            self.upsert(upsert)
        }
        returning(insert.returning)
    }

    /// Whether the printed select ends with a FROM item that an `ON` could attach to.
    static func endsWithOpenFrom(_ select: Select) -> Bool {
        guard select.orderBy.isEmpty, select.limit == nil,
            case .select(let core) = select.body.compounds.last?.core ?? select.body.first,
            let from = core.from, core.whereClause == nil, core.groupBy.isEmpty, core.having == nil,
            core.windows.isEmpty
        else { return false }
        return from.joins.last.map { $0.constraint == nil } ?? true
    }

    /// ` ON CONFLICT [(target) [WHERE …]] DO NOTHING | DO UPDATE SET … [WHERE …]`
    private mutating func upsert(_ upsert: Upsert) {
        write(" ON CONFLICT")
        if let target = upsert.target {
            write(" (")
            indexedColumns(target)
            write(")")
            whereClause(upsert.targetWhere)
        }
        switch upsert.action {
        case .nothing:
            write(" DO NOTHING")
        case .update(let assignments, let condition):
            write(" DO UPDATE SET ")
            self.assignments(assignments)
            whereClause(condition)
        }
    }

    /// `a = e, (b, c) = e, …`
    private mutating func assignments(_ assignments: [Assignment]) {
        commaSeparated(assignments) { writer, assignment in
            if assignment.parenthesized {
                writer.parenthesizedIdentifiers(assignment.columns)
            } else {
                writer.identifierList(assignment.columns)
            }
            writer.write(" = ")
            writer.expr(assignment.value)
        }
    }

    /// ` RETURNING …`, if present.
    private mutating func returning(_ columns: [ResultColumn]?) {
        guard let columns else { return }
        write(" RETURNING ")
        resultColumns(columns)
    }

    /// `[WITH …] UPDATE [OR X] table SET … [FROM …] [WHERE …] [RETURNING …] [ORDER BY …] [LIMIT …]`
    mutating func update(_ update: Update) {
        if let with = update.with {
            withClause(with)
            write(" ")
        }
        write("UPDATE ")
        if let conflict = update.conflict {
            write("OR ")
            write(conflict.rawValue)
            write(" ")
        }
        tableReference(update.table)
        write(" SET ")
        assignments(update.assignments)
        if let from = update.from {
            write(" FROM ")
            joinClause(from)
        }
        whereClause(update.whereClause)
        returning(update.returning)
        orderBy(update.orderBy)
        if let limit = update.limit { self.limit(limit) }
    }

    /// `[WITH …] DELETE FROM table [WHERE …] [RETURNING …] [ORDER BY …] [LIMIT …]`
    mutating func delete(_ delete: Delete) {
        if let with = delete.with {
            withClause(with)
            write(" ")
        }
        write("DELETE FROM ")
        tableReference(delete.table)
        whereClause(delete.whereClause)
        returning(delete.returning)
        orderBy(delete.orderBy)
        if let limit = delete.limit { self.limit(limit) }
    }
}
