#!/usr/bin/env bash
# Builds the native CPU kernels (native/*.c) into <outdir>/liblethe_cpu.so.
# Called by Maven in the compile phase: build.sh <outdir> <required|optional>, outdir =
# target/classes/native/linux-x86_64, mode = the property lethe.native (default required).
#
# The library is not linked against a BLAS (native/blas.h): Java loads OpenBLAS at run time and hands over its
# sgemm. So the build needs only gcc on linux-x86_64.
#
# required (the default): a build that cannot be done (not linux-x86_64, no gcc) or that fails is a build
# failure, with the reason. optional (mvn -Dlethe.native=optional): the reason goes to <outdir>/BUILD-ERROR.txt
# instead, which the cpu backend reports as why it is unavailable (Lethe then runs on the slow ref backend and
# says so), a one-line warning is printed, and the script exits 0. Either way nothing is done when the library
# is newer than every native source.
#
# Flags: x86-64-v3 (AVX2 + FMA) baseline, OpenMP, no FMA contraction and no -ffast-math (results must match
# the ref backend, NaN/inf included). -fno-math-errno and -fno-trapping-math change no value (errno and FP
# exception flags are never read) but let sqrt and float compares/selects vectorise. cpu_check.c is compiled for
# plain x86-64 so the CPU test runs anywhere. LETHE_CC overrides the compiler (default gcc; GCC flags).
set -u

usage() { echo "usage: $0 <outdir> <required|optional>" >&2; exit 2; }
[ $# -eq 2 ] || usage
case "$2" in required|optional) mode="$2" ;; *) usage ;; esac
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"
mkdir -p "$out" || { echo "[lethe native] cannot create $out" >&2; exit 1; }
lib="$out/liblethe_cpu.so"
error_file="$out/BUILD-ERROR.txt"

# Required: fails the build with the reason. Optional: records the reason, removes any stale library, exits 0.
give_up() {
    rm -f "$lib"
    if [ "$mode" = required ]; then
        rm -f "$error_file"
        {
            echo "[lethe native] ERROR: the native cpu backend cannot be built: $1"
            echo "[lethe native] Fix the cause, or build without it (Lethe then runs on the slow pure-Java ref backend):"
            echo "[lethe native]     mvn -Dlethe.native=optional ...   (./lethe does this by itself where gcc is missing)"
        } >&2
        exit 1
    fi
    printf '%s\n' "$1" > "$error_file"
    echo "[lethe native] WARNING: cpu backend not built: ${1%%$'\n'*} (details: $error_file)" >&2
    exit 0
}

sources=("$here"/*.c)
if [ -f "$lib" ] && [ ! -f "$error_file" ] \
    && [ -z "$(find "$here" -maxdepth 1 \( -name '*.c' -o -name '*.h' -o -name build.sh \) -newer "$lib" -print -quit)" ]; then
    exit 0
fi

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || give_up "not linux-x86_64 ($(uname -s)/$(uname -m)): the cpu backend is built for Linux on x86-64 only"
cc="${LETHE_CC:-gcc}"
command -v "$cc" > /dev/null 2>&1 || give_up "$cc not found on PATH (install gcc: sudo apt-get install gcc)"

work="$(mktemp -d "${TMPDIR:-/tmp}/lethe-native.XXXXXX")" || give_up "cannot create a temporary directory"
trap 'rm -rf "$work"' EXIT

common_flags=(-O3 -fPIC -fvisibility=hidden -std=gnu11 -Wall -Wextra -mtune=generic -fno-math-errno -fno-trapping-math -ffp-contract=off)
pids=()
for src in "${sources[@]}"; do
    name="$(basename "$src" .c)"
    if [ "$name" = cpu_check ]; then
        flags=("${common_flags[@]}" -march=x86-64)
    else
        flags=("${common_flags[@]}" -march=x86-64-v3 -fopenmp)
    fi
    "$cc" "${flags[@]}" -c "$src" -o "$work/$name.o" > "$work/$name.log" 2>&1 &
    pids+=("$!")
done
failed=""
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || failed="$failed $(basename "${sources[$i]}")"
done
if [ -n "$failed" ]; then
    give_up "compilation failed:$failed: $(cat "$work"/*.log | head -c 2000)"
fi
cat "$work"/*.log >&2

"$cc" -shared -fopenmp -Wl,--no-undefined -o "$work/liblethe_cpu.so" "$work"/*.o -lm > "$work/link.log" 2>&1 \
    || give_up "linking failed: $(head -c 2000 "$work/link.log")"
mv -f "$work/liblethe_cpu.so" "$lib" || give_up "cannot write $lib"
rm -f "$error_file"
echo "[lethe native] built $lib" >&2
