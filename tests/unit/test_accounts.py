"""Account filters and shards, without AWS."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iam_prune.accounts import Shard, ShardError, as_named, matches, selected, unmatched


@given(
    ids=st.sets(st.from_regex(r"[0-9]{12}", fullmatch=True), max_size=60),
    count=st.integers(min_value=1, max_value=9),
)
def test_n_shards_cover_every_account_exactly_once(ids: set[str], count: int) -> None:
    shards = [Shard(index, count) for index in range(1, count + 1)]
    for account in ids:
        assert sum(shard.keeps(account) for shard in shards) == 1


def test_a_shard_depends_on_the_account_alone() -> None:
    ids = [f"{n:012d}" for n in range(100)]
    before = {i for i in ids if Shard(2, 4).keeps(i)}
    after = {i for i in [*ids, "999999999999"] if Shard(2, 4).keeps(i)}
    assert after - {"999999999999"} == before
    assert 10 <= len(before) <= 40  # spread, not all in one


@pytest.mark.parametrize("text", ["1/1", "3/4", " 2 / 2 "])
def test_well_formed_shards_parse(text: str) -> None:
    shard = Shard.parse(text)
    assert 1 <= shard.index <= shard.count


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("0/4", "out of range"),
        ("5/4", "out of range"),
        ("1/0", "out of range"),
        ("1of4", "expected I/N"),
        ("", "expected I/N"),
        ("-1/4", "expected I/N"),
    ],
)
def test_malformed_shards_name_the_expected_form(text: str, why: str) -> None:
    with pytest.raises(ShardError, match=why) as raised:
        Shard.parse(text)
    assert "I/N" in str(raised.value)


def test_patterns_match_ids_or_glob_names() -> None:
    assert selected("111111111111", "prod-eu", ["prod-*"], [])
    assert selected("111111111111", "x", ["111111111111"], [])
    assert not selected("111111111111", "prod-eu", ["prod-*"], ["*-eu"])
    assert not selected("111111111111", "Prod-eu", ["prod-*"], [])  # names are case-sensitive
    assert selected("111111111111", None, [], [])
    accounts = [("111111111111", "prod-eu"), ("222222222222", None)]
    assert unmatched(["prod-*", "222222222222", "stagin*"], accounts) == ["stagin*"]


def test_a_pattern_that_is_an_accounts_exact_name_names_that_account_only() -> None:
    names = ["legacy [frozen]", "legacy f", "prod-1"]
    read = as_named(["legacy [frozen]", "prod-*"], names)
    assert matches(read["legacy [frozen]"], "111111111111", "legacy [frozen]")
    assert not matches(read["legacy [frozen]"], "222222222222", "legacy f")
    assert read["prod-*"] == "prod-*"  # no account is called that: a glob
    # Without an account of that name, the brackets are a glob, as before.
    assert as_named(["legacy [frozen]"], ["legacy f"])["legacy [frozen]"] == "legacy [frozen]"
