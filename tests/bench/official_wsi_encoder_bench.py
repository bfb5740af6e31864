"""CLAM's resnet50_trunc patch encoder on the GPU, for the side-by-side row of docs/benchmarks.md: the median
time of one batch (CUDA events, after warm-ups) in eager mode and under torch.compile, as tiles/s. CLAM's
current builder takes timm's resnet50.tv_in1k with features_only out_indices=(3,) and an average pool; its
resnet_custom_dep.resnet50_baseline is the same network in plain torch (conv1 .. layer3, average pool: 1024-d),
which needs neither timm nor a download, and is what this script builds (random weights: timing does not depend
on them). --save DIR writes the weights (a plain dict, as wsi_encoder_bench reads it), and an input batch with
the official output, so that Krait's encoder runs the same network and is checked against it.

Needs CLAM's models/resnet_custom_dep.py on PYTHONPATH (not part of Krait)."""
import argparse
import os

import torch

from cuda_timing import median_ms
from resnet_custom_dep import resnet50_baseline

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--save", help="folder for the weights and a checked input/output pair")
    parser.add_argument("--eager-only", action="store_true", help="leave out torch.compile (its compile takes ~30 s)")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.backends.cudnn.benchmark = True
    net = resnet50_baseline(pretrained=False).eval()
    # Batch norm statistics that are not the identity, so that the parity check sees them used.
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        torch.save(dict(net.state_dict()), os.path.join(args.save, "resnet50_trunc.pt"))
    net = net.cuda()
    mean, std = MEAN.cuda(), STD.cuda()

    def encode(model, x):
        return model((x - mean) / std)  # CLAM's eval transform: ImageNet normalisation of [0, 1] RGB

    with torch.no_grad():
        if args.save:
            x = torch.rand(8, 3, 224, 224, device="cuda")
            torch.save({"input": x.cpu(), "output": encode(net, x).cpu()}, os.path.join(args.save, "resnet50_trunc_io.pt"))
        modes = [("eager", net)] + ([] if args.eager_only else [("torch.compile", torch.compile(net))])
        for batch in args.batch:
            x = torch.rand(batch, 3, 224, 224, device="cuda")
            for name, model in modes:
                ms = median_ms(lambda: encode(model, x), repeats=args.repeats, warmups=3)
                print(f"official resnet50_trunc {name}, batch {batch}: {ms:.2f} ms per batch, {batch / ms * 1000:.0f} tiles/s")


if __name__ == "__main__":
    main()
