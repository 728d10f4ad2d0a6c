import Catalog
import Coordinator
import Foundation
import SQLSyntax
import SQLiteCore
import ShardQLBase
import Worker

/// Loads files into a table of a cluster (`shardql import`, `.import`): read → parse → route by
/// the table's own hash → one writer per shard (see ``ShardBatches``), all or nothing (see
/// ``BulkLoad``).
///
/// ```swift
/// var options = ImportOptions()
/// options.create = true
/// options.nullText = "NA"
/// let report = try await Importer(cluster: cluster, table: "flights", files: ["flights.csv.gz"], options: options).run()
/// print(report.rows)
/// ```
public final class Importer {
    public let table: String
    public let files: [String]
    public let options: ImportOptions
    private let cluster: Cluster
    private let showError: (String) -> Void
    private let progress: ((ImportProgress) -> Void)?
    private let format: ImportOptions.Format

    /// `showError` receives the first few refused rows' messages as they happen; `progress`, a
    /// report after every chunk read.
    public init(
        cluster: Cluster, table: String, files: [String], options: ImportOptions,
        showError: @escaping (String) -> Void = { _ in }, progress: ((ImportProgress) -> Void)? = nil
    ) throws {
        guard !files.isEmpty else { throw ShardQLError(.invalidArgument, "no file to import") }
        self.cluster = cluster
        self.table = table
        self.files = files
        self.options = options
        self.showError = showError
        self.progress = progress
        format = options.format ?? .guessed(from: files[0])
        if options.sourceTable != nil, format != .sqlite {
            throw ShardQLError(.invalidArgument, "--source-table is for --format sqlite")
        }
        if options.schema != nil, !options.create {
            throw ShardQLError(.invalidArgument, "--schema needs --create")
        }
        if options.reference, options.distributeBy != nil {
            throw ShardQLError(.invalidArgument, "a table is either --reference or --distribute-by a column, not both")
        }
        if options.maxErrors < 0 { throw ShardQLError(.invalidArgument, "--max-errors must be 0 or more") }
    }

    private var delimitedFormat: DelimitedFormat {
        var result: DelimitedFormat = format == .tsv ? .tsv : .csv
        if let delimiter = options.delimiter { result.delimiter = delimiter }
        if let quote = options.quote { result.quote = quote }
        return result
    }

    /// Runs the import; on any error (or cancellation) nothing of it stays.
    public func run() async throws -> ImportReport {
        let started = ContinuousClock.now
        let errors = try ImportErrorLog(maxErrors: options.maxErrors, errorsFile: options.errorsFile, show: showError)
        let shape = try await inspect()
        let create = try options.create ? createStatement(shape) : nil
        let columns = try loadedColumns(shape, create: create)
        let load = try await cluster.beginBulkLoad(into: table, columns: columns, creating: create)
        let columnNames = load.columnNames
        let batches = ShardBatches(load: load, errors: errors) { [unowned self] file, line, raw, message in
            describeRejection(file: file, line: line, raw: raw, message: message, columns: columnNames)
        }
        var rowIDs = load.rowIDs()
        var totals = (rows: 0, bytes: Int64(0))
        do {
            let totalFileBytes = files.reduce(Int64(0)) { $0 + ImportSource.fileSize(atPath: $1) }
            var doneFileBytes: Int64 = 0
            for (index, file) in files.enumerated() {
                let context = ReadContext(
                    file: file, fileIndex: index, fieldCount: shape.names.count, load: load, batches: batches,
                    errors: errors, nullText: options.nullText.map { Array($0.utf8) })
                let report: (Int64, Int64?) -> Void = { [progress, started] bytes, fileBytes in
                    progress?(
                        ImportProgress(
                            file: file, rows: totals.rows + context.rows, bytes: totals.bytes + bytes,
                            fileBytes: fileBytes.map { doneFileBytes + $0 }, totalFileBytes: totalFileBytes,
                            seconds: Self.seconds(since: started)))
                }
                let bytes: Int64
                switch format {
                case .csv, .tsv:
                    bytes = try await readDelimited(context, rowIDs: &rowIDs, report: report)
                case .jsonl:
                    bytes = try await readJSONLines(context, rowIDs: &rowIDs, report: report)
                case .sqlite:
                    bytes = try await readSQLite(context, rowIDs: &rowIDs, report: report)
                }
                totals.rows += context.rows
                totals.bytes += bytes
                doneFileBytes += ImportSource.fileSize(atPath: file)
            }
            try await batches.finish()
            if options.dryRun {
                await load.abort()
            } else {
                try await load.commit(largestRowID: rowIDs.largest)
            }
        } catch {
            await batches.cancel()
            await load.abort()
            throw error
        }
        let written = batches.rowsPerShard.reduce(0, +)
        return ImportReport(
            table: load.tableName, created: load.creates, rows: written, rejected: errors.count, bytes: totals.bytes,
            seconds: Self.seconds(since: started), rowsPerShard: batches.rowsPerShard, dryRun: options.dryRun)
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    // MARK: - Shape: column names and types

    /// The input's column names (from the header, the source table or the first JSON object;
    /// `c1…cN` without one) and, for `--create`, each column's declared type.
    struct Shape {
        var names: [String]
        var types: [String]
        /// The names came from the input (a header, a table, JSON keys), not made up.
        var named: Bool
    }

    private func inspect() async throws -> Shape {
        switch format {
        case .csv, .tsv: return try inspectDelimited()
        case .jsonl: return try inspectJSONLines()
        case .sqlite: return try inspectSQLite()
        }
    }

    private func inspectDelimited() throws -> Shape {
        let header = options.header ?? true
        let source = try ImportSource(path: files[0])
        defer { source.abandon() }
        var parser = DelimitedParser(format: delimitedFormat, file: files[0])
        var names: [String]?
        var accumulator: ColumnTypeInference.Accumulator?
        var sampled = 0
        // Types are inferred only for a table created without --schema.
        let wanted = options.create && options.schema == nil ? options.sampleRows : 0
        let nullText = options.nullText
        let file = files[0]
        func take(_ record: borrowing DelimitedRecord) throws {
            if names == nil {
                if header {
                    names = try (0..<record.count).map { try record.text($0, file: file) }
                    accumulator = .init(columns: record.count)
                    return
                }
                names = (1...max(1, record.count)).map { "c\($0)" }
                accumulator = .init(columns: record.count)
            }
            guard sampled < wanted, record.count == accumulator!.seen.count else { return }
            sampled += 1
            for index in 0..<record.count {
                let text = try? record.text(index, file: file)
                let isNull = text == nil || (!record.isQuoted(index) && text == nullText)
                accumulator!.add(isNull ? nil : text, column: index)
            }
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        var done = false
        while !done {
            let count = try source.read(into: buffer)
            if count == 0 {
                try parser.finish(take)
                break
            }
            try parser.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count]), take)
            done = names != nil && sampled >= wanted
        }
        guard let names else { throw ShardQLError(.invalidArgument, "\(file): the file is empty") }
        return Shape(names: names, types: accumulator!.types.map(\.rawValue), named: header)
    }

    private func inspectSQLite() throws -> Shape {
        let connection = try openSource(files[0])
        let source = options.sourceTable ?? table
        let info = try connection.prepare("SELECT name, type FROM pragma_table_info(?)")
        try info.bind([.text(SQLText(source))])
        let rows = try info.rows()
        guard !rows.isEmpty else { throw ShardQLError(.invalidArgument, "\(files[0]): no table named \(source)") }
        return Shape(
            names: rows.map { Self.text($0[0]) }, types: rows.map { Self.text($0[1]) }, named: true)
    }

    private static func text(_ value: SQLValue) -> String {
        if case .text(let text) = value { return text.string }
        return ""
    }

    private func inspectJSONLines() throws -> Shape {
        let source = try ImportSource(path: files[0])
        defer { source.abandon() }
        var lines = LineSplitter()
        var names: [String] = []
        var known = Set<String>()
        var accumulator = [String: ColumnTypeInference.ColumnType]()
        var sampled = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        var finished = false
        while !finished, sampled < max(1, options.create ? options.sampleRows : 1) {
            let count = try source.read(into: buffer)
            if count == 0 { finished = true }
            try lines.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count]), final: finished) { line, number in
                guard sampled < max(1, options.create ? options.sampleRows : 1) else { return }
                let object = try JSONLine.parse(line, file: files[0], line: number)
                guard !object.isEmpty else { return }
                sampled += 1
                for (key, value) in object {
                    if known.insert(key).inserted { names.append(key) }
                    let type: ColumnTypeInference.ColumnType? =
                        switch value {
                        case .null: nil
                        case .integer: .integer
                        case .real: .real
                        default: .text
                        }
                    if let type { accumulator[key] = max(accumulator[key] ?? type, type) }
                }
            }
        }
        guard !names.isEmpty else { throw ShardQLError(.invalidArgument, "\(files[0]): no JSON object in the file") }
        return Shape(names: names, types: names.map { (accumulator[$0] ?? .text).rawValue }, named: true)
    }

    /// The `CREATE TABLE` for `--create`: `--schema`, or the inferred columns, with the
    /// distribution options.
    private func createStatement(_ shape: Shape) throws -> CreateTable {
        var create: CreateTable
        if let schema = options.schema {
            guard case .createTable(let parsed) = try SQLParser.parseStatement(schema).kind,
                case .columns = parsed.definition
            else { throw ShardQLError(.invalidArgument, "--schema must be one CREATE TABLE statement with columns") }
            guard CatalogName.equal(parsed.name.name.name, table) else {
                throw ShardQLError(
                    .invalidArgument, "--schema creates \(parsed.name.name.name), but the import is into \(table)")
            }
            create = parsed
        } else {
            var seen = Set<String>()
            for name in shape.names {
                guard !name.isEmpty else { throw ShardQLError(.invalidArgument, "\(files[0]): the header names an empty column") }
                guard seen.insert(name.lowercased()).inserted else {
                    throw ShardQLError(.invalidArgument, "\(files[0]): the header names column \(name) twice")
                }
            }
            let definitions = zip(shape.names, shape.types).map { name, type in
                ([sqliteQuotedIdentifier(name)] + (type.isEmpty ? [] : [type])).joined(separator: " ")
            }
            let sql = "CREATE TABLE \(sqliteQuotedIdentifier(table)) (\(definitions.joined(separator: ", ")))"
            guard case .createTable(let parsed) = try SQLParser.parseStatement(sql).kind else {
                throw ShardQLError(.internalError, "the inferred table definition did not parse: \(sql)")
            }
            create = parsed
        }
        if options.reference || options.distributeBy != nil {
            guard create.distribution == nil else {
                throw ShardQLError(
                    .invalidArgument, "--schema has its own DISTRIBUTED clause; leave out --reference and --distribute-by")
            }
            if options.reference {
                create.distribution = .replicated
            } else if let column = options.distributeBy {
                create.distribution = .hash(
                    column: Identifier(column, quoting: .doubleQuotes), shards: options.shards, replicas: options.replicas, colocateWith: nil)
            }
        }
        return create
    }

    /// The table columns the input's fields go to, in order: `--columns`; else, for a table
    /// created from the input's own names, those; else the input's names when every one is a
    /// column of the table (in any order), else the table's columns by position.
    private func loadedColumns(_ shape: Shape, create: CreateTable?) throws -> [String]? {
        if let columns = options.columns {
            guard columns.count == shape.names.count || format == .jsonl else {
                throw ShardQLError(
                    .invalidArgument, "--columns names \(columns.count) columns, but \(files[0]) has \(shape.names.count)")
            }
            return columns
        }
        if create != nil, options.schema == nil { return shape.names }
        guard shape.named else { return nil }
        let existing: [String]
        if case .columns(let definitions, _, _)? = create?.definition {
            existing = definitions.map(\.name.name)
        } else {
            existing = try cluster.columnNames(ofTable: table)
        }
        let known = Set(existing.map { $0.lowercased() })
        if shape.names.allSatisfy({ known.contains($0.lowercased()) }) { return shape.names }
        guard format != .jsonl else {
            let unknown = shape.names.first { !known.contains($0.lowercased()) }!
            throw ShardQLError(.invalidArgument, "\(files[0]): \(table) has no column named \(unknown)")
        }
        return nil
    }

    // MARK: - Reading

    /// What every reader shares for one file.
    final class ReadContext {
        let file: String
        let fileIndex: Int
        let fieldCount: Int
        let load: BulkLoad
        let batches: ShardBatches
        let errors: ImportErrorLog
        let nullText: [UInt8]?
        var rows = 0

        init(
            file: String, fileIndex: Int, fieldCount: Int, load: BulkLoad, batches: ShardBatches, errors: ImportErrorLog,
            nullText: [UInt8]?
        ) {
            self.file = file
            self.fileIndex = fileIndex
            self.fieldCount = fieldCount
            self.load = load
            self.batches = batches
            self.errors = errors
            self.nullText = nullText
        }
    }

    private static let chunkSize = 1 << 20

    private func readDelimited(
        _ context: ReadContext, rowIDs: inout BulkLoad.RowIDs, report: (Int64, Int64?) -> Void
    ) async throws -> Int64 {
        let source = try ImportSource(path: context.file)
        defer { source.abandon() }
        var parser = DelimitedParser(format: delimitedFormat, file: context.file)
        var skipHeader = options.header ?? true
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var ids = rowIDs
        defer { rowIDs = ids }
        func take(_ record: borrowing DelimitedRecord) throws {
            if skipHeader {
                skipHeader = false
                return
            }
            do {
                try Self.add(record, context, rowIDs: &ids)
            } catch let error as RowError {
                do { try context.errors.record(error.message) } catch { throw PassThrough(error: error) }
            } catch {
                throw PassThrough(error: error)
            }
        }
        // The parser's own errors (a quote never closed, text after a closing quote) leave no
        // record boundary to go on from: counted, then the import stops.
        func parse(_ body: () throws -> Void) throws {
            do {
                try body()
            } catch let error as PassThrough {
                throw error.error
            } catch let error as ShardQLError where error.code == .invalidArgument {
                try context.errors.record(error.message)
                throw ShardQLError(
                    .invalidArgument, "\(error.message)\n\(context.file) cannot be read past this point; nothing was imported")
            }
        }
        while true {
            try Task.checkCancellation()
            let count = try source.read(into: buffer)
            if count == 0 { break }
            try parse { try parser.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count]), take) }
            try await context.batches.send()
            report(source.bytesRead, source.fileBytesRead)
        }
        try parse { try parser.finish(take) }
        try await context.batches.send()
        try source.close()
        report(source.bytesRead, source.fileBytesRead)
        return source.bytesRead
    }

    /// An error of a record's handling carried out through the parser untouched.
    struct PassThrough: Error {
        var error: any Error
    }

    /// A row refused for its content (the import goes on, counting it).
    struct RowError: Error {
        var message: String
    }

    /// One CSV/TSV record into its shard's batch.
    private static func add(
        _ record: borrowing DelimitedRecord, _ context: ReadContext, rowIDs: inout BulkLoad.RowIDs
    ) throws {
        let load = context.load
        guard record.count == context.fieldCount else {
            let (line, column): (Int, Int)
            if record.count > context.fieldCount {
                (line, column) = record.position(of: context.fieldCount)
            } else {
                let last = record.position(of: record.count - 1)
                let length = try record.withBytes(of: record.count - 1) { String(decoding: $0, as: UTF8.self).count }
                (line, column) = (last.line, last.column + length + (record.isQuoted(record.count - 1) ? 2 : 0))
            }
            throw RowError(
                message: "\(context.file):\(line):\(column): expected \(context.fieldCount) columns but found \(record.count)\n  \(record.recordText)")
        }
        func value(_ index: Int) throws -> SQLValue {
            try record.withBytes(of: index) { bytes in
                if isNull(bytes, bytes.indices, quoted: record.isQuoted(index), context.nullText) { return SQLValue.null }
                return .text(SQLText(bytes: Array(bytes)))
            }
        }
        var key = SQLValue.null
        if let keyColumn = load.keyColumn { key = try value(keyColumn) }
        var rowID: Int64?
        var generatedAlias = false
        if load.leadsWithRowID {
            rowID = try rowIDs.next()
        } else if let alias = load.rowIDAliasColumn {
            let explicit = try value(alias)
            generatedAlias = explicit == .null
            rowID = try rowIDs.next(explicit: explicit)
        }
        let shard = try load.shardIndex(key: key, rowID: rowID)
        let count = record.count
        let aliasColumn = load.rowIDAliasColumn
        do {
            try record.withFields { bytes, ranges, quoted in
                // One scan for the common case; only a record with other bytes is checked field
                // by field (and a bad one named by its column).
                if !isASCII(bytes) {
                    for index in 0..<count { _ = try record.text(index, file: context.file) }
                }
                try withUnsafeTemporaryAllocation(of: Bool.self, capacity: count) { nulls in
                    for index in 0..<count {
                        nulls[index] = isNull(bytes, ranges[index], quoted: quoted[index], context.nullText)
                    }
                    let nulls = UnsafeBufferPointer(nulls)
                    try record.withRawBytes { raw in
                        context.batches.add(toShard: shard, file: context.fileIndex, line: record.line, raw: raw) { batch in
                            if load.leadsWithRowID { batch.append(.integer(rowID!)) }
                            guard generatedAlias, let aliasColumn else {
                                batch.appendTexts(bytes, ranges: ranges, nulls: nulls)
                                return
                            }
                            for index in 0..<count {
                                if index == aliasColumn {
                                    batch.append(.integer(rowID!))
                                } else if nulls[index] {
                                    batch.appendNull()
                                } else {
                                    batch.appendText(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[ranges[index]])))
                                }
                            }
                        }
                    }
                }
            }
        } catch let error as ShardQLError where error.code == .invalidArgument {
            throw RowError(message: error.message)
        }
        context.rows += 1
    }

    @inline(__always)
    private static func isNull(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, quoted: Bool, _ nullText: [UInt8]?
    ) -> Bool {
        guard let nullText, !quoted, range.count == nullText.count else { return false }
        return nullText.withUnsafeBufferPointer { $0.elementsEqual(bytes[range]) }
    }

    /// Whether every byte is below 0x80, eight at a time.
    @inline(__always)
    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var combined: UInt64 = 0
        var offset = 0
        while offset + 8 <= bytes.count {
            combined |= raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        while offset < bytes.count {
            combined |= UInt64(bytes[offset])
            offset += 1
        }
        return combined & 0x8080_8080_8080_8080 == 0
    }

    private func readJSONLines(
        _ context: ReadContext, rowIDs: inout BulkLoad.RowIDs, report: (Int64, Int64?) -> Void
    ) async throws -> Int64 {
        let source = try ImportSource(path: context.file)
        defer { source.abandon() }
        var lines = LineSplitter()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        // The loaded columns by lowercased name → position in the batch row.
        let names = context.load.columnNames
        var slots = [String: Int]()
        for (index, name) in names.enumerated() { slots[name.lowercased()] = index }
        var ids = rowIDs
        defer { rowIDs = ids }
        var finished = false
        while !finished {
            try Task.checkCancellation()
            let count = try source.read(into: buffer)
            finished = count == 0
            try lines.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count]), final: finished) { line, number in
                do {
                    var values = [SQLValue](repeating: .null, count: names.count)
                    for (key, value) in try JSONLine.parse(line, file: context.file, line: number) {
                        guard let slot = slots[key.lowercased()] else {
                            throw RowError(
                                message: "\(context.file):\(number):1: \(context.load.tableName) has no column named \(key)\n  \(DelimitedParser.shown(line))")
                        }
                        values[slot] = value.sqlValue
                    }
                    try self.add(values: values, context, line: number, raw: line, rowIDs: &ids)
                } catch let error as RowError {
                    try context.errors.record(error.message)
                } catch let error as ShardQLError where error.code == .invalidArgument {
                    try context.errors.record(error.message)
                }
            }
            try await context.batches.send()
            report(source.bytesRead, source.fileBytesRead)
        }
        try source.close()
        return source.bytesRead
    }

    private func readSQLite(
        _ context: ReadContext, rowIDs: inout BulkLoad.RowIDs, report: (Int64, Int64?) -> Void
    ) async throws -> Int64 {
        let connection = try openSource(context.file)
        let source = options.sourceTable ?? table
        let statement = try connection.prepare("SELECT * FROM \(sqliteQuotedIdentifier(source))")
        defer { statement.reset() }
        var number = 0
        while try statement.step() {
            number += 1
            let values = statement.row()
            guard values.count == context.fieldCount else {
                throw ShardQLError(.internalError, "\(source) changed shape while it was read")
            }
            try add(values: values, context, line: number, raw: [], rowIDs: &rowIDs)
            if number % 8192 == 0 {
                try Task.checkCancellation()
                try await context.batches.send()
                report(0, nil)
            }
        }
        try await context.batches.send()
        return ImportSource.fileSize(atPath: context.file)
    }

    private func openSource(_ path: String) throws -> SQLiteConnection {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ShardQLError(.io, "cannot read '\(path)'")
        }
        var configuration = SQLiteConfiguration()
        configuration.readOnly = true
        return try SQLiteConnection(path: path, configuration: configuration)
    }

    /// A row of values (JSON Lines, a SQLite table) into its shard's batch.
    private func add(
        values: [SQLValue], _ context: ReadContext, line: Int, raw: [UInt8], rowIDs: inout BulkLoad.RowIDs
    ) throws {
        let load = context.load
        let key = load.keyColumn.map { values[$0] } ?? .null
        var rowID: Int64?
        var values = values
        if load.leadsWithRowID {
            rowID = try rowIDs.next()
        } else if let alias = load.rowIDAliasColumn {
            rowID = try rowIDs.next(explicit: values[alias])
            if values[alias] == .null { values[alias] = .integer(rowID!) }
        }
        let shard = try load.shardIndex(key: key, rowID: rowID)
        try raw.withUnsafeBufferPointer { raw in
            context.batches.add(toShard: shard, file: context.fileIndex, line: line, raw: raw) { batch in
                if load.leadsWithRowID { batch.append(.integer(rowID!)) }
                for value in values { batch.append(value) }
            }
        }
        context.rows += 1
    }

    // MARK: - Refused rows

    /// `FILE:LINE:COLUMN: SQLite's message`, the column found from the column the message names.
    private func describeRejection(file: Int, line: Int, raw: [UInt8], message: String, columns: [String]) -> String {
        let path = files[file]
        let raw = raw.isEmpty && format != .sqlite ? (try? recordText(in: path, line: line)) ?? [] : raw
        guard format == .csv || format == .tsv else {
            let place = format == .sqlite ? "\(path): row \(line)" : "\(path):\(line):1"
            return "\(place): \(message)" + (raw.isEmpty ? "" : "\n  \(DelimitedParser.shown(raw))")
        }
        var column = 1
        if let name = Self.columnNamed(in: message),
            let field = columns.firstIndex(where: { CatalogName.equal($0, name) })
        {
            var parser = DelimitedParser(format: delimitedFormat, file: path)
            raw.withUnsafeBytes { bytes in
                try? parser.feed(bytes) { record in
                    if field < record.count { column = record.position(of: field).column }
                }
                try? parser.finish { record in
                    if field < record.count { column = record.position(of: field).column }
                }
            }
        }
        return "\(path):\(line):\(column): \(message)\n  \(DelimitedParser.shown(raw))"
    }

    /// The input text of the record starting on `line` of `path`, read again (the pipeline keeps
    /// rows' text only when errors may be skipped).
    private func recordText(in path: String, line: Int) throws -> [UInt8] {
        let source = try ImportSource(path: path)
        defer { source.abandon() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        var found: [UInt8]?
        if format == .jsonl {
            var lines = LineSplitter()
            var finished = false
            while found == nil, !finished {
                let count = try source.read(into: buffer)
                finished = count == 0
                try lines.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count]), final: finished) { text, number in
                    if number == line { found = text }
                }
            }
            return found ?? []
        }
        var parser = DelimitedParser(format: delimitedFormat, file: path)
        func take(_ record: borrowing DelimitedRecord) {
            if found == nil, record.line == line { found = record.withRawBytes { Array($0) } }
        }
        while found == nil {
            let count = try source.read(into: buffer)
            if count == 0 {
                try parser.finish(take)
                break
            }
            try parser.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count]), take)
        }
        return found ?? []
    }

    /// The column SQLite's message is about: `… column t.c`, `… failed: t.c`.
    static func columnNamed(in message: String) -> String? {
        let words = message.split(whereSeparator: { $0 == " " || $0 == "," })
        guard let qualified = words.last(where: { $0.contains(".") }) ?? words.last else { return nil }
        return qualified.split(separator: ".").last.map(String.init)
    }
}
