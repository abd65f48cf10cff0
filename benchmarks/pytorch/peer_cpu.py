#!/usr/bin/env python3
# peer_cpu.py: the PyTorch (CPU) peer of Lethe's JMH suite: the same operations, shapes, batch sizes and
# optimizer settings as benchmarks/src/main/java/ai/lethe/bench/* (the Fisher and unlearning-kernel cases live in
# peer_unlearning.py), on float32 NCHW tensors, with
# torch.set_num_threads(2) by default (--threads) so both sides use the same two cores.
#
# Timing: each case runs a warm-up (at least --warmup seconds and 3 calls), then timed samples until at
# least --measure seconds and --samples samples have passed; a sample times k back-to-back calls with
# time.perf_counter (k chosen so a sample lasts >= 2 ms, for microsecond-sized ops). The reported value is
# the median sample (per call). Python's call overhead is counted, as Java's is on the Lethe side.
#
# Output: JSON lines on stdout. The first line is {"name": "meta", ...} (torch version, threads, settings);
# then one line per result: {"name": <benchmark>, "shape": <case>, "unit": <unit>, "value": <number>,
# "batch": <images per call, where it applies>}; memory-bound cases add a "GB/s" line (their nominal bytes,
# as the JMH benchmark defines them, per second). Names and cases are the JMH ones, e.g.
# {"name": "Conv2dBench.forward", "shape": "c16k16_28_3x3s1", "unit": "images/s", "value": 1234.5, "batch": 128}
# Run: /usr/bin/python3 benchmarks/pytorch/peer_cpu.py [--quick] [--threads N] [--batch N] [--only SUBSTRING]
import argparse
import json
import platform
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import peer_unlearning

GEMM_SHAPES = ["256x256x256", "512x512x512", "linear128x512x10"]
# name -> (in channels, out channels, input size, kernel, stride, padding); see ConvShape.java
CONV_SHAPES = {
    "c16k16_28_3x3s1": (16, 16, 28, 3, 1, 1),
    "c16k32_28_3x3s2": (16, 32, 28, 3, 2, 1),
    "c32k64_14_3x3s2": (32, 64, 14, 3, 2, 1),
    "c16k32_28_1x1s2": (16, 32, 28, 1, 2, 0),
}


def emit(record):
    print(json.dumps(record), flush=True)


def time_per_call(fn, warmup_s, measure_s, min_samples):
    """Median seconds per call of fn() (see the header for the method)."""
    start, calls = time.perf_counter(), 0
    while calls < 3 or time.perf_counter() - start < warmup_s:
        fn()
        calls += 1
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    k = max(1, int(0.002 / one))
    samples, start = [], time.perf_counter()
    while len(samples) < min_samples or time.perf_counter() - start < measure_s:
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        samples.append((time.perf_counter() - t0) / k)
    return statistics.median(samples), len(samples) * k


# ---- models (the same networks as ai.lethe.models.BasicBlock / ResNet (CIFAR stem), BasicBlockBench.BlockWithHead) ----

def conv(cin, cout, kernel, stride):
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = conv(cin, cout, 3, stride), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = conv(cout, cout, 3, 1), nn.BatchNorm2d(cout)
        self.downsample = (nn.Sequential(conv(cin, cout, 1, stride), nn.BatchNorm2d(cout))
                           if stride != 1 or cin != cout else None)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class BlockWithHead(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.block, self.fc = BasicBlock(width, width, 1), nn.Linear(width, 10)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.block(x), 1), 1))


class ResNet18(nn.Module):
    """CIFAR-style ResNet18 (3x3 stride-1 stem, no max pool): ai.lethe.models.ResNet with Stem.CIFAR."""

    def __init__(self, classes=10, width=16, in_channels=1):
        super().__init__()
        self.conv1, self.bn1 = conv(in_channels, width, 3, 1), nn.BatchNorm2d(width)
        layers, cin = [], width
        for stage, stage_width in enumerate([width, 2 * width, 4 * width, 8 * width]):
            stride = 1 if stage == 0 else 2
            layers.append(nn.Sequential(BasicBlock(cin, stage_width, stride), BasicBlock(stage_width, stage_width, 1)))
            cin = stage_width
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        y = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


def ResNet18W16(classes=10):
    """Width 16 on 1x28x28 (0.70 M parameters), as ResNet18Bench and FisherBench build ai.lethe.models.ResNet."""
    return ResNet18(classes, 16, 1)


# ---- cases ----------------------------------------------------------------------------------------------

def gemm_cases():
    for shape in GEMM_SHAPES:
        m, k, n = (int(v) for v in shape.removeprefix("linear").split("x"))
        a = torch.randn(m, k)
        b = torch.randn(n, k).t() if shape.startswith("linear") else torch.randn(k, n)

        def run(a=a, b=b):
            return torch.matmul(a, b)

        yield "SgemmBench.matmul", shape, run, None, 2.0 * m * k * n, None


def conv_cases(batch):
    for name, (cin, cout, size, kernel, stride, pad) in CONV_SHAPES.items():
        x = torch.randn(batch, cin, size, size)
        w = torch.randn(cout, cin, kernel, kernel) * 0.1

        def forward(x=x, w=w, stride=stride, pad=pad):
            with torch.no_grad():
                return F.conv2d(x, w, None, stride, pad)

        yield "Conv2dBench.forward", name, forward, batch, None, None

        xg, wg = x.clone().requires_grad_(True), w.clone().requires_grad_(True)
        dy = torch.randn_like(F.conv2d(x, w, None, stride, pad))

        def forward_backward(x=xg, w=wg, dy=dy, stride=stride, pad=pad):
            F.conv2d(x, w, None, stride, pad).backward(dy)
            x.grad, w.grad = None, None

        yield "Conv2dBench.forwardBackward", name, forward_backward, batch, None, None


def train_case(name, shape, model, input_shape):
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(*input_shape)
    y = torch.randint(0, 10, (input_shape[0],))

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    return name, shape, step, input_shape[0], None, None


def train_cases(batch):
    yield train_case("BasicBlockBench.trainStep", "block16_28", BlockWithHead(), (batch, 16, 28, 28))
    yield train_case("ResNet18Bench.trainStep", "resnet18w16_1x28x28", ResNet18W16(), (batch, 1, 28, 28))


def blas_library():
    """The BLAS shared library this process's matmuls run on (Debian's torch takes libblas.so.3 through the
    alternatives system: OpenBLAS where installed, else the slow reference BLAS), from /proc/self/maps."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.rsplit("/", 1)[-1]}
    except OSError:
        return "unknown"
    import os
    real = sorted({os.path.realpath(p) for p in paths})
    return ", ".join(real) if real else "unknown"


def main():
    p = argparse.ArgumentParser(description="PyTorch CPU peer of Lethe's benchmarks (JSON lines on stdout)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--batch", type=int, default=128, help="batch of the conv and training cases (default 128)")
    p.add_argument("--quick", action="store_true", help="short warm-up and measurement (smoke run)")
    p.add_argument("--only", default="", help="run only cases whose name contains this")
    args = p.parse_args()
    warmup, measure, samples = (0.3, 1.0, 5) if args.quick else (1.0, 3.0, 15)

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    emit({"name": "meta", "torch": torch.__version__, "python": platform.python_version(), "blas": blas_library(),
          "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
          "mkldnn": torch.backends.mkldnn.is_available(), "batch": args.batch, "quick": args.quick,
          "warmup_s": warmup, "measure_s": measure, "min_samples": samples})

    cases = [*gemm_cases(), *conv_cases(args.batch), *train_cases(args.batch),
             *peer_unlearning.fisher_cases(ResNet18W16), *peer_unlearning.kernel_cases(ResNet18)]
    for name, shape, fn, batch, flops, nbytes in cases:
        if args.only and args.only not in name:
            continue
        seconds, calls = time_per_call(fn, warmup, measure, samples)
        extra = {"batch": batch, "calls": calls} if batch else {"calls": calls}
        emit({"name": name, "shape": shape, "unit": "ops/s", "value": 1.0 / seconds, **extra})
        if batch:
            emit({"name": name, "shape": shape, "unit": "images/s", "value": batch / seconds, **extra})
        if flops:
            emit({"name": name, "shape": shape, "unit": "GFLOP/s", "value": flops / seconds / 1e9, **extra})
        if nbytes:
            emit({"name": name, "shape": shape, "unit": "GB/s", "value": nbytes / seconds / 1e9, **extra})
        print(f"{name} {shape}: {seconds * 1e3:.3f} ms/call", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
