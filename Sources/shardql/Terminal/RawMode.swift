#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Switches a terminal between its own (cooked) settings and the raw mode the line editor needs:
/// no echo, no line buffering, no signals from Ctrl-C/Ctrl-Z, no CR→NL translation.
///
/// The line editor enters raw mode only while it waits for a line and restores the saved
/// settings before a statement runs, so a crash inside a statement leaves a usable terminal.
/// For the time raw mode is on, the saved settings are also restored at `exit()` and on the
/// terminating signals a terminal user meets (SIGTERM, SIGHUP, SIGQUIT).
///
/// ```swift
/// guard let mode = RawMode(descriptor: STDIN_FILENO) else { return plainReadLine() }
/// mode.enter()
/// defer { mode.restore() }
/// ```
final class RawMode {
    let descriptor: Int32
    private let original: termios
    private(set) var isActive = false

    /// Nil when `descriptor` is not a terminal whose settings can be read.
    init?(descriptor: Int32) {
        var settings = termios()
        guard isatty(descriptor) != 0, tcgetattr(descriptor, &settings) == 0 else { return nil }
        self.descriptor = descriptor
        self.original = settings
        Self.installExitHooks()
    }

    /// Puts the terminal in raw mode; false if the terminal refused.
    @discardableResult
    func enter() -> Bool {
        guard !isActive else { return true }
        var raw = original
        // Input: no break→SIGINT, no CR→NL (Enter arrives as "\r"), no parity strip, no XON/XOFF
        // (Ctrl-S and Ctrl-Q reach the editor instead of freezing the screen).
        raw.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
        raw.c_cflag |= tcflag_t(CS8)
        // Local: no echo, byte-at-a-time reads, no Ctrl-V, Ctrl-C/Ctrl-Z arrive as bytes.
        // Output processing stays on so a stray "\n" still returns the carriage.
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
        withUnsafeMutableBytes(of: &raw.c_cc) { controls in
            controls[Int(VMIN)] = 1
            controls[Int(VTIME)] = 0
        }
        // Saved first: a signal arriving mid-switch finds what to put back.
        Self.saved = SavedTerminal(descriptor: descriptor, settings: original)
        // TCSADRAIN, not TCSAFLUSH: typed-ahead and pasted input must survive the switch.
        guard tcsetattr(descriptor, TCSADRAIN, &raw) == 0 else {
            Self.saved = nil
            return false
        }
        isActive = true
        return true
    }

    /// Puts back the settings the terminal had when this object was made.
    func restore() {
        guard isActive else { return }
        Self.saved = nil
        var settings = original
        _ = tcsetattr(descriptor, TCSADRAIN, &settings)
        isActive = false
    }

    // MARK: - Restoring on exit

    private struct SavedTerminal {
        var descriptor: Int32
        var settings: termios
    }

    /// The settings to put back if the process ends while raw mode is on.
    // nonisolated(unsafe): written only by the thread running the editor, read by the exit hook
    // and the signal handlers below, which only pass it to tcsetattr (async-signal-safe); a torn
    // read at worst restores the terminal once too often.
    nonisolated(unsafe) private static var saved: SavedTerminal?
    nonisolated(unsafe) private static var hooksInstalled = false

    private static func installExitHooks() {
        guard !hooksInstalled else { return }
        hooksInstalled = true
        _ = saved  // Runs the lazy initializer now, not first inside a signal handler.
        atexit { RawMode.restoreSaved() }
        for signalNumber in [SIGTERM, SIGHUP, SIGQUIT] {
            // Keep a caller's choice to ignore the signal (nohup).
            let previous = signal(signalNumber, { signalNumber in
                RawMode.restoreSaved()
                signal(signalNumber, SIG_DFL)
                raise(signalNumber)
            })
            if unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
                signal(signalNumber, SIG_IGN)
            }
        }
    }

    private static func restoreSaved() {
        guard var terminal = saved else { return }
        _ = tcsetattr(terminal.descriptor, TCSANOW, &terminal.settings)
    }
}

extension RawMode {
    /// The terminal's width in columns (80 when it does not say).
    static func columns(of descriptor: Int32) -> Int {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
