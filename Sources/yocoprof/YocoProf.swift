// The root command. Subcommands live in Commands/, one per file.

import ArgumentParser

struct YocoProf: ParsableCommand {
    /// The release number; the commit comes from the build (Plugins/BuildInfo).
    static let version = "0.1.0"
    static let versionLine = "yocoprof \(version) (commit \(BuildInfo.commit))"

    static let configuration = CommandConfiguration(
        commandName: "yocoprof",
        abstract: "What serving an LLM costs in memory, compute and time — and what YOCO saves.",
        discussion: """
            Models and hardware are profiles under Profiles/ (see `yocoprof models` and
            `yocoprof hardware`); --model also takes a path to a Hugging Face config.json.
            Sizes take explicit units: 1GiB (2^30 bytes), 80GB (10^9), 81559MiB; a bare
            number is bytes. Token counts take K and M as binary multiples: 32K = 32,768.

            Exit codes: 0 ok, 1 failure, 2 changed against a baseline, 5 baseline missing,
            64 usage error, 65 bad data (a profile or baseline that does not parse or
            validate).
            A configuration that does not fit is an answer, not an error: estimate, sweep,
            capacity and memory --hardware report it with `fits` false, `limited_by` (what
            binds) and the sizes, and exit 0; 1 means the command itself failed.

            Tables show a narrow set of columns that fits the terminal; --wide shows all,
            --columns picks any. CSV and JSON always carry every column.

            Examples:
              yocoprof memory --model yoco-3b --context 128K
              yocoprof capacity --model yoco-65b --memory 1GiB --kv-only
              yocoprof capacity --model transformer-3b --hardware h100-sxm-80gb \\
                  --context 32K
            """,
        version: versionLine,
        subcommands: [
            ModelsCommand.self, HardwareCommand.self, InspectCommand.self, MemoryCommand.self, CapacityCommand.self,
            BaselineCommand.self,
            EstimateCommand.self, SweepCommand.self, PlotCommand.self, Forward.self,
            CalibrateCommand.self, ProfileCommand.self, ValidateCommand.self,
        ]
    )
}
