import Foundation
import ShardQLBase

/// Counts rows refused for bad input: each message goes to the errors file (if any) and the first
/// few to `show`; one more than `maxErrors` aborts the import.
final class ImportErrorLog {
    let maxErrors: Int
    private(set) var count = 0
    private var first: String?
    private let output: FileHandle?
    private let show: (String) -> Void
    /// Messages shown before the rest are only counted.
    static let shownLimit = 10

    init(maxErrors: Int, errorsFile: String?, show: @escaping (String) -> Void) throws {
        self.maxErrors = maxErrors
        self.show = show
        if let errorsFile {
            guard FileManager.default.createFile(atPath: errorsFile, contents: nil),
                let handle = FileHandle(forWritingAtPath: errorsFile)
            else { throw ShardQLError(.io, "cannot write the errors file '\(errorsFile)'") }
            output = handle
        } else {
            output = nil
        }
    }

    deinit { try? output?.close() }

    /// How many more errors are allowed before the import aborts.
    var remaining: Int { max(0, maxErrors - count) }

    /// Records one refused row.
    ///
    /// - Throws: when it is one more than allowed: an error saying so and quoting the first.
    func record(_ message: String) throws {
        count += 1
        if first == nil { first = message }
        try? output?.write(contentsOf: Data((message + "\n").utf8))
        guard count <= maxErrors else { throw aborted() }
        if count <= Self.shownLimit { show(message) }
    }

    func aborted() -> ShardQLError {
        let allowed = maxErrors == 0 ? "no bad rows are allowed (see --max-errors)" : "at most \(maxErrors) allowed (--max-errors)"
        return ShardQLError(
            .invalidArgument,
            "\(first ?? "bad input")\nimport aborted after \(count) bad row\(count == 1 ? "" : "s"), \(allowed); nothing was imported")
    }
}
