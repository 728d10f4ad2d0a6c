import CSQLite
import ShardQLBase

// SQLITE_TRANSIENT: SQLite copies the bytes before the bind call returns, so Swift arrays can be
// bound straight from their storage. A computed property because the C macro does not import.
private var sqliteTransient: sqlite3_destructor_type {
    unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

extension SQLiteStatement {
    /// Binds a value to the parameter at a 1-based index.
    ///
    /// TEXT is bound from its bytes with an explicit length, so embedded NULs and invalid UTF-8
    /// are stored exactly.
    public func bind(_ value: SQLValue, at index: Int) throws {
        let index = Int32(index)
        let code: Int32
        switch value {
        case .null:
            code = sqlite3_bind_null(handle, index)
        case .integer(let integer):
            code = sqlite3_bind_int64(handle, index, integer)
        case .real(let real):
            code = sqlite3_bind_double(handle, index, real)
        case .text(let text):
            code = text.bytes.withUnsafeBufferPointer { buffer in
                // A NULL pointer would bind SQL NULL, so empty text gets a real (empty) C string.
                guard let base = buffer.baseAddress, !buffer.isEmpty else {
                    return sqlite3_bind_text64(handle, index, "", 0, sqliteTransient, UInt8(SQLITE_UTF8))
                }
                return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                    sqlite3_bind_text64(
                        handle, index, chars, UInt64(buffer.count), sqliteTransient, UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let bytes):
            if bytes.isEmpty {
                // Same NULL-pointer trap as text: an empty blob must stay a blob.
                code = sqlite3_bind_zeroblob(handle, index, 0)
            } else {
                code = bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_blob64(handle, index, buffer.baseAddress, UInt64(buffer.count), sqliteTransient)
                }
            }
        }
        guard code == SQLITE_OK else { throw ShardQLError(sqliteCode: code, db: db) }
    }

    /// Binds a value to a named parameter.
    ///
    /// `name` may carry its prefix (`":id"`, `"@id"`, `"$id"`); without one, `:`, `@` and `$` are
    /// tried in that order.
    ///
    /// - Throws: ``ShardQLError/Code/invalidArgument`` when the statement has no such parameter.
    public func bind(_ value: SQLValue, named name: String) throws {
        try bind(value, at: parameterIndex(named: name))
    }

    /// Binds values to parameters 1, 2, … in order.
    ///
    /// - Throws: ``ShardQLError/Code/invalidArgument`` unless there is exactly one value per
    ///   parameter; a missing value would otherwise silently stay NULL.
    public func bind(_ values: [SQLValue]) throws {
        guard values.count == parameterCount else {
            throw ShardQLError(
                .invalidArgument, "statement has \(parameterCount) parameters, got \(values.count) values")
        }
        for (offset, value) in values.enumerated() {
            try bind(value, at: offset + 1)
        }
    }

    /// Binds values to named parameters; see ``bind(_:named:)``.
    public func bind(_ values: [String: SQLValue]) throws {
        for (name, value) in values {
            try bind(value, named: name)
        }
    }

    /// The 1-based index of a named parameter; see ``bind(_:named:)`` for the name rules.
    public func parameterIndex(named name: String) throws -> Int {
        if let first = name.utf8.first, first == UInt8(ascii: ":") || first == UInt8(ascii: "@")
            || first == UInt8(ascii: "$") {
            let index = sqlite3_bind_parameter_index(handle, name)
            if index > 0 { return Int(index) }
        } else {
            for prefix in [":", "@", "$"] {
                let index = sqlite3_bind_parameter_index(handle, prefix + name)
                if index > 0 { return Int(index) }
            }
        }
        throw ShardQLError(.invalidArgument, "no parameter named '\(name)' in: \(sql)")
    }
}

// SQLITE_STATIC: SQLite uses the bytes in place until the next bind, reset or finalize, so a
// bulk load binds straight out of its batch without a copy per value.
private var sqliteStatic: sqlite3_destructor_type? { nil }

extension SQLiteStatement {
    /// Binds TEXT read in place from `bytes` (no copy).
    ///
    /// - Important: the bytes must stay valid and unchanged until the statement is stepped and
    ///   reset (or bound again).
    public func bindText(borrowing bytes: UnsafeRawBufferPointer, at index: Int) throws {
        let code: Int32
        if let base = bytes.baseAddress, !bytes.isEmpty {
            code = sqlite3_bind_text64(
                handle, Int32(index), base.assumingMemoryBound(to: CChar.self), UInt64(bytes.count), sqliteStatic,
                UInt8(SQLITE_UTF8))
        } else {
            code = sqlite3_bind_text64(handle, Int32(index), "", 0, sqliteTransient, UInt8(SQLITE_UTF8))
        }
        guard code == SQLITE_OK else { throw ShardQLError(sqliteCode: code, db: db) }
    }

    /// Binds a BLOB read in place from `bytes` (no copy); same lifetime rule as
    /// ``bindText(borrowing:at:)``.
    public func bindBlob(borrowing bytes: UnsafeRawBufferPointer, at index: Int) throws {
        let code: Int32
        if let base = bytes.baseAddress, !bytes.isEmpty {
            code = sqlite3_bind_blob64(handle, Int32(index), base, UInt64(bytes.count), sqliteStatic)
        } else {
            code = sqlite3_bind_zeroblob(handle, Int32(index), 0)
        }
        guard code == SQLITE_OK else { throw ShardQLError(sqliteCode: code, db: db) }
    }
}
