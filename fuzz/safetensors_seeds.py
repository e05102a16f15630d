#!/usr/bin/env python3
"""Writes a small seed corpus for safetensors_fuzz into the directory given as argv[1]."""
import json
import struct
import sys
from pathlib import Path


def st_file(tensors, metadata=None, pad=True):
    """tensors: list of (name, dtype, shape, raw bytes), laid out contiguously in order."""
    header, offset = {}, 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in tensors)


def raw_header(text, data=b""):
    return struct.pack("<Q", len(text)) + text + data


SEEDS = {
    "empty": st_file([]),
    "metadata": st_file([], {"format": "pt"}),
    "f32": st_file([("w", "F32", [2, 2], struct.pack("<4f", 1, -2, 0.5, 3))]),
    "all_dtypes": st_file([
        ("a", "F32", [1], struct.pack("<f", 1.5)),
        ("b", "F16", [3], struct.pack("<3H", 0x3C00, 0x0001, 0x7C00)),
        ("c", "BF16", [2], struct.pack("<2H", 0x3F80, 0x7FC0)),
        ("d", "I8", [2], b"\x80\x7f"),
        ("e", "I32", [1], struct.pack("<i", 50281)),
        ("f", "I64", [1], struct.pack("<q", -1)),
        ("g", "F32", [0, 4], b""),
        ("h", "F32", [], struct.pack("<f", 2.0)),
    ], {"k": "v"}),
    "misaligned": st_file([("h", "F16", [1], b"\x00\x3c"), ("f", "F32", [1], b"\x00\x00\x80\x3f")]),
    "unpadded": st_file([("x", "I8", [3], b"abc")], pad=False),
    "overlap": raw_header(b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                          b'"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}', b"\0" * 6),
    "bad_dtype": raw_header(b'{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}', b"\0" * 8),
    "short": b"\x05\0\0",
}


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS.items():
        (out / f"seed_{name}.safetensors").write_bytes(data)


if __name__ == "__main__":
    main()
