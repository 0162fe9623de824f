"""Plain data: what a probe may hand to a judge, and its exact JSON encoding.

A probe runs next to a student's code; its result is reduced to plain values (numbers,
strings, ``None``, lists, dicts with string keys, and float64/int64/bool numpy arrays) so
that nothing of the student's objects (subclasses, overridden methods) reaches the judge.
Arrays travel as their raw bytes in base64 with their dtype and shape beside them, which
round-trips every float exactly and decodes without parsing a header.
"""

from __future__ import annotations

import base64
import io
import json
import math

import numpy as np

_ARRAY_KEY = "__array__"
_NPY_KEY = "__npy__"  # the older form: base64 .npy bytes (still decoded)
_PLAIN_DTYPES = {np.dtype(t).str: np.dtype(t) for t in (np.float64, np.int64, np.bool_)}
"""The only array types plain data holds (what :func:`to_plain` makes), by their dtype text."""


def to_plain(value, depth: int = 0):
    """A plain copy of ``value``; anything else becomes a string describing it."""
    if depth > 20:
        return "<nested too deeply>"
    if value is None or isinstance(value, bool | str):
        return value if not isinstance(value, str) else str(value)
    if type(value) is int or isinstance(value, np.integer):
        return int(value)
    if type(value) is float or isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, dict):
        return {str(k): to_plain(v, depth + 1) for k, v in list(value.items())}
    if isinstance(value, list | tuple):
        return [to_plain(v, depth + 1) for v in list(value)]
    try:
        array = np.array(value, copy=True)
    except Exception as error:
        return f"<{type(value).__name__}: not convertible to an array ({error})>"
    if array.dtype == object:
        return f"<{type(value).__name__} that is not a numeric array>"
    array = np.asarray(array).view(np.ndarray)
    if array.dtype.kind == "b":
        return array.astype(bool)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind in "fc":
        return np.real(array).astype(np.float64)
    return f"<array of dtype {array.dtype}>"


def _encode_default(value):
    if isinstance(value, np.ndarray):
        return {_ARRAY_KEY: base64.b64encode(value.tobytes(order="C")).decode("ascii"),
                "dtype": value.dtype.str, "shape": list(value.shape)}
    raise TypeError(f"not plain data: {type(value).__name__}")


def _nonfinite_to_str(value):
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    if isinstance(value, dict):
        return {k: _nonfinite_to_str(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nonfinite_to_str(v) for v in value]
    return value


def encode(value) -> str:
    """JSON text for plain data (arrays exact, non-finite floats kept)."""
    return json.dumps(_nonfinite_to_str(to_plain(value)), default=_encode_default,
                      sort_keys=True)


def _load_array(raw: bytes) -> np.ndarray:
    """An .npy array from ``raw``, refusing a header that claims more data than there is
    (``np.load`` would allocate what the header says before reading anything)."""
    stream = io.BytesIO(raw)
    version = np.lib.format.read_magic(stream)
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    shape, _, dtype = read_header(stream)
    if dtype.hasobject or math.prod(shape) * dtype.itemsize > len(raw):
        raise ValueError(f"an array header claims shape {shape} of {dtype} in {len(raw)} bytes")
    return np.load(io.BytesIO(raw), allow_pickle=False)


def _raw_array(obj: dict) -> np.ndarray:
    """The array of an encoded ``{"__array__", "dtype", "shape"}``: only plain dtypes, and
    exactly as many bytes as the shape needs (nothing is allocated from a claim)."""
    dtype, shape = _PLAIN_DTYPES.get(obj["dtype"]), obj["shape"]
    if dtype is None or not isinstance(shape, list) or len(shape) > 32 or not all(
            type(n) is int and n >= 0 for n in shape):
        raise ValueError(f"not a plain array: dtype {str(obj['dtype'])[:20]!r}, shape "
                         f"{str(shape)[:60]}")
    raw = base64.b64decode(str(obj[_ARRAY_KEY]).encode("ascii"), validate=True)
    if math.prod(shape) * dtype.itemsize != len(raw):
        raise ValueError(f"an array claims shape {tuple(shape)} of {dtype} in {len(raw)} "
                         "bytes")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _decode_hook(obj: dict):
    if set(obj) == {_ARRAY_KEY, "dtype", "shape"}:
        return _raw_array(obj)
    if set(obj) == {_NPY_KEY}:
        raw = base64.b64decode(obj[_NPY_KEY].encode("ascii"), validate=True)
        return _load_array(raw)
    if set(obj) == {"__float__"}:
        return float(obj["__float__"])
    return obj


def decode(text: str):
    """Plain data back from :func:`encode`'s text; never unpickles anything.

    Anything that is not such text (nested too deeply, an array header that lies) raises
    ValueError.
    """
    try:
        return json.loads(text, object_hook=_decode_hook)
    except RecursionError as error:
        raise ValueError("nested too deeply") from error
