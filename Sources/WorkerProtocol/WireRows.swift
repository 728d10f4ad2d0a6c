import Foundation
import ShardQLBase

/// The protocol version of the coordinator–worker wire this build speaks (every request carries
/// it; `Protos/shardql/v1/worker.proto`).
public enum WireProtocol {
    public static let version: UInt32 = 1

    /// Refuses a request of another version, naming both.
    public static func check(_ version: UInt32) throws(ShardQLError) {
        guard version == Self.version else {
            throw ShardQLError(
                .unsupported,
                "protocol version mismatch: the request speaks version \(version), this node speaks version \(Self.version); run the same ShardQL release on every node")
        }
    }
}

extension Shardql_V1_Rows {
    /// `rows` (each of `columnCount` values) in ShardQL's binary form, row after row.
    public init(_ rows: some Collection<[SQLValue]>, columnCount: Int) {
        self.init()
        var writer = SQLBinaryWriter(capacity: rows.count * columnCount * 4)
        for row in rows {
            for value in row { writer.write(value) }
        }
        self.columnCount = UInt32(columnCount)
        self.rowCount = UInt32(rows.count)
        self.values = Data(writer.bytes)
    }

    /// The rows again; throws ``ShardQLError/Code/io`` for a payload that does not hold exactly
    /// `rowCount` rows of `columnCount` values.
    public func decoded() throws(ShardQLError) -> [[SQLValue]] {
        var reader = SQLBinaryReader(Array(values))
        let columns = Int(columnCount)
        // Every value takes at least its tag byte: a count the payload cannot hold is refused
        // before any memory is reserved for it.
        guard Int(rowCount) * max(columns, 1) <= reader.remainingCount || columns == 0 else {
            throw ShardQLError(.io, "a row batch claims \(rowCount) rows of \(columns) values in \(values.count) bytes")
        }
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(Int(rowCount))
        do {
            for _ in 0..<rowCount {
                var row: [SQLValue] = []
                row.reserveCapacity(columns)
                for _ in 0..<columns { row.append(try reader.readValue()) }
                rows.append(row)
            }
            try reader.expectEnd()
        } catch let error as ShardQLError {
            throw error
        } catch {
            throw ShardQLError(.io, "a row batch is malformed: \(error)")
        }
        return rows
    }
}
