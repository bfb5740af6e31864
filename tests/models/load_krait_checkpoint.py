#!/usr/bin/python3
"""Loads a checkpoint Krait wrote with PyTorch (torch.load, as nnU-Net's predictor and trainer do) and compares it
with an official one of the same network: the same state_dict keys, shapes, dtypes and values,
and the entries nnUNetPredictor.initialize_from_trained_model_folder reads. Prints one line per finding; exits 1 on
any difference. With --trained (a checkpoint `krait train` wrote, started from OFFICIAL.pth), the values must have
changed instead, and the optimizer state must name every parameter with a state tensor of its shape.

  /usr/bin/python3 load_krait_checkpoint.py KRAIT.pth OFFICIAL.pth TRAINER CONFIGURATION [--trained]
"""
import sys

import torch


def main():
    krait_path, official_path, trainer, configuration = sys.argv[1:5]
    trained = sys.argv[5:] == ["--trained"]
    load = (lambda p: torch.load(p, map_location="cpu", weights_only=False)) \
        if "weights_only" in torch.load.__code__.co_varnames else (lambda p: torch.load(p, map_location="cpu"))
    krait, official = load(krait_path), load(official_path)
    problems = []
    kw, ow = krait["network_weights"], official["network_weights"]
    # The same keys (their order is the modules' registration order, which strict loading does not need).
    if set(kw) != set(ow) or len(kw) != len(ow):
        problems.append(f"keys differ: only Krait {sorted(set(kw) - set(ow))[:5]}, only official {sorted(set(ow) - set(kw))[:5]}")
    for key in set(kw) & set(ow):
        if kw[key].shape != ow[key].shape or kw[key].dtype != ow[key].dtype:
            problems.append(f"{key}: {tuple(kw[key].shape)} {kw[key].dtype} vs {tuple(ow[key].shape)} {ow[key].dtype}")
        elif not trained and not torch.equal(kw[key], ow[key]):
            problems.append(f"{key}: values differ")
    if trained:
        if all(torch.equal(kw[k], ow[k]) for k in set(kw) & set(ow)):
            problems.append("training changed no weight")
        optimizer = krait["optimizer_state"]
        group = optimizer["param_groups"][0]
        # Parameters that never got a gradient (the lowest deep-supervision head: weight 0) have no state, as in PyTorch.
        if not optimizer["state"]:
            problems.append("the optimizer state is empty")
        for index, name in enumerate(group["param_names"]):
            buffers = [t for t in optimizer["state"].get(index, {}).values() if isinstance(t, torch.Tensor) and t.dim() > 0]
            if name not in kw or any(t.shape != kw[name].shape for t in buffers):
                problems.append(f"optimizer state of {name}: {[tuple(t.shape) for t in buffers]}")
    if krait["trainer_name"] != trainer:
        problems.append(f"trainer_name {krait['trainer_name']!r}")
    if krait["init_args"]["configuration"] != configuration:
        problems.append(f"configuration {krait['init_args']['configuration']!r}")
    axes = krait["inference_allowed_mirroring_axes"]
    if not isinstance(axes, tuple) or axes != official["inference_allowed_mirroring_axes"]:
        problems.append(f"inference_allowed_mirroring_axes {axes!r}")
    if not isinstance(krait["init_args"]["plans"], dict) or "configurations" not in krait["init_args"]["plans"]:
        problems.append("init_args['plans'] is not the plans dict")
    for p in problems:
        print(p)
    print(f"{len(kw)} keys, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
