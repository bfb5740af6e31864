"""make_seeds.py TARGET OUT TESTDATA [KRAIT]: writes the seed inputs of one fuzz target (tests/fuzz) into OUT.

Seeds are the project's own fixtures and the real catalogue files that scripts/fetch-test-data.sh fetched into
TESTDATA, put in the shape the target reads: gzip'd NIfTI decompressed, a checkpoint's data.pkl taken out of its
zip, a detached header and its data joined by the target's separator, slices of a series joined likewise. Files
above 1.5 MB are left out (libFuzzer mutates small inputs faster). KRAIT, the krait program of a normal build,
writes the DICOM SEG seeds (label maps of real series) and, with the ECG plugin, the WFDB and EDF seeds (the real
DICOM ECG converted); without it those targets start from other DICOM objects, the challenge records, or nothing.
The slide seeds are TIFFs written here (no imaging library needed) of real pixels. Needs Debian's python3 with
pydicom and numpy (scripts/install-deps.sh)."""
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


def short_ecg(testdata, samples=500):
    """The catalogue's 12-lead DICOM ECG cut to its first `samples` samples (rhythm and median beat), as a
    pydicom dataset: the real file is 10 s, 20 times more than a seed needs."""
    import pydicom
    ds = pydicom.dcmread(os.path.join(testdata, "ecg/waveform_ecg.dcm"))
    for group in ds.WaveformSequence:
        n = min(samples, group.NumberOfWaveformSamples)
        group.WaveformData = group.WaveformData[:n * group.NumberOfWaveformChannels * 2]
        group.NumberOfWaveformSamples = n
    return ds


def krait_ecg_convert(krait, ds, to):
    """The files `krait ecg convert --to TO` writes of a DICOM ECG dataset: {name: bytes}. A krait of a build tree
    (<build>/app/cli/krait) finds the ECG plugin in <build>/plugins only when told, as the tests tell it."""
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(krait))))
    env = dict(os.environ)
    env.setdefault("KRAIT_PLUGIN_PATH", os.path.join(build, "plugins"))
    with tempfile.TemporaryDirectory() as tmp:
        ds.save_as(os.path.join(tmp, "ecg.dcm"))
        out = os.path.join(tmp, "record.edf" if to == "edf" else "record.hea")
        subprocess.run([krait, "ecg", "convert", os.path.join(tmp, "ecg.dcm"), "--to", to, "-o", out], check=True,
                       stdout=subprocess.DEVNULL, env=env)
        return {name: read(os.path.join(tmp, name)) for name in os.listdir(tmp) if name.startswith("record.")}


def wfdb_seeds(seeds, testdata, krait):
    """The short DICOM ECG as krait writes WFDB (formats 16 and 212), its samples recoded in formats 61, 80, 24 and
    32, and the challenge records' MATLAB .mat, each as header + KRAIT-DATA-FILE + signal file (record.dat or
    record.mat, as the target writes them)."""
    import numpy
    sep = b"\nKRAIT-DATA-FILE\n"
    if krait and os.path.exists(krait):
        ds = short_ecg(testdata)
        seeds.add(sep.join(krait_ecg_convert(krait, ds, "wfdb212")[name] for name in ("record.hea", "record.dat")))
        files = krait_ecg_convert(krait, ds, "wfdb16")
        seeds.add(files["record.hea"] + sep + files["record.dat"])
        counts = numpy.frombuffer(files["record.dat"], "<i2").astype(numpy.int32)
        recoded = {b"61": counts.astype(">i2").tobytes(), b"80": (counts // 256 + 128).clip(1, 255).astype("u1").tobytes(),
                   b"24": b"".join(int(v).to_bytes(3, "little", signed=True) for v in counts * 16),
                   b"32": (counts * 65536).astype("<i4").tobytes()}
        for fmt, data in recoded.items():
            seeds.add(files["record.hea"].replace(b"record.dat 16 ", b"record.dat " + fmt + b" ") + sep + data)
    challenge = "tests/fixtures/ecg/challenge/"
    mat = read(os.path.join(ROOT, challenge, "A0001.mat"))
    for name in ("A0001.hea", "A0002.hea"):
        header = read(os.path.join(ROOT, challenge, name))
        seeds.add(header.replace(b"A0001.mat", b"record.mat").replace(b"A0002", b"record").replace(b"A0001", b"record")
                  + sep + mat)
    seeds.add(read(os.path.join(ROOT, challenge, "A0001.hea")).replace(b"A0001.mat", b"record") + sep + mat)


def bdf_of_edf(edf):
    """An EDF(+) file as BDF(+): the same header with BDF's identification, 24-bit samples, the annotation signal's
    text padded to its 3-byte samples and its digital range BDF+'s."""
    signals = int(edf[252:256])
    samples = [int(edf[256 + 216 * signals + 8 * k:256 + 216 * signals + 8 * k + 8]) for k in range(signals)]
    header = bytearray(edf[:256 + 256 * signals])
    header[0:8] = b"\xffBIOSEMI"
    header[192:197] = header[192:197].replace(b"EDF+", b"BDF+")
    label = 256 + 16 * signals
    header[256:label] = header[256:label].replace(b"EDF Annotations", b"BDF Annotations")
    for k in range(signals):
        if header[256 + 16 * k:256 + 16 * k + 15] == b"BDF Annotations":
            header[256 + 120 * signals + 8 * k:256 + 120 * signals + 8 * k + 8] = b"-8388608"
            header[256 + 128 * signals + 8 * k:256 + 128 * signals + 8 * k + 8] = b"8388607 "
    out, at, data = bytes(header), 0, edf[256 + 256 * signals:]
    while at < len(data):
        for k in range(signals):
            chunk = data[at:at + 2 * samples[k]]
            at += 2 * samples[k]
            if header[256 + 16 * k:256 + 16 * k + 15] == b"BDF Annotations":
                out += chunk + bytes(samples[k])
            else:
                out += b"".join(int.from_bytes(chunk[i:i + 2], "little", signed=True).to_bytes(3, "little", signed=True)
                                for i in range(0, len(chunk), 2))
    return out


def aecg(values, increment=True):
    """An HL7 aECG file as tests/ecg/ecg_formats_test.cpp writes it (FDA's schema: one RHYTHM series, the sampling
    increment, one SLIST_PQ sequence of digits per lead), of µV values [samples][12]."""
    leads = ["I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"]
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<AnnotatedECG xmlns="urn:hl7-org:v3" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" classCode="OBS" moodCode="EVN">\n'
           '<id root="61d1a24f-b47e-41aa-ae95-f8ac302f4eeb"/>\n<code code="93000" codeSystem="2.16.840.1.113883.6.12"/>\n'
           '<effectiveTime><low value="20130125105919"/><high value="20130125105920"/></effectiveTime>\n'
           '<componentOf><timepointEvent><componentOf><subjectAssignment><subject><trialSubject><id extension="P-1"/>\n'
           '<subjectDemographicPerson><administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>'
           '<birthTime value="19450601"/></subjectDemographicPerson>\n'
           '</trialSubject></subject></subjectAssignment></componentOf></timepointEvent></componentOf>\n'
           '<component><series><code code="RHYTHM" codeSystem="2.16.840.1.113883.5.4"/>\n<component><sequenceSet>\n'
           '<component><sequence><code code="TIME_ABSOLUTE" codeSystem="2.16.840.1.113883.5.4"/>'
           '<value xsi:type="GLIST_TS"><head value="20130125105919.000"/>' +
           ('<increment value="0.001" unit="s"/>' if increment else "") + "</value></sequence></component>\n")
    for k, lead in enumerate(leads):
        xml += ('<component><sequence><code code="MDC_ECG_LEAD_' + lead + '" codeSystem="2.16.840.1.113883.6.24"/>'
                '<value xsi:type="SLIST_PQ"><origin value="0" unit="uV"/><scale value="1.25" unit="uV"/><digits>' +
                " ".join(str(round(v / 1.25)) for v in values[:, k]) + "</digits></value></sequence></component>\n")
    return (xml + "</sequenceSet></component></series></component>\n</AnnotatedECG>\n").encode()


def scp_ecg(values):
    """An SCP-ECG file (EN 1064) of µV values [samples][12] at 1 kHz on a 1.25 µV grid: pointer section 0, patient
    and date tags (section 1), the leads (section 3) and uncompressed rhythm data (section 6; no section 2, so no
    Huffman coding), every CRC right."""
    import binascii
    import struct

    def crc(data):
        return struct.pack("<H", binascii.crc_hqx(data, 0xFFFF))

    def section(number, body, reserved=bytes(6)):
        body += bytes(len(body) % 2)
        rest = struct.pack("<HIBB", number, 16 + len(body), 20, 20) + reserved + body
        return crc(rest) + rest

    tags = {2: b"P-1\0", 8: b"\2", 25: struct.pack("<HBB", 2013, 1, 25), 26: bytes([10, 59, 19]), 255: b""}
    header = b"".join(struct.pack("<BH", tag, len(value)) + value for tag, value in tags.items())
    codes = [1, 2, 61, 62, 63, 64, 3, 4, 5, 6, 7, 8]  # I, II, III, aVR, aVL, aVF, V1-V6
    n = len(values)
    leads = bytes([12, 4 | 12 << 3]) + b"".join(struct.pack("<IIB", 1, n, code) for code in codes)
    counts = [[round(v / 1.25) for v in values[:, k]] for k in range(12)]
    rhythm = struct.pack("<HHBB", 1250, 1000, 0, 0) + struct.pack("<12H", *[2 * n] * 12) + \
        b"".join(struct.pack(f"<{n}h", *lead) for lead in counts)
    bodies = {1: section(1, header), 3: section(3, leads), 6: section(6, rhythm)}
    at = 1 + 6 + 16 + 12 * 10  # 1-based: after the record's CRC and size, and section 0
    pointers = b""
    for number in range(12):
        size = len(bodies.get(number, b"")) if number else 16 + 12 * 10
        pointers += struct.pack("<HII", number, size, (7 if number == 0 else at) if size else 0)
        if number and size:
            at += size
    record = section(0, pointers, b"SCPECG") + b"".join(bodies[k] for k in sorted(bodies))
    rest = struct.pack("<I", 6 + len(record)) + record
    return crc(rest) + rest


def tiff(directories):
    """A little-endian TIFF of RGB directories, each a dict: width, height, tile (its size; absent: one strip),
    compression (1 none, 7 JPEG, 8 deflate), chunks (the tiles or the strip, encoded), and optional description,
    resolution ((pixels per unit, unit) with unit 2 inch or 3 cm) and subfile (NewSubfileType)."""
    import struct
    out = bytearray(b"II*\0" + bytes(4))
    link = 4  # where the previous directory's next-directory offset goes
    for d in directories:
        offsets = []
        for chunk in d["chunks"]:
            offsets.append(len(out))
            out += chunk + bytes(len(chunk) % 2)
        tags = {254: (4, [d.get("subfile", 0)]), 256: (4, [d["width"]]), 257: (4, [d["height"]]), 258: (3, [8, 8, 8]),
                259: (3, [d["compression"]]), 262: (3, [2]), 277: (3, [3]), 284: (3, [1])}
        if "description" in d:
            tags[270] = (2, d["description"].encode() + b"\0")
        if "tile" in d:
            tags.update({322: (3, [d["tile"]]), 323: (3, [d["tile"]]), 324: (4, offsets),
                         325: (4, [len(c) for c in d["chunks"]])})
        else:
            tags.update({273: (4, offsets), 278: (4, [d["height"]]), 279: (4, [len(c) for c in d["chunks"]])})
        if "resolution" in d:
            per_unit, unit = d["resolution"]
            tags.update({282: (5, [per_unit, 1]), 283: (5, [per_unit, 1]), 296: (3, [unit])})
        entries = b""
        for tag, (kind, values) in sorted(tags.items()):
            data = values if kind == 2 else struct.pack("<%d%s" % (len(values), {3: "H", 4: "I", 5: "I"}[kind]), *values)
            count = len(data) if kind == 2 else len(values) // (2 if kind == 5 else 1)
            if len(data) > 4:
                at = len(out)
                out += data + bytes(len(data) % 2)
                data = struct.pack("<I", at)
            entries += struct.pack("<HHI", tag, kind, count) + data.ljust(4, b"\0")
        out[link:link + 4] = struct.pack("<I", len(out))
        out += struct.pack("<H", len(tags)) + entries
        link = len(out)
        out += bytes(4)
    return bytes(out)


def slide_seeds(seeds, testdata):
    """Small pyramidal tiled TIFFs OpenSlide opens, of real pixels: JPEG tiles of a TCGA Aperio slide's glass (the
    catalogue's 256-px DICOM frames, whole JPEG streams, as libtiff and OpenSlide read them), and pydicom's RLE RGB
    test image uncompressed and deflated; levels after the first marked reduced-resolution (NewSubfileType 1). Generic TIFFs with and without resolution tags (in cm, and 72 dpi, which
    Krait takes for a scanner default), and an Aperio SVS: its ImageDescription with MPP and AppMag, a stripped
    thumbnail, label and macro image."""
    import zlib
    import pydicom
    from pydicom.encaps import generate_pixel_data_frame
    glass = [next(generate_pixel_data_frame(pydicom.dcmread(os.path.join(testdata, "wsi-histology", name)).PixelData))
             for name in ("SC_jpeg_no_color_transform.dcm", "SC_jpeg_no_color_transform_2.dcm")]
    rgb = pydicom.dcmread(os.path.join(testdata, "dicom-pydicom/SC_rgb_rle_2frame.dcm")).pixel_array[0]

    def tiles(image, size, encode=lambda b: b):
        return [encode(image[y:y + size, x:x + size].tobytes()) for y in range(0, image.shape[0], size)
                for x in range(0, image.shape[1], size)]

    jpeg = [dict(width=512, height=512, tile=256, compression=7, chunks=[glass[0], glass[1], glass[1], glass[0]]),
            dict(width=256, height=256, tile=256, compression=7, subfile=1, chunks=[glass[0]])]
    jpeg[0]["resolution"] = (20000, 3)  # 0.5 µm/px
    seeds.add(tiff(jpeg))
    # Uncompressed tiles of 32 px: Debian's libtiff 4.5.0 refuses 16-px ones ("Invalid tile byte count ... expected
    # 768, got 1024": its read buffer of at least 1 KB is compared with the tile's size).
    small = rgb[:64, :64]
    seeds.add(tiff([dict(width=64, height=64, tile=32, compression=1, chunks=tiles(small, 32)),
                    dict(width=32, height=32, tile=32, compression=1, subfile=1, chunks=tiles(small[::2, ::2], 32))]))
    large = rgb[[i % 100 for i in range(128)]][:, [i % 100 for i in range(128)]]
    seeds.add(tiff([dict(width=128, height=128, tile=32, compression=8, resolution=(72, 2),
                         chunks=tiles(large, 32, zlib.compress)),
                    dict(width=64, height=64, tile=32, compression=8, subfile=1,
                         chunks=tiles(large[::2, ::2], 32, zlib.compress))]))
    aperio = "Aperio Image Library v10.0.51\r\n"
    about = "|AppMag = 20|MPP = 0.4990|Date = 01/25/13|Time = 10:59:19"
    svs = [dict(jpeg[0], description=aperio + "512x512 [0,0 512x512] (256x256) JPEG/RGB Q=70" + about),
           dict(width=32, height=32, compression=1, chunks=[rgb[:64:2, :64:2].tobytes()],
                description=aperio + "512x512 -> 32x32 - " + about),
           dict(jpeg[1], description=aperio + "512x512 [0,0 512x512] (256x256) -> 256x256 JPEG/RGB Q=70" + about),
           dict(width=32, height=16, compression=8, subfile=1, chunks=[zlib.compress(rgb[:16, :32].tobytes())],
                description=aperio.strip() + "\nlabel 32x16"),  # named by the second line's first word
           dict(width=48, height=16, compression=1, subfile=9, chunks=[rgb[50:66, :48].tobytes()],
                description=aperio.strip() + "\nmacro 48x16")]
    del svs[0]["resolution"]
    seeds.add(tiff(svs))


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
    elif target == "fuzz_wfdb":
        wfdb_seeds(seeds, testdata, krait)
    elif target == "fuzz_edf":
        if krait and os.path.exists(krait):
            edf = krait_ecg_convert(krait, short_ecg(testdata), "edf")["record.edf"]
            seeds.add(edf)
            seeds.add(bdf_of_edf(edf))
    elif target == "fuzz_dicom_ecg":
        seeds.add(read(os.path.join(testdata, "ecg/waveform_ecg.dcm")))
        with tempfile.TemporaryFile() as f:
            short_ecg(testdata).save_as(f)
            f.seek(0)
            seeds.add(f.read())
    elif target == "fuzz_scp_aecg":
        values = short_ecg(testdata, 250).waveform_array(0)
        seeds.add(aecg(values))
        seeds.add(aecg(values, increment=False))
        seeds.add(scp_ecg(values))
    elif target == "fuzz_slide":
        slide_seeds(seeds, testdata)
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
