"""Sets and objects look values up by hash; what they hold and in which order is what a
comparison of every pair gives (the definition kept here as the oracle)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from iam_prune.model import SourceSpan
from iam_prune.terraform.values import Obj, Origin, Seq, Value, is_number, make_obj, make_seq

_SCALARS = st.one_of(
    st.text(alphabet="abc", max_size=2),
    st.integers(-3, 3),
    st.sampled_from([0.0, 1.0, 2.5, -1.0]),
    st.booleans(),
    st.none(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.builds(lambda items: make_seq("tuple", items), st.lists(inner, max_size=3)),
    max_leaves=6,
)


def _by_comparison(values: list[Value], origins: list[Origin]) -> Seq:
    unique: list[tuple[Value, Origin]] = []
    for value, origin in zip(values, origins, strict=True):
        if all(value != seen for seen, _ in unique):
            unique.append((value, origin))
    if all(isinstance(v, str) for v, _ in unique):
        unique.sort(key=lambda pair: str(pair[0]))
    elif all(is_number(v) for v, _ in unique):
        unique.sort(key=lambda pair: float(pair[0]))  # type: ignore[arg-type]
    return Seq("set", tuple(v for v, _ in unique), tuple(o for _, o in unique))


@given(st.lists(_VALUES, max_size=12))
def test_a_set_keeps_what_pairwise_comparison_keeps(values: list[Value]) -> None:
    origins: list[Origin] = [SourceSpan("s.tf", i, i + 1, 1, 1) for i in range(len(values))]
    made = make_seq("set", values, origins)
    expected = _by_comparison(values, origins)
    assert made == expected
    assert made.origins == expected.origins  # the first of equal values keeps its origin


def test_a_set_of_numbers_drops_equal_spellings_and_sorts() -> None:
    made = make_seq("set", [3, 1.0, 1, 2.5, 3.0])
    assert made.items == (1.0, 2.5, 3)


@given(st.lists(st.tuples(st.text(alphabet="xyz", max_size=2), st.integers()), max_size=10))
def test_object_lookup_finds_what_a_scan_finds(entries: list[tuple[str, int]]) -> None:
    obj = make_obj("map", ((k, v, None) for k, v in entries))
    for key in {k for k, _ in entries} | {"missing"}:
        scanned = next(((item, origin) for k, item, origin in obj.entries() if k == key), None)
        assert obj.get(key) == scanned


def test_object_lookup_of_a_directly_built_object_takes_the_first_key() -> None:
    obj = Obj("object", ("a", "a", "b"), (1, 2, 3))
    assert obj.get("a") == (1, None)
    assert obj.get("b") == (3, None)
    assert obj == Obj("object", ("a", "a", "b"), (1, 2, 3))  # the lookup table is no field
