import Foundation

/// The SQL of every `statement` and `query` record of the sqllogictest corpus that applies to the
/// `sqlite` dialect, read once.
///
/// A small reader of its own: the main package exposes only `SQLSyntax` as a library, not the
/// `SQLLogicTest` target. It follows the same rules for what it needs (records separated by blank
/// lines, `#` comment lines skipped, CR dropped, `skipif`/`onlyif sqlite`, the first applicable
/// `halt` ending a file, query SQL ending at `----`).
struct SLTCorpusSQL: Sendable {
    var statements: [String]
    /// UTF-8 bytes of SQL in ``statements``.
    var bytes: Int

    static func load() -> SLTCorpusSQL {
        guard let directory = corpusDirectory() else {
            fatalError("sqllogictest corpus not found: put it at ../shared/sqllogictest or set SHARDQL_SLT_DIR")
        }
        let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".test") }.sorted()
        var statements: [String] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else { continue }
            statements += sql(in: String(decoding: data, as: UTF8.self))
        }
        let corpus = SLTCorpusSQL(statements: statements, bytes: statements.reduce(0) { $0 + $1.utf8.count })
        print("corpus: \(statements.count) statements, \(corpus.bytes) bytes from \(files.count) files")
        return corpus
    }

    static func corpusDirectory() -> String? {
        if let path = ProcessInfo.processInfo.environment["SHARDQL_SLT_DIR"], !path.isEmpty { return path }
        // #filePath is <root>/Benchmarks/Benchmarks/ParserBenchmarks/SLTCorpusSQL.swift.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { url.deleteLastPathComponent() }
        let path = url.appendingPathComponent("shared/sqllogictest").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    static func sql(in contents: String) -> [String] {
        var result: [String] = []
        var record: [Substring] = []
        func finish() -> Bool {
            defer { record = [] }
            var index = 0
            var applies = true
            while index < record.count {
                let words = record[index].split(whereSeparator: \.isWhitespace)
                guard let first = words.first, first == "skipif" || first == "onlyif" else { break }
                let named = words.count > 1 && words[1].lowercased() == "sqlite"
                if (first == "skipif") == named { applies = false }
                index += 1
            }
            guard applies, index < record.count else { return true }
            let directive = record[index].split(whereSeparator: \.isWhitespace).first ?? ""
            if directive == "halt" { return false }
            guard directive == "statement" || directive == "query" else { return true }
            let body = record[(index + 1)...].prefix { $0 != "----" }
            result.append(body.joined(separator: "\n"))
            return true
        }
        for var line in contents.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .lazy.map({ Substring($0) })
        {
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.hasPrefix("#") { continue }
            if line.allSatisfy(\.isWhitespace) {
                if !record.isEmpty, !finish() { return result }
            } else {
                record.append(line)
            }
        }
        if !record.isEmpty { _ = finish() }
        return result
    }
}
