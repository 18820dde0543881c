"""Checkpoints of tflite_micro's Save/Restore ops, as numpy arrays.

    from tflite_micro import checkpoint
    weights = checkpoint.read("w.ckpt")       # {"dense_1/kernel:0": array, ...}
    checkpoint.write("w.ckpt", weights)       # e.g. weights from Keras

The format (tensorflow/lite/micro/training/checkpoint.h), little-endian:
  "TFLMCKPT" | uint32 version = 1 | uint32 count
  count x (uint32 name_size | name | uint8 dtype (TFLite TensorType) |
           uint8 rank | uint16 0 | int32 dims[rank] | uint64 data_size | data)
  uint32 CRC-32 (zlib's) of all bytes before it | "TFLMCEND"
`write` goes through a temporary file of its own (so writers saving to one
path at once, in threads or processes, never share one) and a rename, like
the runtime, so a crash never leaves a torn checkpoint.
"""
from __future__ import annotations

import itertools
import os
import struct
import zlib
from typing import Dict, Mapping, Union

import numpy as np

__all__ = ["read", "write", "CheckpointError"]

_MAGIC = b"TFLMCKPT"
_END = b"TFLMCEND"
_VERSION = 1
_MAX_NAME = 255
_MAX_RANK = 6
# TFLite TensorType codes <-> numpy dtypes (fixed-size types only).
_DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 6: np.bool_,
           7: np.int16, 8: np.complex64, 9: np.int8, 10: np.float64, 11: np.complex128,
           12: np.uint64, 15: np.uint32, 16: np.uint16}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}

PathLike = Union[str, bytes, os.PathLike]

# Numbers this process's temporary files (with the pid: unique names).
_temp_counter = itertools.count()


class CheckpointError(ValueError):
    """The file is not a checkpoint, or is truncated or corrupt."""


def read(path: PathLike) -> Dict[str, np.ndarray]:
    """All tensors of the checkpoint at `path`, by name, in file order."""
    with open(path, "rb") as f:
        data = f.read()
    name = os.fsdecode(path)

    def corrupt(what):
        return CheckpointError("checkpoint %r is truncated or corrupt: %s" % (name, what))

    if len(data) < 16 + 12:
        raise corrupt("it is too short")
    if data[:8] != _MAGIC:
        raise CheckpointError("%r is not a tflite_micro checkpoint" % name)
    version, count = struct.unpack_from("<II", data, 8)
    if version != _VERSION:
        raise CheckpointError("checkpoint %r has format version %d (this reads %d)"
                              % (name, version, _VERSION))
    body_end = len(data) - 12
    if data[body_end + 4:] != _END:
        raise corrupt("the end marker is missing")
    if struct.unpack_from("<I", data, body_end)[0] != zlib.crc32(data[:body_end]):
        raise corrupt("the checksum does not match")
    out: Dict[str, np.ndarray] = {}
    pos = 16
    for _ in range(count):
        if pos + 4 > body_end:
            raise corrupt("an entry is cut short")
        (name_size,) = struct.unpack_from("<I", data, pos)
        pos += 4
        if not 0 < name_size <= _MAX_NAME or pos + name_size + 4 > body_end:
            raise corrupt("a tensor name is malformed")
        # surrogateescape: a name that is not UTF-8 reads back as the same
        # bytes when written again.
        key = data[pos:pos + name_size].decode("utf-8", "surrogateescape")
        pos += name_size
        code, rank = data[pos], data[pos + 1]
        pos += 4
        if code not in _DTYPES or rank > _MAX_RANK or pos + 4 * rank + 8 > body_end:
            raise corrupt("the header of %r is malformed" % key)
        dims = struct.unpack_from("<%di" % rank, data, pos)
        pos += 4 * rank
        (size,) = struct.unpack_from("<Q", data, pos)
        pos += 8
        dtype = np.dtype(_DTYPES[code]).newbyteorder("<")
        if any(d < 0 for d in dims) or size != int(np.prod(dims, dtype=np.int64)) * dtype.itemsize \
                or pos + size > body_end:
            raise corrupt("the size of %r does not match its shape" % key)
        if key in out:
            raise corrupt("%r appears twice" % key)
        out[key] = np.frombuffer(data, dtype, count=size // dtype.itemsize,
                                 offset=pos).reshape(dims).astype(dtype.newbyteorder("="))
        pos += size
    if pos != body_end:
        raise corrupt("bytes follow the last tensor")
    return out


def write(path: PathLike, tensors: Mapping[str, np.ndarray]) -> None:
    """Writes `tensors` (name -> array) as a checkpoint the runtime's restore
    reads; names must match the model's (e.g. "dense_1/kernel:0")."""
    parts = [_MAGIC, struct.pack("<II", _VERSION, len(tensors))]
    for key, value in tensors.items():
        array = np.asarray(value)
        if array.dtype not in _CODES:
            raise ValueError("tensor %r has dtype %s, which checkpoints do not hold"
                             % (key, array.dtype))
        encoded = str(key).encode("utf-8", "surrogateescape")
        if not 0 < len(encoded) <= _MAX_NAME or array.ndim > _MAX_RANK:
            raise ValueError("tensor %r: names have 1 to %d bytes and ranks at most %d"
                             % (key, _MAX_NAME, _MAX_RANK))
        raw = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        parts += [struct.pack("<I", len(encoded)), encoded,
                  struct.pack("<BBH", _CODES[array.dtype], array.ndim, 0),
                  struct.pack("<%di" % array.ndim, *array.shape), struct.pack("<Q", len(raw)), raw]
    body = b"".join(parts)
    write_atomically(path, body + struct.pack("<I", zlib.crc32(body)) + _END)


def write_atomically(path: PathLike, blob: bytes) -> None:
    """Replaces the file at `path` with `blob` in one step: written to a
    temporary file of this writer's own, synced, then renamed over `path`, so
    readers and concurrent writers never see a torn file."""
    target = os.fsdecode(path)
    tmp, fd = _create_temp(target)
    try:
        with open(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def _create_temp(target: str):
    """(name, fd) of a new file beside `target` that no other writer uses:
    "<target>.tmp.<pid>.<n>", created exclusively (a name left behind by a
    crashed writer is skipped), with the permissions open() would give."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    for _ in range(64):
        tmp = "%s.tmp.%d.%d" % (target, os.getpid(), next(_temp_counter))
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError("cannot create a temporary file for checkpoint %r: every name "
                          "tried exists" % target)
