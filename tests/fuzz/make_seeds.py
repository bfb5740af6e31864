"""make_seeds.py TARGET OUT TESTDATA [KRAIT]: writes the seed inputs of one fuzz target (tests/fuzz) into OUT.

Seeds are the project's own fixtures and the real catalogue files that scripts/fetch-test-data.sh fetched into
TESTDATA, put in the shape the target reads: gzip'd NIfTI decompressed, a checkpoint's data.pkl taken out of its
zip, a detached header and its data joined by the target's separator, slices of a series joined likewise. Files
above 1.5 MB are left out (libFuzzer mutates small inputs faster). KRAIT, the krait program of a normal build,
writes the DICOM SEG seeds (label maps of real series); without it that target starts from other DICOM objects.
Needs Debian's python3 with pydicom (scripts/install-deps.sh)."""
import copy
import glob
import gzip
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIMIT = 1_500_000


def fixtures(pattern):
    return sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True))


def catalogue(testdata, pattern):
    return sorted(glob.glob(os.path.join(testdata, pattern), recursive=True))


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


class Seeds:
    def __init__(self, out):
        self.out, self.count = out, 0

    def add(self, data):
        if len(data) <= LIMIT:
            with open(os.path.join(self.out, hashlib.sha1(data).hexdigest()), "wb") as f:
                f.write(data)
            self.count += 1


def dicom_series_seeds(seeds, testdata):
    """Single files, and short series made from one real slice (new UIDs, positions 2.5 mm apart along the
    slice normal; one with a slice tilted and one with a gap), joined by KRAIT-NEXT-SLICE."""
    import pydicom
    from pydicom.uid import generate_uid
    for path in catalogue(testdata, "dicom-*/*.dcm") + catalogue(testdata, "wsi-histology/*.dcm"):
        seeds.add(read(path))
    for name in ("MR_small.dcm", "CT_small.dcm", "MR_small_RLE.dcm"):
        base = pydicom.dcmread(os.path.join(testdata, "dicom-pydicom", name))
        series = generate_uid()
        for variant in ("regular", "gap", "tilt"):
            parts = []
            for k in range(3):
                ds = copy.deepcopy(base)
                ds.SeriesInstanceUID = series
                ds.SOPInstanceUID = generate_uid()
                ds.InstanceNumber = k + 1
                step = 2.5 * (k + (1 if variant == "gap" and k == 2 else 0))
                position = [float(v) for v in ds.ImagePositionPatient]
                position[2] += step
                if variant == "tilt" and k == 1:
                    position[1] += 0.9
                ds.ImagePositionPatient = position
                with tempfile.TemporaryFile() as f:
                    ds.save_as(f)
                    f.seek(0)
                    parts.append(f.read())
            seeds.add(b"KRAIT-NEXT-SLICE".join(parts))


def dicom_seg_seeds(seeds, testdata, krait):
    """SEGs that krait convert writes of real series: a two-label map thresholded from each image with nibabel."""
    import nibabel
    import numpy
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("CT_small.dcm", "MR_small.dcm"):
            series = os.path.join(tmp, name + ".series")
            os.makedirs(series)
            with open(os.path.join(series, name), "wb") as f:
                f.write(read(os.path.join(testdata, "dicom-pydicom", name)))
            image, labels, seg = (os.path.join(tmp, name + ext) for ext in (".nii.gz", ".labels.nii.gz", ".seg.dcm"))
            subprocess.run([krait, "convert", "-i", series, "-o", image], check=True, stdout=subprocess.DEVNULL)
            loaded = nibabel.load(image)
            data = loaded.get_fdata()
            mask = (data > numpy.percentile(data, 50)).astype(numpy.uint8) + (data > numpy.percentile(data, 90))
            nibabel.save(nibabel.Nifti1Image(mask.astype(numpy.uint8), loaded.affine), labels)
            subprocess.run([krait, "convert", "-i", labels, "-o", seg, "--reference", series], check=True,
                           stdout=subprocess.DEVNULL)
            seeds.add(read(seg))


def main():
    target, out, testdata = sys.argv[1], sys.argv[2], sys.argv[3]
    krait = sys.argv[4] if len(sys.argv) > 4 else ""
    os.makedirs(out, exist_ok=True)
    seeds = Seeds(out)
    checkpoints = fixtures("tests/fixtures/**/*.pth")
    if target == "fuzz_pickle":
        for path in checkpoints:
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    if name.endswith("data.pkl"):
                        seeds.add(z.read(name))
    elif target == "fuzz_torch_save":
        for path in checkpoints:
            seeds.add(read(path))
    elif target == "fuzz_safetensors":
        for path in fixtures("tests/fixtures/**/*.safetensors"):
            seeds.add(read(path))
    elif target == "fuzz_nifti":
        for path in catalogue(testdata, "nifti-*/*.nii") + catalogue(testdata, "nifti-*/*.nii.gz"):
            seeds.add(read(path))
    elif target in ("fuzz_nrrd", "fuzz_metaimage"):
        # ITK's BrainProtonDensity3Slices: a real MetaImage header and its raw data, and the same voxels under
        # an NRRD header, attached and detached.
        data = read(os.path.join(testdata, "nifti-itk/BrainProtonDensity3Slices.raw"))
        header = read(os.path.join(testdata, "nifti-itk/BrainProtonDensity3Slices.mha"))
        if target == "fuzz_metaimage":
            seeds.add(header.replace(b"BrainProtonDensity3Slices.raw", b"data.raw") + b"\nKRAIT-DATA-FILE\n" + data)
            seeds.add(header.replace(b"BrainProtonDensity3Slices.raw", b"LOCAL") + b"\n" + data)
            seeds.add(header.replace(b"ElementByteOrderMSB = False", b"CompressedData = True\nCompressedDataSize = 9")
                      .replace(b"BrainProtonDensity3Slices.raw", b"LOCAL") + b"\n" + b"x\x9c\x03\x00\x00\x00\x00\x01")
        else:
            nrrd = (b"NRRD0004\ntype: unsigned char\ndimension: 3\nsizes: 181 217 3\nspace: left-posterior-superior\n"
                    b"space directions: (1,0,0) (0,1,0) (0,0,1)\nspace origin: (0,0,0)\nendian: little\nencoding: raw\n")
            seeds.add(nrrd + b"\n" + data)
            seeds.add(nrrd + b"data file: data.raw\n\nKRAIT-DATA-FILE\n" + data)
            seeds.add(nrrd.replace(b"encoding: raw", b"encoding: gzip") + b"\n" + gzip.compress(data))
    elif target == "fuzz_dicom":
        dicom_series_seeds(seeds, testdata)
    elif target == "fuzz_dicom_seg":
        if krait and os.path.exists(krait):
            dicom_seg_seeds(seeds, testdata, krait)
        for path in catalogue(testdata, "dicom-pydicom/rt*.dcm") + catalogue(testdata, "ecg/*.dcm"):
            seeds.add(read(path))
    elif target == "fuzz_plans":
        for plans in fixtures("tests/fixtures/**/plans.json") + fixtures("resources/models/*/plans.json"):
            dataset = os.path.join(os.path.dirname(plans), "dataset.json")
            if os.path.exists(dataset):
                seeds.add(read(plans) + b"KRAIT-NEXT-FILE" + read(dataset))
    elif target == "fuzz_dataset_json":
        for path in fixtures("tests/fixtures/**/dataset.json") + fixtures("resources/models/*/dataset.json"):
            seeds.add(read(path))
    elif target == "fuzz_manifest":
        for path in fixtures("resources/models/*/manifest.json"):
            seeds.add(read(path))
    else:
        sys.exit(f"make_seeds.py: no seeds for {target}")
    print(f"{seeds.count} seeds for {target} in {out}")


if __name__ == "__main__":
    main()
