"""NumPy's ``.npy`` format read without NumPy: what a scikit-learn (or any NumPy-serving)
endpoint answers as ``application/x-npy``.

The format (numpy.org, "NEP 1 — a simple file format for NumPy arrays"): the magic
``b"\\x93NUMPY"``, a major and minor version byte, the header's length (2 bytes little-
endian in version 1, 4 bytes in versions 2 and 3), then the header: a Python literal
``{'descr': '<f8', 'fortran_order': False, 'shape': (3,)}`` padded with spaces to a
multiple of 64 bytes, then the array's bytes.
"""

from __future__ import annotations

import ast
import struct
import sys
from array import array
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["read_npy"]

MAGIC: Final = b"\x93NUMPY"
# dtype kind + item size -> array typecode: the fixed sizes array guarantees on every
# platform CPython runs on (b/B 1, h/H 2, i/I 4 are at least those, q/Q 8, f 4, d 8);
# sizes are checked below against array's itemsize, so a platform where they differ is
# refused instead of read wrong
_CODES: Final = {("i", 1): "b", ("u", 1): "B", ("i", 2): "h", ("u", 2): "H",
                 ("i", 4): "i", ("u", 4): "I", ("i", 8): "q", ("u", 8): "Q",
                 ("f", 4): "f", ("f", 8): "d"}
_MAX_CELLS: Final = 10_000_000  # a prediction, not a dataset: refuse a header promising more


def read_npy(raw: bytes) -> object:
    """The array in ``raw``: a scalar for shape ``()``, a tuple for 1-D, a tuple of row
    tuples for 2-D (``fortran_order`` arrays are returned row by row too). Numbers are
    ``int``/``float``/``bool``, ``<U`` strings ``str``, ``|S`` bytes ``str`` when ASCII.
    ``ValueError`` saying what is wrong (never quoting the data) otherwise."""
    if raw[:6] != MAGIC:
        raise ValueError("not a .npy array (no \\x93NUMPY magic)")
    if len(raw) < 10:
        raise ValueError("a .npy array cut short in its header")
    major = raw[6]
    if major == 1:
        size, start = struct.unpack_from("<H", raw, 8)[0], 10
    elif major in (2, 3):
        if len(raw) < 12:
            raise ValueError("a .npy array cut short in its header")
        size, start = struct.unpack_from("<I", raw, 8)[0], 12
    else:
        raise ValueError(f".npy format version {major} is not one this reads (1, 2, 3)")
    header = _header(raw[start:start + size], major)
    descr, fortran, shape = header
    body = memoryview(raw)[start + size:]
    cells = 1
    for n in shape:
        cells *= n
    if cells > _MAX_CELLS:
        raise ValueError(f"a .npy array of {cells:,} values; at most {_MAX_CELLS:,} are read")
    values = _values(descr, body, cells)
    if not shape:
        return values[0]
    if len(shape) == 1:
        return tuple(values)
    if len(shape) == 2:
        rows, columns = shape
        if fortran:  # column by column in the bytes
            return tuple(tuple(values[c * rows + r] for c in range(columns))
                         for r in range(rows))
        return tuple(tuple(values[r * columns:(r + 1) * columns]) for r in range(rows))
    raise ValueError(f"a .npy array of {len(shape)} dimensions; 0-D, 1-D and 2-D are read "
                     "(pass decoders={'application/x-npy': your_function} for others)")


def _header(text: bytes, major: int) -> tuple[str, bool, tuple[int, ...]]:
    try:
        header = ast.literal_eval(text.decode("utf-8" if major == 3 else "latin-1"))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
        raise ValueError("a .npy header that is not a Python literal") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise ValueError("a .npy header without exactly descr, fortran_order and shape")
    descr, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
    if not isinstance(descr, str):
        raise ValueError("a .npy array of a structured dtype; plain dtypes are read (pass "
                         "decoders={'application/x-npy': your_function} for others)")
    if not isinstance(fortran, bool):
        raise ValueError("a .npy header whose fortran_order is not True or False")
    if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)):
        raise ValueError("a .npy header whose shape is not a tuple of sizes")
    return descr, fortran, shape


def _values(descr: str, body: memoryview, cells: int) -> Sequence[object]:
    order, kind, size_text = descr[:1], descr[1:2], descr[2:]
    if order not in "<>|=" or not size_text.isdigit():
        raise ValueError("a .npy dtype this does not read; plain numbers, booleans and "
                         "strings are read")
    size = int(size_text)
    big = order == ">" or (order == "=" and sys.byteorder == "big")
    need = cells * (size * 4 if kind == "U" else size)
    if len(body) < need:
        raise ValueError(f"a .npy array cut short: {len(body):,} of {need:,} data bytes")
    data = bytes(body[:need])
    if kind == "b" and size == 1:
        return [b != 0 for b in data]
    if kind == "U":  # UTF-32 code units, NUL-padded
        text = data.decode("utf-32-be" if big else "utf-32-le")
        return [text[i * size:(i + 1) * size].rstrip("\x00") for i in range(cells)]
    if kind == "S":
        chunks = [data[i * size:(i + 1) * size].rstrip(b"\x00") for i in range(cells)]
        try:
            return [c.decode("ascii") for c in chunks]
        except UnicodeDecodeError:
            return list(chunks)
    if kind == "f" and size == 2:
        return list(struct.unpack(f"{'>' if big else '<'}{cells}e", data))
    code = _CODES.get((kind, size))
    if code is None or array(code).itemsize != size:
        raise ValueError(f"a .npy dtype of kind {kind!r} and {size} bytes; this reads "
                         "booleans, integers of 1-8 bytes, floats of 2, 4 and 8 bytes and "
                         "strings")
    values = array(code)
    values.frombytes(data)
    if big != (sys.byteorder == "big"):
        values.byteswap()
    return values.tolist()
