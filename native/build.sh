#!/usr/bin/env bash
# Builds the native CPU kernels (native/*.c) into <outdir>/liblethe_cpu.so, linked against OpenBLAS.
# Called by Maven in the compile phase with outdir = target/classes/native/linux-x86_64.
#
# It never fails the build: when gcc, cblas.h or libopenblas is missing, or compilation fails, it writes the
# reason to <outdir>/BUILD-ERROR.txt (which the cpu backend reports as its unavailability reason), prints a
# one-line warning and exits 0. It does nothing when the library is newer than every native source.
#
# Flags: x86-64-v3 (AVX2 + FMA) baseline, OpenMP, no FMA contraction and no -ffast-math (results must match
# the ref backend, NaN/inf included). -fno-math-errno and -fno-trapping-math change no value (errno and FP
# exception flags are never read) but let sqrt and float compares/selects vectorise. cpu_check.c is compiled for
# plain x86-64 so the CPU test runs anywhere. LETHE_CC overrides the compiler (default gcc; GCC flags).
set -u

usage() { echo "usage: $0 <outdir>" >&2; exit 2; }
[ $# -eq 1 ] || usage
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"
mkdir -p "$out" || { echo "[lethe native] cannot create $out" >&2; exit 0; }
lib="$out/liblethe_cpu.so"
error_file="$out/BUILD-ERROR.txt"

# Records why the library is not built, removes any stale library, and exits 0.
give_up() {
    printf '%s\n' "$1" > "$error_file"
    rm -f "$lib"
    echo "[lethe native] WARNING: cpu backend not built: ${1%%$'\n'*} (details: $error_file)" >&2
    exit 0
}

sources=("$here"/*.c)
if [ -f "$lib" ] && [ ! -f "$error_file" ] \
    && [ -z "$(find "$here" -maxdepth 1 \( -name '*.c' -o -name '*.h' -o -name build.sh \) -newer "$lib" -print -quit)" ]; then
    exit 0
fi

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || give_up "not linux-x86_64 ($(uname -s)/$(uname -m))"
cc="${LETHE_CC:-gcc}"
command -v "$cc" > /dev/null 2>&1 || give_up "$cc not found on PATH (a C compiler is needed for the cpu backend)"

blas_include=""
for dir in /usr/include /usr/include/x86_64-linux-gnu /usr/include/openblas; do
    if [ -f "$dir/cblas.h" ]; then blas_include="$dir"; break; fi
done
[ -n "$blas_include" ] || give_up "cblas.h not found in /usr/include, /usr/include/x86_64-linux-gnu or /usr/include/openblas (install libopenblas-dev)"

blas_lib="$("$cc" -print-file-name=libopenblas.so)"
[ -f "$blas_lib" ] || give_up "libopenblas.so not found by $cc (install libopenblas-dev)"
blas_dir="$(dirname "$(readlink -f "$blas_lib")")"

work="$(mktemp -d "${TMPDIR:-/tmp}/lethe-native.XXXXXX")" || give_up "cannot create a temporary directory"
trap 'rm -rf "$work"' EXIT

common_flags=(-O3 -fPIC -fvisibility=hidden -std=gnu11 -Wall -Wextra -mtune=generic -fno-math-errno -fno-trapping-math -ffp-contract=off)
pids=()
for src in "${sources[@]}"; do
    name="$(basename "$src" .c)"
    if [ "$name" = cpu_check ]; then
        flags=("${common_flags[@]}" -march=x86-64)
    else
        flags=("${common_flags[@]}" -march=x86-64-v3 -fopenmp -I"$blas_include")
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

"$cc" -shared -fopenmp -o "$work/liblethe_cpu.so" "$work"/*.o -L"$blas_dir" -Wl,-rpath,"$blas_dir" -lopenblas -lm \
    > "$work/link.log" 2>&1 || give_up "linking failed: $(head -c 2000 "$work/link.log")"
mv -f "$work/liblethe_cpu.so" "$lib" || give_up "cannot write $lib"
rm -f "$error_file"
echo "[lethe native] built $lib" >&2
