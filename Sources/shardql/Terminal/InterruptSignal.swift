import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT (Ctrl-C while the terminal is in its own mode, or `kill -INT`) into a call of a
/// Swift closure, and keeps it from ending the process.
///
/// The C handler only writes a byte to a pipe, the one thing it may safely do; a dispatch source
/// reading the pipe calls `action` on an ordinary thread, where it may cancel a task or print.
/// With a handler installed (rather than `SIG_IGN`), the signal is never discarded before anyone
/// sees it, whichever thread the kernel delivers it to.
///
/// ```swift
/// let interrupts = InterruptSignal { runningTask.withLock { $0?.cancel() } }
/// defer { interrupts.uninstall() }
/// ```
final class InterruptSignal {
    // The pipe's write end, read by the C handler; set before the handler is installed.
    // nonisolated(unsafe): written only by `init` and `uninstall` while the handler is not
    // installed, so the handler never sees it change.
    nonisolated(unsafe) private static var writeEnd: Int32 = -1

    private let source: any DispatchSourceRead
    private let readEnd: Int32

    init(action: @escaping @Sendable () -> Void) {
        var ends: [Int32] = [-1, -1]
        _ = pipe(&ends)
        readEnd = ends[0]
        Self.writeEnd = ends[1]
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        let readEnd = readEnd
        source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: DispatchQueue(label: "shardql.sigint"))
        source.setEventHandler {
            var drained = [UInt8](repeating: 0, count: 64)
            var count = 0
            while read(readEnd, &drained, drained.count) > 0 { count += 1 }
            if count > 0 { action() }
        }
        source.setCancelHandler { close(readEnd) }
        source.resume()
        // glibc's signal() has BSD semantics: the handler stays, and interrupted reads restart.
        signal(SIGINT) { _ in
            var byte: UInt8 = 1
            let saved = errno
            _ = write(InterruptSignal.writeEnd, &byte, 1)
            errno = saved
        }
    }

    /// Puts back the default SIGINT handling and closes the pipe.
    func uninstall() {
        signal(SIGINT, SIG_DFL)
        source.cancel()
        close(Self.writeEnd)
        Self.writeEnd = -1
    }
}
