#!/usr/bin/env python3
# Writes the golden fixtures of the ai.lethe.io tests (src/test/resources/io/) with PyTorch (1.13, CPU) and
# tools/reference/safetensors_min.py (a writer independent of Lethe's Java code), so the tests prove that Lethe
# reads files it did not write:
#   dtypes.safetensors       one tensor of every dtype safetensors has and Lethe reads (F64 F32 F16 BF16 I64 I32
#                            I16 I8 U8 BOOL), a 0-d tensor, empty tensors, the special float values (NaN, ±inf,
#                            subnormals, -0) and string metadata (non-ASCII included)
#   dtypes_expected.json     the same values as text, independent of any safetensors reader: per tensor its
#                            dtype, shape and values (floats as Python float.hex() or "nan"/"inf"/"-inf", ints as
#                            decimal)
#   conversions.safetensors  "src" (F32): values chosen to exercise float32 -> float16/bfloat16 rounding (ties to
#                            even, overflow to inf, subnormal results, NaN) plus random values; "f16" = src.half(),
#                            "bf16" = src.bfloat16() as torch computes them; "f16_f32"/"bf16_f32" = those back in
#                            float32 (torch's exact widening); "src64" (F64) with torch's .half(), .bfloat16()
#                            and .float() of it
#   torch_model.safetensors  state_dict of Sequential(Conv2d, BatchNorm2d, ReLU, Flatten, Linear) after two
#                            training-mode forwards (non-trivial running statistics, num_batches_tracked = 2),
#                            with the model's eval-mode input "x" and output "y" in torch_model_io.safetensors
#                            ("y_f16": the output with every float tensor rounded to float16 and back)
#   torch_model_f16.safetensors  the same state dict stored in float16 (num_batches_tracked stays int64)
#
# Run from the repository root:  /usr/bin/python3 tools/reference/io_fixtures.py
# Deterministic: running it twice writes identical files.
#
# Also a manual check that PyTorch reads what Lethe writes:
#   /usr/bin/python3 tools/reference/io_fixtures.py verify FILE.safetensors [--model]
# prints every tensor of FILE read with torch, checks the layout rules (header padded to 8 bytes, tensors tiling
# the data section in header order) and, with --model, loads it into the fixture model with strict=True.
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_min  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "test", "resources", "io")


def hexval(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return float.hex(v)


def dtypes_file():
    nan, inf = float("nan"), float("inf")
    t = {}
    # header order is deliberately not alphabetical: Lethe must keep the file's order
    t["f32"] = torch.tensor([[1.5, -0.0, nan, inf], [-inf, 1e-45, 3.4028234663852886e38, -2.5]], dtype=torch.float32)
    t["f64"] = torch.tensor([0.1, -0.0, nan, inf, -inf, 5e-324, -1.7976931348623157e308], dtype=torch.float64)
    t["f16"] = torch.tensor([1.0, -0.0, nan, inf, -inf, 2.0 ** -24, 65504.0, 0.333251953125], dtype=torch.float16)
    t["bf16"] = torch.tensor([1.0, -0.0, nan, inf, -inf, 2.0 ** -133, 3.3895313892515355e38, -0.0078125],
                             dtype=torch.bfloat16)
    t["i64"] = torch.tensor([-(2 ** 63), 2 ** 63 - 1, -1, 0, 12345678901234], dtype=torch.int64)
    t["i32"] = torch.tensor([[-(2 ** 31), 2 ** 31 - 1], [-7, 0]], dtype=torch.int32)
    t["i16"] = torch.tensor([-(2 ** 15), 2 ** 15 - 1, -1], dtype=torch.int16)
    t["i8"] = torch.tensor([-128, 127, -1, 0], dtype=torch.int8)
    t["u8"] = torch.tensor([0, 255, 128, 1], dtype=torch.uint8)
    t["bool"] = torch.tensor([[True, False, True], [False, False, True]], dtype=torch.bool)
    t["scalar_f32"] = torch.tensor(3.5, dtype=torch.float32)
    t["scalar_i64"] = torch.tensor(42, dtype=torch.int64)
    t["empty_f32"] = torch.zeros(0, 3, dtype=torch.float32)
    t["empty_i64"] = torch.zeros(0, dtype=torch.int64)
    t["a_after"] = torch.arange(6, dtype=torch.float32).reshape(3, 2)
    meta = {"format": "pt", "source": "tools/reference/io_fixtures.py", "torch": torch.__version__,
            "unicode": "Lethe \u00fc\u2192\u2713 \U0001f600"}
    safetensors_min.write(os.path.join(OUT, "dtypes.safetensors"), t, meta)

    expected = {"__metadata__": meta}
    for name, x in t.items():
        vals = x.to(torch.float64) if x.is_floating_point() else x.to(torch.int64)
        expected[name] = {
            "dtype": safetensors_min.DTYPES[x.dtype],
            "shape": list(x.shape),
            "values": [hexval(v) for v in vals.reshape(-1).tolist()],
        }
    with open(os.path.join(OUT, "dtypes_expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")


def f32(bits):
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def conversions_file():
    nan, inf = float("nan"), float("inf")
    vals = [
        0.0, -0.0, 1.0, -1.0, nan, -nan, inf, -inf,
        # float16: ties between 1 and 1 + 2^-10 and their neighbours
        1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -23, 1 + 2 ** -11 - 2 ** -23, -(1 + 2 ** -11),
        # float16 range: largest finite, just below the overflow tie, the tie (rounds to inf), beyond
        65504.0, 65519.99609375, 65520.0, 1e5, -1e5, 65536.0,
        # float16 subnormals: smallest, ties at the bottom (to 0 and to 2^-23), between normal and subnormal
        2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -25, 2.0 ** -25 + 2.0 ** -40, 2.0 ** -26, 2.0 ** -14,
        2.0 ** -14 - 2.0 ** -25, 2.0 ** -14 - 2.0 ** -26, 5.9604645e-08, -3e-6, 1e-8,
        # bfloat16: ties between 1 and 1 + 2^-7
        1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -23, 1 + 2 ** -8 - 2 ** -23,
        # bfloat16 range and float32 extremes
        3.3895313892515355e38, 3.3961776e38, 3.4028234663852886e38, -3.4028234663852886e38,
        f32(0x00000001), f32(0x00008000), f32(0x00018000), f32(0x00017FFF), f32(0x007FFFFF), f32(0x00800000),
        f32(0x80008001), 1.17549435e-38,
        math.pi, -math.e, 1.0 / 3.0, 0.1, 1234.5678, -7.0e-5,
    ]
    g = torch.Generator().manual_seed(1234)
    rnd = torch.cat([torch.randn(64, generator=g) * s for s in (1e-6, 1e-3, 1.0, 1e3, 1e5)])
    src = torch.cat([torch.tensor(vals, dtype=torch.float32), rnd.to(torch.float32)])
    h, b = src.half(), src.bfloat16()
    # float64 sources: torch rounds to float32 first, then to 16 bits (two roundings, kept by Lethe)
    src64 = torch.tensor([1 + 2 ** -11 + 2 ** -40, 1 + 2 ** -8 + 2 ** -40, 65519.999999, 1e-300, -1e300, 0.1, nan],
                         dtype=torch.float64)
    safetensors_min.write(os.path.join(OUT, "conversions.safetensors"),
                          {"src": src, "f16": h, "bf16": b, "f16_f32": h.float(), "bf16_f32": b.float(),
                           "src64": src64, "src64_f16": src64.half(), "src64_bf16": src64.bfloat16(),
                           "src64_f32": src64.float()},
                          {"torch": torch.__version__})


def fixture_model():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 5 * 5, 6))


def model_files():
    torch.manual_seed(7)
    m = fixture_model()
    m.train()
    with torch.no_grad():
        for _ in range(2):
            m(torch.randn(8, 3, 5, 5))
    m.eval()
    x = torch.randn(2, 3, 5, 5)
    with torch.no_grad():
        y = m(x)
    sd = m.state_dict()
    meta = {"format": "pt", "torch": torch.__version__}
    safetensors_min.write(os.path.join(OUT, "torch_model.safetensors"), sd, meta)
    half = {k: (v.half() if v.is_floating_point() else v) for k, v in sd.items()}
    safetensors_min.write(os.path.join(OUT, "torch_model_f16.safetensors"), half, meta)
    m16 = fixture_model()
    m16.load_state_dict({k: v.half().float() if v.is_floating_point() else v for k, v in sd.items()})
    m16.eval()
    with torch.no_grad():
        y16 = m16(x)
    safetensors_min.write(os.path.join(OUT, "torch_model_io.safetensors"), {"x": x, "y": y, "y_f16": y16}, meta)


def verify(path, as_model):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    assert n % 8 == 0, "header length %d is not a multiple of 8" % n
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    end = 0
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["data_offsets"][0] == end, "%s does not start where the previous tensor ended" % name
        end = e["data_offsets"][1]
    assert 8 + n + end == len(raw), "tensors do not tile the data section"
    tensors, meta = safetensors_min.read(path)
    print("metadata:", meta)
    for name, t in tensors.items():
        print(name, t.dtype, tuple(t.shape), t.reshape(-1)[:6].tolist())
    if as_model:
        m = fixture_model()
        m.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}, strict=True)
        print("loaded into", m.__class__.__name__, "with strict=True")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "verify":
        verify(sys.argv[2], "--model" in sys.argv[3:])
        return
    os.makedirs(OUT, exist_ok=True)
    dtypes_file()
    conversions_file()
    model_files()


if __name__ == "__main__":
    main()
