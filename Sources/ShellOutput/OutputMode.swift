/// How results are printed: the `sqlite3` shell's modes, plus `jsonl`.
///
/// `list`, `csv`, `tsv`, `line` and `json` print byte for byte as `sqlite3` prints them, so scripts
/// can compare. `box`, `table` and `markdown` do too when standard output is not a terminal; on a
/// terminal they are laid out for a person instead (``TerminalLayout``). `jsonl` has no `sqlite3`
/// counterpart: one JSON object per row and line, its values written as `json` writes them.
///
/// `tabs`, `sqlite3`'s name for `tsv`, is accepted wherever a mode is named:
/// `OutputMode(rawValue: "tabs") == .tsv`.
package enum OutputMode: String, CaseIterable, Sendable {
    case box, table, csv, tsv, json, jsonl, markdown, line, list

    package init?(rawValue: String) {
        switch rawValue {
        case "box": self = .box
        case "table": self = .table
        case "csv": self = .csv
        case "tsv", "tabs": self = .tsv
        case "json": self = .json
        case "jsonl": self = .jsonl
        case "markdown": self = .markdown
        case "line": self = .line
        case "list": self = .list
        default: return nil
        }
    }

    /// The style of a mode drawn as a grid, nil for the others.
    package var columnarStyle: ColumnarFormatter.Style? {
        switch self {
        case .box: .box
        case .table: .table
        case .markdown: .markdown
        case .list, .csv, .tsv, .line, .json, .jsonl: nil
        }
    }
}
