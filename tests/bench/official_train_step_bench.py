"""The official U-Mamba_Bot trainer's training step at given plans, for the training side by side in
docs/benchmarks.md: the network from U-Mamba's own get_umamba_bot_{2d,3d}_from_plans (InitWeights_He), nnU-Net
2.1.1's loss (Dice + CE, MemoryEfficientSoftDiceLoss, deep supervision weights 1/2^i with the lowest 0), SGD
(lr 1e-2, momentum 0.99, Nesterov, weight decay 3e-5) and GradScaler, and nnUNetTrainer.train_step's body
(zero_grad(set_to_none), fp16 autocast, scale, unscale, clip 12, step, update, loss to the host). The batch is
random (data and labels of the plans' batch and patch size, targets at the deep-supervision scales) and already
on the GPU: this is the step alone, without the official trainer's data loading, which runs in background
processes beside it. Times: CUDA events around each step, median of --steps after --warmups.

Needs the official sources on PYTHONPATH (not part of Krait; docs/gpu.md lists them): U-Mamba's nets and nnU-Net's
training/loss, dynamic_network_architectures and mamba_ssm v1.2.0 with selective_scan_cuda built with its
backward kernels. --compile wraps the network in torch.compile, as nnU-Net 2.4 and later do."""
import argparse
import importlib
import json

import numpy as np
import torch

from cuda_timing import median_ms


class Configuration:
    """The attributes get_umamba_bot_*_from_plans reads from nnU-Net's ConfigurationManager."""

    def __init__(self, config):
        self.patch_size = config["patch_size"]
        self.conv_kernel_sizes = config["conv_kernel_sizes"]
        self.pool_op_kernel_sizes = config["pool_op_kernel_sizes"]
        self.n_conv_per_stage_encoder = config["n_conv_per_stage_encoder"]
        self.n_conv_per_stage_decoder = config["n_conv_per_stage_decoder"]
        self.UNet_base_num_features = config["UNet_base_num_features"]
        self.unet_max_num_features = config["unet_max_num_features"]
        self.batch_dice = config["batch_dice"]
        self.batch_size = config["batch_size"]


class Plans:
    """PlansManager.get_label_manager(dataset_json).num_segmentation_heads for a label dataset."""

    def __init__(self, dataset_json):
        self.num_segmentation_heads = len(dataset_json["labels"])

    def get_label_manager(self, _dataset_json):
        return self


def resolved_configuration(plans, name):
    config = plans["configurations"][name]
    if "inherits_from" in config:
        parent = resolved_configuration(plans, config["inherits_from"])
        parent.update({k: v for k, v in config.items() if k != "inherits_from"})
        return parent
    return dict(config)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", required=True)
    parser.add_argument("--dataset-json", required=True)
    parser.add_argument("--configuration", default="2d")
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=10)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    with open(args.plans) as f:
        plans = json.load(f)
    with open(args.dataset_json) as f:
        dataset_json = json.load(f)
    config = Configuration(resolved_configuration(plans, args.configuration))
    dims = len(config.patch_size)
    builder = getattr(importlib.import_module(f"nnunetv2.nets.UMambaBot_{dims}d"), f"get_umamba_bot_{dims}d_from_plans")
    from nnunetv2.training.loss.compound_losses import DC_and_CE_loss
    from nnunetv2.training.loss.deep_supervision import DeepSupervisionWrapper
    from nnunetv2.training.loss.dice import MemoryEfficientSoftDiceLoss

    torch.manual_seed(0)
    torch.backends.cudnn.benchmark = True  # nnUNetTrainer.on_train_start
    plans_manager = Plans(dataset_json)
    network = builder(plans_manager, dataset_json, config, args.channels, deep_supervision=True).cuda()
    if args.compile:
        network = torch.compile(network)
    # nnUNetTrainer._build_loss and _get_deep_supervision_scales
    scales = list(list(i) for i in 1 / np.cumprod(np.vstack(config.pool_op_kernel_sizes), axis=0))[:-1]
    weights = np.array([1 / (2 ** i) for i in range(len(scales))])
    weights[-1] = 0
    loss = DeepSupervisionWrapper(
        DC_and_CE_loss({"batch_dice": config.batch_dice, "smooth": 1e-5, "do_bg": False, "ddp": False}, {},
                       weight_ce=1, weight_dice=1, ignore_label=None, dice_class=MemoryEfficientSoftDiceLoss),
        weights / weights.sum())
    optimizer = torch.optim.SGD(network.parameters(), 1e-2, weight_decay=3e-5, momentum=0.99, nesterov=True)
    scaler = torch.cuda.amp.GradScaler()

    classes = plans_manager.num_segmentation_heads
    data = torch.randn(config.batch_size, args.channels, *config.patch_size, device="cuda")
    target = [torch.randint(0, classes, (config.batch_size, 1, *[round(p * s) for p, s in zip(config.patch_size, scale)]),
                            device="cuda").float() for scale in scales]

    def step():  # nnUNetTrainer.train_step
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", enabled=True):
            l = loss(network(data), target)
        scaler.scale(l).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(network.parameters(), 12)
        scaler.step(optimizer)
        scaler.update()
        return l.detach().cpu().numpy()

    torch.cuda.reset_peak_memory_stats()
    ms = median_ms(step, args.steps, warmups=args.warmups)
    patch = "x".join(str(s) for s in config.patch_size)
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}: official U-Mamba_Bot {args.configuration} step, "
          f"batch {config.batch_size} x {patch}, {'torch.compile' if args.compile else 'eager'}: {ms:.2f} ms "
          f"({1000 / ms:.2f} it/s), peak {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB", flush=True)


if __name__ == "__main__":
    main()
