// `yocoprof forward`: one prefill on the real kernels, optionally dumped as safetensors for an
// independent implementation to recompute (docs/KERNELS.md names every tensor). The logic lives in
// Kernels/ForwardDump.swift; this command only parses and prints.

import ArgumentParser
import CostModel
import Foundation
import Kernels
import Profiler
import ProfileStore

struct Forward: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run one prefill on the CPU kernels (fp32, seeded weights) and dump weights, input and outputs.",
        discussion: """
            Writes DIR/weights.safetensors, DIR/input.safetensors and DIR/outputs.safetensors \
            (names in docs/KERNELS.md). DIR must not exist or be empty; it appears complete or not at all.

            Example:
              yocoprof forward --model host-yoco-gret --context 512 --seed 1 \\
                  --dump /tmp/yoco-dump
            """)

    @Option(help: ArgumentHelp("Model profile id, or a path to a profile.", valueName: "id|path"))
    var model: String

    @Option(help: ArgumentHelp("Prompt tokens per sequence.", valueName: "tokens"), transform: Quantities.tokens)
    var context: Int

    @Option(help: ArgumentHelp("Sequences.", valueName: "n"))
    var batch: Int = 1

    @Option(help: ArgumentHelp("Seed of the weights and the input tokens (same seed, same bits).", valueName: "n"))
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Folder to write the safetensors files to.", valueName: "dir"))
    var dump: String

    @OptionGroup var profiles: ProfileOptions

    func validate() throws {
        guard context >= 1 else { throw ValidationError("--context must be at least 1 token; received \(context)") }
        guard (1...Limits.maxBatch).contains(batch) else {
            throw ValidationError("--batch must be between 1 and \(Limits.maxBatch); received \(batch)")
        }
    }

    func run() throws {
        let spec = try profiles.store().loadModel(model)
        // A profile the cost model accepts but the kernels cannot run is bad data in that file.
        do { try ModelRun.checkSupported(spec) } catch {
            guard case let .invalidShape(field, constraint, value) = error else { throw error }
            let file = model.contains("/") || model.hasSuffix(".json") ? model : "Profiles/models/\(model).json"
            throw CLIError.badData("\(file): `\(field)` \(constraint); received \(value)")
        }
        // The same rule as `profile`: at most MemoryGuard's share of MemAvailable, dump buffers counted.
        try MemoryGuard.standard.check(ForwardDump.memoryPlan(spec: spec, context: context, batch: batch),
                                       what: "forward pass of \(spec.id) at batch \(batch), \(context) tokens")
        let summary = try ForwardDump.run(
            spec: spec, context: context, batch: batch, seed: seed, directory: dump,
            critical: { body in InterruptGuard.deferringInterrupts(body) },
            beforeRename: { InterruptGuard.pauseBeforeCommitForTests(dump) })
        print("model \(spec.id), batch \(batch), context \(context) tokens, seed \(seed)")
        print("\(summary.blas)")
        print("wrote \(summary.files.joined(separator: ", ")) (\(summary.bytes) bytes) to \(summary.directory)")
    }
}
