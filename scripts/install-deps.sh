#!/usr/bin/env bash
# Installs the system libraries yocoprof uses (BRIEF §1) when they are missing:
# libopenblas0 (BLAS for the kernels: opened at run time by the commands that run them, so only the
# shared library is needed, no headers) and libpapi-dev (PAPI counters, linked; brings libsde).
# Uses apt-get, through sudo when not root. Safe to run repeatedly.
set -euo pipefail
packages=(libopenblas0 libpapi-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
