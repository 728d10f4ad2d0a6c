#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Who runs a distributed transaction, as recorded in the decision log: host, process (with its
/// start time, so a reused pid is not mistaken for the original) and the cluster object.
///
/// Recovery leaves a pending transaction alone while its coordinator may still decide it, and
/// presumes abort once that coordinator is gone.
struct CoordinatorIdentity: Sendable, Hashable {
    var host: String
    var process: Int32
    var processStart: String
    var instance: UInt64

    /// The owner text stored in the log.
    var text: String { "\(host) \(process) \(processStart) \(instance)" }

    init(host: String, process: Int32, processStart: String, instance: UInt64) {
        self.host = host
        self.process = process
        self.processStart = processStart
        self.instance = instance
    }

    init?(text: String) {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count == 4, let process = Int32(parts[1]), let instance = UInt64(parts[3]) else { return nil }
        self.init(host: parts[0], process: process, processStart: parts[2], instance: instance)
    }

    /// A new identity for a cluster object opened in this process.
    static func make() -> CoordinatorIdentity {
        let instance = nextInstance.add(1, ordering: .relaxed).newValue
        let identity = CoordinatorIdentity(
            host: hostName, process: getpid(), processStart: startTime(of: getpid()) ?? "?", instance: instance)
        liveInstances.withLock { _ = $0.insert(instance) }
        return identity
    }

    /// Marks a cluster object of this process closed.
    func retire() {
        _ = Self.liveInstances.withLock { $0.remove(instance) }
    }

    /// Whether the coordinator may still be running: true unless it is known to be gone (same
    /// host, and its process has exited or its cluster object was closed). A coordinator on
    /// another host counts as running: only its own recovery, or an operator, ends its work.
    var mayBeAlive: Bool {
        guard host == Self.hostName else { return true }
        if process == getpid() {
            return Self.liveInstances.withLock { $0.contains(instance) }
        }
        guard let start = Self.startTime(of: process) else { return false }
        return start == processStart
    }

    private static let nextInstance = Atomic<UInt64>(0)
    private static let liveInstances = Mutex<Set<UInt64>>([])

    private static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name.split(separator: " ").joined(separator: "_")
    }()

    /// A process's start time in clock ticks since boot (field 22 of `/proc/PID/stat`); `nil`
    /// when no such process exists (or where `/proc` is absent).
    static func startTime(of process: Int32) -> String? {
        guard let file = fopen("/proc/\(process)/stat", "r") else {
            #if os(Linux)
            return nil
            #else
            return kill(process, 0) == 0 || errno == EPERM ? "?" : nil
            #endif
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        // The command name (field 2) may hold spaces; fields after its closing ')' are plain.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return String(decoding: fields[19], as: UTF8.self)
    }
}
