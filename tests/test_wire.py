"""The wire format: what a student process sends is validated, never trusted."""

from __future__ import annotations

import base64
import socket

import pytest
import torch

from grader.sandbox import wire


def roundtrip(value):
    return wire.decode(wire.encode(value))


def test_tensors_roundtrip_exactly_with_dtype_and_shape():
    for t in (torch.randn(3, 4), torch.randn(2, 2, dtype=torch.float64), torch.arange(6).reshape(2, 3),
              torch.zeros(0, 3), torch.tensor(2.5)):
        back = roundtrip(t)
        assert back.dtype == t.dtype and back.shape == t.shape and torch.equal(back, t)


def test_plain_values_tuples_dicts_and_non_finite_floats():
    value = [1, 2.5, None, True, "s", (1, 2), {"a": [1]}, float("nan"), float("inf")]
    back = roundtrip(value)
    assert back[:7] == [1, 2.5, None, True, "s", (1, 2), {"a": [1]}]
    assert back[7] != back[7] and back[8] == float("inf")


def test_tensor_subclass_is_stripped_to_data_and_described():
    class Liar(torch.Tensor):
        def __eq__(self, other):  # the classic "always equal" cheat
            return True

    lying = torch.ones(2, 2).as_subclass(Liar)
    back = roundtrip(lying)
    assert type(back) is torch.Tensor and torch.equal(back, torch.ones(2, 2))
    assert wire.meta(back).type.endswith("Liar")


def test_arbitrary_objects_become_opaque_descriptions():
    class Weird:
        def __eq__(self, other):
            return True

    back = roundtrip(Weird())
    assert isinstance(back, wire.Opaque) and back.type.endswith("Weird")
    assert back != torch.ones(1)


@pytest.mark.parametrize("bad", [
    {"tensor": {"dtype": "float32", "shape": [2, 2], "data": base64.b64encode(b"\0" * 12).decode()}},  # short
    {"tensor": {"dtype": "float32", "shape": [-1], "data": ""}},
    {"tensor": {"dtype": "float32", "shape": [10**9], "data": ""}},
    {"tensor": {"dtype": "float32", "shape": [1], "data": "not base64!"}},
    {"pickle": "gASVAAAAAAAAAAA="},
    {"tuple": [1], "extra": 2},
    "x" * (wire.MAX_STR + 1),
])
def test_malformed_values_are_protocol_errors(bad):
    with pytest.raises((wire.ProtocolError, ValueError)):
        wire.decode(bad)


def test_unknown_dtype_becomes_a_description_not_a_tensor():
    back = wire.decode({"tensor": {"dtype": "complex64", "shape": [1], "data": None}})
    assert isinstance(back, wire.Opaque)


def test_frames_over_the_size_limit_are_refused():
    a, b = socket.socketpair()
    with a, b:
        a.sendall((wire.MAX_FRAME + 1).to_bytes(4, "big"))
        with pytest.raises(wire.ProtocolError):
            wire.recv_frame(b, deadline=None)


def test_frame_roundtrip_and_timeout():
    a, b = socket.socketpair()
    with a, b:
        wire.send_frame(a, {"x": 1})
        assert wire.recv_frame(b) == {"x": 1}
        import time

        with pytest.raises(wire.WireTimeout):
            wire.recv_frame(b, deadline=time.monotonic() + 0.05)


def test_descriptors_travel_with_their_frame_on_a_stream_socket():
    """The template's control channel: a stream socket (macOS has no SOCK_SEQPACKET) carrying frames."""
    import os

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    r, w = os.pipe()
    try:
        wire.send_frame(ours, {"op": "fork", "n": 1}, [w])
        wire.send_frame(ours, {"op": "reap"})
        message, fds = wire.recv_frame_with_fds(theirs, 4)
        assert message == {"op": "fork", "n": 1} and len(fds) == 1
        os.write(fds[0], b"through the passed descriptor")
        os.close(fds[0])
        assert os.read(r, 100) == b"through the passed descriptor"
        assert wire.recv_frame_with_fds(theirs, 4) == ({"op": "reap"}, [])
        ours.close()
        with pytest.raises(wire.PeerClosed):
            wire.recv_frame_with_fds(theirs, 4)
    finally:
        for fd in (r, w):
            os.close(fd)
        theirs.close()


def test_without_fork_the_template_is_a_spawner(monkeypatch):
    import os

    from grader.sandbox.workers import Limits, SandboxError, Spawner, Zygote, template_for

    monkeypatch.delattr(os, "fork")
    assert isinstance(template_for(Limits(), [], warm_everything=False), Spawner)
    assert isinstance(template_for(Limits(process_model="spawn"), [], warm_everything=False), Spawner)
    with pytest.raises(SandboxError, match="spawn"):
        Zygote([]).launch()
    with pytest.raises(SandboxError, match="unknown process model 'thread'"):
        template_for(Limits(process_model="thread"), [], warm_everything=False)


@pytest.mark.parametrize("shape, data", [([0, 2**70], ""), ([2**40, 2**40, 0], ""), ([2**31, 0], ""),
                                         ([2**62], None)])
def test_a_tensor_shape_torch_cannot_build_is_a_protocol_error(shape, data):
    with pytest.raises(wire.ProtocolError):
        wire.decode({"tensor": {"dtype": "float32", "shape": shape, "data": data}})
