import ShardQLBase

extension SQLiteRedoStatement {
    /// The first byte of ``encode(_:)``'s output.
    static let encodingVersion: UInt8 = 1

    /// A redo log as bytes, to store (a BLOB of the shard file) or send.
    ///
    /// After a version byte comes the table of distinct SQL texts (a log repeats a few texts many
    /// times), then the statements, each as its text's index and its parameters, in
    /// ``SQLBinaryWriter``'s form. Counts come first, so a log cut short is detected even at a
    /// statement boundary.
    public static func encode(_ statements: [SQLiteRedoStatement]) -> [UInt8] {
        var indexes: [String: Int] = [:]
        var texts: [String] = []
        for statement in statements where indexes[statement.sql] == nil {
            indexes[statement.sql] = texts.count
            texts.append(statement.sql)
        }
        var writer = SQLBinaryWriter(capacity: 64 + statements.count * 16)
        writer.write(byte: encodingVersion)
        writer.write(count: texts.count)
        for text in texts {
            writer.write(string: text)
        }
        writer.write(count: statements.count)
        for statement in statements {
            writer.write(count: indexes[statement.sql]!)
            writer.write(statement.parameters)
        }
        return writer.bytes
    }

    /// Reads a redo log written by ``encode(_:)``.
    ///
    /// - Throws: ``ShardQLError`` with code ``ShardQLError/Code/invalidArgument`` when the bytes
    ///   are not a complete log of a known version (damaged, cut short, or with bytes after it).
    public static func decode(_ bytes: [UInt8]) throws -> [SQLiteRedoStatement] {
        var reader = SQLBinaryReader(bytes)
        let version = try reader.readByte()
        guard version == encodingVersion else {
            throw ShardQLError(.invalidArgument, "unknown redo log version \(version) (expected \(encodingVersion))")
        }
        let textCount = try reader.readCount()
        var texts: [String] = []
        texts.reserveCapacity(textCount)
        for _ in 0..<textCount {
            texts.append(try reader.readString())
        }
        // Each statement takes at least two bytes: its text index and its parameter count.
        let count = try reader.readCount(minimumItemSize: 2)
        var statements: [SQLiteRedoStatement] = []
        statements.reserveCapacity(count)
        for _ in 0..<count {
            let start = reader.offset
            let index = try reader.readVarint()
            guard index < UInt64(texts.count) else {
                throw ShardQLError(
                    .invalidArgument,
                    "malformed redo log at byte \(start): SQL text \(index) of \(texts.count)")
            }
            statements.append(SQLiteRedoStatement(sql: texts[Int(index)], parameters: try reader.readValues()))
        }
        try reader.expectEnd()
        return statements
    }
}
