# make_ct_volume.py OUT.nii.gz: a CT-sized int16 NIfTI-1 (512 x 512 x 300, 0.8 x 0.8 x 1.5 mm) for the GPU
# pipeline benchmark: a water cylinder with a bone ring and noise (with random network weights the content does
# not change the speed). Needs numpy.
import gzip, struct, sys
import numpy as np
x, y, z = 512, 512, 300
yy, xx = np.mgrid[:y, :x]
r = np.hypot(xx - x / 2, yy - y / 2)
slice_ = np.where(r < 200, 40, -1000).astype(np.int16)
slice_[(r > 185) & (r < 200)] = 1200
vol = np.repeat(slice_[None], z, 0) + np.random.default_rng(0).normal(0, 20, (z, y, x)).astype(np.int16)
hdr = bytearray(348)
struct.pack_into("<i", hdr, 0, 348)
struct.pack_into("<8h", hdr, 40, 3, x, y, z, 1, 1, 1, 1)
struct.pack_into("<2h", hdr, 70, 4, 16)  # datatype int16, bitpix
struct.pack_into("<8f", hdr, 76, 1, 0.8, 0.8, 1.5, 0, 0, 0, 0)
struct.pack_into("<f", hdr, 108, 352.0)  # vox_offset
struct.pack_into("<f", hdr, 112, 1.0)  # scl_slope
struct.pack_into("<h", hdr, 254, 1)  # sform_code scanner
for row, v in zip((280, 296, 312), ((-0.8, 0, 0, 200), (0, -0.8, 0, 200), (0, 0, 1.5, -200))):
    struct.pack_into("<4f", hdr, row, *v)
hdr[344:348] = b"n+1\0"
with gzip.open(sys.argv[1], "wb", compresslevel=1) as f:
    f.write(bytes(hdr) + b"\0" * 4 + vol.astype("<i2").tobytes())
