import Import
import SQLiteCore
import Testing

@Suite("ColumnTypeInference: INTEGER, REAL or TEXT from a sample, as SQLite's affinity reads the values")
struct ColumnTypeInferenceTests {
    @Test(arguments: [
        ("0", "INTEGER"), ("-42", "INTEGER"), ("+7", "INTEGER"), ("9223372036854775807", "INTEGER"),
        ("-9223372036854775808", "INTEGER"), ("9223372036854775808", "REAL"), ("1.5", "REAL"), ("-.5", "REAL"),
        ("5.", "REAL"), ("1e10", "REAL"), ("2.5E-3", "REAL"), ("", "TEXT"), (" 1", "TEXT"), ("1 ", "TEXT"),
        ("0x1F", "TEXT"), ("1e", "TEXT"), (".", "TEXT"), ("-", "TEXT"), ("inf", "TEXT"), ("NaN", "TEXT"),
        ("12a", "TEXT"), ("1,5", "TEXT"), ("１２", "TEXT"),
    ])
    func typeOfOneValue(_ text: String, _ expected: String) {
        #expect(ColumnTypeInference.type(of: text).rawValue == expected, "\(text)")
    }

    /// What was inferred numeric is stored by SQLite as a number in a column of that type, and
    /// reads back equal: the inference never calls a value numeric that SQLite keeps as text.
    @Test func inferredNumbersAreWhatSQLiteStores() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t(i INTEGER, r REAL)")
        for text in ["0", "-42", "+7", "9223372036854775807", "1.5", "-.5", "5.", "1e10", "2.5E-3", "9223372036854775808"] {
            let type = ColumnTypeInference.type(of: text)
            let column = type == .integer ? "i" : "r"
            let insert = try connection.prepare("INSERT INTO t(\(column)) VALUES (?)")
            try insert.bind([.text(text)])
            try insert.run()
            let stored = try connection.prepare("SELECT typeof(\(column)) FROM t WHERE rowid = last_insert_rowid()").rows()
            #expect(stored == [[.text(type == .integer ? "integer" : "real")]], "\(text) as \(type)")
        }
    }

    @Test func columnsTakeTheNarrowestTypeHoldingEveryValue() {
        var accumulator = ColumnTypeInference.Accumulator(columns: 5)
        let rows: [[String?]] = [
            ["1", "1", "a", nil, "1"],
            ["2", "2.5", "3", nil, nil],
            ["-3", "4", "4", nil, "x"],
        ]
        for row in rows {
            for (index, value) in row.enumerated() { accumulator.add(value, column: index) }
        }
        #expect(accumulator.types.map(\.rawValue) == ["INTEGER", "REAL", "TEXT", "TEXT", "TEXT"])
    }
}
