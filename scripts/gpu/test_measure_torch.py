#!/usr/bin/env python3
"""Tests of measure_torch.py on PyTorch's CPU path (tiny shapes; no timing is checked).

Skipped, with the reason printed, when PyTorch is not installed: the project does not depend on it.
    python3 scripts/gpu/test_measure_torch.py
"""
import csv
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure_torch  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

SKIP = "PyTorch is not installed (the project does not need it; install it to test scripts/gpu/measure_torch.py)"


@unittest.skipIf(torch is None, SKIP)
class MeasureTorchTests(unittest.TestCase):
    def small(self, name):
        return measure_torch.shrink(measure_torch.load_profile(name), layers=2, hidden=64, vocab=128)

    def test_smoke_run_writes_the_validation_schema(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "smoke.csv")
            measure_torch.main(["--device", "cpu", "--smoke", "--repeats", "1", "--out", out])
            with open(out, newline="") as f:
                rows = list(csv.DictReader(f))
        self.assertEqual(list(rows[0].keys()), measure_torch.COLUMNS)
        metrics = {(r["model"], r["metric"]) for r in rows}
        for model in ["transformer-3b", "yoco-3b"]:
            self.assertIn((model, "prefill_seconds"), metrics)
            self.assertIn((model, "decode_tokens_per_second"), metrics)
        self.assertTrue(all(float(r["measured"]) > 0 for r in rows))

    def test_gret_chunkwise_prefill_equals_recurrent_steps(self):
        # The chunkwise and recurrent forms of gated retention are the same function (BRIEF §2).
        torch.manual_seed(0)
        p = self.small("yoco-3b")
        m = measure_torch.Model(torch, p, "cpu", torch.float32)
        m.chunk = 4  # several chunks over 10 tokens
        layer = m.layers[0]
        x = torch.randn(2, 10, p["hidden_size"])
        y, state = m.gret_prefill(layer, x)
        s = torch.zeros_like(state)
        for i in range(10):
            yi, s = m.gret_step(layer, x[:, i:i + 1], s)
            # fp32, sums in a different order: agreement to 1e-4 relative is rounding, not a bug
            torch.testing.assert_close(yi[:, 0], y[:, i], rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(s, state, rtol=1e-4, atol=1e-4)

    def test_decode_after_prefill_matches_a_longer_prefill(self):
        # Prefill N tokens then decode token N+1 gives the logits of a prefill of N+1 tokens (both
        # architectures; YOCO's early exit must not change the last position's output).
        torch.manual_seed(1)
        for name in ["transformer-3b", "yoco-3b"]:
            p = self.small(name)
            m = measure_torch.Model(torch, p, "cpu", torch.float32)
            m.chunk = 4
            tokens = torch.randint(0, p["vocab_size"], (1, 9))
            _, cache = m.prefill(tokens[:, :8])
            step, _ = m.decode_step(tokens[:, 8:9], cache)
            full, _ = m.prefill(tokens)
            # fp32 with different reduction orders: 1e-3 covers rounding through two layers
            torch.testing.assert_close(step, full, rtol=1e-3, atol=1e-3, msg=name)


if __name__ == "__main__":
    if torch is None:
        print("skipped: " + SKIP)
    unittest.main()
