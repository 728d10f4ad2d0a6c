import Foundation
import ShardQLBase

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one input file, read in chunks: a plain file as it is, a `.gz` file decompressed
/// by a `gzip -dc` child process (on another core, and without linking zlib), so an import reads
/// any size in constant memory.
///
/// ```swift
/// let source = try ImportSource(path: "flights.csv.gz")
/// var buffer = [UInt8](repeating: 0, count: 1 << 20)
/// while case let count = try source.read(into: &buffer), count > 0 { … }
/// try source.close()
/// ```
public final class ImportSource {
    /// The path as given (errors name it).
    public let path: String
    /// Whether the file is decompressed on the way.
    public let isCompressed: Bool
    /// The file's size on disk, for progress (compressed size for a `.gz`).
    public let fileSize: Int64
    /// Bytes of the file read so far (uncompressed bytes for a `.gz`).
    public private(set) var bytesRead: Int64 = 0

    private let descriptor: Int32
    private let decompressor: ChildProcess?
    private var closed = false
    /// The descriptor (in gzip's /proc entry) gzip reads the file through, once found.
    private var gzipInput: String?

    /// The size of the file at `path` on disk, 0 when it cannot be read (the reader reports that).
    public static func fileSize(atPath path: String) -> Int64 {
        var status = stat()
        return stat(path, &status) == 0 ? Int64(status.st_size) : 0
    }

    /// Opens `path`; a name ending in `.gz` is decompressed.
    ///
    /// - Throws: ``ShardQLError`` (``ShardQLError/Code/io``) naming the file when it cannot be
    ///   opened, or `gzip` cannot be started.
    public init(path: String) throws {
        self.path = path
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ShardQLError(.io, "cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT != S_IFDIR else {
            throw ShardQLError(.io, "cannot read '\(path)': it is a directory")
        }
        fileSize = Int64(status.st_size)
        isCompressed = path.hasSuffix(".gz")
        if isCompressed {
            let child: ChildProcess
            do {
                child = try ChildProcess(["gzip", "-dc", "--", path], stdin: .null, stdout: .pipe, stderr: .pipe)
            } catch {
                throw ShardQLError(.io, "cannot decompress '\(path)': gzip did not start (\(error))")
            }
            decompressor = child
            descriptor = child.standardOutput!
        } else {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else {
                throw ShardQLError(.io, "cannot read '\(path)': \(String(cString: strerror(errno)))")
            }
            descriptor = opened
            decompressor = nil
        }
    }

    deinit {
        if !closed { abandon() }
    }

    /// Reads up to `buffer.count` bytes into `buffer`; returns how many, 0 at the end.
    ///
    /// - Throws: ``ShardQLError`` (``ShardQLError/Code/io``) naming the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, !closed else { return 0 }
        while true {
            let count = systemRead(descriptor, base, buffer.count)
            if count >= 0 {
                bytesRead += Int64(count)
                return count
            }
            if errno == EINTR { continue }
            throw ShardQLError(.io, "cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// How far into the file on disk reading has got, for progress against ``fileSize``: bytes
    /// read for a plain file; for a `.gz`, gzip's position in the compressed file (from
    /// `/proc/PID/fdinfo` of the descriptor gzip reads it through), or `nil` where that is unknown.
    public var fileBytesRead: Int64? {
        guard let decompressor else { return bytesRead }
        guard decompressor.isRunning else { return fileSize }
        let process = "/proc/\(decompressor.pid)"
        if gzipInput == nil {
            let target = URL(fileURLWithPath: path).standardizedFileURL.path
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: process + "/fd")) ?? []
            gzipInput = descriptors.first { descriptor in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(process)/fd/\(descriptor)")) == target
            }
        }
        guard let descriptor = gzipInput,
            let info = try? String(contentsOfFile: "\(process)/fdinfo/\(descriptor)", encoding: .utf8),
            let line = info.split(separator: "\n").first(where: { $0.hasPrefix("pos:") }),
            let position = Int64(line.dropFirst(4).trimmingCharacters(in: .whitespaces))
        else { return nil }
        return min(position, fileSize)
    }

    /// Ends reading. For a `.gz`, waits for `gzip`: a damaged file (gzip's non-zero exit) is an
    /// error saying what gzip said.
    public func close() throws {
        guard !closed else { return }
        closed = true
        guard let decompressor else {
            _ = systemClose(descriptor)
            return
        }
        let message = String(decoding: decompressor.readAll(decompressor.standardError!), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let status = decompressor.wait()
        decompressor.close(decompressor.standardOutput)
        decompressor.close(decompressor.standardError)
        guard status == .exited(0) else {
            throw ShardQLError(
                .io, "cannot decompress '\(path)': \(message.isEmpty ? "gzip failed" : message)")
        }
    }

    /// Stops early (an error elsewhere, Ctrl-C): the decompressor is killed, nothing is checked.
    public func abandon() {
        guard !closed else { return }
        closed = true
        if let decompressor {
            // Nothing of gzip's is worth keeping: stop it at once, whatever it is doing.
            decompressor.send(SIGKILL)
            decompressor.wait()
            decompressor.close(decompressor.standardOutput)
            decompressor.close(decompressor.standardError)
        } else {
            _ = systemClose(descriptor)
        }
    }
}

// `read` and `close` of the C library, which the methods' names hide.
#if canImport(Glibc)
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    Glibc.read(descriptor, buffer, count)
}
private func systemClose(_ descriptor: Int32) -> Int32 { Glibc.close(descriptor) }
#else
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    Darwin.read(descriptor, buffer, count)
}
private func systemClose(_ descriptor: Int32) -> Int32 { Darwin.close(descriptor) }
#endif
