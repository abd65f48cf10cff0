#!/usr/bin/env python3
# peer_gpu.py: the PyTorch half of the GPU benchmark against Lethe (issue 15's anchors; the Lethe half is
# ai.lethe.kernelbench.GpuBench, benchmarks/gpu/report.py renders both, benchmarks/gpu/device-check runs all three).
# Writes JSON lines in GpuBench's format, one per case as it finishes:
#   {"record": "header", "side": "pytorch", "device", "gpu", "driver", "cuda", "cudnn", "torch", "preset", ...}
#   {"record": "case", "case": ID, "status": "ok", "value", "unit", "better", "median_ms", "min_ms", "max_ms", "runs", ...}
#   {"record": "case", "case": ID, "status": "skipped" | "failed", "reason": ...}
#   {"record": "end", "seconds", "failed"}
# Cases (ids shared with GpuBench):
#   copy                  dst.copy_(src), device to device, GB/s counting bytes read + written (8 per float);
#   resnet18-train-P      ResNet18 (CIFAR stem) training step, images/s: P = fp32 (TF32 off for matmuls and cuDNN),
#                         tf32 (TF32 on + channels-last), bf16 (autocast to bfloat16, fp32 weights, NCHW);
#   vit-s4-train-P        ViT-S/4 (timm layout, scaled_dot_product_attention where torch has it), same precisions
#                         (tf32 without channels-last: a ViT has one convolution);
#   forward-backward      a pass of plain forward + mean-CE backward over the hashed images (eval mode), s;
#   fisher-batch-mean     SSD's reference importance loop over the same images (batch 64: zero_grad, CE, backward,
#                         imp += grad.clone().pow(2), / batches), s;
#   fisher-per-sample     per-sample squared gradients by vmap(grad(...)) (torch.func; functorch on torch 1.13), s;
#   ssd-dampen            SSD's reference modify_weight over ResNet18's parameters (α = λ = 10, 2% selected), ms;
#   ssd-dampen-where      the same update fused per tensor: p.mul_(torch.where(f > α·d, (λ·d/f).clamp(max=1), 1)), ms;
#   global-topk           torch.kthvalue of the conv weights' concatenated |w| (95% pruned), then (s > t) per tensor, ms;
#   sgd-masked            SGD step (lr 0.01, momentum 0.9, wd 5e-4) then p.mul_(mask) per tensor (5% kept), ms.
# Every batch of the three Fisher passes is copied from host memory to the device inside the timed pass, as the
# SSD reference does (`x.to(device)`), and as Lethe's DataLoader uploads its batches.
# Timing: CUDA events around each run on the current stream (time.perf_counter on CPU), after warm-up; the value is
# the median run. A case stops taking runs after --case-budget-s; no case starts after --budget-s.
#
#   python3 benchmarks/gpu/peer_gpu.py [--smoke] [--device cuda|cpu] [--out FILE] [--budget-s S] [--cases ID,...]
# --smoke: tiny sizes (GpuPreset.SMOKE's), on CPU when there is no CUDA: runs on PyTorch 1.13 CPU, checks the
# script end to end. Without --smoke the full anchors' sizes, which need a GPU. Exit 0 when no case failed, 1
# when one did, 2 on bad arguments.
import argparse
import contextlib
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ALPHA, LAMBDA, SELECTED, SPARSITY = 10.0, 10.0, 0.02, 0.95
CASES = ["copy", "ssd-dampen", "ssd-dampen-where", "global-topk", "sgd-masked",
         "resnet18-train-fp32", "resnet18-train-tf32", "resnet18-train-bf16",
         "vit-s4-train-fp32", "vit-s4-train-tf32", "vit-s4-train-bf16",
         "forward-backward", "fisher-batch-mean", "fisher-per-sample"]
KERNEL_CASES = ["ssd-dampen", "ssd-dampen-where", "global-topk", "sgd-masked"]
FISHER_CASES = ["forward-backward", "fisher-batch-mean", "fisher-per-sample"]

# The sizes of GpuPreset.java's FULL and SMOKE. A model: (label, kind, kwargs, batch, channels, side, classes).
PRESETS = {
    "full": {
        "copy": 256 << 20,
        "resnet": ("resnet18 (CIFAR stem, width 64)", "resnet", dict(width=64), 256, 3, 32, 10),
        "vit": ("vit-s/4 (dim 384, depth 12, 6 heads, 65 tokens)", "vit", dict(patch=4, dim=384, depth=12, heads=6), 256, 3, 32, 10),
        "fisher": dict(images=10_240, batch_mean=64, per_sample=256, plain=256),
        "unlearn": dict(width=64, channels=3, classes=10),
        "kernel_runs": (20, 3), "train_runs": (20, 3), "fisher_runs": (3, 1), "case_budget_s": 10.0,
    },
    "smoke": {
        "copy": 1 << 16,
        "resnet": ("resnet18 width 4 (TrainingStepProxiesTest)", "resnet", dict(width=4), 8, 1, 12, 4),
        "vit": ("vit dim 16 depth 2 (TrainingStepProxiesTest)", "vit", dict(patch=4, dim=16, depth=2, heads=2), 8, 1, 12, 4),
        "fisher": dict(images=16, batch_mean=4, per_sample=8, plain=8),
        "unlearn": dict(width=4, channels=1, classes=4),
        "kernel_runs": (2, 1), "train_runs": (2, 1), "fisher_runs": (1, 1), "case_budget_s": 2.0,
    },
}


# ---- models: the same networks as ai.lethe.models.ResNet (CIFAR stem) and VisionTransformer (timm layout) ----

# ResNet18 is the CPU peer's (benchmarks/pytorch/peer_cpu.py): ResNet18(classes, width, in_channels).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytorch"))
from peer_cpu import ResNet18  # noqa: E402  (after the path it is found on)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        if hasattr(F, "scaled_dot_product_attention"):
            y = F.scaled_dot_product_attention(q, k, v)
        else:  # torch 1.13
            y = torch.softmax(q @ k.transpose(-2, -1) * (d // self.heads) ** -0.5, dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim, eps=1e-6), Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """timm's VisionTransformer (class token, learned position embedding, pre-norm blocks, head on the token)."""

    def __init__(self, channels, classes, side, patch, dim, depth, heads):
        super().__init__()
        self.patch_embed = nn.Conv2d(channels, dim, patch, stride=patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + (side // patch) ** 2, dim) * 0.02)
        self.blocks = nn.Sequential(*[Block(dim, heads) for _ in range(depth)])
        self.norm, self.head = nn.LayerNorm(dim, eps=1e-6), nn.Linear(dim, classes)

    def forward(self, x):
        p = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(p.shape[0], -1, -1), p], 1) + self.pos_embed
        return self.head(self.norm(self.blocks(x))[:, 0])


def build(model, device):
    label, kind, kw, batch, channels, side, classes = model
    if kind == "resnet":
        net = ResNet18(classes, kw["width"], channels)
    else:
        net = ViT(channels, classes, side, kw["patch"], kw["dim"], kw["depth"], kw["heads"])
    return net.to(device)


def parameters(net):
    return sum(p.numel() for p in net.parameters())


# ---- timing -----------------------------------------------------------------------------------------------

class Timer:
    """Milliseconds of one call: CUDA events on the current stream, or perf_counter on CPU."""

    def __init__(self, device):
        self.cuda = device.type == "cuda"
        self.method = ("CUDA events recorded on the current stream around each run" if self.cuda
                       else "time.perf_counter around each run")

    def millis(self, fn):
        if self.cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            return start.elapsed_time(end)
        t0 = time.perf_counter()
        fn()
        return (time.perf_counter() - t0) * 1e3


class Bench:
    def __init__(self, args, preset, device, out):
        self.args, self.preset, self.device, self.out = args, preset, device, out
        self.timer = Timer(device)
        self.t0 = time.monotonic()
        self.deadline = self.t0 + args.budget_s
        self.failed = 0
        self.written = set()

    def emit(self, record):
        if record.get("record") == "case":
            self.written.add(record["case"])
        self.out.write(json.dumps(record) + "\n")
        self.out.flush()

    def status(self, case, status, reason):
        self.emit({"record": "case", "case": case, "status": status, "reason": reason})

    def timed(self, case, fn, runs, unit, what, sizes, warm=None, images=0, nbytes=0, extra=None):
        """Warm-up (warm, or fn), then up to runs[0] timed runs within the case budget; writes the case's record."""
        most, warmup = runs
        for _ in range(warmup):
            self.timer.millis(warm or fn)
        times, start = [], time.monotonic()
        for r in range(most):
            now = time.monotonic()
            if r > 0 and (now - start > self.preset["case_budget_s"] or now > self.deadline):
                break
            times.append(self.timer.millis(fn))
        median = statistics.median(times)
        if not median > 0:
            raise RuntimeError(f"{case}: timed {times} ms (expected positive times)")
        seconds = median / 1e3
        value = {"images/s": images / seconds if images else None, "s": seconds, "ms": median,
                 "GB/s": nbytes / seconds / 1e9 if nbytes else None}[unit]
        rec = {"record": "case", "case": case, "status": "ok", "value": value, "unit": unit,
               "better": "higher" if unit in ("images/s", "GB/s") else "lower", "what": what, "sizes": sizes}
        if images:
            rec.update(images=images, images_per_s=images / seconds)
        if nbytes:
            rec.update(bytes=nbytes, gb_per_s=nbytes / seconds / 1e9)
        rec.update(extra or {})
        rec.update(median_ms=median, min_ms=min(times), max_ms=max(times), runs=len(times), warmup=warmup, times_ms=times)
        self.emit(rec)
        print(f"  {case:20s} {value:12.4g} {unit:8s} (median of {len(times)}, {sizes})", file=sys.stderr, flush=True)

    def guard(self, case, fn):
        """Runs one case; a case past the deadline is skipped, a failure recorded (and the run goes on)."""
        if time.monotonic() > self.deadline:
            self.status(case, "skipped", "the peer's time budget was spent before this case")
            return
        try:
            fn()
        except Exception as e:  # noqa: BLE001 -- recorded; the other cases still run
            self.fail(case, e)

    def group(self, cases, setup):
        """Runs setup (which runs its cases through guard); if setup itself fails, each of its cases not yet
        written is recorded failed with that error."""
        try:
            setup()
        except Exception as e:  # noqa: BLE001
            for case in cases:
                if case not in self.written:
                    self.fail(case, e)

    def fail(self, case, e):
        self.failed += 1
        first = str(e).splitlines()[0] if str(e) else ""
        self.status(case, "failed", f"{type(e).__name__}: {first}")
        print(f"  {case}: FAILED {type(e).__name__}: {first}", file=sys.stderr, flush=True)

    def sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize()


# ---- precision switches -----------------------------------------------------------------------------------

def set_tf32(on):
    """TF32 for matmuls and cuDNN convolutions on or off; returns what was set (torch >= 2.9 has the fp32_precision
    API and refuses mixing it with the legacy allow_tf32 flags, so one API is used, the newer where present)."""
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision") and hasattr(torch.backends.cudnn, "conv"):
        mode = "tf32" if on else "ieee"
        matmul.fp32_precision = mode
        torch.backends.cudnn.conv.fp32_precision = mode
        return {"matmul_fp32_precision": matmul.fp32_precision, "cudnn_conv_fp32_precision": torch.backends.cudnn.conv.fp32_precision}
    matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on
    return {"matmul_allow_tf32": matmul.allow_tf32, "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32}


def autocast(device, precision):
    if precision != "bf16":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


# ---- cases ------------------------------------------------------------------------------------------------

def copy_case(b):
    n = b.preset["copy"]
    src = [torch.randn(n, device=b.device) for _ in range(2)]
    dst = [torch.empty(n, device=b.device) for _ in range(2)]
    turn = [0]

    def run():
        i = turn[0] = turn[0] ^ 1
        dst[i].copy_(src[i])

    b.timed("copy", run, b.preset["kernel_runs"], "GB/s", "dst.copy_(src), device to device, bytes read + written",
            f"N={n} floats (2 rotating buffer sets)", nbytes=8 * n)


def train_case(b, case, model, precision):
    label, kind, kw, batch, channels, side, classes = model
    torch.manual_seed(7)
    net = build(model, b.device).train()
    channels_last = precision == "tf32" and kind == "resnet"
    flags = set_tf32(precision == "tf32") if b.device.type == "cuda" else {}
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    xs = [torch.rand(batch, channels, side, side, device=b.device) * 2 - 1 for _ in range(2)]
    if channels_last:
        xs = [x.contiguous(memory_format=torch.channels_last) for x in xs]
    ys = [torch.randint(0, classes, (batch,), device=b.device) for _ in range(2)]
    turn = [0]

    def step():
        i = turn[0] = turn[0] ^ 1
        with autocast(b.device, precision):
            loss = F.cross_entropy(net(xs[i]), ys[i])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    what = {"fp32": "fp32 (TF32 off)", "tf32": "TF32 on" + (" + channels-last" if channels_last else ""),
            "bf16": "bf16 autocast, fp32 weights"}[precision]
    try:
        b.timed(case, step, b.preset["train_runs"], "images/s",
                f"one training step, {what}: forward, cross-entropy, zero_grad, backward, SGD (momentum 0.9, wd 5e-4)",
                f"{label}, batch {batch}, {channels}×{side}×{side}, {classes} classes", images=batch,
                extra={"parameters": parameters(net), "precision": precision, **flags})
    finally:
        if b.device.type == "cuda":
            set_tf32(False)


def hashed_images(n, channels, side, classes):
    """HashedImageSet.java's images: pixel byte k = ((k·2654435761) mod 2³²) >> 24, / 255; label n = ((n·2246822519
    mod 2³²) >> 16) mod classes."""
    k = torch.arange(n * channels * side * side, dtype=torch.int64)
    x = (((k * 2654435761) & 0xFFFFFFFF) >> 24).to(torch.float32).div_(255).reshape(n, channels, side, side)
    i = torch.arange(n, dtype=torch.int64)
    return x, (((i * 2246822519) & 0xFFFFFFFF) >> 16) % classes


def per_sample_grad_fn(net):
    """vmap(grad(per-sample CE)) over a batch, with the model's parameters and buffers: torch.func, else functorch."""
    try:
        from torch.func import functional_call, grad, vmap
        params = {k: v.detach() for k, v in net.named_parameters()}
        buffers = {k: v.detach() for k, v in net.named_buffers()}

        def loss(p, x, y):
            return F.cross_entropy(functional_call(net, (p, buffers), (x.unsqueeze(0),)), y.unsqueeze(0))

        g = vmap(grad(loss), in_dims=(None, 0, 0))
        return "torch.func", lambda x, y: list(g(params, x, y).values()), list(params.values())
    except ImportError:
        from functorch import grad, make_functional_with_buffers, vmap
        fmodel, params, buffers = make_functional_with_buffers(net)
        params = tuple(p.detach() for p in params)

        def loss(ps, bs, x, y):
            return F.cross_entropy(fmodel(ps, bs, x.unsqueeze(0)), y.unsqueeze(0))

        g = vmap(grad(loss), in_dims=(None, None, 0, 0))
        return "functorch", lambda x, y: list(g(params, buffers, x, y)), list(params)


def fisher_cases(b, wanted):
    label, kind, kw, _, channels, side, classes = b.preset["resnet"]
    f = b.preset["fisher"]
    n = f["images"]
    x, y = hashed_images(n, channels, side, classes)
    torch.manual_seed(7)
    net = build(b.preset["resnet"], b.device).eval()
    sizes = lambda batch: f"{label}, {n} images {channels}×{side}×{side}, batch {batch}"

    def batches(bs, limit=None):
        xb, yb = x.split(bs), y.split(bs)
        return list(zip(xb, yb))[:limit]

    def plain(bs, limit=None):
        def run():
            for xb, yb in batches(bs, limit):
                net.zero_grad(set_to_none=True)
                F.cross_entropy(net(xb.to(b.device)), yb.to(b.device)).backward()
            net.zero_grad(set_to_none=True)
        return run

    def reference(bs, limit=None):  # SSD's ParameterPerturber.calc_importance
        def run():
            todo = batches(bs, limit)
            imp = {k: torch.zeros_like(p) for k, p in net.named_parameters()}
            for xb, yb in todo:
                net.zero_grad(set_to_none=False)
                F.cross_entropy(net(xb.to(b.device)), yb.to(b.device)).backward()
                for (_, p), (_, acc) in zip(net.named_parameters(), imp.items()):
                    if p.grad is not None:
                        acc.data += p.grad.data.clone().pow(2)
            for acc in imp.values():
                acc.data /= float(len(todo))
            return imp
        return run

    made = {}

    def vmapped(bs, limit=None):
        if not made:
            made["api"], made["grads"], made["params"] = per_sample_grad_fn(net)
        grads, params = made["grads"], made["params"]

        def run():
            fisher = [torch.zeros_like(p) for p in params]
            for xb, yb in batches(bs, limit):
                g = grads(xb.to(b.device), yb.to(b.device))
                with torch.no_grad():
                    for acc, gi in zip(fisher, g):
                        acc += gi.square().sum(0)
            for acc in fisher:
                acc /= n
            return fisher
        return run

    plans = [("forward-backward", plain, f["plain"], "plain forward + mean cross-entropy backward (eval mode)"),
             ("fisher-batch-mean", reference, f["batch_mean"], "SSD's reference importance loop (zero_grad, CE, backward, "
                                                               "imp += grad.clone().pow(2), / batches)"),
             ("fisher-per-sample", vmapped, f["per_sample"], "vmap(grad(per-sample CE)) (torch.func; functorch on torch 1.13), squares summed")]
    for case, make, bs, what in plans:
        if case not in wanted:
            continue
        b.guard(case, lambda: b.timed(case, make(bs), b.preset["fisher_runs"], "s",
                                      what + "; one run = one pass, each batch copied host → device", sizes(bs),
                                      warm=make(bs, 2), images=n, extra={"parameters": parameters(net)}))


def kernel_cases(b, wanted):
    u = b.preset["unlearn"]
    torch.manual_seed(5)
    net = ResNet18(u["classes"], u["width"], u["channels"]).to(b.device)
    named = list(net.named_parameters())
    params = [p for _, p in named]
    n = sum(p.numel() for p in params)
    sizes = f"{len(params)} tensors, {n} parameters (resnet18 width {u['width']})"
    imp_d = {k: torch.rand_like(p) for k, p in named}
    imp_f = {k: torch.rand_like(p) * imp_d[k] * (ALPHA / (1 - SELECTED)) for k, p in named}

    def modify_weight():  # SSD's ParameterPerturber.modify_weight, exponent 1, lower bound 1
        with torch.no_grad():
            for (_, p), (_, oimp), (_, fimp) in zip(net.named_parameters(), imp_d.items(), imp_f.items()):
                locations = torch.where(fimp > oimp.mul(ALPHA))
                update = (oimp.mul(LAMBDA).div(fimp)).pow(1)[locations]
                update[torch.where(update > 1)] = 1
                p[locations] = p[locations].mul(update)

    one = torch.ones((), device=b.device)

    def fused_where():
        with torch.no_grad():
            for p, d, f in zip(params, imp_d.values(), imp_f.values()):
                p.mul_(torch.where(f > d * ALPHA, (d * LAMBDA / f).clamp_(max=1), one))

    scores = [p.detach().abs() for p in params if p.dim() == 4]
    nc = sum(s.numel() for s in scores)
    prune = nc - round((1 - SPARSITY) * nc)

    def kthvalue_masks():
        t = torch.kthvalue(torch.cat([s.reshape(-1) for s in scores]), prune).values
        return [(s > t).float() for s in scores]

    sgd_params = [p.detach().clone().requires_grad_(True) for p in params]
    opt = torch.optim.SGD(sgd_params, lr=0.01, momentum=0.9, weight_decay=5e-4)
    masks = [(torch.rand_like(p) > SPARSITY).float() for p in sgd_params]
    with torch.no_grad():
        for p in sgd_params:
            p.grad = torch.randn_like(p) * 1e-3

    def masked_sgd():
        opt.step()
        with torch.no_grad():
            for p, m in zip(sgd_params, masks):
                p.mul_(m)

    runs = b.preset["kernel_runs"]
    plans = [("ssd-dampen", modify_weight, "SSD's reference modify_weight (α = λ = 10, 2% selected)", sizes, 16 * n),
             ("ssd-dampen-where", fused_where, "the same update fused per tensor with torch.where", sizes, 16 * n),
             ("global-topk", kthvalue_masks, "torch.kthvalue of the conv weights' concatenated |w|, then (s > t) per tensor, 95% pruned",
              f"{len(scores)} conv weights, {nc} scores", 8 * nc),
             ("sgd-masked", masked_sgd, "SGD step (lr 0.01, momentum 0.9, wd 5e-4), then p.mul_(mask) per tensor, 5% kept", sizes, 24 * n)]
    for case, fn, what, sz, nbytes in plans:
        if case in wanted:
            b.guard(case, lambda: b.timed(case, fn, runs, "ms", what, sz, nbytes=nbytes, extra={"parameters": n}))


def driver_version():
    try:
        r = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True,
                           text=True, timeout=20)
        return r.stdout.strip().splitlines()[0] if r.returncode == 0 and r.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        return None


def header(args, preset_name, device, timer):
    cuda = device.type == "cuda"
    return {"record": "header", "side": "pytorch", "format": 1, "device": device.type, "emulated": False,
            "preset": preset_name, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "torch": torch.__version__, "python": platform.python_version(),
            "gpu": torch.cuda.get_device_name(device) if cuda else None,
            "driver": driver_version() if cuda else None, "cuda": torch.version.cuda if cuda else None,
            "cudnn": torch.backends.cudnn.version() if cuda else None,
            "cudnn_benchmark": torch.backends.cudnn.benchmark if cuda else None,
            "cpu": platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
            "load_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
            "timing": timer.method + "; median of the timed runs after warm-up", "budget_s": args.budget_s}


def main(argv=None):
    p = argparse.ArgumentParser(description="PyTorch peer of the Lethe GPU benchmark (JSON lines)")
    p.add_argument("--smoke", action="store_true", help="tiny sizes; on CPU when CUDA is missing")
    p.add_argument("--device", choices=["cuda", "cpu"], help="default: cuda when available, else cpu (--smoke only)")
    p.add_argument("--out", help="write the JSON lines here (default: stdout)")
    p.add_argument("--budget-s", type=float, default=600.0, help="no case starts after this many seconds")
    p.add_argument("--cases", help="comma-separated case ids (default: all)")
    args = p.parse_args(argv)
    wanted = CASES if not args.cases else [c.strip() for c in args.cases.split(",")]
    unknown = [c for c in wanted if c not in CASES]
    if unknown:
        p.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: torch sees no CUDA device")
    if device.type == "cpu" and not args.smoke:
        p.error("the full sizes need a GPU: run with --smoke on CPU")
    preset_name = "smoke" if args.smoke else "full"
    preset = PRESETS[preset_name]
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        set_tf32(False)
    out = open(args.out, "w") if args.out else sys.stdout
    try:
        b = Bench(args, preset, device, out)
        b.emit(header(args, preset_name, device, b.timer))
        if "copy" in wanted:
            b.guard("copy", lambda: copy_case(b))
        b.group([c for c in KERNEL_CASES if c in wanted], lambda: kernel_cases(b, wanted))
        for model_key, prefix in (("resnet", "resnet18"), ("vit", "vit-s4")):
            for precision in ("fp32", "tf32", "bf16"):
                case = f"{prefix}-train-{precision}"
                if case in wanted:
                    b.guard(case, lambda: train_case(b, case, preset[model_key], precision))
        b.group([c for c in FISHER_CASES if c in wanted], lambda: fisher_cases(b, wanted))
        b.sync()
        b.emit({"record": "end", "seconds": round(time.monotonic() - b.t0, 2), "failed": b.failed})
        return 0 if b.failed == 0 else 1
    finally:
        if out is not sys.stdout:
            out.close()


if __name__ == "__main__":
    sys.exit(main())
