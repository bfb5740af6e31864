"""GPU time by kernel and by kind in a Chrome trace of one forward (network_bench --trace, or torch.profiler's
export_chrome_trace for the official networks): python3 kernel_times.py TRACE.json [--top N] [--by-op]. "busy" is
the sum of kernel times, "span" the time from the first kernel's start to the last one's end: the difference is
GPU idle time (launch gaps, host work). --by-op also sums the kernels by the operator that launched them, with
its input shapes (network_bench records them)."""
import argparse
import collections
import json

KINDS = [  # first match wins, on the lower-cased kernel name
    ("scan", ("scanchunks", "composesegments", "enterstates", "selective_scan")),
    ("norm", ("groupmoments", "groupapply", "norm", "welford", "moments", "bn_fw")),
    ("layout", ("nchwtonhwc", "nhwctonchw", "transpose", "permute")),
    ("conv/gemm", ("conv", "gemm", "xmma", "cutlass", "sm90_", "sm80_", "cudnn", "wgrad", "dgrad", "implicit")),
    ("upsample", ("upsample",)),
    ("copy", ("copy", "cat", "memcpy", "fill")),
    ("reduce", ("reduce",)),
    ("elementwise", ("elementwise", "vectorized", "unrolled")),
]


def kind(name):
    lower = name.lower()
    for label, keys in KINDS:
        if any(k in lower for k in keys):
            return label
    return "other"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("trace")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--by-op", action="store_true")
    args = parser.parse_args()
    with open(args.trace) as f:
        events = json.load(f)["traceEvents"]
    kernels = [e for e in events if e.get("cat") == "kernel" and "dur" in e]
    if not kernels:
        raise SystemExit(f"{args.trace}: no kernel events")
    busy = sum(e["dur"] for e in kernels)
    span = max(e["ts"] + e["dur"] for e in kernels) - min(e["ts"] for e in kernels)
    print(f"{len(kernels)} kernels, busy {busy / 1e3:.2f} ms, span {span / 1e3:.2f} ms")
    by_kind, by_name, count = collections.Counter(), collections.Counter(), collections.Counter()
    for e in kernels:
        by_kind[kind(e["name"])] += e["dur"]
        by_name[e["name"][:90]] += e["dur"]
        count[e["name"][:90]] += 1
    print("| kind | ms |\n|---|---|")
    for label, us in by_kind.most_common():
        print(f"| {label} | {us / 1e3:.2f} |")
    print("| kernel | calls | ms |\n|---|---|---|")
    for name, us in by_name.most_common(args.top):
        print(f"| `{name}` | {count[name]} | {us / 1e3:.2f} |")
    if args.by_op:
        ops = {e["args"]["External id"]: e for e in events
               if e.get("cat") == "cpu_op" and "External id" in e.get("args", {})}
        by_op, op_count = collections.Counter(), collections.Counter()
        for e in kernels:
            op = ops.get(e.get("args", {}).get("External id"))
            label = f'{op["name"]} {op["args"].get("Input Dims", "")}' if op else "(no operator)"
            by_op[label[:140]] += e["dur"]
            op_count[label[:140]] += 1
        print("| operator (input shapes) | kernels | ms |\n|---|---|---|")
        for label, us in by_op.most_common(args.top):
            print(f"| `{label}` | {op_count[label]} | {us / 1e3:.2f} |")


if __name__ == "__main__":
    main()
