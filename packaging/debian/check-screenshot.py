#!/usr/bin/env python3
"""check-screenshot.py FILE.png: exits 1 unless FILE.png is a PNG with something drawn on it: at least 64 colours
and no colour covering 90 % of it (a window Qt or OpenGL failed to draw is one flat colour). Prints its size and
colours. Standard library only: the machine running the packaging test has no imaging library."""
import struct
import sys
import zlib


def pixels(path):
    """The PNG's width, height and rows of pixel bytes (8-bit grey, grey+alpha, RGB or RGBA, not interlaced)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    raw, stride, rows = zlib.decompress(idat), width * channels, []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # PNG's filters (specification, section 9)
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def main():
    width, height, channels, rows = pixels(sys.argv[1])
    counts = {}
    for row in rows:
        for x in range(0, len(row), channels):
            colour = row[x:x + channels]
            counts[colour] = counts.get(colour, 0) + 1
    top = max(counts.values()) / (width * height)
    print(f"{sys.argv[1]}: {width} x {height}, {len(counts)} colours, the commonest covers {100 * top:.1f} %")
    return 0 if len(counts) >= 64 and top < 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
