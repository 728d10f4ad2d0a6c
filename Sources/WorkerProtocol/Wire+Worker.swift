import Foundation
import ShardQLBase
import Worker

// Between the Worker module's values and their messages, in one place for both ends of the wire.

extension Shardql_V1_ShardRef {
    /// The reference to `shard`.
    package init(_ shard: ShardFileID) {
        self.init()
        // ShardFileID's group is an Int64 the catalog allocates (never negative); the bit pattern
        // keeps even a negative one intact both ways.
        self.group = UInt64(bitPattern: shard.group)
        self.index = UInt32(truncatingIfNeeded: shard.index)
    }

    /// The shard named. Only two numbers travel, so a request can never name a file outside the
    /// worker's directory: ``ShardFileID/fileName`` is `g<group>-s<index>.sqlite` whatever they are.
    package var fileID: ShardFileID {
        ShardFileID(group: Int64(bitPattern: group), index: Int(index))
    }
}

extension ShardFileID {
    /// Refuses a shard index the wire cannot carry (a negative one, or one past `UInt32.max`).
    package func checkedForWire() throws(ShardQLError) -> ShardFileID {
        guard index >= 0, index <= Int(UInt32.max) else {
            throw ShardQLError(.invalidArgument, "shard index \(index) of group \(group) cannot be sent to a worker")
        }
        return self
    }
}

/// Statement parameters: the values one after another in binary form.
package enum WireParameters {
    package static func encode(_ values: [SQLValue]) -> Data {
        var writer = SQLBinaryWriter(capacity: values.count * 8)
        for value in values { writer.write(value) }
        return Data(writer.bytes)
    }

    package static func decode(_ data: Data) throws(ShardQLError) -> [SQLValue] {
        var reader = SQLBinaryReader(Array(data))
        var values: [SQLValue] = []
        do {
            while !reader.isAtEnd { values.append(try reader.readValue()) }
        } catch let error as ShardQLError {
            throw error
        } catch {
            throw ShardQLError(.invalidArgument, "malformed statement parameters: \(error)")
        }
        return values
    }
}

extension Shardql_V1_StatementOutcome {
    package init(_ outcome: WriteOutcome) {
        self.init()
        changes = Int64(outcome.changes)
        lastInsertRowid = outcome.lastInsertRowID
        returnedColumns = outcome.returned.columns
        returned = Shardql_V1_Rows(outcome.returned.rows, columnCount: outcome.returned.columns.count)
    }

    package func decoded() throws(ShardQLError) -> WriteOutcome {
        WriteOutcome(
            changes: Int(changes), lastInsertRowID: lastInsertRowid,
            returned: RowSet(columns: returnedColumns, rows: try returned.decoded()))
    }
}

extension Shardql_V1_ShardStatistics {
    package init(_ statistics: ShardStatistics, of shard: ShardFileID) {
        self.init()
        self.shard = Shardql_V1_ShardRef(shard)
        rowsByTable = statistics.rowsByTable
        bytes = statistics.bytes
    }

    package var decoded: ShardStatistics {
        ShardStatistics(rowsByTable: rowsByTable, bytes: bytes)
    }
}

// MARK: Copying shard files

extension Shardql_V1_ShardControl {
    package init(_ control: ShardControl) {
        self =
            switch control {
            case .startChangeLog: .startChangeLog
            case .stopChangeLog: .stopChangeLog
            case .fenceWrites: .fenceWrites
            case .retire: .retire
            case .unfence: .unfence
            case .finishCopy: .finishCopy
            case .position: .position
            }
    }

    package var shardControl: ShardControl {
        get throws(ShardQLError) {
            switch self {
            case .startChangeLog: .startChangeLog
            case .stopChangeLog: .stopChangeLog
            case .fenceWrites: .fenceWrites
            case .retire: .retire
            case .unfence: .unfence
            case .finishCopy: .finishCopy
            case .position: .position
            case .unspecified, .UNRECOGNIZED:
                throw ShardQLError(.invalidArgument, "unknown shard control \(rawValue)")
            }
        }
    }
}

extension Shardql_V1_Change {
    package init(_ change: ShardChange) {
        self.init()
        position = change.position
        redo = Data(change.redo)
    }

    package var shardChange: ShardChange { ShardChange(position: position, redo: Array(redo)) }
}
