#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `box`, `table` and `markdown` are laid out for a person at a terminal rather than for a
/// script comparing with `sqlite3`:
///
/// - rows stream: column widths come from the first ``sampleRows`` rows, which are held back
///   until then; every later row is drawn as it arrives, a value too wide for its column cut
///   with `…`;
/// - lines fit in ``width``: the widest columns shrink first, their values cut with `…`;
/// - widths are what the terminal draws (`日` is two columns, a combining accent none);
/// - INTEGER and REAL values are right-aligned, text left-aligned;
/// - NULL shows as `NULL` when the null value is empty, so it differs from an empty string, and
///   is dimmed (SGR 2) when ``dimsNull`` is set.
///
/// ```swift
/// let writer = ResultWriter(mode: .box, showsHeader: true, nullValue: "",
///                           terminal: TerminalLayout.standardOutput())
/// ```
package struct TerminalLayout: Sendable {
    /// Columns a line may take; nil measures standard output when each result begins, so a
    /// resized window is used from the next result on.
    package var width: Int?
    /// Rows read before the column widths are fixed.
    package var sampleRows: Int
    /// Draw NULL dimmed.
    package var dimsNull: Bool

    package init(width: Int? = nil, sampleRows: Int = 1000, dimsNull: Bool = false) {
        self.width = width
        self.sampleRows = max(1, sampleRows)
        self.dimsNull = dimsNull
    }

    /// The layout for standard output if it is a terminal, nil otherwise. NULL is dimmed unless
    /// `NO_COLOR` is set or `TERM` is `dumb`.
    package static func standardOutput() -> TerminalLayout? {
        guard isatty(STDOUT_FILENO) != 0 else { return nil }
        let term = getenv("TERM").map { String(cString: $0) }
        return TerminalLayout(dimsNull: getenv("NO_COLOR") == nil && term != "dumb")
    }

    /// ``width`` if set, else the terminal's width (TIOCGWINSZ on standard output), else
    /// `COLUMNS`, else 80.
    package func currentWidth() -> Int {
        if let width { return max(1, width) }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        if let columns = getenv("COLUMNS").flatMap({ Int(String(cString: $0)) }), columns > 0 {
            return columns
        }
        return 80
    }
}
