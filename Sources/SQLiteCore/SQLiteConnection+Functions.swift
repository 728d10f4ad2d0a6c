import CSQLite
import ShardQLBase

extension SQLiteConnection {
    /// Defines (or overrides, built-ins included) the SQL function `name` with `argumentCount`
    /// arguments on this connection; `body` gets the arguments and returns the result, and an error
    /// it throws becomes the statement's error.
    ///
    /// ```swift
    /// try connection.createFunction("changes", argumentCount: 0) { _ in .integer(sessionChanges) }
    /// ```
    public func createFunction(
        _ name: String, argumentCount: Int, deterministic: Bool = false,
        _ body: @escaping @Sendable ([SQLValue]) throws -> SQLValue
    ) throws {
        let box = Unmanaged.passRetained(FunctionBox(body)).toOpaque()
        let flags = SQLITE_UTF8 | (deterministic ? SQLITE_DETERMINISTIC : 0)
        let code = sqlite3_create_function_v2(
            try liveHandle(), name, Int32(argumentCount), flags, box,
            { context, count, arguments in
                let box = Unmanaged<FunctionBox>.fromOpaque(sqlite3_user_data(context)).takeUnretainedValue()
                var values: [SQLValue] = []
                for index in 0..<Int(count) {
                    values.append(SQLValue(sqliteValue: arguments![index]))
                }
                do {
                    try box.body(values).setResult(of: context)
                } catch {
                    sqlite3_result_error(context, "\(error)", -1)
                }
            },
            nil, nil,
            { pointer in
                if let pointer { Unmanaged<FunctionBox>.fromOpaque(pointer).release() }
            })
        guard code == SQLITE_OK else {
            throw ShardQLError(.sqlite, "cannot define function \(name)", sqliteResultCode: code)
        }
    }
}

/// Keeps a function's closure alive for SQLite, which frees it with the connection.
private final class FunctionBox {
    let body: @Sendable ([SQLValue]) throws -> SQLValue
    init(_ body: @escaping @Sendable ([SQLValue]) throws -> SQLValue) { self.body = body }
}

extension SQLValue {
    init(sqliteValue value: OpaquePointer?) {
        switch sqlite3_value_type(value) {
        case SQLITE_INTEGER:
            self = .integer(sqlite3_value_int64(value))
        case SQLITE_FLOAT:
            self = .real(sqlite3_value_double(value))
        case SQLITE_TEXT:
            guard let bytes = sqlite3_value_text(value) else {
                self = .text(SQLText(bytes: []))
                return
            }
            let count = Int(sqlite3_value_bytes(value))
            self = .text(SQLText(bytes: Array(UnsafeBufferPointer(start: bytes, count: count))))
        case SQLITE_BLOB:
            guard let bytes = sqlite3_value_blob(value) else {
                self = .blob([])
                return
            }
            self = .blob(Array(UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_value_bytes(value)))))
        default:
            self = .null
        }
    }

    func setResult(of context: OpaquePointer?) {
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        switch self {
        case .null: sqlite3_result_null(context)
        case .integer(let value): sqlite3_result_int64(context, value)
        case .real(let value): sqlite3_result_double(context, value)
        case .text(let text):
            text.bytes.withUnsafeBufferPointer { buffer in
                sqlite3_result_text(
                    context, UnsafeRawPointer(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                        .assumingMemoryBound(to: CChar.self), Int32(buffer.count), transient)
            }
        case .blob(let bytes):
            bytes.withUnsafeBytes { buffer in
                sqlite3_result_blob(context, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(buffer.count), transient)
            }
        }
    }
}
