"""The typed fields of the config schema and the one walker that checks a
composed group against its dataclass.

A group is a dataclass whose fields say the key's type and what is allowed
(``integer(low=1)``, ``choice("a", "b")``, ``group(Nested)``…); cross-key rules
go in its ``RULES`` (functions ``(node, prefix)``). :func:`check` raises
ValueError naming the key (``train.lr``), the value and what is allowed; a key
the dataclass does not declare is refused, naming the keys it has."""
from __future__ import annotations

import dataclasses
import numbers
from .._validate import check_choice


def _fail(key, what, value):
    raise ValueError(f"{key} must be {what}; got {value!r}")


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and v == v and abs(v) != float("inf")


def _spec(test, optional: bool, doc: str):
    """A dataclass field whose metadata holds the value's test."""
    def run(value, key):
        if value is None and optional:
            return
        test(value, key)
    doc += " or null" if optional else ""
    return dataclasses.field(default=None, metadata={"check": run, "doc": doc})


def integer(low: int | None = None, *, optional: bool = False):
    """An integer, at least ``low``."""
    what = {None: "an integer", 0: "a non-negative integer", 1: "a positive integer"}.get(
        low, f"an integer >= {low}")

    def test(v, key):
        if not _is_int(v) or (low is not None and v < low):
            _fail(key, what, v)
    return _spec(test, optional, what)


def number(low: float | None = None, high: float | None = None, *, above: bool = False,
           below: bool = False, optional: bool = False):
    """A finite number in [low, high] (``above``/``below``: the bound excluded)."""
    if low == 0 and above and not below:
        what = "a positive number" + ("" if high is None else f" <= {high:g}")
    else:
        lo = "" if low is None else f"({low:g}" if above else f"[{low:g}"
        hi = "" if high is None else f"{high:g})" if below else f"{high:g}]"
        what = "a number" + (f" in {lo or '(-inf'}, {hi or 'inf)'}" if lo or hi else "")

    def test(v, key):
        if not _is_num(v) or (low is not None and (v <= low if above else v < low)) or (
                high is not None and (v >= high if below else v > high)):
            _fail(key, what, v)
    return _spec(test, optional, what)


def number_list(low: float | None = None, high: float | None = None, *, above: bool = False):
    """A non-empty list of numbers, each as :func:`number` allows."""
    one = number(low, high, above=above)
    what = f"a non-empty list of numbers, each {one.metadata['doc']}"

    def test(v, key):
        if not _is_list(v) or not v:
            _fail(key, what, _plain(v))
        for x in v:
            one.metadata["check"](x, key)
    return _spec(test, False, what)


def positive_or(*options):
    """A positive number or one of ``options`` (e.g. a bandwidth rule's name)."""
    def test(v, key):
        if isinstance(v, str):
            check_choice(v, key, options)
        elif not _is_num(v) or v <= 0:
            _fail(key, "a positive number", v)
    return _spec(test, False, f"a positive number or one of {sorted(options)}")


def choice(*options, optional: bool = False):
    """One of ``options`` (names, booleans or numbers)."""
    return _spec(lambda v, key: check_choice(v, key, options), optional, f"one of {list(options)}")


def flag():
    return choice(True, False)


def text(*, optional: bool = False):
    """A non-empty string."""
    def test(v, key):
        if not isinstance(v, str) or not v:
            _fail(key, "a non-empty string", v)
    return _spec(test, optional, "a non-empty string")


def integers(low: int = 1, *, empty: bool = False):
    """A list of integers >= ``low`` (non-empty unless ``empty``)."""
    what = f"a {'' if empty else 'non-empty '}list of integers >= {low}"

    def test(v, key):
        if not _is_list(v) or (not v and not empty) or any(not _is_int(x) or x < low for x in v):
            _fail(key, what, _plain(v))
    return _spec(test, False, what)


def interval(low: float, high: float | None = None):
    """[lo, hi] with low < lo <= hi (<= high)."""
    top = "" if high is None else f" <= {high:g}"
    what = f"[lo, hi] with {low:g} < lo <= hi{top}"

    def test(v, key):
        ok = _is_list(v) and len(v) == 2 and all(_is_num(x) for x in v)
        if not ok or not (low < v[0] <= v[1]) or (high is not None and v[1] > high):
            _fail(key, what, _plain(v))
    return _spec(test, False, what)


def names(*, allow_all: bool = True, allowed=None):
    """'all' (when ``allow_all``) or a non-empty list of names (of ``allowed``, when given)."""
    what = ("'all' or " if allow_all else "") + "a non-empty list of names"

    def test(v, key):
        if allow_all and v == "all":
            return
        if not _is_list(v) or not v or not all(isinstance(x, str) for x in v):
            _fail(key, what, _plain(v))
        if allowed is not None:
            bad = [x for x in v if x not in allowed]
            if bad:
                raise ValueError(f"{key}: unknown name(s) {bad}; valid choices: {list(allowed)}")
    return _spec(test, False, what)


def anything(doc: str = "any value"):
    return _spec(lambda v, key: None, True, doc)


def group(cls, *, optional: bool = False):
    """A nested group checked against dataclass ``cls``."""
    return _spec(lambda v, key: check(v, cls, key), optional, cls.__name__)


def _is_list(v) -> bool:
    from omegaconf import ListConfig

    return isinstance(v, (list, tuple, ListConfig))


def _plain(v):
    from omegaconf import DictConfig, ListConfig, OmegaConf

    return OmegaConf.to_container(v) if isinstance(v, (DictConfig, ListConfig)) else v


def check(node, cls, prefix: str, only=None) -> None:
    """Check a composed group ``node`` against dataclass ``cls``; ``prefix`` is
    its key (``train``, ``method.augment.image``); ``only``: just these keys.
    ``cls.VARIANTS = (key, {value: dataclass})``: the keys of the variant that
    ``node[key]`` picks are checked too, another variant's keys are refused."""
    from omegaconf import DictConfig

    if not isinstance(node, (DictConfig, dict)):
        _fail(prefix, f"a mapping of {sorted(f.name for f in dataclasses.fields(cls))}", _plain(node))
    declared = {f.name: f for f in dataclasses.fields(cls) if only is None or f.name in only}
    for name, f in declared.items():
        f.metadata["check"](node.get(name), f"{prefix}.{name}" if prefix else name)
    if only is not None:
        return
    key, variants = getattr(cls, "VARIANTS", (None, {}))
    variant = variants.get(node.get(key)) if key else None
    mine = set() if variant is None else {f.name for f in dataclasses.fields(variant)}
    others = {f.name for v in variants.values() for f in dataclasses.fields(v)} - mine
    unknown = sorted(set(node) - set(declared) - mine - others)
    if unknown:
        raise ValueError(f"{prefix}: unknown key(s) {unknown}; allowed: {sorted(set(declared) | mine)}")
    foreign = sorted(others & set(node))
    if foreign:
        raise ValueError(f"{prefix}: key(s) {foreign} do not apply to {prefix}.{key}={node.get(key)!r}")
    if variant is not None:
        check({k: node.get(k) for k in mine}, variant, prefix)
    for rule in getattr(cls, "RULES", ()):
        rule(node, prefix)
