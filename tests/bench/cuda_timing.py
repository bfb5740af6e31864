"""GPU timing shared by the side-by-side scripts: CUDA events around each call, median after warm-ups."""
import torch


def median_ms(fn, repeats=10, warmups=2):
    for _ in range(warmups):
        fn()
    times = []
    for _ in range(repeats):
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return sorted(times)[len(times) // 2]
