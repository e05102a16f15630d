"""Minimal safetensors reader/writer on numpy (the `safetensors` package is not available here).

Format: u64 little-endian header length N, then N bytes of JSON
`{"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}`
(offsets relative to the end of the header), then the raw little-endian tensor bytes.
The writer pads the header with spaces to a multiple of 8 bytes, as the reference
implementation does, so tensor data stays 8-byte aligned for readers that mmap it.
"""

import json
import struct

import numpy as np

DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
CODES = {dt: code for code, dt in DTYPES.items()}


def dtype_code(array):
    """The safetensors dtype string of a numpy array (byte order ignored: we always write LE)."""
    for code, known in DTYPES.items():
        if known.kind == array.dtype.kind and known.itemsize == array.dtype.itemsize:
            return code
    raise TypeError(f"unsupported dtype {array.dtype}")


def save_file(path, tensors, metadata=None):
    """Write `tensors` (name -> numpy array) in insertion order, with optional str->str metadata."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, array in tensors.items():
        array = np.asarray(array)
        code = dtype_code(array)
        blob = np.ascontiguousarray(array, dtype=DTYPES[code]).tobytes()
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def load_file(path, mmap=False):
    """Read a safetensors file: returns (name -> numpy array, metadata dict).

    Validates what a sloppy writer could get wrong: offsets inside the buffer,
    byte size equal to shape x dtype, and no gaps or overlaps between tensors.
    With mmap=True the arrays are read-only views of the mapped file (pages are read
    when touched, nothing is copied), as an engine that maps its weights would see them.
    """
    if mmap:
        raw = np.memmap(path, dtype=np.uint8, mode="r")
    else:
        with open(path, "rb") as f:
            raw = f.read()
    if len(raw) < 8:
        raise ValueError("file shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", bytes(raw[:8]))
    if 8 + n > len(raw):
        raise ValueError("header length past end of file")
    header = json.loads(bytes(raw[8 : 8 + n]).decode("utf-8"))
    data = memoryview(raw)[8 + n :]
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    spans = []
    for name, info in header.items():
        dt = DTYPES[info["dtype"]]
        shape = tuple(info["shape"])
        begin, end = info["data_offsets"]
        if not 0 <= begin <= end <= len(data):
            raise ValueError(f"{name}: data_offsets {begin, end} outside the data ({len(data)} bytes)")
        if end - begin != int(np.prod(shape, dtype=np.int64)) * dt.itemsize:
            raise ValueError(f"{name}: {end - begin} bytes do not match shape {shape} of {info['dtype']}")
        array = np.frombuffer(data[begin:end], dtype=dt).reshape(shape)
        tensors[name] = array if mmap else array.copy()
        spans.append((begin, end))
    spans.sort()
    covered = 0
    for begin, end in spans:
        if begin != covered:
            raise ValueError("tensor data has gaps or overlaps")
        covered = end
    if covered != len(data):
        raise ValueError("trailing bytes after the last tensor")
    return tensors, metadata
