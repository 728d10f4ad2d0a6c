import Foundation
import Import
import ShardQLBase
import Testing
import TestSupport

@Suite("ImportSource: plain and gzip files read in chunks")
struct ImportSourceTests {
    func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    /// Everything `source` yields, read in chunks of `chunk` bytes.
    func readAll(_ source: ImportSource, chunk: Int = 4096) throws -> [UInt8] {
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { break }
            all += buffer[..<count]
        }
        return all
    }

    func gzip(_ path: String) throws {
        #expect(try ChildProcess(["gzip", "-kf", path], stdout: .null, stderr: .inherit).wait() == .exited(0))
    }

    @Test func plainAndCompressedGiveTheSameBytes() throws {
        try withDirectory { directory in
            let path = directory + "/data.csv"
            let content = (0..<50_000).map { "\($0),name \($0),\(Double($0) / 7)\n" }.joined()
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            try gzip(path)
            let plain = try ImportSource(path: path)
            #expect(!plain.isCompressed)
            #expect(try readAll(plain) == Array(content.utf8))
            #expect(plain.bytesRead == Int64(content.utf8.count))
            try plain.close()

            let compressed = try ImportSource(path: path + ".gz")
            #expect(compressed.isCompressed)
            #expect(compressed.fileSize < Int64(content.utf8.count))
            #expect(try readAll(compressed, chunk: 1000) == Array(content.utf8))
            try compressed.close()
        }
    }

    @Test func damagedGzipIsAnErrorNamingTheFile() throws {
        try withDirectory { directory in
            let path = directory + "/data.csv"
            try String(repeating: "a,b,c\n", count: 10_000).write(toFile: path, atomically: true, encoding: .utf8)
            try gzip(path)
            var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
            bytes.removeLast(bytes.count / 2)
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/cut.csv.gz"))
            let source = try ImportSource(path: directory + "/cut.csv.gz")
            _ = try readAll(source)
            let error = #expect(throws: ShardQLError.self) { try source.close() }
            #expect(error?.message.contains("cannot decompress '\(directory)/cut.csv.gz'") == true, "\(String(describing: error))")
        }
    }

    @Test func missingFilesAndDirectoriesAreRefused() throws {
        try withDirectory { directory in
            let missing = #expect(throws: ShardQLError.self) { try ImportSource(path: directory + "/nope.csv") }
            #expect(missing?.message == "cannot read '\(directory)/nope.csv': No such file or directory")
            let folder = #expect(throws: ShardQLError.self) { try ImportSource(path: directory) }
            #expect(folder?.message.contains("it is a directory") == true)
        }
    }

    @Test func abandoningStopsTheDecompressor() throws {
        try withDirectory { directory in
            let path = directory + "/big.csv"
            try String(repeating: "0123456789,abcdefghij\n", count: 200_000).write(toFile: path, atomically: true, encoding: .utf8)
            try gzip(path)
            let source = try ImportSource(path: path + ".gz")
            var buffer = [UInt8](repeating: 0, count: 100)
            _ = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            source.abandon()
            #expect(try buffer.withUnsafeMutableBytes { try source.read(into: $0) } == 0)
        }
    }

    /// Regression: a `.gz` source kept gzip's error pipe open after it ended (two descriptors per
    /// file read).
    @Test(.enabled(if: openPipeCount() != nil))
    func readingManyCompressedFilesLeavesNoDescriptorsBehind() throws {
        try withDirectory { directory in
            let path = directory + "/small.csv"
            try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: path))
            try gzip(path)
            let before = openPipeCount()!
            for index in 0..<150 {
                let source = try ImportSource(path: path + ".gz")
                if index % 2 == 0 {
                    _ = try readAll(source)
                    try source.close()
                } else {
                    source.abandon()
                }
            }
            // A leak of two per file would add 300; other suites' processes hold up to ~90.
            #expect(openPipeCount()! - before < 120)
        }
    }
}
