#!/usr/bin/env python3
# report.py: writes benchmarks/RESULTS.md from one run's result files (Python 3 standard library only).
#   --jmh FILE     JMH's JSON output (-rf json) of Lethe's suite
#   --peer FILE    JSON lines of pytorch/peer_cpu.py (optional: the PyTorch column is then empty)
#   --probe FILE   backend availability, lines "name<TAB>yes|no<TAB>reason" (ai.lethe.bench.Probe)
#   --mode TEXT    "full" or "quick"; --threads N: the thread count given to the cpu backend and PyTorch
#   --load-dir DIR where load-before.txt / load-after.txt hold /proc/loadavg's first fields (optional)
#   --out FILE     the markdown to write
# Tables put Lethe cpu, Lethe ref and PyTorch side by side in one unit; the ratio is Lethe cpu / PyTorch
# (> 1: Lethe is faster). Benchmarks whose batch param is 0 ran at the auto batch (ref 8, others 128).
# The FisherBench and UnlearningKernelsBench sections are written by report_unlearning.py.
import argparse
import datetime
import json
import os
import platform
import re

import report_unlearning

NATIVE_BATCH, REF_BATCH = 128, 8
CONV_SHAPES = {  # name -> description (see ConvShape.java)
    "c16k16_28_3x3s1": "16→16, 28×28→28×28, 3×3 s1 p1",
    "c16k32_28_3x3s2": "16→32, 28×28→14×14, 3×3 s2 p1",
    "c32k64_14_3x3s2": "32→64, 14×14→7×7, 3×3 s2 p1",
    "c16k32_28_1x1s2": "16→32, 28×28→14×14, 1×1 s2 (shortcut)",
}
GEMM_SHAPES = {
    "256x256x256": "[256,256]·[256,256]",
    "512x512x512": "[512,512]·[512,512]",
    "linear128x512x10": "[128,512]·[10,512]ᵀ (F.linear)",
}
TRAIN = {
    "BasicBlockBench.trainStep": ("block16_28", "basic block, width 16, 28×28 (+ pool, linear 16→10)"),
    "ResNet18Bench.trainStep": ("resnet18w16_1x28x28", "ResNet18 width 16, 1×28×28, 10 classes"),
}


def read_jmh(path):
    """{(benchmark, backend, case): {"ops/s": (score, error), "images/s": ..., "batch": n}}."""
    out = {}
    if not path or not os.path.exists(path):
        return out, {}
    with open(path) as f:
        text = f.read().strip()
    runs = json.loads(text) if text else []
    info = {}
    for r in runs:
        name = r["benchmark"].removeprefix("ai.lethe.bench.")
        params = r.get("params", {})
        backend = params.get("backend") or params.get("nativeBackend") or "?"
        case = (params.get("shape") or params.get("layer")
                or (f'workers{params["workers"]}' if "workers" in params else TRAIN.get(name, ("-",))[0]))
        batch = int(params.get("batch", "0") or 0) or (REF_BATCH if backend == "ref" else NATIVE_BATCH)
        entry = {"ops/s": (r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"]), "batch": batch}
        for metric, unit in (("images", "images/s"), ("bytes", "bytes/s")):
            secondary = r.get("secondaryMetrics", {}).get(metric)
            if secondary:
                entry[unit] = (secondary["score"], secondary["scoreError"])
        out[(name, backend, case)] = entry
        info = {"jdk": f'{r.get("vmName", "")} {r.get("vmVersion", r.get("jdkVersion", ""))}',
                "warmup": f'{r["warmupIterations"]} × {r["warmupTime"]}',
                "measure": f'{r["measurementIterations"]} × {r["measurementTime"]}', "forks": r["forks"],
                "jvmArgs": " ".join(dict.fromkeys(r.get("jvmArgs", [])))}
    return out, info


def read_peer(path):
    """({(benchmark, case, unit): value}, meta)."""
    out, meta = {}, {}
    if not path or not os.path.exists(path):
        return out, meta
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            if r["name"] == "meta":
                meta = r
            else:
                out[(r["name"], r["shape"], r["unit"])] = r["value"]
    return out, meta


def read_probe(path):
    out = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 2:
                    out[parts[0]] = (parts[1] == "yes", parts[2] if len(parts) > 2 else "")
    return out


def fmt(v):
    if v is None:
        return "—"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}" if v >= 0.1 else f"{v:.3g}"


def fmt_err(pair, scale=1.0):
    """Score with JMH's 99.9% confidence half-width as a percentage, where JMH computed one."""
    if pair is None:
        return "—"
    score, err = pair
    text = fmt(score * scale)
    try:
        e = float(err)
        if e == e and score > 0:
            text += f" ±{100 * e / score:.0f}%"
    except (TypeError, ValueError):
        pass
    return text


def ratio(lethe, peer):
    return f"**{lethe / peer:.2f}**" if lethe is not None and peer else "—"


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
            mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cpu, usable, mem


def read_load(directory, name):
    """The 1-minute load average recorded in DIR/NAME, or None."""
    try:
        with open(os.path.join(directory, name)) as f:
            return float(f.read().split()[0])
    except (OSError, TypeError, ValueError, IndexError):
        return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jmh")
    p.add_argument("--peer")
    p.add_argument("--probe")
    p.add_argument("--mode", default="full")
    p.add_argument("--threads", default="2")
    p.add_argument("--load-dir")
    p.add_argument("--out", required=True)
    a = p.parse_args()

    lethe, jmh_info = read_jmh(a.jmh)
    peer, meta = read_peer(a.peer)
    probe = read_probe(a.probe)
    cpu_ok = any(k[1] == "cpu" for k in lethe)
    cpu, cores, mem = machine()
    L = []
    w = L.append

    w("<!-- RESULTS.md: generated by benchmarks/run (benchmarks/report.py); do not edit by hand. -->")
    w("# Lethe benchmark results")
    w("")
    if not cpu_ok:
        reason = probe.get("cpu", (False, "not found on the class path"))[1] or "not found on the class path"
        w("> **PENDING — not final results.** The native `cpu` backend was not available in this build "
          f"(`{reason}`), so the Lethe-cpu column and the ratios are empty. Only the `ref` backend (the slow "
          "pure-Java oracle) and PyTorch were measured. Re-run `benchmarks/run` once the cpu backend is merged.")
        w("")
    load_before, load_after = read_load(a.load_dir, "load-before.txt"), read_load(a.load_dir, "load-after.txt")
    if load_before is not None and load_before > 0.5:
        w(f"> **Busy machine:** the 1-minute load average was {load_before:.2f} when the run started (an idle "
          "machine shows about 0), so other work was sharing the cores: numbers may be low and noisy. "
          "Re-run on an idle machine before quoting them.")
        w("")
    if a.mode == "quick":
        w("> Quick (smoke) run: very short warm-up and measurement; numbers are indicative only. "
          "Use `benchmarks/run` (full) for numbers to quote.")
        w("")

    w("## Machine and settings")
    w("")
    w(f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}")
    w(f"- CPU: {cpu}; {cores} usable cores; memory {mem}; {platform.system()} {platform.release()}")
    w(f"- JDK: {jmh_info.get('jdk', '—')}; JMH: warm-up {jmh_info.get('warmup', '—')}, measurement "
      f"{jmh_info.get('measure', '—')}, {jmh_info.get('forks', '—')} fork(s), JVM args `{jmh_info.get('jvmArgs', '')}`")
    if meta:
        w(f"- PyTorch: {meta.get('torch')} (Python {meta.get('python')}), CPU, "
          f"`torch.set_num_threads({meta.get('threads')})`, interop threads {meta.get('interop_threads')}, "
          f"oneDNN (mkldnn) {'on' if meta.get('mkldnn') else 'off'}; median of timed samples after "
          f"{meta.get('warmup_s')} s warm-up, ≥ {meta.get('measure_s')} s measured")
    else:
        w("- PyTorch: not measured (torch not importable, or the peer was skipped)")
    w(f"- Threads: Lethe cpu with OMP_NUM_THREADS=OPENBLAS_NUM_THREADS={a.threads}; PyTorch "
      f"{meta.get('threads', '—') if meta else '—'} threads; Lethe ref is single-threaded Java (double accumulation).")
    if load_before is not None:
        w(f"- Load average (1 min) before / after the run: {load_before:.2f} / "
          f"{'—' if load_after is None else f'{load_after:.2f}'} (on {cores} cores)")
    avail = ", ".join(f"`{k}` {'available' if ok else 'unavailable (' + why + ')'}" for k, (ok, why) in probe.items())
    w(f"- Lethe backends found: {avail or '—'}")
    w(f"- Batches: Lethe cpu and PyTorch {NATIVE_BATCH}; Lethe ref {REF_BATCH} (it is ~100× slower). "
      "Per-image rates (images/s) compare across batches; per-op rates do not.")
    w("- Ratio = Lethe cpu / PyTorch in the same unit: > 1 means Lethe is faster.")
    w("")

    # SGEMM
    w("## SGEMM (float32 matmul) — `SgemmBench.matmul`")
    w("")
    w("One op = one product with a freshly allocated output. GFLOP/s = 2·M·K·N · ops/s / 10⁹.")
    w("")
    w("| Shape | Lethe cpu ops/s | Lethe ref ops/s | PyTorch ops/s | Lethe cpu GFLOP/s | Lethe ref GFLOP/s | PyTorch GFLOP/s | cpu / PyTorch |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for case, desc in GEMM_SHAPES.items():
        m, k, n = (int(v) for v in case.removeprefix("linear").split("x"))
        g = 2.0 * m * k * n / 1e9
        c = lethe.get(("SgemmBench.matmul", "cpu", case), {}).get("ops/s")
        r = lethe.get(("SgemmBench.matmul", "ref", case), {}).get("ops/s")
        t = peer.get(("SgemmBench.matmul", case, "ops/s"))
        w(f"| {desc} | {fmt_err(c)} | {fmt_err(r)} | {fmt(t)} | {fmt_err(c, g)} | {fmt_err(r, g)} | "
          f"{fmt(t * g) if t else '—'} | {ratio(c[0] if c else None, t)} |")
    w("")

    # conv2d
    for method, title in (("forward", "forward (no grad)"), ("forwardBackward", "forward + backward (dx and dw)")):
        bench = f"Conv2dBench.{method}"
        w(f"## conv2d {title} — `{bench}`, images/s")
        w("")
        w("NCHW float32, no bias; the ResNet18-width-16 layers on 1×28×28 inputs.")
        w("")
        w(f"| Layer | Lethe cpu (batch {NATIVE_BATCH}) | Lethe ref (batch {REF_BATCH}) | PyTorch (batch {NATIVE_BATCH}) | cpu / PyTorch |")
        w("|---|---:|---:|---:|---:|")
        for case, desc in CONV_SHAPES.items():
            c = lethe.get((bench, "cpu", case), {}).get("images/s")
            r = lethe.get((bench, "ref", case), {}).get("images/s")
            t = peer.get((bench, case, "images/s"))
            w(f"| `{case}` {desc} | {fmt_err(c)} | {fmt_err(r)} | {fmt(t)} | {ratio(c[0] if c else None, t)} |")
        w("")

    # training steps
    w("## Training steps, images/s")
    w("")
    w("One step = forward, cross-entropy, zero_grad, backward, SGD (lr 0.01, momentum 0.9, weight decay 5e-4), "
      "`loss.item()`; Lethe inside a Scope per step. Fixed random inputs and labels.")
    w("")
    w(f"| Benchmark | Lethe cpu (batch {NATIVE_BATCH}) | Lethe ref (batch {REF_BATCH}) | PyTorch (batch {NATIVE_BATCH}) | cpu / PyTorch |")
    w("|---|---:|---:|---:|---:|")
    for bench, (case, desc) in TRAIN.items():
        c = lethe.get((bench, "cpu", case), {}).get("images/s")
        r = lethe.get((bench, "ref", case), {}).get("images/s")
        t = peer.get((bench, case, "images/s"))
        w(f"| `{bench}`: {desc} | {fmt_err(c)} | {fmt_err(r)} | {fmt(t)} | {ratio(c[0] if c else None, t)} |")
    w("")
    # data loader (Lethe only): its rate next to the training step's, to show it is not the bottleneck
    loader = {k: v for k, v in lethe.items() if k[0] == "DataLoaderBench.batch"}
    if loader:
        w("## Data loader — `DataLoaderBench.batch`, Lethe only")
        w("")
        w("Batches of 256 synthetic 3×32×32 byte images with CIFAR augmentation (crop 32 pad 4 + flip + normalize), "
          "shuffled, tensors made on the backend; the consumer only closes each batch. For scale: the training "
          "steps above, in images/s.")
        w("")
        w("| Workers | backend | batches/s | images/s |")
        w("|---|---|---:|---:|")
        for (_, backend, case), v in sorted(loader.items(), key=lambda kv: (kv[0][2], kv[0][1])):
            w(f"| {case.removeprefix('workers')} | {backend} | {fmt_err(v.get('ops/s'))} | {fmt_err(v.get('images/s'))} |")
        w("")
    report_unlearning.fisher_section(w, lethe, peer)
    report_unlearning.kernels_section(w, lethe, peer)
    w("± is JMH's 99.9% confidence half-width (shown where JMH could compute one: at least 2 measurement "
      "iterations). Raw data: `benchmarks/target/results/` (jmh.json, peer.jsonl) of the run that wrote this file.")

    with open(a.out, "w") as f:
        f.write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
