"""The official networks' per-tile forward at the production plans (tests/fixtures/networks/production), for the
side-by-side table in docs/benchmarks.md: U-Mamba_Bot/Enc (2D, 3D), LightM-UNet (2D, 3D), Swin-UMamba(+D), built
with the constructor arguments summary.json records (those the official trainers pass), random weights
(0.02 * randn, as the fixtures), batch 1, eval, no_grad, cudnn.benchmark; in fp32 (TF32 as PyTorch defaults it)
and under fp16 autocast as nnU-Net's predictor runs. CUDA events, median of --repeats after 3 warm-ups; peak =
torch.cuda.max_memory_allocated during the timed runs; GFLOP as torch's FlopCounterMode counts one forward
(convolutions and matrix products: the selective scan is not counted), TFLOP/s = GFLOP / autocast ms.

Needs the official sources on PYTHONPATH (not part of Krait; docs/gpu.md lists them): U-Mamba's nets,
LightM-UNet's LightMUNet.py, Swin-UMamba's SwinUMamba(D).py under nnunetv2/nets, dynamic_network_architectures,
monai, and mamba_ssm v1.2.0 with the compiled selective_scan_cuda. --check builds every network on the CPU and
compares its parameter count with summary.json, without timing."""
import argparse
import importlib
import json
import os

import torch

from cuda_timing import median_ms

PRODUCTION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "networks", "production")


def resolve(value):
    """Class paths ("torch.nn.modules.conv.Conv3d") in the recorded arguments back to classes."""
    if isinstance(value, str) and value.startswith("torch.nn."):
        module, _, name = value.rpartition(".")
        return getattr(importlib.import_module(module), name)
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    return value


def build(entry):
    module, _, name = entry["network"].rpartition(".")
    kwargs = {k: resolve(v) for k, v in entry["constructor_kwargs"].items() if k != "_after_construction"}
    net = getattr(importlib.import_module(module), name)(**kwargs)
    for attribute, value in entry["constructor_kwargs"].get("_after_construction", {}).items():
        setattr(net, attribute, value)  # what the official trainers set after construction
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(0.02 * torch.randn_like(p))
    return net.eval()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    with open(os.path.join(PRODUCTION, "summary.json")) as f:
        summary = json.load(f)
    names = args.names or list(summary)
    torch.manual_seed(0)
    if args.check:
        for name in names:
            count = sum(p.numel() for p in build(summary[name]).parameters())
            print(f"{name}: {count} parameters, summary.json {summary[name]['num_parameters']}")
        return
    from torch.utils.flop_counter import FlopCounterMode  # PyTorch 2.1+; --check runs on Debian's 1.13

    torch.backends.cudnn.benchmark = True
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}")
    print("| network | patch | GFLOP | fp32 ms | fp16 autocast ms | TFLOP/s (autocast) | peak GiB (autocast) |\n"
          "|---|---|---|---|---|---|---|")
    for name in names:
        entry = summary[name]
        net = build(entry).cuda()
        x = torch.randn(1, entry["input_channels"], *entry["patch_size"], device="cuda")
        with torch.no_grad():
            with FlopCounterMode(display=False) as counter:  # convolutions and matrix products, not the scan
                net(x)
            gflop = counter.get_total_flops() / 1e9
            fp32 = median_ms(lambda: net(x), args.repeats, warmups=3)
            torch.cuda.reset_peak_memory_stats()
            with torch.autocast("cuda", dtype=torch.float16):
                amp = median_ms(lambda: net(x), args.repeats, warmups=3)
        peak = torch.cuda.max_memory_allocated() / 2**30
        patch = "x".join(str(s) for s in entry["patch_size"])
        print(f"| {name} | {patch} | {gflop:.0f} | {fp32:.2f} | {amp:.2f} | {gflop / amp:.0f} | {peak:.2f} |", flush=True)
        del net, x
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
