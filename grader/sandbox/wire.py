"""The wire format between the grader and a student process.

Frames are a 4-byte big-endian length followed by UTF-8 JSON.  Values are
tagged JSON: tensors travel as raw little-endian bytes (base64) with their
dtype and shape, so no pickle and no ``torch.load`` ever touches bytes that a
student process wrote.  ``decode`` is the grader's side: it validates every
tag, dtype, shape and size before building a tensor, and treats anything
unexpected as a protocol error rather than trusting it.

This module is imported on both sides; it must not import anything secret.
"""

from __future__ import annotations

import base64
import json
import math
import os
import select
import socket
import struct
import time
from typing import Any

MAX_FRAME = 16 * 1024 * 1024  # a reply larger than this is a protocol error
MAX_TENSOR_ELEMENTS = 1_000_000
MAX_DEPTH = 12
MAX_STR = 4096

# dtype name -> (itemsize, numpy dtype string); only these cross the wire.
DTYPES = {
    "float16": (2, "<f2"),
    "bfloat16": (2, None),
    "float32": (4, "<f4"),
    "float64": (8, "<f8"),
    "int8": (1, "<i1"),
    "uint8": (1, "<u1"),
    "int16": (2, "<i2"),
    "int32": (4, "<i4"),
    "int64": (8, "<i8"),
    "bool": (1, "|b1"),
}


class ProtocolError(Exception):
    """The other side sent something that is not a valid frame or value."""


class WireTimeout(Exception):
    """No complete frame arrived before the deadline."""


class PeerClosed(Exception):
    """The other side closed the connection (it exited or crashed)."""


# ----------------------------------------------------------------- framing


def frame(message: dict) -> bytes:
    """One frame's bytes: the 4-byte length, then the JSON."""
    payload = json.dumps(message, separators=(",", ":"), allow_nan=True).encode()
    return struct.pack(">I", len(payload)) + payload


def send_frame(sock: socket.socket, message: dict, fds: list[int] = ()) -> None:
    """Send one frame; ``fds`` travel with its first byte (SCM_RIGHTS), for a stream socket of AF_UNIX."""
    data = frame(message)
    sent = socket.send_fds(sock, [data], list(fds)) if fds else 0
    sock.sendall(data[sent:])


def _recv_exact(sock: socket.socket, n: int, deadline: float | None) -> bytes:
    chunks = []
    while n:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WireTimeout()
            ready, _, _ = select.select([sock], [], [], remaining)
            if not ready:
                raise WireTimeout()
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise PeerClosed()
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def recv_frame_with_fds(sock: socket.socket, max_fds: int, deadline: float | None = None,
                        max_size: int = MAX_FRAME) -> tuple[dict, list[int]]:
    """One frame and the descriptors sent with it (the peer sends one frame at a time)."""
    if deadline is not None and not select.select([sock], [], [], max(deadline - time.monotonic(), 0))[0]:
        raise WireTimeout()
    header, fds, _, _ = socket.recv_fds(sock, 4, max_fds)  # the descriptors come with the first byte
    if not header:
        raise PeerClosed()
    try:
        return recv_frame(sock, deadline, max_size, header), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def recv_frame(sock: socket.socket, deadline: float | None = None, max_size: int = MAX_FRAME,
               _header: bytes = b"") -> dict:
    length = frame_length(_header + _recv_exact(sock, 4 - len(_header), deadline), max_size)
    return parse_frame(_recv_exact(sock, length, deadline))


def frame_length(header: bytes, max_size: int = MAX_FRAME) -> int:
    """The payload length a frame's 4-byte header announces, refused above ``max_size``."""
    (length,) = struct.unpack(">I", header)
    if length > max_size:
        raise ProtocolError(f"frame of {length} bytes exceeds the {max_size}-byte limit")
    return length


def parse_frame(payload: bytes) -> dict:
    """A frame's payload as a JSON object, or ``ProtocolError``."""
    try:
        message = json.loads(payload)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError; or nested too deeply
        raise ProtocolError(f"frame is not valid JSON: {type(exc).__name__}") from None
    if not isinstance(message, dict):
        raise ProtocolError("frame is not a JSON object")
    return message


# ---------------------------------------------------------------- encoding


def _dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "")


def encode(value: Any, _depth: int = 0) -> Any:
    """Turn a value into tagged JSON.  Never raises for odd objects: they are described."""
    import torch

    if _depth > MAX_DEPTH:
        return {"object": {"type": "too deep", "repr": ""}}
    if value is None or isinstance(value, (bool, str)):
        return value if not isinstance(value, str) else value[:MAX_STR]
    if type(value) is int:
        return value if abs(value) < 2**63 else {"float": float(value)}
    if type(value) is float:
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, torch.Tensor):
        return {"tensor": _encode_tensor(value)}
    try:
        import numpy as np

        if isinstance(value, np.ndarray):
            return {"ndarray": _encode_tensor(torch.from_numpy(np.ascontiguousarray(value)))}
        if isinstance(value, np.generic):
            return encode(value.item(), _depth + 1)
    except Exception:  # an odd array (object dtype, ...) is described, not sent
        pass
    if type(value) in (list, tuple):
        items = [encode(v, _depth + 1) for v in value[:10_000]]
        return items if type(value) is list else {"tuple": items}
    if type(value) is dict and all(type(k) is str for k in value):
        return {"dict": {k: encode(v, _depth + 1) for k, v in list(value.items())[:1000]}}
    return {"object": {"type": _type_name(value), "repr": _safe_repr(value)}}


def _type_name(value: Any) -> str:
    cls = type(value)
    return f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', '?')}"


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)[:200]
    except Exception:
        return "<unrepresentable>"


def _encode_tensor(t: Any) -> dict:
    import torch

    kind = _type_name(t)
    requires_grad = bool(t.requires_grad)
    # Strip any subclass behaviour before touching the data.
    t = torch.Tensor._make_subclass(torch.Tensor, t.detach()) if type(t) is not torch.Tensor else t.detach()
    if t.is_complex() or _dtype_name(t.dtype) not in DTYPES or t.numel() > MAX_TENSOR_ELEMENTS:
        return {"dtype": _dtype_name(t.dtype), "shape": list(t.shape), "data": None, "type": kind}
    t = t.cpu().contiguous()
    if t.dtype == torch.bfloat16:
        raw = t.view(torch.int16).numpy().tobytes()
    else:
        raw = t.numpy().astype(DTYPES[_dtype_name(t.dtype)][1], copy=False).tobytes()
    return {
        "dtype": _dtype_name(t.dtype),
        "shape": list(t.shape),
        "data": base64.b64encode(raw).decode("ascii"),
        "type": kind,
        "requires_grad": requires_grad,
    }


# ---------------------------------------------------------------- decoding


class Opaque:
    """A value the student returned that is not plain data (its type and repr only)."""

    __slots__ = ("type", "repr")

    def __init__(self, type_: str, repr_: str):
        self.type, self.repr = type_, repr_

    def __repr__(self) -> str:
        return f"<{self.type}: {self.repr}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and (self.type, self.repr) == (other.type, other.repr)


class WireTensor:
    """Metadata of a decoded tensor: what the student's object was, beyond its values."""

    __slots__ = ("type", "requires_grad", "kind")

    def __init__(self, type_: str, requires_grad: bool, kind: str):
        self.type, self.requires_grad, self.kind = type_, requires_grad, kind


def decode(value: Any, _depth: int = 0) -> Any:
    """Validate and decode tagged JSON from an untrusted peer into Python/torch values."""
    if _depth > MAX_DEPTH + 2:
        raise ProtocolError("value nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, str) and len(value) > MAX_STR:
            raise ProtocolError("string too long")
        if type(value) is int and abs(value) >= 2**63:  # ``encode`` sends larger ones as floats
            raise ProtocolError("integer too large")
        return value
    if isinstance(value, list):
        return [decode(v, _depth + 1) for v in value]
    if not isinstance(value, dict) or len(value) != 1:
        raise ProtocolError("malformed value")
    ((tag, body),) = value.items()
    if tag == "tuple" and isinstance(body, list):
        return tuple(decode(v, _depth + 1) for v in body)
    if tag == "dict" and isinstance(body, dict):
        return {str(k): decode(v, _depth + 1) for k, v in body.items()}
    if tag == "float" and (body in ("nan", "inf", "-inf") or type(body) is float):
        return float(body)
    if tag in ("tensor", "ndarray") and isinstance(body, dict):
        return _decode_tensor(body, tag)
    if tag == "object" and isinstance(body, dict):
        return Opaque(str(body.get("type", "?"))[:200], str(body.get("repr", ""))[:200])
    raise ProtocolError(f"unknown tag {tag!r}")


def _decode_tensor(body: dict, kind: str) -> Any:
    import numpy as np
    import torch

    dtype, shape, data = body.get("dtype"), body.get("shape"), body.get("data")
    # Each size at most the element cap: with a zero elsewhere, [0, 2**70] holds no element yet no tensor has it.
    if not isinstance(shape, list) or len(shape) > 8 or \
            not all(type(s) is int and 0 <= s <= MAX_TENSOR_ELEMENTS for s in shape):
        raise ProtocolError("tensor shape is invalid")
    numel = math.prod(shape)
    type_ = str(body.get("type", "torch.Tensor"))[:200]
    if data is None or not isinstance(dtype, str) or dtype not in DTYPES:
        # The student produced a tensor we do not carry (complex, huge): describe it.
        return Opaque(type_, f"tensor of dtype {str(dtype)[:40]} and shape {tuple(shape)}")
    if numel > MAX_TENSOR_ELEMENTS or not isinstance(data, str):
        raise ProtocolError("tensor too large")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:  # binascii.Error
        raise ProtocolError("tensor data is not base64") from None
    itemsize, np_dtype = DTYPES[dtype]
    if len(raw) != numel * itemsize:
        raise ProtocolError("tensor byte count does not match its shape")
    if dtype == "bfloat16":
        t = torch.from_numpy(np.frombuffer(raw, dtype="<i2").copy()).view(torch.bfloat16)
    else:
        t = torch.from_numpy(np.frombuffer(raw, dtype=np_dtype).copy())
    try:
        t = t.reshape(shape)
    except RuntimeError:  # whatever torch refuses is the sender's fault, not the grader's
        raise ProtocolError("tensor shape is invalid") from None
    t.grader_wire = WireTensor(type_, bool(body.get("requires_grad", False)), kind)
    return t


def meta(t: Any) -> WireTensor | None:
    """What the student's object was (type, requires_grad, tensor or ndarray), if known."""
    return getattr(t, "grader_wire", None)
