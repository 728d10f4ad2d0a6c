import SQLiteCore
import ShardQLBase

/// The transaction open on a shard's writer connection.
///
/// `@unchecked Sendable` because `SQLiteChangeCapture` is not. Safe: every property is read and
/// written only inside `withConnection` closures of the shard's writer ``SQLiteDatabase``, which
/// run one at a time on its serial queue.
final class WriterTransaction: @unchecked Sendable {
    /// The distributed transaction holding the writer (and the file's write lock), if any.
    var owner: TransactionID?
    /// Records the row changes, so the transaction can prepare; see ``LocalWorker/workSavepoint``.
    var capture: SQLiteChangeCapture?
    /// Savepoints open inside the transaction, innermost last, with the capture's position at each.
    var savepoints: [(name: String, position: Int)] = []
    /// A statement ran in the transaction.
    var hasWritten = false
    /// SQLite rolled the whole transaction back itself (an `ON CONFLICT ROLLBACK`).
    var rolledBack = false

    func reset() {
        capture?.stop()
        capture = nil
        owner = nil
        savepoints = []
        hasWritten = false
        rolledBack = false
    }
}

extension LocalWorker {
    /// The savepoint a recording transaction opens first: phase one rolls back to it, so the
    /// shard's rows stay as they were while the prepared record is written under the same lock.
    static let workSavepoint = "_shardql_work"

    public func begin(_ transaction: TransactionID, on shard: ShardFileID, recording: Bool) async throws {
        try await acquire(transaction, on: shard, recording: recording) { _, _ in }
    }

    public func write(
        _ statements: [ShardStatement], on shard: ShardFileID, in transaction: TransactionID, recording: Bool
    ) async throws -> [WriteOutcome] {
        // Taking the lock and the statements share one trip to the writer's queue.
        try await acquire(transaction, on: shard, recording: recording) { connection, state in
            state.hasWritten = true
            var outcomes: [WriteOutcome] = []
            for item in statements {
                let position = state.capture?.position
                let schemaBefore = position == nil ? 0 : try Self.schemaVersion(connection)
                do {
                    let statement = try connection.cachedStatement(item.sql)
                    defer { statement.reset() }
                    try statement.bind(item.parameters)
                    let rows = try statement.rows()
                    outcomes.append(
                        WriteOutcome(
                            changes: connection.changes, lastInsertRowID: connection.lastInsertRowID,
                            returned: RowSet(columns: statement.columnNames, rows: rows)))
                } catch {
                    // SQLite undid the failed statement (or, for ON CONFLICT ROLLBACK, the whole
                    // transaction): so does the record of its changes.
                    if let position { state.capture?.truncate(to: position) }
                    if connection.isAutocommit {
                        state.capture?.stop()
                        state.capture = nil
                        state.rolledBack = true
                    }
                    throw error
                }
                // A schema change replays as itself: its effect on rows is not row changes.
                if let position, let capture = state.capture, try Self.schemaVersion(connection) != schemaBefore {
                    capture.truncate(to: position)
                    capture.appendStatement(item.sql, parameters: item.parameters)
                }
            }
            return outcomes
        }
    }

    public func ingest(
        _ batch: IngestBatch, sql: String, on shard: ShardFileID, in transaction: TransactionID, recording: Bool,
        rejectionLimit: Int
    ) async throws -> IngestOutcome {
        try await acquire(transaction, on: shard, recording: recording) { connection, state in
            state.hasWritten = true
            let statement = try connection.cachedStatement(sql)
            defer {
                statement.reset()
                statement.clearBindings()
            }
            guard statement.parameterCount == batch.columnCount else {
                throw ShardQLError(
                    .invalidArgument, "an ingest batch has \(batch.columnCount) columns for \(statement.parameterCount) parameters")
            }
            var outcome = IngestOutcome(inserted: 0, rejected: [], stoppedEarly: false)
            try batch.bytes.withUnsafeBytes { bytes in
                var value = 0
                var start = 0
                for row in 0..<batch.rowCount {
                    let position = state.capture?.position
                    do {
                        for index in 1...batch.columnCount {
                            let end = Int(batch.ends[value])
                            let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                            switch batch.kinds[value] {
                            case .null: try statement.bind(.null, at: index)
                            case .integer: try statement.bind(.integer(Int64(littleEndian: slice.loadUnaligned(as: Int64.self))), at: index)
                            case .real:
                                try statement.bind(
                                    .real(Double(bitPattern: UInt64(littleEndian: slice.loadUnaligned(as: UInt64.self)))), at: index)
                            case .text: try statement.bindText(borrowing: slice, at: index)
                            case .blob: try statement.bindBlob(borrowing: slice, at: index)
                            }
                            value += 1
                            start = end
                        }
                        try statement.run()
                        outcome.inserted += connection.changes
                    } catch let error as ShardQLError where Self.isRowRejection(error) {
                        if let position { state.capture?.truncate(to: position) }
                        if connection.isAutocommit {
                            // ON CONFLICT ROLLBACK undid the whole transaction: nothing to go on with.
                            state.capture?.stop()
                            state.capture = nil
                            state.rolledBack = true
                            throw error
                        }
                        outcome.rejected.append(IngestOutcome.Rejection(row: row, message: error.message))
                        if outcome.rejected.count >= rejectionLimit, row < batch.rowCount - 1 {
                            outcome.stoppedEarly = true
                            return
                        }
                    } catch {
                        if let position { state.capture?.truncate(to: position) }
                        throw error
                    }
                    // A row given up half bound continues from its own end.
                    value = (row + 1) * batch.columnCount
                    start = value == 0 ? 0 : Int(batch.ends[value - 1])
                }
            }
            return outcome
        }
    }

    /// A failure caused by one row's content, which a bulk load reports and goes on from:
    /// SQLITE_CONSTRAINT (NOT NULL, UNIQUE, CHECK, a STRICT column's type), SQLITE_MISMATCH,
    /// SQLITE_TOOBIG.
    static func isRowRejection(_ error: ShardQLError) -> Bool {
        guard let code = error.sqliteResultCode.map({ $0 & 0xFF }) else { return false }
        return code == 19 || code == 20 || code == 18
    }

    public func savepoint(_ operation: SavepointOperation, on shard: ShardFileID, in transaction: TransactionID) async throws {
        let open = try await self.open(shard, creating: false)
        try await open.writer.withConnection { connection in
            let state = try Self.state(of: transaction, in: open, on: shard)
            func innermost(_ name: String) -> Int? {
                state.savepoints.lastIndex { $0.name.lowercased() == name.lowercased() }
            }
            switch operation {
            case .begin(let name):
                try connection.execute("SAVEPOINT \(sqliteQuotedIdentifier(name))")
                state.savepoints.append((name, state.capture?.position ?? 0))
            case .release(let name):
                try connection.execute("RELEASE \(sqliteQuotedIdentifier(name))")
                if let index = innermost(name) { state.savepoints.removeSubrange(index...) }
            case .rollback(let name):
                try connection.execute("ROLLBACK TO \(sqliteQuotedIdentifier(name))")
                if let index = innermost(name) {
                    state.capture?.truncate(to: state.savepoints[index].position)
                    state.savepoints.removeSubrange((index + 1)...)
                }
            }
        }
    }

    public func commit(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        guard let open = openShard(shard) else { return }
        try await open.writer.withConnection { connection in
            let state = open.transaction
            guard state.owner == transaction else { return }
            defer { state.reset() }
            guard !state.rolledBack else { throw Self.rolledBackError(shard) }
            if open.copying.isLogging, let capture = state.capture, !capture.isEmpty {
                do {
                    let redo = SQLiteRedoStatement.encode(try capture.statements())
                    capture.stop()
                    try Self.logChange(redo, connection)
                } catch {
                    try? Self.end(connection, commit: false)
                    throw error
                }
            }
            try Self.end(connection, commit: true)
        }
    }

    public func prepare(_ transaction: TransactionID, on shard: ShardFileID) async throws -> Bool {
        let open = try await self.open(shard, creating: false)
        return try await open.writer.withConnection { connection in
            let state = try Self.state(of: transaction, in: open, on: shard)
            defer { state.reset() }
            guard let capture = state.capture else {
                try Self.end(connection, commit: false)
                guard !state.hasWritten else {
                    throw ShardQLError(.internalError, "transaction \(transaction) wrote \(shard) without recording its changes")
                }
                return false
            }
            guard !capture.isEmpty else {
                try Self.end(connection, commit: false)
                return false
            }
            do {
                let redo = SQLiteRedoStatement.encode(try capture.statements())
                capture.stop()
                try connection.execute("ROLLBACK TO \(Self.workSavepoint); RELEASE \(Self.workSavepoint)")
                let insert = try connection.cachedStatement(
                    "INSERT INTO \(ShardFileFormat.preparedTable)(txid, redo, prepared_at) VALUES (?, ?, ?)")
                defer { insert.reset() }
                try insert.bind([.text(transaction.rawValue), .blob(redo), .integer(WallClock.milliseconds())])
                try insert.run()
                try Self.end(connection, commit: true)
            } catch {
                try? Self.end(connection, commit: false)
                throw error
            }
            return true
        }
    }

    public func commitPrepared(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        let copying = try await open(shard, creating: false).copying
        try await acquire(transaction, on: shard, recording: false, admittingPrepared: true) { connection, state in
            defer { state.reset() }
            do {
                if let redo = try Self.preparedRedo(transaction, connection) {
                    // The log holds what the triggers did already.
                    try connection.setTriggersEnabled(false)
                    defer { try? connection.setTriggersEnabled(true) }
                    try Self.replay(SQLiteRedoStatement.decode(redo), connection)
                    try Self.deletePrepared(transaction, connection)
                    if copying.isLogging { try Self.logChange(redo, connection) }
                }
                try Self.end(connection, commit: true)
            } catch {
                try? Self.end(connection, commit: false)
                throw error
            }
        }
    }

    public func abort(_ transaction: TransactionID, on shard: ShardFileID) async throws {
        // A missing file holds no transaction.
        guard let open = try? await self.open(shard, creating: false) else { return }
        let prepared = try await open.writer.withConnection { connection in
            let state = open.transaction
            if state.owner == transaction {
                state.reset()
                try Self.end(connection, commit: false)
            }
            return try Self.preparedRedo(transaction, connection) != nil
        }
        guard prepared else { return }
        try await acquire(transaction, on: shard, recording: false, admittingPrepared: true) { connection, state in
            defer { state.reset() }
            do {
                try Self.deletePrepared(transaction, connection)
                try Self.end(connection, commit: true)
            } catch {
                try? Self.end(connection, commit: false)
                throw error
            }
        }
    }

    public func preparedTransactions(on shard: ShardFileID) async throws -> [TransactionID] {
        let open = try await self.open(shard, creating: false)
        return try await open.writer.withConnection { connection in
            try connection.prepare("SELECT txid FROM \(ShardFileFormat.preparedTable) ORDER BY txid").rows().compactMap { row in
                if case .text(let id) = row[0] { return TransactionID(id.string) }
                return nil
            }
        }
    }

    /// Reads `read` on the writer connection when its transaction is open there: the rows include
    /// the transaction's own changes. Returns `nil` (read committed state instead) otherwise.
    func readInTransaction(_ read: ShardRead, _ transaction: TransactionID, on shard: ShardFileID) async throws
        -> RowSet?
    {
        guard let open = openShard(shard) else { return nil }
        return try await open.writer.withConnection { connection -> RowSet? in
            guard open.transaction.owner == transaction else { return nil }
            guard read.attaching.isEmpty else {
                throw ShardQLError(.internalError, "a read inside transaction \(transaction) cannot attach files")
            }
            let statement = try connection.cachedStatement(read.sql)
            try Self.requireReadOnly(statement, read)
            defer { statement.reset() }
            try statement.bind(read.parameters)
            return RowSet(columns: statement.columnNames, rows: try statement.rows())
        }
    }

    // MARK: - The lock

    /// Makes `transaction` the owner of the shard's writer, inside `BEGIN IMMEDIATE`: waits (up to
    /// ``busyTimeout``) while another transaction owns it or holds a prepared record in the file
    /// — except the transaction's own record when `admittingPrepared` — then runs `body` in the
    /// same trip to the writer's queue.
    func acquire<T: Sendable>(
        _ transaction: TransactionID, on shard: ShardFileID, recording: Bool, admittingPrepared: Bool = false,
        then body: @Sendable (SQLiteConnection, WriterTransaction) throws -> T
    ) async throws -> T {
        let open = try await self.open(shard, creating: false)
        let deadline = ContinuousClock.now + busyTimeout
        var pause = Duration.milliseconds(1)
        while true {
            let attempt = try await open.writer.withConnection { connection -> LockAttempt<T> in
                let state = open.transaction
                if let owner = state.owner {
                    guard owner == transaction else { return .blocked("transaction \(owner) is writing it") }
                } else {
                    switch open.copying.fence {
                    case .none: break
                    case .writes: if !admittingPrepared { throw Self.fencedError(shard) }
                    case .retired: throw Self.movedError(shard)
                    }
                    do {
                        try connection.cachedStatement("BEGIN IMMEDIATE TRANSACTION").run()
                    } catch let error as ShardQLError where error.sqliteResultCode.map({ $0 & 0xFF }) == 5 {
                        throw ShardQLError(
                            .busy, "\(shard) is locked by another process's write (gave up after SQLite's busy timeout)",
                            cause: error)
                    }
                    if let other = try Self.otherPrepared(than: admittingPrepared ? transaction : nil, connection) {
                        try Self.end(connection, commit: false)
                        return .blocked("transaction \(other) is prepared there and waits for its decision")
                    }
                    state.owner = transaction
                }
                // While the file is the source of a copy, every transaction records: its commit
                // appends the changes to the log.
                if recording || (open.copying.isLogging && !admittingPrepared), state.capture == nil {
                    guard !state.hasWritten else {
                        throw ShardQLError(
                            .internalError, "transaction \(transaction) asked to record \(shard) after writing it unrecorded")
                    }
                    try connection.execute("SAVEPOINT \(Self.workSavepoint)")
                    state.capture = SQLiteChangeCapture(connection: connection)
                }
                guard !state.rolledBack else { throw Self.rolledBackError(shard) }
                return .done(try body(connection, state))
            }
            guard case .blocked(let blocker) = attempt else {
                if case .done(let value) = attempt { return value }
                preconditionFailure("unreachable")
            }
            guard ContinuousClock.now < deadline else {
                throw ShardQLError(
                    .busy,
                    "\(shard) is locked: \(blocker) (gave up after \(busyTimeout); if that transaction's coordinator died, `shardql recover` finishes it)")
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    private enum LockAttempt<T: Sendable>: Sendable {
        case blocked(String)
        case done(T)
    }

    private func openShard(_ shard: ShardFileID) -> OpenShard? {
        shards.withLock { $0[shard] }
    }

    // MARK: - On the writer's queue

    private static func state(of transaction: TransactionID, in open: OpenShard, on shard: ShardFileID) throws
        -> WriterTransaction
    {
        let state = open.transaction
        guard state.owner == transaction else {
            throw ShardQLError(.internalError, "transaction \(transaction) is not open on \(shard)")
        }
        guard !state.rolledBack else { throw rolledBackError(shard) }
        return state
    }

    private static func rolledBackError(_ shard: ShardFileID) -> ShardQLError {
        ShardQLError(.sqlite, "the transaction was rolled back on \(shard) by an ON CONFLICT ROLLBACK")
    }

    /// Commits or rolls back the connection's transaction, if one is open.
    static func end(_ connection: SQLiteConnection, commit: Bool) throws {
        guard !connection.isAutocommit else { return }
        try connection.cachedStatement(commit ? "COMMIT TRANSACTION" : "ROLLBACK TRANSACTION").run()
    }

    static func otherPrepared(than transaction: TransactionID?, _ connection: SQLiteConnection) throws
        -> String?
    {
        let statement = try connection.cachedStatement(
            "SELECT txid FROM \(ShardFileFormat.preparedTable) WHERE txid IS NOT ? LIMIT 1")
        defer { statement.reset() }
        try statement.bind([transaction.map { .text($0.rawValue) } ?? .null])
        guard try statement.step(), case .text(let id) = statement.column(0) else { return nil }
        return id.string
    }

    private static func preparedRedo(_ transaction: TransactionID, _ connection: SQLiteConnection) throws -> [UInt8]? {
        let statement = try connection.cachedStatement(
            "SELECT redo FROM \(ShardFileFormat.preparedTable) WHERE txid = ?")
        defer { statement.reset() }
        try statement.bind([.text(transaction.rawValue)])
        guard try statement.step(), case .blob(let redo) = statement.column(0) else { return nil }
        return redo
    }

    private static func deletePrepared(_ transaction: TransactionID, _ connection: SQLiteConnection) throws {
        let statement = try connection.cachedStatement("DELETE FROM \(ShardFileFormat.preparedTable) WHERE txid = ?")
        defer { statement.reset() }
        try statement.bind([.text(transaction.rawValue)])
        try statement.run()
    }

    private static func schemaVersion(_ connection: SQLiteConnection) throws -> Int64 {
        let statement = try connection.cachedStatement("PRAGMA schema_version")
        defer { statement.reset() }
        guard try statement.step(), case .integer(let version) = statement.column(0) else { return 0 }
        return version
    }
}
