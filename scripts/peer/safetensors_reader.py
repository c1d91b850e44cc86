"""A small safetensors reader: 8-byte little-endian header length, JSON header,
then raw little-endian data. bfloat16 is widened to float32 by shifting its 16
bits into the high half of a uint32. Tensors are copied out of the file mapping
into ordinary memory (as a loader that keeps them would)."""
import json
import os
import struct

import numpy as np
import torch

_NUMPY_DTYPES = {
    "F32": np.float32,
    "F16": np.float16,
    "I32": np.int32,
    "U32": np.uint32,
    "I64": np.int64,
    "U8": np.uint8,
    "I8": np.int8,
}


def read_header(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    header.pop("__metadata__", None)
    return header, 8 + length


def _to_float32_tensor(raw, dtype, shape):
    if dtype == "BF16":
        widened = raw.view(np.uint16).astype(np.uint32) << 16
        array = widened.view(np.float32)
    elif dtype == "F16":
        array = raw.view(np.float16).astype(np.float32)
    elif dtype in _NUMPY_DTYPES:
        array = np.array(raw.view(_NUMPY_DTYPES[dtype]))
    else:
        raise ValueError(f"unsupported safetensors dtype {dtype}")
    return torch.from_numpy(array.reshape(shape))


def load_file(path, prefix=""):
    """Every tensor of one file whose name starts with `prefix`, keyed without it (floats as float32)."""
    header, data_start = read_header(path)
    mapped = np.memmap(path, dtype=np.uint8, mode="r")
    tensors = {}
    for name, info in header.items():
        if not name.startswith(prefix):
            continue
        begin, end = info["data_offsets"]
        raw = mapped[data_start + begin : data_start + end]
        tensors[name[len(prefix) :]] = _to_float32_tensor(raw, info["dtype"], info["shape"])
    del mapped
    return tensors


def weight_files(directory):
    """model.safetensors, or the shards named by model.safetensors.index.json, or every *.safetensors."""
    single = os.path.join(directory, "model.safetensors")
    if os.path.exists(single):
        return [single]
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            names = sorted(set(json.load(f)["weight_map"].values()))
        return [os.path.join(directory, n) for n in names]
    return sorted(os.path.join(directory, n) for n in os.listdir(directory) if n.endswith(".safetensors"))


def load_directory(directory, prefix=""):
    tensors = {}
    for path in weight_files(directory):
        tensors.update(load_file(path, prefix))
    return tensors
