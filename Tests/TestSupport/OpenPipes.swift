import Foundation

/// Pipe ends open in this process (from `/proc/self/fd`; `nil` where there is no such thing), for
/// tests that check spawning processes leaves no descriptor behind. Pipes only: other suites
/// running beside such a test open and close SQLite files by the hundred.
public func openPipeCount() -> Int? {
    guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return nil }
    return descriptors.filter { descriptor in
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)"))?.hasPrefix("pipe:") ?? false
    }.count
}
