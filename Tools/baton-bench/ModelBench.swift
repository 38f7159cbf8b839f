import ArgumentParser
import BatonModel

struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "model")
    func run() throws {}
}
