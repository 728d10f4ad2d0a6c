/// A sqllogictest file that `sqllogictest.c` would reject: an unknown record type, a `statement`
/// that is neither `ok` nor `error`, an unknown sort mode or column type, a malformed
/// `hash-threshold`, or conditions with no record after them.
package struct SLTParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The path the caller gave for the file, for messages only.
    package var path: String
    /// The 1-based line the problem is on.
    package var line: Int
    package var message: String

    package init(path: String, line: Int, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    /// `select1.test:12: unknown record type: 'statment'`, the shape compilers and `sqllogictest.c` use.
    package var description: String { "\(path):\(line): \(message)" }
}
