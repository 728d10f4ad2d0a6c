import ArgumentParser
// The shell's files use the output types (ResultWriter, OutputMode) without importing them one
// by one.
@_exported import ShellOutput

/// `--mode box` (and `--mode tabs`, sqlite3's name for `tsv`).
extension OutputMode: ExpressibleByArgument {}
