"""compare_masks.py A.nii.gz B.nii.gz: share of equal voxels of two label maps written by krait (NIfTI-1,
gzip, uint8/int16/uint16), for comparing devices; needs numpy."""
import gzip, struct, sys
import numpy as np
def read(p):
    b = gzip.open(p).read()
    off = int(struct.unpack_from("<f", b, 108)[0]); dt = struct.unpack_from("<h", b, 70)[0]
    return np.frombuffer(b[off:], dtype={2: np.uint8, 4: np.int16, 512: np.uint16}[dt])
a, b = read(sys.argv[1]), read(sys.argv[2])
print(f"voxels {a.size}, equal {100.0 * (a == b).mean():.4f} %, labels {np.unique(a)}")
