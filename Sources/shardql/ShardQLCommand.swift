import ArgumentParser

@main
struct ShardQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shardql")
    func run() throws {}
}
