// What the CPU kernels implement of the model description, checked once before anything is
// allocated: every block pre-RMSNorm with a SwiGLU feed-forward (or routed SwiGLU experts without
// biases or shared experts); attention with full or
// sliding-window spans over its own slot, over YOCO's shared K̂/V̂, or over an earlier layer's
// full-span slot (Cross-Layer Attention); gated retention; dk = dv; no biases, q/k norms, sinks,
// chunked spans, learned position embeddings, fixed-state mixers other than gRet, shared-weight
// blocks with adapters (Zamba2), or layers without a mixer or a feed-forward. Anything else is refused by name, never run as
// something it is not.

import CostModel

extension ModelSpec {
    /// Throws `unsupportedModel` naming the first feature the kernels do not implement.
    func checkKernelSupport() throws(KernelError) {
        if let shared = sharedWeightBlocks {
            throw .unsupportedModel(reason: "\(id): \(shared) (the kernels run every layer with its own weights over a d-wide input)")
        }
        if positionEmbeddingRows != 0 {
            throw .unsupportedModel(reason: "\(id): learned position embeddings (the kernels use RoPE)")
        }
        if finalNorm != NormLayout(count: 1) {
            throw .unsupportedModel(reason: "\(id): a final LayerNorm (the kernels run RMSNorm)")
        }
        for (r, run) in runs.enumerated() {
            let at = "\(id), layer \(runStarts[r])"
            if run.block.norms != .preRMS {
                throw .unsupportedModel(reason: "\(at): \(run.block.norms.count) norms per block (the kernels run pre-RMSNorm before the mixer and the feed-forward)")
            }
            switch run.block.mixer {
            case .fixedState(let m):
                throw .unsupportedModel(reason: "\(at): a \(m.kind.rawValue) mixer (the kernels run attention and gated retention)")
            case .identity:
                throw .unsupportedModel(reason: "\(at): a layer without a mixer (the kernels run a mixer and a feed-forward per block)")
            case .latentAttention:
                throw .unsupportedModel(reason: "\(at): multi-head latent attention")
            case .attention(let a) where !a.rope:
                throw .unsupportedModel(reason: "\(at): attention without RoPE (the kernels rotate q and k)")
            case .attention, .gatedRetention: break
            }
            switch run.block.feedForward {
            case .gated(_, .silu): break
            case .experts(let e) where e.activation == .silu && !e.expertBias && !e.routerBias && e.shared == nil: break
            case .experts:
                throw .unsupportedModel(reason: "\(at): experts with biases, shared experts or a non-SiLU activation (the kernels run routed SwiGLU experts only)")
            default:
                throw .unsupportedModel(reason: "\(at): feed-forward \(run.block.feedForward) (the kernels run SwiGLU)")
            }
            guard case .attention(let a) = run.block.mixer else { continue }
            if a.headDim != a.valueHeadDim {
                throw .unsupportedModel(reason: "\(at): value head dim \(a.valueHeadDim) differs from the key head dim \(a.headDim)")
            }
            if a.qkvBias || a.outputBias || a.qkNorm || a.sinks || a.outputGate {
                throw .unsupportedModel(reason: "\(at): attention biases, q/k norms, sinks or an output gate")
            }
            if case .chunked = a.span { throw .unsupportedModel(reason: "\(at): chunked-local attention") }
            if case .layer = a.kv, a.span != .full {
                throw .unsupportedModel(reason: "\(at): a windowed layer reading another layer's ring (its prefill needs positions the ring dropped)")
            }
        }
    }

    /// Attention runs, for the kernels' uniform buffers.
    var attentionMixers: [Attention] { runs.compactMap(\.block.mixer.attention) }
}
