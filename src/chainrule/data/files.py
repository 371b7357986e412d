"""The user's own data: a CSV table with a named label column, or MNIST-format IDX files in a folder.

Bad files raise :class:`~chainrule.errors.DataError` naming the file and, where it helps, the line.
"""

from __future__ import annotations

import csv
import gzip
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from .datasets import CLASSIFICATION, REGRESSION, Split, make_split


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_csv_table(path: str | os.PathLike[str]) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a CSV file (every row must have the header's number of fields).

    A file whose first line is all numbers has no header: its columns are named by position ("0", "1", ...),
    and that first line is data, not lost.
    """
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = [r for r in csv.reader(f) if any(cell.strip() for cell in r)]
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DataError(f"{path}: cannot read it as CSV ({e})") from None
    if rows and all(_is_number(c.strip()) for c in rows[0]):
        rows.insert(0, [str(i) for i in range(len(rows[0]))])
    if len(rows) < 2:
        raise DataError(f"{path}: needs a header line and at least one row of data")
    header = [h.strip() for h in rows[0]]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise DataError(
            f"{path}: the header names columns more than once ({', '.join(map(repr, repeated))}); column names must be unique"
        )
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise DataError(f"{path}: line {i} has {len(row)} fields, the header has {len(header)}")
    return header, [[c.strip() for c in r] for r in rows[1:]]


def features_from_rows(path: Any, header: list[str], rows: list[list[str]], columns: list[str]) -> np.ndarray:
    """The named numeric columns as a float64 array; a non-number names its line and column."""
    try:
        idx = [header.index(c) for c in columns]
    except ValueError as e:
        raise DataError(
            f"{path}: column {str(e).split()[0]} is missing (the columns are {', '.join(header)})"
        ) from None
    x = np.empty((len(rows), len(idx)))
    for i, row in enumerate(rows):
        for j, k in enumerate(idx):
            v = _number(row[k])
            if v is None or not np.isfinite(v):
                raise DataError(
                    f"{path}: line {i + 2}, column {header[k]!r}: {row[k]!r} is not a finite number "
                    "(features must be numeric; fill or drop missing values first)"
                )
            x[i, j] = v
    return x


def load_csv(
    path: str | os.PathLike[str],
    label: str | None = None,
    *,
    task: str | None = None,
    seed: int = 0,
    test_fraction: float = 0.2,
    dtype: Any = np.float32,
) -> Split:
    """A CSV file with a header line; ``label`` names the target column (default: the last column).

    Every other column is a numeric feature. The task is classification when the labels are text or whole
    numbers with few distinct values, regression otherwise (``task=`` overrides). Class names are the sorted
    distinct labels.
    """
    header, rows = read_csv_table(path)
    label = label if label is not None else header[-1]
    if label not in header:
        raise DataError(f"{path}: no label column {label!r} (the columns are {', '.join(header)})")
    if len(header) < 2:
        raise DataError(f"{path}: needs at least one feature column besides the label {label!r}")
    features = [h for h in header if h != label]
    x = features_from_rows(path, header, rows, features)
    raw = [r[header.index(label)] for r in rows]
    numbers = [_number(v) for v in raw]
    numeric = all(v is not None for v in numbers)
    if task is None:
        whole = numeric and all(float(v).is_integer() for v in numbers)  # type: ignore[arg-type]
        task = CLASSIFICATION if not numeric or (whole and len(set(numbers)) <= max(20, len(raw) // 10)) else REGRESSION
    if task not in (CLASSIFICATION, REGRESSION):
        raise DataError(f"task must be {CLASSIFICATION!r} or {REGRESSION!r}, got {task!r}")
    if task == REGRESSION:
        if not numeric:
            bad = next(i for i, v in enumerate(numbers) if v is None)
            raise DataError(f"{path}: line {bad + 2}: label {raw[bad]!r} is not a number, so it cannot be regressed")
        return make_split(
            Path(path).stem, x, np.asarray(numbers), task=REGRESSION, seed=seed, test_fraction=test_fraction,
            dtype=dtype, feature_names=features,
        )  # fmt: skip
    keys = sorted(set(numbers)) if numeric else sorted(set(raw))
    names = [(str(int(k)) if float(k).is_integer() else str(k)) if numeric else str(k) for k in keys]
    lookup = {k: i for i, k in enumerate(keys)}
    y = np.array([lookup[v] for v in (numbers if numeric else raw)], dtype=np.int64)
    if len(keys) < 2:
        raise DataError(f"{path}: the label column {label!r} has a single value; nothing to classify")
    return make_split(
        Path(path).stem, x, y, task=CLASSIFICATION, seed=seed, test_fraction=test_fraction, dtype=dtype,
        class_names=names, feature_names=features,
    )  # fmt: skip


# -- MNIST's IDX format ---------------------------------------------------------------------------------
_IDX_TYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """An IDX file (raw, or gzipped when its name ends in .gz): magic ``0 0 type ndim``, big-endian sizes, data."""
    path = Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise DataError(f"{path}: cannot read it ({e})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise DataError(f"{path}: not an IDX file (it should start with bytes 0 0 <type> <ndim>)")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise DataError(f"{path}: IDX header is cut short")
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    need = int(np.prod(dims)) * dtype.itemsize
    body = raw[4 + 4 * ndim :]
    if len(body) != need:
        raise DataError(f"{path}: the header promises {dims} values ({need} bytes), the file holds {len(body)} bytes")
    return np.frombuffer(body, dtype=dtype).reshape(dims)


def _pair(folder: Path, prefixes: tuple[str, ...]) -> tuple[Path, Path] | None:
    files = [p for p in folder.iterdir() if p.is_file()]
    for prefix in prefixes:
        images = sorted(p for p in files if p.name.startswith(prefix) and "idx3" in p.name)
        labels = sorted(p for p in files if p.name.startswith(prefix) and "idx1" in p.name)
        if images and labels:
            return images[0], labels[0]
    return None


def load_idx_folder(
    folder: str | os.PathLike[str], *, seed: int = 0, test_fraction: float = 0.2, dtype: Any = np.float32
) -> Split:
    """MNIST-format files from ``folder``: ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte`` (each
    possibly ``.gz``), and if present ``t10k-...`` (or ``test-...``) for the test split; without test files the
    training files are split 80/20 from ``seed``. Pixels become features scaled to [0, 1] and standardised.
    """
    folder = Path(folder)
    train = _pair(folder, ("train",))
    if train is None:
        raise DataError(
            f"{folder}: no MNIST IDX files found; expected train-images-idx3-ubyte and train-labels-idx1-ubyte "
            "(optionally .gz), and optionally t10k-images-idx3-ubyte / t10k-labels-idx1-ubyte"
        )
    test = _pair(folder, ("t10k", "test"))
    xs, ys = [], []
    for images_path, labels_path in [train] + ([test] if test else []):
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DataError(
                f"{images_path}: expected images (n, height, width) and labels (n,), got {images.shape} and "
                f"{labels.shape} in {labels_path.name}"
            )
        xs.append(images.reshape(len(images), -1).astype(np.float64) / 255.0)
        ys.append(labels.astype(np.int64))
    h, w = read_idx(train[0]).shape[1:]
    x, y = np.concatenate(xs), np.concatenate(ys)
    split = None
    if test:
        n = len(xs[0])
        split = (np.arange(n), np.arange(n, len(x)))
    if y.min() < 0:
        raise DataError(f"{train[1]}: labels must be non-negative class numbers")
    return make_split(
        folder.name or "idx", x, y, task=CLASSIFICATION, seed=seed, test_fraction=test_fraction, dtype=dtype,
        image_shape=(1, int(h), int(w)), split=split,
    )  # fmt: skip


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Write a uint8 array as an IDX file (gzipped when the name ends in .gz): handy for tests and examples."""
    path = Path(path)
    a = np.ascontiguousarray(array, dtype=np.uint8)
    data = bytes([0, 0, 0x08, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape) + a.tobytes()
    if path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)
    return path
