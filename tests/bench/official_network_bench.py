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
compares its parameter count with summary.json, without timing. --compile MODE adds torch.compile's time under
autocast (the official code's fastest mode for some networks, spec/performance.md) and its compile time."""
import argparse
import importlib
import json
import os
import signal
import time

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


def compiled_ms(net, x, mode, repeats, limit):
    """torch.compile's time per forward under fp16 autocast and its compile time, or (None, limit) when compiling
    takes longer than `limit` seconds (an alarm interrupts the compiler, which runs in Python)."""
    def give_up(signum, frame):
        raise TimeoutError

    compiled = torch.compile(net, mode=mode)
    previous = signal.signal(signal.SIGALRM, give_up)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with torch.no_grad(), torch.autocast("cuda", dtype=torch.float16):
            compiled(x)
            compiled(x)  # reduce-overhead records its CUDA graph on a later call
            torch.cuda.synchronize()
    except TimeoutError:
        return None, limit
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    seconds = time.monotonic() - start
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.float16):
        ms = median_ms(lambda: compiled(x), repeats, warmups=3)
    torch._dynamo.reset()
    return ms, seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--compile", action="append", default=[], choices=["default", "reduce-overhead", "max-autotune"],
                        help="also time torch.compile(net, mode=MODE) under fp16 autocast (repeatable)")
    parser.add_argument("--compile-limit", type=float, default=120.0,
                        help="seconds a compilation (the first two calls) may take before it is given up")
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
    compiled = "".join(f" torch.compile {mode} ms (compile s) |" for mode in args.compile)
    print("| network | patch | GFLOP | fp32 ms | fp16 autocast ms | TFLOP/s (autocast) | peak GiB (autocast) |" + compiled +
          "\n|---|---|---|---|---|---|---|" + "---|" * len(args.compile))
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
        row = f"| {name} | {patch} | {gflop:.0f} | {fp32:.2f} | {amp:.2f} | {gflop / amp:.0f} | {peak:.2f} |"
        for mode in args.compile:
            ms, seconds = compiled_ms(net, x, mode, args.repeats, args.compile_limit)
            row += f" {ms:.2f} ({seconds:.0f} s) |" if ms is not None else f" not compiled in {seconds:.0f} s |"
        print(row, flush=True)
        del net, x
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
