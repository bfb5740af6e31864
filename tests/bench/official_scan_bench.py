"""The official mamba_ssm selective-scan forward at the shapes of scan_cuda_bench, for the side-by-side table
in docs/benchmarks.md. Needs the extension `selective_scan_cuda` built from mamba_ssm v1.2.0's csrc/selective_scan
(docs/gpu.md says how; it is not part of Krait) on PYTHONPATH. Inputs as the official Mamba layer passes them:
(batch, channels, length) contiguous, fp16 (or --dtype), A/D/delta_bias fp32, z gate, softplus; CUDA events,
median of 10 runs after 2 warm-ups. Bytes counted as in scan_cuda_bench (u, delta, z read, gated output written,
B and C read once), although the official kernel also writes the ungated output."""
import argparse

import torch  # first: the extension links against the libc10 it loads

import selective_scan_cuda  # noqa: E402

from cuda_timing import median_ms

SHAPES = [
    ("U-Mamba_Enc 3D stage 0: 1 x 64 ch x 1,769,472 (48x192x192)", 1, 64, 1769472, 0),
    ("1 x 256 ch x 1,769,472", 1, 256, 1769472, 0),
    ("1 x 1024 ch x 1,769,472", 1, 1024, 1769472, 0),
    ("LightM-UNet/Enc 128^3 stage 0, 2 tiles: 2 x 64 ch x 2,097,152", 2, 64, 2097152, 0),
    ("U-Mamba_Enc 3D stage 2: 1 x 256 ch x 55,296", 1, 256, 55296, 0),
    ("LLM-like: 8 x 4096 ch x 2048", 8, 4096, 2048, 0),
    ("1 x 4096 ch x 2048", 1, 4096, 2048, 0),
    ("U-Mamba_Bot 3D bottleneck: 1 x 640 ch x 64", 1, 640, 64, 0),
    ("eight bottlenecks: 8 x 640 ch x 64", 8, 640, 64, 0),
    ("Swin-UMamba SS2D stage 0: 4 dir x 192 ch x 16,384", 1, 768, 16384, 4),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", default="fp16", choices=["fp16", "bf16", "fp32"])
    args = parser.parse_args()
    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}[args.dtype]
    dev = torch.device("cuda")
    src = torch.ones(1 << 29, device=dev)
    dst = torch.empty_like(src)
    copy = 2 * src.numel() * 4 / median_ms(lambda: dst.copy_(src)) / 1e6
    del src, dst
    print(f"{torch.cuda.get_device_name()}, official selective_scan_cuda.fwd; device-to-device copy {copy:.0f} GB/s; "
          f"inputs {dtype}")
    print(f"{'shape':62s} {'official ms':>11s} {'GB/s':>8s} {'of copy':>8s}")
    torch.manual_seed(0)
    for name, b, d, length, groups in SHAPES:
        n = 16
        u = torch.randn(b, d, length, device=dev).to(dtype)
        delta = (torch.randn(b, d, length, device=dev) * 0.5).to(dtype)
        z = torch.randn(b, d, length, device=dev).to(dtype)
        A = -torch.arange(1, n + 1, device=dev, dtype=torch.float32).repeat(d, 1)
        bc_shape = (b, max(groups, 1), n, length)  # selective_scan_fn's layout for variable B and C
        B = torch.randn(*bc_shape, device=dev).to(dtype)
        C = torch.randn(*bc_shape, device=dev).to(dtype)
        D = torch.randn(d, device=dev)
        bias = torch.rand(d, device=dev) * -4.0 - 2.0
        ms = median_ms(lambda: selective_scan_cuda.fwd(u, delta, A, B, C, D, z, bias, True))
        nbytes = u.element_size() * b * length * (4 * d + 32 * max(groups, 1))
        print(f"{name:62s} {ms:11.3f} {nbytes / ms / 1e6:8.0f} {100 * nbytes / ms / 1e6 / copy:7.1f}%")
        del u, delta, z, B, C


if __name__ == "__main__":
    main()
