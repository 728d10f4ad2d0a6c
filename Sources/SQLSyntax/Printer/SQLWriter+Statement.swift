/// Statement dispatch, and the one-line statements: `PRAGMA`, transactions, maintenance, `EXPLAIN`.
extension SQLWriter {
    mutating func statement(_ statement: Statement) {
        switch statement.kind {
        case .select(let select):
            self.select(select)
        case .insert(let insert):
            self.insert(insert)
        case .update(let update):
            self.update(update)
        case .delete(let delete):
            self.delete(delete)
        case .createTable(let create):
            createTable(create)
        case .createIndex(let create):
            createIndex(create)
        case .createView(let create):
            createView(create)
        case .createTrigger(let create):
            createTrigger(create)
        case .drop(let drop):
            self.drop(drop)
        case .alterTable(let alter):
            alterTable(alter)
        case .reindex(let name):
            write("REINDEX")
            optionalName(name)
        case .analyze(let name):
            write("ANALYZE")
            optionalName(name)
        case .vacuum(let schema, let file):
            write("VACUUM")
            if let schema {
                write(" ")
                identifier(schema)
            }
            if let file {
                write(" INTO ")
                expr(file)
            }
        case .attach(let file, let name):
            write("ATTACH DATABASE ")
            expr(file)
            write(" AS ")
            identifier(name)
        case .detach(let name):
            write("DETACH DATABASE ")
            identifier(name)
        case .pragma(let pragma):
            self.pragma(pragma)
        case .begin(let mode):
            write("BEGIN")
            if let mode {
                write(" ")
                write(mode.rawValue)
            }
        case .commit:
            write("COMMIT")
        case .rollback(let savepoint):
            write("ROLLBACK")
            if let savepoint {
                write(" TO ")
                identifier(savepoint)
            }
        case .savepoint(let name):
            write("SAVEPOINT ")
            identifier(name)
        case .release(let name):
            write("RELEASE ")
            identifier(name)
        case .explain(let mode, let explained):
            write("EXPLAIN ")
            if mode != .plan {
                write(mode.rawValue)
                write(" ")
            }
            self.statement(explained)
        }
    }

    /// ` [schema.]name`, if present.
    private mutating func optionalName(_ name: QualifiedName?) {
        guard let name else { return }
        write(" ")
        qualifiedName(name)
    }

    /// `PRAGMA [schema.]name [= value | (value)]`
    private mutating func pragma(_ pragma: Pragma) {
        write("PRAGMA ")
        qualifiedName(pragma.name)
        switch pragma.form {
        case .query:
            break
        case .assign(let value):
            write(" = ")
            pragmaValue(value)
        case .call(let value):
            write("(")
            pragmaValue(value)
            write(")")
        }
    }

    private mutating func pragmaValue(_ value: Pragma.Value) {
        switch value {
        case .number(let text), .string(let text):
            write(text)
        case .name(let name):
            identifier(name, position: .pragmaValue)
        }
    }
}
