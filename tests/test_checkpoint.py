"""Checkpoints: round trips, atomic writes, no pickle, and clear errors for truncated/corrupt/mismatched files."""

import io
import os
import zipfile

import numpy as np
import pytest

import chainrule as cr
from chainrule.checkpoint import load_checkpoint, load_model, save_checkpoint, save_model
from chainrule.errors import CheckpointError


def _trained(seed=0):
    net = cr.nn.Sequential(cr.nn.Dense(4, 6, seed=seed), cr.nn.BatchNorm1d(6), cr.nn.ReLU(), cr.nn.Dense(6, 3, seed=1))
    opt = cr.optim.Adam(net.parameters(), lr=0.01)
    x = np.random.default_rng(seed).standard_normal((8, 4)).astype("float32")
    for _ in range(3):
        opt.zero_grad()
        cr.cross_entropy(net(cr.tensor(x)), np.arange(8) % 3).backward()
        opt.step()
    return net, opt


def test_round_trip_model_optimizer_schedule_meta(tmp_path):
    net, opt = _trained()
    sched = cr.optim.StepLR(opt, step_size=2)
    sched.step()
    path = save_checkpoint(tmp_path / "run" / "ckpt.npz", net, opt, schedule=sched, meta={"epoch": 3, "note": "hi"})
    net2, opt2 = _trained(seed=5)
    sched2 = cr.optim.StepLR(opt2, step_size=2)
    ckpt = load_checkpoint(path)
    ckpt.restore(net2, opt2, sched2)
    assert ckpt.meta == {"epoch": 3, "note": "hi"}
    for (k, a), (_, b) in zip(net.state_dict().items(), net2.state_dict().items(), strict=True):
        assert np.array_equal(a, b), k
    for k, v in opt.state_dict().items():
        assert np.array_equal(v, opt2.state_dict()[k]), k
    assert sched2.t == 1
    # plain NumPy reads it without pickle, and finds no object arrays
    with np.load(path, allow_pickle=False) as z:
        assert "model/layers.0.weight" in z.files and "__meta__" in z.files
        assert all(z[k].dtype != object for k in z.files)


def test_save_model_load_model(tmp_path):
    net, _ = _trained()
    path = save_model(tmp_path / "m.npz", net, meta={"k": [1, 2]})
    other, _ = _trained(seed=3)
    assert load_model(path, other) == {"k": [1, 2]}
    assert np.array_equal(other.layers[0].weight.data, net.layers[0].weight.data)


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path, monkeypatch):
    net, opt = _trained()
    path = save_checkpoint(tmp_path / "ckpt.npz", net, opt, meta={"version": "old"})

    def boom(*args, **kwargs):
        raise KeyboardInterrupt  # a Ctrl-C in the middle of the rename

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, net, opt, meta={"version": "new"})
    monkeypatch.undo()
    assert load_checkpoint(path).meta == {"version": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]  # no temporary file left behind


@pytest.mark.parametrize("keep", [0.05, 0.3, 0.6, 0.9, 0.99])
def test_truncated_file_names_file_and_entry(tmp_path, keep):
    net, opt = _trained()
    path = save_checkpoint(tmp_path / "ckpt.npz", net, opt)
    raw = path.read_bytes()
    cut = int(len(raw) * keep)
    with zipfile.ZipFile(path) as zf:  # the member whose bytes straddle the cut is the first bad one
        members = sorted(zf.infolist(), key=lambda i: i.header_offset)
        index_start = zf.start_dir
    path.write_bytes(raw[:cut])
    with pytest.raises(CheckpointError, match="truncated or corrupt") as exc:
        load_checkpoint(path)
    assert str(path) in str(exc.value)
    if cut < index_start:
        expected = [m.filename[: -len(".npy")] for m in members if m.header_offset < cut][-1]
        assert f"the first bad entry is {expected!r}, cut short" in str(exc.value)
    else:
        assert "zip index at the end" in str(exc.value)


def test_cut_index_is_reported(tmp_path):
    net, _ = _trained()
    path = save_checkpoint(tmp_path / "ckpt.npz", net)
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(CheckpointError, match="zip index at the end"):
        load_checkpoint(path)


def test_flipped_byte_names_the_entry(tmp_path):
    net, opt = _trained()
    path = save_checkpoint(tmp_path / "ckpt.npz", net, opt)
    raw = bytearray(path.read_bytes())
    at = raw.find(b"model/layers.3.weight.npy")
    raw[at + 200] ^= 0xFF  # inside that entry's array data
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match=r"entry 'model/layers\.3\.weight' is corrupt") as exc:
        load_checkpoint(path)
    assert str(path) in str(exc.value)


def _rewrite(path, change):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.write_bytes(buf.getvalue())


def test_valid_zip_with_changed_values_fails_checksum(tmp_path):
    net, _ = _trained()
    path = save_checkpoint(tmp_path / "ckpt.npz", net)
    _rewrite(path, lambda a: a.__setitem__("model/layers.0.bias", a["model/layers.0.bias"] + 1))
    with pytest.raises(CheckpointError, match=r"'model/layers\.0\.bias' is corrupt \(its dtype, shape or checksum"):
        load_checkpoint(path)


def test_pickled_entry_is_refused(tmp_path):
    net, _ = _trained()
    path = save_checkpoint(tmp_path / "ckpt.npz", net)
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["model/evil"] = np.array([{"a": 1}], dtype=object)
    with zipfile.ZipFile(path, "w") as zf:
        for k, v in arrays.items():
            buf = io.BytesIO()
            np.save(buf, v, allow_pickle=True)
            zf.writestr(k + ".npy", buf.getvalue())
    with pytest.raises(CheckpointError, match=r"'model/evil' is not listed"):
        load_checkpoint(path)


def test_missing_meta_and_not_a_zip(tmp_path):
    bare = tmp_path / "bare.npz"
    np.savez(bare, w=np.zeros(3))
    with pytest.raises(CheckpointError, match="'__meta__' is missing"):
        load_checkpoint(bare)
    junk = tmp_path / "junk.npz"
    junk.write_text("hello")
    with pytest.raises(CheckpointError, match=str(junk.name)):
        load_checkpoint(junk)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.npz")


def test_mismatched_model_names_file_and_entry(tmp_path):
    net, opt = _trained()
    path = save_checkpoint(tmp_path / "ckpt.npz", net, opt)
    smaller = cr.nn.Sequential(cr.nn.Dense(4, 5), cr.nn.BatchNorm1d(5), cr.nn.ReLU(), cr.nn.Dense(5, 3))
    with pytest.raises(CheckpointError, match=r"ckpt\.npz does not fit: .*'layers\.0\.weight' has shape \(4, 6\)"):
        load_checkpoint(path).restore(smaller)
    wrong_dtype = cr.nn.Sequential(
        cr.nn.Dense(4, 6, dtype="float64"), cr.nn.BatchNorm1d(6), cr.nn.ReLU(), cr.nn.Dense(6, 3)
    )
    with pytest.raises(CheckpointError, match="dtype float32"):
        load_checkpoint(path).restore(wrong_dtype)
    other_opt = cr.optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(CheckpointError, match="not a setting of SGD"):
        load_checkpoint(path).restore(net, other_opt)
    with pytest.raises(CheckpointError, match="no optimizer state"):
        load_checkpoint(save_checkpoint(tmp_path / "m.npz", net)).restore(net, opt)
