# report_unlearning.py: the RESULTS.md sections of FisherBench and UnlearningKernelsBench (called by report.py,
# Python 3 standard library only). Lethe results are keyed (benchmark, backend, case) as report.read_jmh makes
# them (these benchmarks have no shape parameter: case "-"); PyTorch results (benchmark, case, unit) as in
# pytorch/peer_unlearning.py. Ratios are Lethe cpu / PyTorch in speed (> 1: Lethe is faster).
FISHER = [  # (JMH method, what it is, the PyTorch peer's method)
    ("perSample", "per-sample (empirical) Fisher: `FisherDiagonal.compute(.., PER_SAMPLE)`, batch 128",
     "functorch `vmap(grad)` of the per-sample CE, squares summed"),
    ("batchMean", "batch-mean Fisher: `FisherDiagonal.compute(.., BATCH_MEAN)`, batch 64",
     "SSD's reference loop (zero_grad, CE mean, backward, `imp += grad**2`)"),
    ("forwardBackward", "plain forward + backward (mean CE), batch 128, no squares", "the same"),
]
KERNELS = [  # (JMH method, PyTorch case, what one op is, the PyTorch peer's method)
    ("ssdDampen", "resnet18", "SSD selection + dampening over all parameters, in place (`Unlearning.ssdDampen`, map form)",
     "SSD's reference `modify_weight` loop"),
    ("globalTopK", "resnet18:kthvalue", "global top-k masks of the conv weights' \\|w\\|, 95% pruned (`GlobalTopK.pruneSmallest`)",
     "`torch.kthvalue` on the concatenated scores, `(s > t).float()` per tensor"),
    ("globalTopK", "resnet18:topk", "the same op", "`torch.nn.utils.prune` L1Unstructured: `topk(k, largest=False)`, zero those"),
    ("magnitudeScores", "resnet18", "\\|w\\| for every parameter (`Pruning.magnitudeScores`)", "`p.abs()` per parameter"),
    ("sgdMaskedStep", "resnet18", "SGD step (lr 0.01, momentum 0.9, wd 5e-4) with masks on every parameter (`Optimizer.setMask`)",
     "`opt.step()` then `p.mul_(mask)`"),
    ("copy", "resnet18", "copy of 11.17 M floats (bandwidth reference)", "`dst.copy_(src)`"),
]


def _fmt(v):
    if v is None:
        return "—"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}" if v >= 0.1 else f"{v:.3g}"


def _with_err(pair, value):
    """value (derived from JMH's score) with JMH's relative 99.9% half-width, where it has one."""
    if pair is None or value is None:
        return "—"
    text = _fmt(value)
    try:
        score, err = pair[0], float(pair[1])
        if err == err and score > 0:
            text += f" ±{100 * err / score:.0f}%"
    except (TypeError, ValueError):
        pass
    return text


def _ratio(lethe, torch):
    return f"**{lethe / torch:.2f}**" if lethe and torch else "—"


def fisher_section(w, lethe, peer):
    rows = {m: lethe.get((f"FisherBench.{m}", "cpu", "-"), {}).get("images/s") for m, _, _ in FISHER}
    torch = {m: peer.get((f"FisherBench.{m}", "resnet18w16_1x28x28", "images/s")) for m, _, _ in FISHER}
    if not any(rows.values()) and not any(torch.values()):
        return
    w("## Fisher diagonals — `FisherBench`, images/s")
    w("")
    w("ResNet18 width 16 (1×28×28, 10 classes, 0.70 M parameters) in eval mode, over a fixed set of 512 images with "
      "labels that both sides build from the same integer hash; one op = one pass over the 512 images (Lethe: through "
      "a `DataLoader`, workers 0). Lethe cpu only: on the pure-Java ref backend one op would take about a minute.")
    w("")
    w("| Work | Lethe cpu | PyTorch | PyTorch does | cpu / PyTorch |")
    w("|---|---:|---:|---|---:|")
    for method, what, torch_does in FISHER:
        c, t = rows[method], torch[method]
        w(f"| {what} | {_with_err(c, c[0] if c else None)} | {_fmt(t)} | {torch_does} | {_ratio(c[0] if c else None, t)} |")
    w("")
    fb, ps = rows["forwardBackward"], rows["perSample"]
    line = "Per-sample Fisher time / plain forward+backward time (the target is ≤ 1.3): "
    line += f"Lethe cpu **{fb[0] / ps[0]:.2f}**" if fb and ps else "Lethe cpu —"
    tfb, tps = torch["forwardBackward"], torch["perSample"]
    line += f"; PyTorch vmap {tfb / tps:.2f}." if tfb and tps else "; PyTorch vmap —."
    w(line)
    w("")


def kernels_section(w, lethe, peer):
    got = {k: v for k, v in lethe.items() if k[0].startswith("UnlearningKernelsBench.")}
    torch_got = {k: v for k, v in peer.items() if k[0].startswith("UnlearningKernelsBench.")}
    if not got and not torch_got:
        return
    w("## Unlearning and pruning kernels — `UnlearningKernelsBench`, µs per op and GB/s")
    w("")
    w("Over the parameters of a full-width CIFAR ResNet18 (3 channels, 10 classes: 62 tensors, 11,173,962 floats; the "
      "20 conv weights hold 11,164,352), float32, inputs fixed before timing, outputs freed per op. GB/s = the op's "
      "nominal bytes (MB column) / time, the same bytes on both sides: SSD 16 B per element (read θ, I_D, I_f, write "
      "θ), top-k 8 (read the scores, write the masks; Lethe's radix select reads them three times), \\|w\\| 8, masked SGD "
      "24 (read θ, g, momentum, mask, write θ, momentum), copy 8. SSD: α = λ = 10 with 2% of the elements selected "
      "(λ = α keeps θ away from denormals over thousands of calls). In parentheses: the share of the same side's copy "
      "bandwidth.")
    w("")
    w("| Op | MB/op | Lethe cpu µs | Lethe cpu GB/s | Lethe ref µs | PyTorch µs | PyTorch GB/s | PyTorch does | cpu / PyTorch |")
    w("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    copy_c = got.get(("UnlearningKernelsBench.copy", "cpu", "-"), {}).get("bytes/s")
    copy_t = peer.get(("UnlearningKernelsBench.copy", "resnet18", "GB/s"))
    for method, case, what, torch_does in KERNELS:
        name = f"UnlearningKernelsBench.{method}"
        c = got.get((name, "cpu", "-"), {})
        r = got.get((name, "ref", "-"), {})
        t_ops, t_gbs = peer.get((name, case, "ops/s")), peer.get((name, case, "GB/s"))
        c_ops = c.get("ops/s")
        c_gbs = c["bytes/s"][0] / 1e9 if c.get("bytes/s") else None
        mb = (c["bytes/s"][0] / c_ops[0] / 1e6 if c_gbs and c_ops else
              t_gbs * 1e3 / t_ops if t_gbs and t_ops else None)
        c_text = _with_err(c_ops, 1e6 / c_ops[0] if c_ops else None)
        gbs_text = _fmt(c_gbs) + (f" ({100 * c_gbs / (copy_c[0] / 1e9):.0f}%)" if c_gbs and copy_c else "")
        t_gbs_text = _fmt(t_gbs) + (f" ({100 * t_gbs / copy_t:.0f}%)" if t_gbs and copy_t else "")
        r_ops = r.get("ops/s")
        w(f"| {what} | {_fmt(mb)} | {c_text} | {gbs_text} | {_with_err(r_ops, 1e6 / r_ops[0] if r_ops else None)} | "
          f"{_fmt(1e6 / t_ops) if t_ops else '—'} | {t_gbs_text} | {torch_does} | {_ratio(c_ops[0] if c_ops else None, t_ops)} |")
    w("")
