#!/usr/bin/env python3
"""Builds the nnU-Net raw datasets of Krait's bundled demonstration models from the catalogue's real scans.

Dataset901_HeadCT: the InVesalius head CT (Cranium.inv3) cut into 9 slabs of 12 axial slices; labels from the
project's own threshold masks: 2 bone (226..3071 HU), 1 head (the rest of -142..2986 HU). Slabs 2 and 6 are held
out (imagesTs/labelsTs).
Dataset902_T1Brain: colin27 (ch2, brain = ch2bet > 0) cut into 6 axial slabs and the ITK KmeansTest T1 (brain =
its skull-strip mask > 0) cut into 3 slabs along its 3 mm axis; ch2 slab 3 and ITK slab 1 are held out.

Each slab keeps its position in the scanner (the affine's origin moves with it). Reads Debian's python3-numpy and
python3-nibabel; never used at run time.
usage: prepare_datasets.py TESTDATA_DIR OUT_DIR
"""
import json
import os
import plistlib
import sys
import tarfile

import nibabel as nib
import numpy as np


def inv3_arrays(path):
    members = {}
    with tarfile.open(path, "r:gz") as tar:
        for m in tar.getmembers():
            name = os.path.basename(m.name)
            if m.isfile() and name in ("main.plist", "matrix.dat", "mask_0.dat", "mask_1.dat"):
                members[name] = tar.extractfile(m).read()
    plist = plistlib.loads(members["main.plist"])
    shape = [int(s) for s in plist["matrix"]["shape"]]  # z, y, x
    ct = np.frombuffer(members["matrix.dat"], dtype="<i2").reshape(shape)
    # InVesalius masks carry one extra leading plane, row and column of edit flags.
    masks = [np.frombuffer(members[f"mask_{i}.dat"], dtype=np.uint8).reshape([s + 1 for s in shape])[1:, 1:, 1:] > 127
             for i in (0, 1)]
    sx, sy, sz = [float(s) for s in plist["spacing"]]
    affine = np.diag([sx, sy, sz, 1.0])  # as the pipeline fixtures derive it (tests/fixtures/pipeline)
    # to nibabel's (x, y, z) order
    return ct.transpose(2, 1, 0), masks[0].transpose(2, 1, 0), masks[1].transpose(2, 1, 0), affine


def slabs(n, count):
    edges = np.linspace(0, n, count + 1).round().astype(int)
    return list(zip(edges[:-1], edges[1:]))


def save(array, affine, path, dtype):
    img = nib.Nifti1Image(np.ascontiguousarray(array.astype(dtype)), affine)
    img.header.set_xyzt_units("mm")
    img.set_qform(affine, code=1)
    img.set_sform(affine, code=1)
    nib.save(img, path)


def write_dataset(root, name, channel, labels, cases, held_out):
    folder = os.path.join(root, name)
    for sub in ("imagesTr", "labelsTr", "imagesTs", "labelsTs"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    training = 0
    for case_id, image, label, affine, image_dtype in cases:
        split = "Ts" if case_id in held_out else "Tr"
        training += split == "Tr"
        save(image, affine, os.path.join(folder, f"images{split}", f"{case_id}_0000.nii.gz"), image_dtype)
        save(label, affine, os.path.join(folder, f"labels{split}", f"{case_id}.nii.gz"), np.uint8)
    with open(os.path.join(folder, "dataset.json"), "w") as f:
        json.dump({"channel_names": {"0": channel}, "labels": labels, "numTraining": training,
                   "file_ending": ".nii.gz", "name": name,
                   "description": "Krait demonstration dataset made by scripts/bundled/prepare_datasets.py"}, f, indent=4)


def slab_affine(affine, axis, start):
    offset = np.zeros(4)
    offset[axis] = start
    offset[3] = 1
    moved = affine.copy()
    moved[:3, 3] = (affine @ offset)[:3]
    return moved


def head_ct(testdata, out):
    ct, bone, soft, affine = inv3_arrays(os.path.join(testdata, "ct-invesalius", "Cranium.inv3"))
    labels = np.where(bone, 2, np.where(soft, 1, 0))
    cases = []
    for i, (a, b) in enumerate(slabs(ct.shape[2], 9)):
        cases.append((f"HeadCT_{i:03d}", ct[:, :, a:b], labels[:, :, a:b], slab_affine(affine, 2, a), np.int16))
    write_dataset(out, "Dataset901_HeadCT", "CT", {"background": 0, "head": 1, "bone": 2}, cases,
                  {"HeadCT_002", "HeadCT_006"})


def t1_brain(testdata, out):
    cases = []
    for prefix, image_file, mask_file, axis, count in (
            ("Colin", "nifti-mricron/ch2.nii.gz", "nifti-mricron/ch2bet.nii.gz", 2, 6),
            ("KmeansT1", "nifti-itk/KmeansTest_T1UCharRaw.nii.gz", "nifti-itk/KmeansTest_T1RawSkullStrip.nii.gz", 2, 3)):
        img = nib.load(os.path.join(testdata, image_file))
        image = np.asarray(img.dataobj)
        brain = (np.asarray(nib.load(os.path.join(testdata, mask_file)).dataobj) > 0).astype(np.uint8)
        for i, (a, b) in enumerate(slabs(image.shape[axis], count)):
            index = [slice(None)] * 3
            index[axis] = slice(a, b)
            cases.append((f"{prefix}_{i:03d}", image[tuple(index)], brain[tuple(index)],
                          slab_affine(img.affine, axis, a), np.int16))
    write_dataset(out, "Dataset902_T1Brain", "T1", {"background": 0, "brain": 1}, cases,
                  {"Colin_003", "KmeansT1_001"})


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    head_ct(sys.argv[1], sys.argv[2])
    t1_brain(sys.argv[1], sys.argv[2])
