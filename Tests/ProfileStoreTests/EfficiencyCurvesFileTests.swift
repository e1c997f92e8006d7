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
    // the lines below are in the format without shape_nk (still read; `shaped` tests the column)
    static let header = EfficiencyCurvesFile.headerWithoutShape.joined(separator: ",")
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
            #expect(c.hasDense(.bf16) && c.hasDense(.fp16))
            #expect(!c.prefillHeadDims(.flash2, .bf16, causal: true).isEmpty)
            #expect(!c.prefillHeadDims(.sdpa, .bf16, causal: true).isEmpty)
            #expect(c.prefillHeadDims(.flash3, .bf16, causal: true).isEmpty == (id == "a100-sxm-80gb"), "FlashAttention-3 is Hopper only")
        }
        #expect(try Fixtures.store.loadHardware("h100-sxm-80gb").efficiencyCurves?.defaultAttentionKernel == .flash3)
        for id in ["a100-sxm-40gb", "h100-pcie-80gb", "l40s-48gb", "mi300x-192gb"] {
            #expect(try Fixtures.store.loadHardware(id).efficiencyCurves == nil)
        }
    }

    @Test("the H100's and H200's bf16 products are priced by rows and N x K: Vidur's H100 curves of four models' products from M 128")
    func denseByShapeH100() throws {
        let h100 = try #require(try Fixtures.store.loadHardware("h100-sxm-80gb").efficiencyCurves)
        let h200 = try #require(try Fixtures.store.loadHardware("h200-sxm-141gb").efficiencyCurves)
        let shaped = try #require(h100.denseByShape[.bf16])
        #expect(h100.dense[.bf16] == nil, "every H100 bf16 point carries its shape (XLA's shapeless k597-k600 are read no more)")
        // Llama-2-7B, Llama-2-70B, CodeLlama-34B, phi-2: 16 shapes less CodeLlama-34B's two that are
        // Llama-2-70B's and phi-2's down (its up's N x K), each at M 128 ... 4096
        #expect(shaped.count == 13 && shaped.allSatisfy { $0.curve.points.count == 6 && $0.curve.points.first?.x == 128 })
        // at a published shape the value is the row: Llama-2-7B's output projection (4096 x 4096) at M 128,
        // 0.020 ms (mlp.csv line 244, k804): 2 x 128 x 4096^2 / 20 us / 989 TFLOP/s = 0.217; at M 4096 k608, 0.720
        #expect(abs(h100.denseEfficiency(.bf16, rows: 128, weightElements: 4096 * 4096) - 0.217) < 5e-5)
        #expect(abs(h100.denseEfficiency(.bf16, rows: 4096, weightElements: 4096 * 4096) - 0.720) < 5e-5)
        #expect(h100.denseEfficiency(.bf16, rows: 1, weightElements: 4096 * 4096) == h100.denseEfficiency(.bf16, rows: 128, weightElements: 4096 * 4096),
                "flat below M 128")
        // the H200 reads the H100's points (same 989 TFLOP/s tensor peak, k335); FP8 keeps its one shapeless point
        #expect(h200.denseByShape[.bf16] == shaped)
        #expect(h100.dense[.fp8] != nil && h100.denseByShape[.fp8] == nil)
    }

    @Test("the A100's bf16 products are priced by rows and N x K: Vidur's curves of five models' products from M 128")
    func denseByShape() throws {
        let c = try #require(try Fixtures.store.loadHardware("a100-sxm-80gb").efficiencyCurves)
        let shaped = try #require(c.denseByShape[.bf16])
        #expect(c.dense[.bf16] == nil, "every A100 point carries its shape")
        #expect(shaped.count == 16 && shaped.allSatisfy { $0.curve.points.count == 6 && $0.curve.points.first?.x == 128 })
        // at a published shape the value is the published row: Llama-2-7B's output projection at M 128
        // (k615, 0.430) and its fused q, k, v projection (N 12288, K 4096) at M 128 (k616, 0.554)
        #expect(abs(c.denseEfficiency(.bf16, rows: 128, weightElements: 4096 * 4096) - 0.430) < 5e-5)
        #expect(abs(c.denseEfficiency(.bf16, rows: 64, weightElements: 12288 * 4096) - 0.554) < 5e-5, "flat below M 128")
        // between two shapes: linear in log2(N K); k616 (N K 50.3M) and Llama-3-8B's down projection
        // (4096 x 14336 = 58.7M, M 128: 0.111 ms -> 0.434, k682) bracket 54.5M
        let lo = 12288.0 * 4096, hi = 4096.0 * 14336, mid = (lo * hi).squareRoot()
        let vlo = c.denseEfficiency(.bf16, rows: 128, weightElements: lo), vhi = c.denseEfficiency(.bf16, rows: 128, weightElements: hi)
        #expect(vlo != vhi && abs(c.denseEfficiency(.bf16, rows: 128, weightElements: mid) - (vlo + vhi) / 2) < 1e-9)
        // beyond the narrowest and widest shapes the nearest curve holds; an unknown shape reads the widest
        let narrow = shaped.first!, wide = shaped.last!
        #expect(c.denseEfficiency(.bf16, rows: 512, weightElements: narrow.weightElements / 4) == narrow.curve.value(at: 512))
        #expect(c.denseEfficiency(.bf16, rows: 512, weightElements: wide.weightElements * 4) == wide.curve.value(at: 512))
        #expect(c.denseEfficiency(.bf16, rows: 512, weightElements: 0) == wide.curve.value(at: 512))
    }

    @Test("the A100's and H100's streaming curves are Vidur's one-row products by bytes; the H200's are the H100's times a measured H200 / H100 ratio")
    func streamingByBytes() throws {
        let a100 = try #require(try Fixtures.store.loadHardware("a100-sxm-80gb").efficiencyCurves)
        let h100 = try #require(try Fixtures.store.loadHardware("h100-sxm-80gb").efficiencyCurves)
        let h200 = try #require(try Fixtures.store.loadHardware("h200-sxm-141gb").efficiencyCurves)
        #expect(a100.streaming != a100.decodeAttention && h100.streaming != h100.decodeAttention)
        #expect(h100.streaming.points.count == 34 && h100.streaming.points.allSatisfy { $0.source >= "k871" && $0.source <= "k904" })
        // the H200's points sit at the H100's bytes, each its H100 fraction x 3350 / 4800 x the H200 / H100
        // memcpy bandwidth at those bytes moved (kernel_rows_h200_transfer.py, k957-k988): at 33,570,816
        // bytes (just past 2^25 moved, a 16 MiB array: 4792 / 3640 GB/s) 0.626 x 3350 / 4800 x 1.3165 = 0.5752
        #expect(h200.streaming.points.map(\.x) == h100.streaming.points.map(\.x))
        #expect(h200.streaming.points.allSatisfy { $0.source >= "k1011" && $0.source <= "k1044" })
        #expect(abs(h200.streaming.value(at: 33_570_816) - 0.626 * 3350 / 4800 * 4792 / 3640) < 1e-4)
        // in seconds: a 4.2 MB product (k882) runs 1.05x faster than on the H100, a 940 MB one (k886) 1.35x
        // (4108 / 3052 at the figure's 1 GiB end), not the bandwidths' 4.8 / 3.35 = 1.43x
        func speedup(_ bytes: Double) -> Double { h200.streaming.value(at: bytes) * 4800 / (h100.streaming.value(at: bytes) * 3350) }
        #expect(abs(speedup(4_203_520) - 1.053) < 2e-3 && abs(speedup(939_655_168) - 4108.0 / 3052) < 2e-3)
        // H100, Llama-2-7B's output projection at one row (k872): 33,570,816 bytes in 16 us = 0.626 of
        // 3350 GB/s; the ends hold beyond 4.2 MB (0.314) and 940 MB (0.902)
        #expect(abs(h100.streaming.value(at: 33_570_816) - 0.626) < 5e-5)
        #expect(abs(h100.streaming.value(at: 1e6) - 0.314) < 5e-5 && abs(h100.streaming.value(at: 1e10) - 0.902) < 5e-5)
        #expect(a100.streaming.points.count == 40 && a100.streaming.points.allSatisfy { $0.source >= "k706" && $0.source <= "k745" })
        // Llama-2-7B's output projection at one row (k707): 33,570,816 bytes in 25 us, 1343 GB/s = 0.659
        // of 2039; the ends hold beyond 4.2 MB (k717, 0.344) and 940 MB (k721, 0.795); 4 decimals
        #expect(abs(a100.streaming.value(at: 33_570_816) - 0.659) < 5e-5)
        #expect(abs(a100.streaming.value(at: 1e6) - 0.344) < 5e-5 && abs(a100.streaming.value(at: 1e10) - 0.795) < 5e-5)
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
                // the committed files have shape_nk: value at 7, source_row at 8
                let published = try #require(fraction[f[8]], "\(id): \(f[8]) is not a row with a fraction of peak")
                // the file writes the published fraction with 4 decimals
                #expect(abs(published - Double(f[7])!) < 5e-5, "\(id) \(f[8]): \(f[7]) vs published \(published)")
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

    @Test("the shape_nk column: dense rows carry N x K or none, other operators none; the header without it still reads")
    func shaped() throws {
        let withShape = EfficiencyCurvesFile.header.joined(separator: ",")
        // the good file with an empty shape_nk inserted after x reads as the file without the column
        func widen(_ line: Substring, nk: String = "") -> String {
            var f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            f.insert(nk, at: 6)
            return f.joined(separator: ",")
        }
        let body = Self.good.split(separator: "\n").dropFirst()
        let wide = withShape + "\n" + body.map { widen($0) }.joined(separator: "\n") + "\n"
        #expect(try parse(wide) == (try parse(Self.good)))
        // two shapes of one dtype at one M are two curves, not a duplicate x
        let two = wide + "dense_gemm,cublas,bf16,,,1000000000,16777216,0.5,k615,table,n\n"
            + "dense_gemm,cublas,bf16,,,1000000000,50331648,0.6,k616,table,n\n"
        let c = try parse(two)
        #expect(c.denseByShape[.bf16]?.map(\.weightElements) == [16777216, 50331648])
        #expect(c.dense[.bf16] != nil && c.denseByShape[.fp16] == nil)
        // the shapeless curve (0.8) serves an operator of unknown shape while a shaped one exists
        #expect(c.denseEfficiency(.bf16, rows: 1e9, weightElements: 0) == 0.8)
        #expect(c.denseEfficiency(.bf16, rows: 1e9, weightElements: 16777216) == 0.5)
        for (line, field) in [
            ("dense_gemm,cublas,bf16,,,1e9,4096.5,0.5,k341,table,n", "line 2, shape_nk"),
            ("dense_gemm,cublas,bf16,,,1e9,-4,0.5,k341,table,n", "line 2, shape_nk"),
            ("decode_attention,x,any,,,1000000,4096,0.2,k442,read_from_figure,n", "line 2, shape_nk"),
            ("dense_gemm,cublas,bf16,,,1e9,0.5,k341,table,n", "line 2, line"),  // 10 fields under the 11-column header
        ] {
            #expect { try parse(withShape + "\n" + line + "\n" + body.map { widen($0) }.joined(separator: "\n")) } throws: {
                ($0 as? ProfileError)?.field == field
            }
        }
        let dupShape = two + "dense_gemm,cublas,bf16,,,1000000000,50331648,0.7,k617,table,n\n"
        #expect { try parse(dupShape) } throws: { ($0 as? ProfileError)?.field == "dense_gemm bf16 shape_nk 50331648" }
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
