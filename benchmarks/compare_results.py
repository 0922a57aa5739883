"""Whether two results folders of one experiment hold the same results: the check that a
change of code left the behaviour unchanged (docs/architecture.md, "Checking a change").

    python benchmarks/compare_results.py BEFORE AFTER [--rename OLD=NEW ...] [--ignore-key KEY ...]

BEFORE and AFTER are two ``results/<experiment>`` folders, made from empty folders by two
versions of the code. Compared:

- the file lists (``--rename OLD=NEW``: a file named OLD.<ext> before is NEW.<ext> after,
  for renamed studies and figures);
- every table (.parquet, .csv): the same columns, dtypes and rows, values exactly equal
  (NaN = NaN), except the wall-clock columns ``TIMING_COLUMNS``;
- every figure's pixels (.png decoded; the PDFs carry dates), except the figures drawn from
  wall-clock timings (``TIMED_FIGURES``);
- every array file (.npz) exactly, except ``PROVENANCE_KEYS`` (digests of the run's
  config.yaml, compared as YAML below);
- every YAML file (configs, settings) as parsed data, except the dotted keys under
  ``--ignore-key`` (e.g. a config group added by the change that alters no result).

Logs, benchmark files (.log, .tsv), checkpoints (.pt) and PDFs are compared by presence only:
they hold times, dates and host names; the checkpoints' effect is in the embeddings compared
above. Exits 1 and prints every difference when there is one, else prints what was compared.
It lives beside the benchmarks as a tool run by hand on whole experiments, not by the workflow."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

TIMING_COLUMNS = ("seconds", "embed_seconds")  # mi_estimators, mi_ground_truth (per estimate); train_log.csv
TIMED_FIGURES = ("mi_estimators_runtime",)  # drawn from mi_estimators' `seconds`
PROVENANCE_KEYS = ("checksum", "config_digest")  # an embedding's digests of its arrays and config.yaml
TABLES, FIGURES, ARRAYS, CONFIGS = (".parquet", ".csv"), (".png",), (".npz",), (".yaml",)


def _files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")}


def _renamed(path: Path, renames: dict) -> Path:
    return path.with_name(renames[path.stem] + path.suffix) if path.stem in renames else path


def _read_table(path: Path):
    import pandas as pd

    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def _column_difference(a, b) -> str | None:
    """How two columns of equal length differ, or None when every value is equal."""
    x, y = a.to_numpy(), b.to_numpy()
    if x.dtype.kind in "biufc" and y.dtype.kind in "biufc":
        same = x == y
        if x.dtype.kind in "fc":
            same |= np.isnan(x) & np.isnan(y)
    else:
        same = np.array([u == v or (u != u and v != v) for u, v in zip(x, y)], dtype=bool)
    if same.all():
        return None
    note = f"{(~same).sum()} of {len(same)} rows differ"
    if x.dtype.kind in "fiu" and y.dtype.kind in "fiu":
        note += f", max |difference| {np.nanmax(np.abs(x[~same].astype(float) - y[~same].astype(float))):.3g}"
    return note


def compare_table(before: Path, after: Path) -> list[str]:
    a, b = _read_table(before), _read_table(after)
    if list(a.columns) != list(b.columns):
        return [f"columns {list(a.columns)} -> {list(b.columns)}"]
    if len(a) != len(b):
        return [f"{len(a)} rows -> {len(b)} rows"]
    out = []
    for col in a.columns:
        if col in TIMING_COLUMNS:
            continue
        if a[col].dtype != b[col].dtype:
            out.append(f"column {col!r}: dtype {a[col].dtype} -> {b[col].dtype}")
        elif (note := _column_difference(a[col], b[col])) is not None:
            out.append(f"column {col!r}: {note}")
    return out


def compare_png(before: Path, after: Path) -> list[str]:
    from PIL import Image

    with Image.open(before) as fa, Image.open(after) as fb:
        a, b = np.asarray(fa.convert("RGBA")), np.asarray(fb.convert("RGBA"))
    if a.shape != b.shape:
        return [f"size {a.shape[1]}x{a.shape[0]} -> {b.shape[1]}x{b.shape[0]} pixels"]
    differ = (a != b).any(axis=-1)
    return [f"{differ.sum()} of {differ.size} pixels differ"] if differ.any() else []


def compare_npz(before: Path, after: Path) -> list[str]:
    with np.load(before, allow_pickle=False) as fa, np.load(after, allow_pickle=False) as fb:
        if sorted(fa.files) != sorted(fb.files):
            return [f"arrays {sorted(fa.files)} -> {sorted(fb.files)}"]
        out = []
        for key in sorted(set(fa.files) - set(PROVENANCE_KEYS)):
            x, y = fa[key], fb[key]
            if x.dtype != y.dtype or x.shape != y.shape:
                out.append(f"array {key!r}: {x.dtype}{list(x.shape)} -> {y.dtype}{list(y.shape)}")
            elif not np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
                note = f"array {key!r}: {(x != y).sum()} of {x.size} values differ"
                if x.dtype.kind in "fc":
                    note += f", max |difference| {np.nanmax(np.abs(x.astype(float) - y.astype(float))):.3g}"
                out.append(note)
        return out


def _flat(tree, prefix="") -> dict:
    if isinstance(tree, dict):
        return {k: v for key, sub in tree.items() for k, v in _flat(sub, f"{prefix}{key}.").items()}
    return {prefix[:-1]: tree}


def compare_yaml(before: Path, after: Path, ignored=()) -> list[str]:
    import yaml

    a, b = (_flat(yaml.safe_load(p.read_text()) or {}) for p in (before, after))
    keys = [k for k in sorted(set(a) | set(b))
            if a.get(k, "<absent>") != b.get(k, "<absent>")
            and not any(k == i or k.startswith(f"{i}.") for i in ignored)]
    return [f"{k}: {a.get(k, '<absent>')!r} -> {b.get(k, '<absent>')!r}" for k in keys]


def compare(before, after, renames=None, ignored_keys=()) -> tuple[list[str], dict]:
    """(differences as lines, {kind: number of files compared}) of two results folders."""
    before, after, renames = Path(before), Path(after), dict(renames or {})
    for root in (before, after):
        if not root.is_dir():
            raise ValueError(f"{root} is not a folder")
    old, new = _files(before), _files(after)
    pairs = {p: _renamed(p, renames) for p in old}
    diffs = [f"{p}: only in {before}" for p in sorted(old) if pairs[p] not in new]
    diffs += [f"{p}: only in {after}" for p in sorted(new - set(pairs.values()))]
    counted = {"tables": 0, "figures": 0, "arrays": 0, "configs": 0, "present only": 0}
    for p in sorted(q for q in old if pairs[q] in new):
        a, b = before / p, after / pairs[p]
        if p.suffix in TABLES:
            kind, found = "tables", compare_table(a, b)
        elif p.suffix in FIGURES and not {p.stem, pairs[p].stem} & set(TIMED_FIGURES):
            kind, found = "figures", compare_png(a, b)
        elif p.suffix in ARRAYS:
            kind, found = "arrays", compare_npz(a, b)
        elif p.suffix in CONFIGS:
            kind, found = "configs", compare_yaml(a, b, ignored_keys)
        else:
            kind, found = "present only", []
        counted[kind] += 1
        name = str(p) if pairs[p] == p else f"{p} -> {pairs[p]}"
        diffs += [f"{name}: {d}" for d in found]
    return diffs, counted


def _pair(text: str) -> tuple[str, str]:
    old, sep, new = text.partition("=")
    if not sep or not old or not new:
        raise argparse.ArgumentTypeError(f"--rename takes OLD=NEW; got {text!r}")
    return old, new


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rename", type=_pair, action="append", default=[], metavar="OLD=NEW",
                        help="a file named OLD.<ext> in BEFORE is NEW.<ext> in AFTER (repeatable)")
    parser.add_argument("--ignore-key", action="append", default=[], metavar="KEY",
                        help="a dotted key (and everything under it) left out of the YAML comparison")
    args = parser.parse_args(argv)
    diffs, counted = compare(args.before, args.after, dict(args.rename), args.ignore_key)
    print("compared: " + ", ".join(f"{n} {kind}" for kind, n in counted.items()) +
          f"; skipped columns {list(TIMING_COLUMNS)}, figures {list(TIMED_FIGURES)}, "
          f"array keys {list(PROVENANCE_KEYS)}, YAML keys {args.ignore_key}")
    for line in diffs:
        print(line)
    print(f"{len(diffs)} difference(s)" if diffs else "identical")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
