// Profiles/hardware/efficiency/<gpu>.csv (issue 15): the committed files load, every point is the
// published row it names, and every malformed line is refused by line, column, constraint and value.

import CostModel
import Foundation
import Reporting
import Testing
@testable import ProfileStore

@Suite("efficiency curve files")
struct EfficiencyCurvesFileTests {
    static let gpus = ["a100-sxm-80gb", "h100-sxm-80gb", "h200-sxm-141gb"]
    static let header = EfficiencyCurvesFile.header.joined(separator: ",")
    static let tail = """
        decode_attention,x,any,,,1000000,0.2,k442,read_from_figure,n
        streaming,x,any,,,1000000,0.2,k442,read_from_figure,n
        launch,cuda_graphs,any,,,,5e-07,k521-k518,secondary_quote,n
        launch,eager,any,,,,9e-07,k520-k518,secondary_quote,n
        """
    static let good = header + "\n" + """
        dense_gemm,cublas,bf16/fp16,,,1000000000,0.8,k341,table,n
        prefill_attention,flash2,bf16/fp16,128,true,512,0.2,k100,printed_bar_label,n
        """ + "\n" + tail + "\n"

    func parse(_ text: String) throws(ProfileError) -> EfficiencyCurves {
        try EfficiencyCurvesFile.parse(text, file: "t.csv", defaultKernel: .flash2)
    }

    @Test("the A100, H100 and H200 SXM profiles load with their curves; the host-independent others have none")
    func committed() throws {
        for id in Self.gpus {
            let hw = try Fixtures.store.loadHardware(id)
            let c = try #require(hw.efficiencyCurves, "\(id) has no curves")
            #expect(c.dense[.bf16] != nil && c.dense[.fp16] != nil)
            #expect(!c.prefillHeadDims(.flash2, .bf16, causal: true).isEmpty)
            #expect(!c.prefillHeadDims(.sdpa, .bf16, causal: true).isEmpty)
            #expect(c.prefillHeadDims(.flash3, .bf16, causal: true).isEmpty == (id == "a100-sxm-80gb"), "FlashAttention-3 is Hopper only")
        }
        #expect(try Fixtures.store.loadHardware("h100-sxm-80gb").efficiencyCurves?.defaultAttentionKernel == .flash3)
        for id in ["a100-sxm-40gb", "h100-pcie-80gb", "l40s-48gb", "mi300x-192gb"] {
            #expect(try Fixtures.store.loadHardware(id).efficiencyCurves == nil)
        }
    }

    @Test("the A100's and H100's bf16 products are priced by rows: a measured N = K = 4096 curve from M 128 (A100) or 256 (H100), flat below it")
    func denseByRows() throws {
        // A100: Vidur's Llama-2-7B output projection (k601-k607, k615 at M 128); H100: XLA's sm_90 table (k597-k600)
        for (id, firstM, first, top) in [("a100-sxm-80gb", 128.0, 0.430, (2048.0, 0.732)), ("h100-sxm-80gb", 256.0, 0.417, (4096.0, 0.792))] {
            let dense = try #require(try Fixtures.store.loadHardware(id).efficiencyCurves?.dense[.bf16], "\(id)")
            #expect(dense.points.first?.x == firstM, "\(id)")
            // below the first point the curve holds it (no extrapolation); the files write 4 decimals
            #expect(abs(dense.value(at: firstM / 2) - first) < 5e-5 && abs(dense.value(at: 1) - first) < 5e-5, "\(id)")
            #expect(abs(dense.value(at: top.0) - top.1) < 5e-5, "\(id)")
            #expect(dense.points.count >= 4, "\(id): a curve, not a ceiling")
        }
    }

    @Test("every point is sourced: its row exists in kernel-efficiency.csv and the value is that row's fraction of peak")
    func provenance() throws {
        let text = try String(contentsOf: Fixtures.repoRoot.appendingPathComponent("Reports/published/kernel-efficiency.csv"), encoding: .utf8)
        var fraction: [String: Double] = [:]
        for f in try CSVReader.parse(text).dropFirst() {  // CRLF records, quoted fields
            // row_id is the first field and fraction_of_peak the 21st
            if f.count > 20, let v = Double(f[20]) { fraction[f[0]] = v }
        }
        for id in Self.gpus {
            let url = Fixtures.profiles.appendingPathComponent("hardware/efficiency/\(id).csv")
            let records = try CSVReader.parse(try String(contentsOf: url, encoding: .utf8)).dropFirst()
            #expect(records.count > 20)
            for f in records {
                if f[0] == "launch" { continue }  // a difference of two launch times (checked below)
                let published = try #require(fraction[f[7]], "\(id): \(f[7]) is not a row with a fraction of peak")
                // the file writes the published fraction with 4 decimals
                #expect(abs(published - Double(f[6])!) < 5e-5, "\(id) \(f[7]): \(f[6]) vs published \(published)")
            }
        }
        let launch = try parse(Self.good).launchSeconds
        // k521 - k518 = 3.4 - 2.9 us; k520 - k518 = 3.8 - 2.9 us (rounding of the printed decimals)
        #expect(abs(launch[.cudaGraphs]! - 0.5e-6) < 1e-12 && abs(launch[.eager]! - 0.9e-6) < 1e-12)
    }

    @Test("malformed lines are refused by line and column", arguments: [
        ("dense_gemm,cublas,bf16,,,1e9,1.5,k341,table,n", "line 2, value"),
        ("dense_gemm,cublas,bf16,,,1e9,0.5,341,table,n", "line 2, source_row"),
        ("dense_gemm,cublas,bf16,64,,1e9,0.5,k341,table,n", "line 2, head_dim"),
        ("dense_gemm,cublas,int4,,,1e9,0.5,k341,table,n", "line 2, dtype"),
        ("dense_gemm,cublas,bf16,,,1e9,0.5,k341,,n", "line 2, value_kind"),
        ("prefill_attention,flash9,bf16,128,true,512,0.2,k100,x,n", "line 2, library"),
        ("prefill_attention,flash2,bf16,128,yes,512,0.2,k100,x,n", "line 2, causal"),
        ("prefill_attention,flash2,bf16,128,true,512,0.2,k100,x", "line 2, line"),
        ("prefill_attention,flash2,bf16,128,true,512,0.2,k100,x,n\"q", "line 2"),  // a quote inside an unquoted field
        ("conv,x,bf16,,,1,0.5,k100,x,n", "line 2, operator"),
    ])
    func malformed(line: String, field: String) {
        let text = Self.header + "\n" + line + "\n" + Self.good.split(separator: "\n").dropFirst().joined(separator: "\n")
        #expect { try parse(text) } throws: { ($0 as? ProfileError)?.field == field }
    }

    @Test("the file is RFC 4180 CSV: CRLF records and a quoted note holding commas read as LF ones do")
    func csvRules() throws {
        let quoted = Self.good.replacingOccurrences(of: "k341,table,n\n", with: "k341,table,\"a note, with commas\"\n")
        let crlf = quoted.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(quoted != Self.good && crlf.unicodeScalars.filter { $0 == "\r" }.count == 7)
        #expect(try parse(crlf) == (try parse(Self.good)))
    }

    @Test("whole-file rules: header, duplicate x, missing curves and the default kernel")
    func fileRules() throws {
        _ = try parse(Self.good)
        #expect { try parse("operator,library\n") } throws: { ($0 as? ProfileError)?.field == "line 1" }
        let dup = Self.good + "dense_gemm,cublas,bf16,,,1000000000,0.7,k347,table,n\n"
        #expect { try parse(dup) } throws: { ($0 as? ProfileError)?.field == "dense_gemm bf16" }
        let noEager = Self.good.replacingOccurrences(of: "launch,eager,any,,,,9e-07,k520-k518,secondary_quote,n\n", with: "")
        #expect { try parse(noEager) } throws: { ($0 as? ProfileError)?.field == "launch eager" }
        #expect { try EfficiencyCurvesFile.parse(Self.good, file: "t.csv", defaultKernel: .flash3) } throws: {
            ($0 as? ProfileError)?.field == "prefill_attention"
        }
    }

    @Test("a profile naming a missing curves file or an unknown kernel is refused by field")
    func profileKeys() throws {
        let base = try Fixtures.object("hardware", "h100-sxm-80gb")
        var missing = base
        missing["efficiency_curves"] = "efficiency/none.csv"
        var kernel = base
        kernel["default_attention_kernel"] = "flash9"
        var orphan = base
        orphan.removeValue(forKey: "efficiency_curves")
        for (object, field) in [(missing, "efficiency_curves"), (kernel, "default_attention_kernel"), (orphan, "default_attention_kernel")] {
            let data = try JSONSerialization.data(withJSONObject: object)
            #expect { try HardwareProfile.decode(try JSONFields.parse(data, file: "x.json"), directory: Fixtures.profiles.appendingPathComponent("hardware")) }
                throws: { ($0 as? ProfileError)?.field == field }
        }
    }
}
