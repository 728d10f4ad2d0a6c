import SQLiteCore
import ShardQLBase

extension LocalWorker {
    public func read(_ read: ShardRead, on shard: ShardFileID, batchRows: Int) async throws -> ShardRowStream {
        guard batchRows > 0 else {
            throw ShardQLError(.invalidArgument, "batchRows must be at least 1, got \(batchRows)")
        }
        let open = try await open(shard, creating: false)
        try refuseIfRetired(open, shard)
        let pool = open.readers
        if let transaction = read.transaction, let rows = try await readInTransaction(read, transaction, on: shard) {
            return ShardRowStream(
                columns: rows.columns,
                cursor: ShardReadCursor(
                    reader: nil, statement: StatementSlot(), pool: pool, batchRows: batchRows,
                    first: .success(StatementSlot.Batch(rows: rows.rows, isFinished: true))))
        }
        let attachments = try await attachments(read.attaching)
        let reader = try await pool.checkOut()
        let statement = StatementSlot()
        let columns: [String]
        let first: Result<StatementSlot.Batch, ShardQLError>
        do {
            // Preparing and the first batch share one trip to the connection's queue: a point
            // query (one short batch) costs one trip in all.
            (columns, first) = try await reader.database.withConnection { connection in
                try reader.attach(attachments, on: connection)
                // The connection's own cache: only this read uses the connection until it ends.
                let prepared = try connection.cachedStatement(read.sql)
                try Self.requireReadOnly(prepared, read)
                try prepared.bind(read.parameters)
                statement.set(prepared)
                let first = Result { () throws(ShardQLError) in
                    try statement.nextBatch(maxRows: batchRows, maxBytes: ShardReadCursor.batchBytes)
                }
                return (prepared.columnNames, first)
            }
        } catch {
            // Nothing was stepped, so no statement holds a read transaction.
            await pool.checkIn(reader)
            throw error
        }
        let finished: Bool
        switch first {
        case .success(let batch): finished = batch.isFinished
        case .failure: finished = true
        }
        // A statement that ended (or failed) in its first batch was cleared: its connection goes back now.
        if finished { await pool.checkIn(reader) }
        return ShardRowStream(
            columns: columns,
            cursor: ShardReadCursor(
                reader: finished ? nil : reader, statement: statement, pool: pool, batchRows: batchRows, first: first))
    }

    /// Refuses a read whose statement would change something (`sqlite3_stmt_readonly`): the
    /// connection's guard refuses most such statements already, this also covers the writer's
    /// connection that reads inside a transaction.
    static func requireReadOnly(_ statement: SQLiteStatement, _ read: ShardRead) throws(ShardQLError) {
        guard statement.isReadOnly else {
            throw ShardQLError(.invalidArgument, "a shard read must be a read-only statement, got: \(read.sql.prefix(200))")
        }
    }

    /// The files to attach, each opened here (so a missing or foreign file fails clearly), without
    /// repeats.
    private func attachments(_ shards: [ShardFileID]) async throws -> [Attachment] {
        var attachments: [Attachment] = []
        for shard in shards where !attachments.contains(where: { $0.shard == shard }) {
            let open: OpenShard
            do {
                open = try await self.open(shard, creating: false)
            } catch let error as ShardQLError {
                throw ShardQLError(error.code, "cannot attach \(shard): \(error.message)", cause: error)
            }
            attachments.append(Attachment(shard: shard, path: path(of: shard), generation: open.generation))
        }
        return attachments
    }
}
