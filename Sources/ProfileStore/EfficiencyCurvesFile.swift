// Profiles/hardware/efficiency/<gpu>.csv -> EfficiencyCurves (CostModel/EfficiencyCurves.swift).
//
// One published point per line, with the row of Reports/published/kernel-efficiency.csv it comes
// from. RFC 4180 CSV (Reporting/CSVReader: quoted fields, LF or CRLF records). Columns (exactly
// these, in this order; a file without the `shape_nk` column, the format before issue 15's sixth
// session, reads as one whose shape_nk fields are all empty):
//   operator    dense_gemm | prefill_attention | decode_attention | streaming | launch | elementwise
//   library     prefill_attention: flash2 | flash3 | sdpa; launch: cuda_graphs | eager;
//               elementwise: norm | act_mul | rope | add (CostModel/Roofline+Elementwise.swift); else free text
//   dtype       fp16 | bf16 | fp8 (a list joined by `/`, e.g. bf16/fp16), or `any` (bytes-based curves, launch)
//   head_dim    prefill_attention only (a positive integer), else empty
//   causal      prefill_attention only (true | false), else empty
//   x           dense_gemm: rows M of one product; prefill_attention: sequence length; decode_attention and
//               streaming and elementwise: bytes per launch; launch: empty
//   shape_nk    dense_gemm only: N x K (weight elements) of the product measured, a positive integer,
//               or empty for a curve over M alone; a dtype may have both (the shapeless curve serves
//               operators of unknown shape). Other operators: empty
//   value       a fraction from 0.001 to 1 (launch: seconds from 0 to 0.001; elementwise: a fraction of
//               the DRAM bandwidth from 0.001 to 2, above 1 where the operands sit in L2, as Vidur's
//               A100 residual add at 25 MB reads 1.03)
//   source_row  kernel-efficiency.csv row ids, e.g. k341 or k521-k518 (a difference of two rows)
//   value_kind  as that file's value_kind (printed_bar_label, table, read_from_figure, ...)
//   note        free text
// Every curve (one per dtype and shape_nk for dense_gemm) must have distinct x; decode_attention, streaming and both launch modes must be
// present; the profile's default kernel must have a causal prefill curve; elementwise rows are
// optional, but a file that has any has all four kernels (else the missing ones would read as free).

import CostModel
import Foundation
import Reporting

enum EfficiencyCurvesFile {
    static let header = ["operator", "library", "dtype", "head_dim", "causal", "x", "shape_nk", "value", "source_row", "value_kind", "note"]
    /// The header before the shape column (its `shape_nk` fields read as empty).
    static let headerWithoutShape = header.filter { $0 != "shape_nk" }

    /// Reads and validates `url` (shown as `display` in errors).
    static func load(_ url: URL, display: String, defaultKernel: AttentionKernel) throws(ProfileError) -> EfficiencyCurves {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw ProfileError(file: display, field: nil, constraint: "cannot be read as UTF-8 text", value: nil)
        }
        return try parse(text, file: display, defaultKernel: defaultKernel)
    }

    static func parse(_ text: String, file: String, defaultKernel: AttentionKernel) throws(ProfileError) -> EfficiencyCurves {
        let parsed: (records: [[String]], lines: [Int])
        do { parsed = try CSVReader.parseWithLines(text) } catch {
            throw ProfileError(file: file, field: "line \(error.line)", constraint: "must be RFC 4180 CSV (\(error.reason))", value: nil)
        }
        guard let first = parsed.records.first, first == header || first == headerWithoutShape else {
            throw ProfileError(file: file, field: "line 1", constraint: "must be the header \(header.joined(separator: ",")) (or it without shape_nk)",
                               value: parsed.records.first?.joined(separator: ","))
        }
        let shapeColumn = first == header
        var dense: [DType: [EfficiencyPoint]] = [:]
        var denseShaped: [DType: [Double: [EfficiencyPoint]]] = [:]
        var prefill: [PrefillAttentionKey: [EfficiencyPoint]] = [:]
        var decode: [EfficiencyPoint] = [], streaming: [EfficiencyPoint] = []
        var launch: [LaunchMode: Double] = [:]
        var elementwise: [ElementwiseKernel: [EfficiencyPoint]] = [:]
        for (record, n) in zip(parsed.records, parsed.lines).dropFirst() {
            func fail(_ column: String, _ constraint: String, _ value: String?) -> ProfileError {
                ProfileError(file: file, field: "line \(n), \(column)", constraint: constraint, value: value.map { "\"\($0)\"" })
            }
            guard record.count == first.count else { throw fail("line", "must have \(first.count) fields", "\(record.count) fields") }
            // f: the fields in `header` order (shape_nk at 6), an empty shape_nk for the old header
            var f = record
            if !shapeColumn { f.insert("", at: 6) }
            let shape = f.remove(at: 6)
            if f[0] != "dense_gemm" && !shape.isEmpty { throw fail("shape_nk", "must be empty for operator \(f[0])", shape) }
            let op = f[0], library = f[1]
            func number(_ col: Int, _ range: ClosedRange<Double>, _ what: String) throws(ProfileError) -> Double {
                guard let v = Double(f[col]), v.isFinite, range.contains(v) else { throw fail(headerWithoutShape[col], "must be \(what)", f[col]) }
                return v
            }
            func empty(_ cols: [Int]) throws(ProfileError) {
                for c in cols where !f[c].isEmpty { throw fail(headerWithoutShape[c], "must be empty for operator \(op)", f[c]) }
            }
            guard f[7].range(of: #"^k[0-9]{3,}([+-]k[0-9]{3,})*$"#, options: .regularExpression) != nil else {
                throw fail("source_row", "must name kernel-efficiency.csv rows (k123, k521-k518)", f[7])
            }
            if f[8].isEmpty { throw fail("value_kind", "must say what kind of value it is", f[8]) }
            var dtypes: [DType] = []
            if f[2] != "any" {
                for name in f[2].split(separator: "/") {
                    guard let d = DType(rawValue: String(name)), [.fp16, .bf16, .fp8].contains(d) else {
                        throw fail("dtype", "must be fp16, bf16, fp8 (joined by /) or any", f[2])
                    }
                    dtypes.append(d)
                }
                if dtypes.isEmpty { throw fail("dtype", "must be fp16, bf16, fp8 (joined by /) or any", f[2]) }
            }
            func needsDType() throws(ProfileError) { if dtypes.isEmpty { throw fail("dtype", "must name dtypes for operator \(op)", f[2]) } }
            func noDType() throws(ProfileError) { if !dtypes.isEmpty { throw fail("dtype", "must be any for operator \(op)", f[2]) } }
            let fraction: ClosedRange<Double> = HardwareSpec.efficiencyRange
            let positive: ClosedRange<Double> = 1...1e30
            switch op {
            case "dense_gemm":
                try needsDType(); try empty([3, 4])
                let p = EfficiencyPoint(x: try number(5, positive, "positive product rows"), value: try number(6, fraction, "a fraction from 0.001 to 1"), source: f[7])
                if shape.isEmpty {
                    for d in dtypes { dense[d, default: []].append(p) }
                } else {
                    guard let nk = Int(shape), nk >= 1, String(nk) == shape else { throw fail("shape_nk", "must be a positive integer (N x K) or empty", shape) }
                    for d in dtypes { denseShaped[d, default: [:]][Double(nk), default: []].append(p) }
                }
            case "prefill_attention":
                try needsDType()
                guard let kernel = AttentionKernel(rawValue: library) else { throw fail("library", "must be flash2, flash3 or sdpa", library) }
                guard let hd = Int(f[3]), hd >= 1, String(hd) == f[3] else { throw fail("head_dim", "must be a positive integer", f[3]) }
                guard f[4] == "true" || f[4] == "false" else { throw fail("causal", "must be true or false", f[4]) }
                let p = EfficiencyPoint(x: try number(5, positive, "a positive sequence length"), value: try number(6, fraction, "a fraction from 0.001 to 1"), source: f[7])
                for d in dtypes { prefill[PrefillAttentionKey(kernel: kernel, dtype: d, headDim: hd, causal: f[4] == "true"), default: []].append(p) }
            case "decode_attention", "streaming":
                try noDType(); try empty([3, 4])
                let p = EfficiencyPoint(x: try number(5, positive, "positive bytes per launch"), value: try number(6, fraction, "a fraction from 0.001 to 1"), source: f[7])
                if op == "decode_attention" { decode.append(p) } else { streaming.append(p) }
            case "launch":
                try noDType(); try empty([3, 4, 5])
                guard let mode = LaunchMode(rawValue: library) else { throw fail("library", "must be cuda_graphs or eager", library) }
                if launch[mode] != nil { throw fail("library", "appears twice for launch", library) }
                launch[mode] = try number(6, 0...1e-3, "seconds from 0 to 0.001")
            case "elementwise":
                try noDType(); try empty([3, 4])
                guard let kernel = ElementwiseKernel(rawValue: library) else { throw fail("library", "must be norm, act_mul, rope or add", library) }
                elementwise[kernel, default: []].append(EfficiencyPoint(
                    x: try number(5, positive, "positive bytes per launch"), value: try number(6, 0.001...2, "a fraction from 0.001 to 2"), source: f[7]))
            default:
                throw fail("operator", "must be dense_gemm, prefill_attention, decode_attention, streaming, launch or elementwise", op)
            }
        }
        func curve(_ points: [EfficiencyPoint], _ what: String) throws(ProfileError) -> EfficiencyCurve {
            guard !points.isEmpty else { throw ProfileError(file: file, field: what, constraint: "must have at least one point", value: nil) }
            let xs = points.map(\.x).sorted()
            if let dup = zip(xs, xs.dropFirst()).first(where: { $0 == $1 }) {
                throw ProfileError(file: file, field: what, constraint: "must not give two points at one x", value: "\(dup.0)")
            }
            return EfficiencyCurve(points)
        }
        var denseCurves: [DType: EfficiencyCurve] = [:]
        for (d, ps) in dense.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { denseCurves[d] = try curve(ps, "dense_gemm \(d.rawValue)") }
        var shapedCurves: [DType: [DenseShapeCurve]] = [:]
        for (d, byShape) in denseShaped.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for (nk, ps) in byShape.sorted(by: { $0.key < $1.key }) {
                shapedCurves[d, default: []].append(DenseShapeCurve(weightElements: nk, curve: try curve(ps, "dense_gemm \(d.rawValue) shape_nk \(Int(nk))")))
            }
        }
        var prefillCurves: [PrefillAttentionKey: EfficiencyCurve] = [:]
        for (k, ps) in prefill.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            prefillCurves[k] = try curve(ps, "prefill_attention \(k.kernel.rawValue) \(k.dtype.rawValue) head_dim \(k.headDim) causal \(k.causal)")
        }
        for mode in LaunchMode.allCases where launch[mode] == nil {
            throw ProfileError(file: file, field: "launch \(mode.rawValue)", constraint: "must have one row", value: nil)
        }
        var elementwiseCurves: [ElementwiseKernel: EfficiencyCurve] = [:]
        if !elementwise.isEmpty {
            for k in ElementwiseKernel.allCases {
                guard let ps = elementwise[k] else {
                    throw ProfileError(file: file, field: "elementwise \(k.rawValue)", constraint: "must have points when any elementwise kernel has", value: nil)
                }
                elementwiseCurves[k] = try curve(ps, "elementwise \(k.rawValue)")
            }
        }
        let curves = EfficiencyCurves(
            file: file, dense: denseCurves, prefillAttention: prefillCurves, decodeAttention: try curve(decode, "decode_attention"),
            streaming: try curve(streaming, "streaming"), launchSeconds: launch, defaultAttentionKernel: defaultKernel,
            denseByShape: shapedCurves, elementwise: elementwiseCurves)
        if denseCurves.isEmpty && shapedCurves.isEmpty { throw ProfileError(file: file, field: "dense_gemm", constraint: "must have at least one point", value: nil) }
        if !prefillCurves.keys.contains(where: { $0.kernel == defaultKernel && $0.causal }) {
            throw ProfileError(file: file, field: "prefill_attention", constraint: "must have a causal curve for the profile's default_attention_kernel", value: defaultKernel.rawValue)
        }
        return curves
    }
}
