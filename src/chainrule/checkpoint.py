"""Checkpoints: model, optimizer and schedule state in one ``.npz`` file — no pickle anywhere.

Layout of the file (a zip of ``.npy`` arrays, readable with ``np.load(path, allow_pickle=False)``):

* ``model/<name>``      each entry of ``model.state_dict()`` (``model/dense1.weight`` ...)
* ``optimizer/<key>``   each entry of ``optimizer.state_dict()``
* ``schedule/<key>``    each entry of a learning-rate schedule's ``state_dict()``
* ``__meta__``          UTF-8 JSON as a uint8 array: format version, each entry's dtype, shape and CRC-32,
                        and whatever JSON-able ``meta`` the caller adds (a training run's settings and progress)

Writes are atomic (a temporary file renamed into place), so a crash leaves the previous checkpoint or the
new one, never half a file. Loading checks everything and raises :class:`~chainrule.errors.CheckpointError`
naming the file and the first bad entry.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import CheckpointError
from .io import atomic_write_bytes

FORMAT = "chainrule-checkpoint"
VERSION = 1
META = "__meta__"
SECTIONS = ("model", "optimizer", "schedule")


@dataclass
class Checkpoint:
    """What a checkpoint file holds, as plain arrays and JSON values."""

    path: Path
    model: dict[str, np.ndarray]
    optimizer: dict[str, np.ndarray] = field(default_factory=dict)
    schedule: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def restore(self, model: Any, optimizer: Any = None, schedule: Any = None) -> None:
        """Load the saved state into ``model`` (and ``optimizer``, ``schedule``), with strict checks."""
        try:
            model.load_state_dict(self.model)
            if optimizer is not None:
                if not self.optimizer:
                    raise CheckpointError("it holds no optimizer state")
                optimizer.load_state_dict(self.optimizer)
            if schedule is not None and self.schedule:
                schedule.load_state_dict(self.schedule)
        except CheckpointError as e:
            raise CheckpointError(f"checkpoint {self.path} does not fit: {e}") from None


def _crc(a: np.ndarray) -> int:
    return zlib.crc32(np.ascontiguousarray(a).tobytes())


def save_checkpoint(
    path: str | os.PathLike[str],
    model: Any,
    optimizer: Any = None,
    *,
    schedule: Any = None,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write ``model`` (and optionally ``optimizer``, ``schedule``) state to ``path`` atomically.

    >>> import chainrule as cr, tempfile, os
    >>> net = cr.nn.Dense(3, 2, seed=0)
    >>> path = save_checkpoint(os.path.join(tempfile.mkdtemp(), "ckpt.npz"), net, meta={"epoch": 1})
    >>> load_checkpoint(path).meta["epoch"]
    1
    """
    arrays: dict[str, np.ndarray] = {}
    for section, obj in zip(SECTIONS, (model, optimizer, schedule), strict=True):
        if obj is None:
            continue
        for key, value in obj.state_dict().items():
            a = np.asarray(value)
            if a.dtype == object:
                raise CheckpointError(f"save_checkpoint: {section} entry {key!r} is not numeric and cannot be saved")
            arrays[f"{section}/{key}"] = a
    entries = {k: {"dtype": str(a.dtype), "shape": list(a.shape), "crc32": _crc(a)} for k, a in arrays.items()}
    header = {"format": FORMAT, "version": VERSION, "entries": entries, "meta": meta or {}}
    try:
        text = json.dumps(header, allow_nan=True)
    except TypeError as e:
        raise CheckpointError(f"save_checkpoint: meta must hold JSON values only ({e})") from None
    arrays[META] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return atomic_write_bytes(path, buffer.getvalue())


def _first_cut_entry(raw: bytes) -> str | None:
    """Walk a zip's local headers from the start; the first member whose data runs past the end is cut."""
    pos = 0
    while pos + 30 <= len(raw) and raw[pos : pos + 4] == b"PK\x03\x04":
        _, _, _, _, _, _, _, csize, _, nlen, xlen = struct.unpack("<IHHHHHIIIHH", raw[pos : pos + 30])
        name = raw[pos + 30 : pos + 30 + nlen].decode("utf-8", "replace")
        extra = raw[pos + 30 + nlen : pos + 30 + nlen + xlen]
        if csize == 0xFFFFFFFF and len(extra) >= 20:  # zip64: the real size is in the extra field
            csize = struct.unpack("<Q", extra[12:20])[0]
        end = pos + 30 + nlen + xlen + csize
        if end > len(raw):
            return name.removesuffix(".npy")
        pos = end
    return None


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read and verify a checkpoint written by :func:`save_checkpoint` (never unpickles anything)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist (or is not a file)")
    raw = path.read_bytes()
    try:
        archive = np.load(io.BytesIO(raw), allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        cut = _first_cut_entry(raw)
        where = (
            f"; the first bad entry is {cut!r}, cut short"
            if cut
            else "; no entry is cut short, so the zip index at the end of the file is missing or damaged"
        )
        raise CheckpointError(f"checkpoint {path} is truncated or corrupt ({e}){where}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise CheckpointError(f"checkpoint {path} is a single .npy array, not a chainrule checkpoint (.npz)")
    with archive:
        names = list(archive.files)
        if META not in names:
            raise CheckpointError(
                f"checkpoint {path}: entry {META!r} is missing, so this is not a chainrule checkpoint"
            )
        header = _read_header(path, archive)
        entries: dict[str, Any] = header["entries"]
        sections: dict[str, dict[str, np.ndarray]] = {s: {} for s in SECTIONS}
        for key in names:
            if key != META and key not in entries:
                raise CheckpointError(f"checkpoint {path}: entry {key!r} is not listed in its header")
        for key, info in entries.items():
            if key not in names:
                raise CheckpointError(f"checkpoint {path}: entry {key!r} is missing")
            a = _read_entry(path, archive, key)
            if str(a.dtype) != info["dtype"] or list(a.shape) != info["shape"] or _crc(a) != info["crc32"]:
                raise CheckpointError(
                    f"checkpoint {path}: entry {key!r} is corrupt (its dtype, shape or checksum differs from the header)"
                )
            section, _, name = key.partition("/")
            if section not in sections or not name:
                raise CheckpointError(f"checkpoint {path}: entry {key!r} belongs to no known section")
            sections[section][name] = a
    return Checkpoint(path, sections["model"], sections["optimizer"], sections["schedule"], header["meta"])


def _read_entry(path: Path, archive: Any, key: str) -> np.ndarray:
    try:
        return archive[key]
    except ValueError as e:
        if "pickle" in str(e):
            raise CheckpointError(
                f"checkpoint {path}: entry {key!r} holds pickled Python objects, which chainrule never loads"
            ) from None
        raise CheckpointError(f"checkpoint {path}: entry {key!r} is corrupt ({e})") from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
        raise CheckpointError(f"checkpoint {path}: entry {key!r} is corrupt ({e})") from None


def _read_header(path: Path, archive: Any) -> dict[str, Any]:
    raw = _read_entry(path, archive, META)
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"checkpoint {path}: entry {META!r} is not valid JSON ({e})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT or not isinstance(header.get("entries"), dict):
        raise CheckpointError(f"checkpoint {path}: entry {META!r} is not a chainrule checkpoint header")
    if header.get("version") != VERSION:
        raise CheckpointError(
            f"checkpoint {path}: format version {header.get('version')} is not supported (this chainrule reads {VERSION})"
        )
    header.setdefault("meta", {})
    return header


def save_model(path: str | os.PathLike[str], model: Any, meta: dict[str, Any] | None = None) -> Path:
    """Save only a model's state (a checkpoint without optimizer)."""
    return save_checkpoint(path, model, meta=meta)


def load_model(path: str | os.PathLike[str], model: Any) -> dict[str, Any]:
    """Load a model's state saved by :func:`save_model` or :func:`save_checkpoint`; returns the meta."""
    ckpt = load_checkpoint(path)
    ckpt.restore(model)
    return ckpt.meta


__all__ = ["Checkpoint", "save_checkpoint", "load_checkpoint", "save_model", "load_model"]
