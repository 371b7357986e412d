"""Datasets, the user's CSV and IDX files, standardisation on the training split only, and batching."""

import gzip

import numpy as np
import pytest

from chainrule import data
from chainrule.errors import DataError

pytest.importorskip("sklearn", reason="the bundled datasets come from scikit-learn: pip install 'chainrule[train]'")


@pytest.mark.parametrize(
    ("name", "shape", "classes", "task"),
    [
        ("digits", (1797, 64), 10, "classification"),
        ("iris", (150, 4), 3, "classification"),
        ("wine", (178, 13), 3, "classification"),
        ("breast_cancer", (569, 30), 2, "classification"),
        ("diabetes", (442, 10), 0, "regression"),
        ("moons", (1000, 2), 2, "classification"),
        ("circles", (1000, 2), 2, "classification"),
        ("spirals", (900, 2), 3, "classification"),
    ],
)
def test_builtin_datasets(name, shape, classes, task):
    s = data.load(name, seed=1)
    assert s.task == task and s.num_classes == classes
    assert len(s.x_train) + len(s.x_test) == shape[0] and s.num_features == shape[1]
    assert abs(len(s.x_test) / shape[0] - 0.2) < 0.01
    assert s.x_train.dtype == np.float32 and s.x_test.dtype == np.float32
    # standardised with the training statistics: exactly mean 0 / std 1 on train (constant features stay 0)
    np.testing.assert_allclose(s.x_train.mean(axis=0), 0, atol=1e-5)
    std = s.x_train.std(axis=0)
    assert np.all((np.abs(std - 1) < 1e-4) | (std == 0))
    if task == "classification":
        assert s.y_train.dtype == np.int64 and set(np.unique(s.y_train)) == set(range(classes))
        # stratified: every class keeps its share in the test split
        full = np.bincount(np.concatenate([s.y_train, s.y_test])) / shape[0]
        np.testing.assert_allclose(np.bincount(s.y_test, minlength=classes) / len(s.y_test), full, atol=0.03)
    else:
        assert s.y_train.dtype == np.float32 and abs(float(s.y_train.mean())) < 1e-5
        assert s.info["y_std"] > 1 and s.num_outputs == 1
    again = data.load(name, seed=1)
    assert np.array_equal(again.x_train, s.x_train) and np.array_equal(again.y_test, s.y_test)
    other = data.load(name, seed=2)
    assert not np.array_equal(other.x_test, s.x_test)


def test_standardisation_uses_training_split_only():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, (80, 3)), rng.normal(50, 9, (20, 3))])
    y = np.zeros(100, dtype=np.int64)
    y[::2] = 1
    train_idx, test_idx = np.arange(80), np.arange(80, 100)
    s = data.make_split("t", x, y, task="classification", seed=0, split=(train_idx, test_idx), dtype=np.float64)
    mean, std = x[:80].mean(axis=0), x[:80].std(axis=0)
    np.testing.assert_allclose(s.x_test, (x[80:] - mean) / std)
    np.testing.assert_allclose(s.info["x_mean"], mean)
    assert s.x_test.mean() > 10  # the test rows were not used to fit the scaling


def test_generated_sets_are_seeded():
    for fn in (data.moons, data.circles, data.spirals):
        a, b, c = fn(seed=3), fn(seed=3), fn(seed=4)
        assert np.array_equal(a[0], b[0]) and not np.array_equal(a[0], c[0])
    x, y = data.circles(400, noise=0.0)
    r = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.5)


def test_unknown_dataset_lists_choices():
    with pytest.raises(DataError, match=r"unknown dataset 'mnist'.*digits, iris"):
        data.load("mnist")


# -- CSV ---------------------------------------------------------------------------------------------------
def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_csv_text_labels_and_named_column(tmp_path):
    rows = ["a,species,b"] + [f"{i},{'cat' if i % 2 else 'dog'},{i * 0.5}" for i in range(20)]
    s = data.load_csv(_write(tmp_path, "pets.csv", "\n".join(rows)), label="species", seed=0)
    assert s.task == "classification" and s.class_names == ["cat", "dog"] and s.feature_names == ["a", "b"]
    assert s.num_features == 2 and len(s.x_train) == 16
    assert data.load(str(tmp_path / "pets.csv"), label="species").num_classes == 2


def test_csv_numeric_labels_and_regression(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 2))
    lines = ["x1,x2,y"] + [f"{a},{b},{int(a > 0)}" for a, b in x]
    s = data.load_csv(_write(tmp_path, "c.csv", "\n".join(lines)))  # label: the last column by default
    assert s.task == "classification" and s.class_names == ["0", "1"]
    lines = ["x1,x2,y"] + [f"{a},{b},{a * 3 + b:.5f}" for a, b in x]
    r = data.load_csv(_write(tmp_path, "r.csv", "\n".join(lines)))
    assert r.task == "regression" and r.num_classes == 0
    forced = data.load_csv(_write(tmp_path, "f.csv", "\n".join(lines)), task="regression")
    assert forced.task == "regression"


@pytest.mark.parametrize(
    ("text", "label", "message"),
    [
        ("a,b\n1,2\n3,4\n", "c", r"no label column 'c' \(the columns are a, b\)"),
        ("a,b\n1,2\n3,x\n5,2\n6,x\n", "b", None),
        ("a,b\n1,2\nfoo,1\n", "b", r"line 3, column 'a': 'foo' is not a finite number"),
        ("a,b\n1,2\n3\n", "b", "line 3 has 1 fields, the header has 2"),
        ("a,b\n", "b", "header line and at least one row"),
        ("a,b\n1,1\n2,1\n", "b", "single value"),
    ],
)
def test_csv_errors_name_file_and_line(tmp_path, text, label, message):
    path = _write(tmp_path, "bad.csv", text)
    if message is None:  # a text label among numbers is fine: classes '2' and 'x'
        assert data.load_csv(path, label=label, test_fraction=0.5).class_names == ["2", "x"]
        return
    with pytest.raises(DataError, match=message) as exc:
        data.load_csv(path, label=label)
    assert "bad.csv" in str(exc.value)


def test_csv_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        data.load_csv(tmp_path / "nope.csv")


# -- MNIST IDX --------------------------------------------------------------------------------------------
def _idx_folder(tmp_path, gz=False, with_test=True, n=30):
    rng = np.random.default_rng(0)
    folder = tmp_path / ("idx_gz" if gz else "idx")
    folder.mkdir()
    ext = ".gz" if gz else ""
    labels = np.arange(n) % 3
    images = (rng.random((n, 6, 5)) * 255).astype(np.uint8)
    data.write_idx(folder / f"train-images-idx3-ubyte{ext}", images)
    data.write_idx(folder / f"train-labels-idx1-ubyte{ext}", labels)
    if with_test:
        data.write_idx(folder / f"t10k-images-idx3-ubyte{ext}", images[:9])
        data.write_idx(folder / f"t10k-labels-idx1-ubyte{ext}", labels[:9])
    return folder, images, labels


@pytest.mark.parametrize("gz", [False, True])
def test_idx_folder_raw_and_gzipped(tmp_path, gz):
    folder, images, labels = _idx_folder(tmp_path, gz=gz)
    raw = data.read_idx(next(folder.glob("train-images*")))
    assert raw.dtype == np.uint8 and np.array_equal(raw, images)
    s = data.load(str(folder))
    assert s.image_shape == (1, 6, 5) and s.num_features == 30 and s.num_classes == 3
    assert len(s.x_train) == 30 and len(s.x_test) == 9  # the t10k files are the test split
    assert np.array_equal(s.y_train, labels)
    pixels = images.reshape(30, -1) / 255.0
    np.testing.assert_allclose(s.x_train, (pixels - pixels.mean(0)) / pixels.std(0), rtol=1e-5, atol=1e-5)


def test_idx_without_test_files_is_split(tmp_path):
    folder, _, _ = _idx_folder(tmp_path, with_test=False)
    s = data.load_idx_folder(folder, seed=0)
    assert len(s.x_train) == 24 and len(s.x_test) == 6


def test_idx_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no MNIST IDX files found"):
        data.load_idx_folder(empty)
    folder, _, _ = _idx_folder(tmp_path)
    path = folder / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: the header promises \(30, 6, 5\) values"):
        data.load(str(folder))
    path.write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(DataError, match="not an IDX file"):
        data.read_idx(path)
    bad_gz = folder / "x-idx1-ubyte.gz"
    bad_gz.write_bytes(gzip.compress(b"\x00\x00\x08\x01")[:-3])
    with pytest.raises(DataError, match="cannot read it"):
        data.read_idx(bad_gz)


# -- batching -------------------------------------------------------------------------------------------------
def test_dataloader_seeded_shuffling_resume_and_dtype():
    x = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    a = data.DataLoader(x, y, batch_size=3, seed=7, dtype=np.float32)
    b = data.DataLoader(x, y, batch_size=3, seed=7)
    epoch_a = [yb.data.tolist() for _, yb in a]
    assert epoch_a == [yb.data.tolist() for _, yb in b]
    assert sorted(i for b in epoch_a for i in b) == list(range(10)) and len(a) == 4
    assert [yb.data.tolist() for _, yb in a] != epoch_a  # a new order each epoch
    assert next(iter(a))[0].dtype == np.float32
    order = np.arange(10)[::-1]
    assert [yb.data.tolist() for _, yb in b.batches(order, start=2)] == [[3, 2, 1], [0]]
    assert len(data.DataLoader(x, y, batch_size=3, drop_last=True)) == 3
    with pytest.raises(ValueError, match="10 inputs but 9 targets"):
        data.DataLoader(x, y[:9])
