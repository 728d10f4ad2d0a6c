#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Shell {
    /// The terminal loop: prompts, reads a line at a time, and runs each statement once its
    /// closing `;` is typed and each dot-command at once.
    func runInteractively() async {
        writeAll(Array("ShardQL \(ShardQLVersion.current) on \(clusterDescription). Enter \".help\" for usage hints; end statements with ';', exit with Ctrl-D.\n".utf8), to: standardOutput)
        // A fresh reader per statement: its offsets, and error positions, count in `input`,
        // the lines typed since the last statement ran.
        var reader = ScriptReader()
        var input = ""
        while !quitRequested {
            writeAll(Array((reader.isContinuing ? "   ...> " : "shardql> ").utf8), to: standardOutput)
            guard let line = readLine(strippingNewline: false) else { break }
            input += line
            guard let unit = reader.feed(line) else { continue }
            _ = await run(unit, in: input)
            reader = ScriptReader()
            input = ""
        }
        writeAll(Array("\n".utf8), to: standardOutput)
    }
}
