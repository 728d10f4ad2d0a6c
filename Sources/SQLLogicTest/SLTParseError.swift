/// A sqllogictest file that `sqllogictest.c` would reject: an unknown record type, a `statement`
/// that is neither `ok` nor `error`, an unknown sort mode or column type, a malformed
/// `hash-threshold`, or conditions with no record after them.
///
/// ```swift
/// do {
///     _ = try SQLLogicTestFile.parse(contents: "statment ok\nSELECT 1\n", path: "select1.test")
/// } catch {
///     print(error)  // select1.test:1: unknown record type: 'statment'
/// }
/// ```
public struct SLTParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The path the caller gave for the file, for messages only.
    public var path: String
    /// The 1-based line the problem is on.
    public var line: Int
    /// What is wrong, without the path and line.
    public var message: String

    /// Creates an error for `line` of the file at `path`.
    public init(path: String, line: Int, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    /// `select1.test:12: unknown record type: 'statment'`, the shape compilers and `sqllogictest.c` use.
    public var description: String { "\(path):\(line): \(message)" }
}
