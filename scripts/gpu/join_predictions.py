#!/usr/bin/env python3
"""Join rows measured by measure_torch.py with yocoprof's predictions (`make gpu-join GPU_CSV=...`).

For every whole-pass row (prefill_seconds, decode_tokens_per_second) it runs
`yocoprof estimate --model M --hardware H --context N --generate G --batch B --format csv` and
fills `predicted` and `relative_error` = (measured - predicted) / predicted, the convention of
`yocoprof validate`. Operator rows keep their measurement (status `operator`): set them beside
Profiles/hardware/efficiency/<gpu>.csv by hand. Writes <input>-joined.csv next to the input.

    python3 scripts/gpu/join_predictions.py --bin .build/release/yocoprof Reports/gpu/2027-01-01-h100.csv
"""
import argparse
import csv
import io
import subprocess
import sys


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=".build/release/yocoprof")
    ap.add_argument("--hardware", default="", help="override the rows' hardware column")
    ap.add_argument("measured")
    args = ap.parse_args(argv)
    with open(args.measured, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{args.measured}: no rows")
    cache = {}
    for r in rows:
        if r["model"].startswith("op:") or r["metric"] not in ("prefill_seconds", "decode_tokens_per_second"):
            r["status"] = "operator"
            continue
        hw = args.hardware or r["hardware"]
        if not hw:
            sys.exit(f"{args.measured}: row {r['model']} has no hardware; pass --hardware")
        key = (r["model"], hw, r["context_tokens"], r["generated_tokens"], r["batch"])
        if key not in cache:
            cmd = [args.bin, "estimate", "--model", r["model"], "--hardware", hw, "--context", r["context_tokens"],
                   "--generate", r["generated_tokens"], "--batch", r["batch"], "--format", "csv"]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            cache[key] = next(csv.DictReader(io.StringIO(out)))
        est = cache[key]
        predicted = float(est[r["metric"]])
        measured = float(r["measured"])
        r["predicted"] = "%.6g" % predicted
        r["relative_error"] = "%.4f" % ((measured - predicted) / predicted)
        r["status"] = "ok"
    path = args.measured[:-4] + "-joined.csv" if args.measured.endswith(".csv") else args.measured + "-joined.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} rows -> {path}")


if __name__ == "__main__":
    main()
