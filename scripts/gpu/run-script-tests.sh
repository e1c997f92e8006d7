#!/bin/sh
# The tests of scripts/gpu/measure_torch.py (part of `make test`). They need PyTorch; without it
# (or without python3) they are skipped and say why: the project does not depend on PyTorch.
if ! command -v python3 >/dev/null 2>&1; then
    echo "scripts/gpu tests skipped: python3 is not installed"
    exit 0
fi
exec python3 "$(dirname "$0")/test_measure_torch.py"
