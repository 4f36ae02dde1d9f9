"""The parse cache: a hit skips python-hcl2, a bad entry is parsed again, the cache stays out of
the repository, and the worker pool gives exactly what one process gives."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, ClassVar

import pytest

from iam_prune.terraform import cache, load, parse
from iam_prune.terraform.cache import ParseStats, cache_dir, parse_all
from iam_prune.terraform.parse import ParsedFile, ParseError

USERS = 'resource "aws_iam_user" "alice" {\n  name = "alice" # the human\n}\n'
BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'
BROKEN = 'resource "aws_iam_user" "carol" {\n  name = "carol"\n\n'
ITEMS = [("iam/users.tf", USERS), ("broken.tf", BROKEN), ("s3/logs.tf", BUCKET)]


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cache directory, outside its repository directory."""
    directory = tmp_path / "cache-home"
    monkeypatch.setenv("IAM_PRUNE_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths python-hcl2 was asked to parse, in this process."""
    seen: list[str] = []
    original = parse.parse_file

    def counting(rel_path: str, text: str) -> ParsedFile:
        seen.append(rel_path)
        return original(rel_path, text)

    monkeypatch.setattr(parse, "parse_file", counting)
    return seen


def entries(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.pickle") if p.is_file())


def fresh(path: str, text: str) -> ParsedFile | ParseError:
    try:
        return parse.parse_file(path, text)
    except ParseError as error:
        return error


def same(left: ParsedFile | ParseError, right: ParsedFile | ParseError) -> bool:
    """Equal results; a ParseError is compared by everything it carries."""
    if isinstance(left, ParseError) and isinstance(right, ParseError):
        return (type(left), left.args, vars(left)) == (type(right), right.args, vars(right))
    return left == right


def test_results_come_back_in_order_and_a_broken_file_is_returned_not_raised() -> None:
    users, broken, bucket = parse_all(ITEMS)

    assert isinstance(users, ParsedFile)
    assert users == parse.parse_file("iam/users.tf", USERS)
    assert isinstance(bucket, ParsedFile)
    assert bucket.path == "s3/logs.tf"
    assert isinstance(broken, ParseError)
    assert broken.path == "broken.tf"
    assert broken.line is not None
    assert same(broken, fresh("broken.tf", BROKEN))


def test_a_cache_hit_does_not_parse_and_gives_the_same_results(
    parses: list[str], cache_home: Path
) -> None:
    first_stats, second_stats = ParseStats(), ParseStats()
    first = parse_all(ITEMS, stats=first_stats)
    assert parses == ["iam/users.tf", "broken.tf", "s3/logs.tf"]
    assert len(entries(cache_home)) == 3  # the parse error is cached too

    parses.clear()
    second = parse_all(ITEMS, stats=second_stats)

    assert parses == []
    assert all(same(a, b) for a, b in zip(first, second, strict=True))
    # The cached error keeps every field, and its message.
    broken = second[1]
    assert isinstance(broken, ParseError)
    assert str(broken) == str(first[1])
    assert (first_stats.cache_hits, first_stats.parsed) == (0, 3)
    assert (second_stats.cache_hits, second_stats.parsed) == (3, 0)
    assert second_stats.cache_dir == cache_home / "parse"


def test_a_changed_text_or_path_is_a_miss(parses: list[str]) -> None:
    parse_all(ITEMS)
    parses.clear()

    moved = [("elsewhere/users.tf", USERS), ("s3/logs.tf", BUCKET + "\n# edited\n")]
    results = parse_all(moved)

    assert parses == ["elsewhere/users.tf", "s3/logs.tf"]
    users = results[0]
    assert isinstance(users, ParsedFile)
    assert users.path == "elsewhere/users.tf"  # spans name the file they are in


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: b"not a pickle at all",
        lambda data: pickle.dumps({"some": "other object"}),
        lambda data: pickle.dumps(("parsed", "not a ParsedFile")),
    ],
    ids=["empty", "truncated", "garbage", "foreign", "wrong-type"],
)
def test_a_corrupted_entry_is_parsed_again_and_rewritten(
    parses: list[str], cache_home: Path, damage: Callable[[bytes], bytes]
) -> None:
    (expected,) = parse_all(ITEMS[:1])
    (entry,) = entries(cache_home)
    entry.write_bytes(damage(entry.read_bytes()))
    parses.clear()

    (recovered,) = parse_all(ITEMS[:1])
    assert parses == ["iam/users.tf"]
    assert recovered == expected

    parses.clear()
    (again,) = parse_all(ITEMS[:1])
    assert parses == []  # the entry was rewritten
    assert again == expected
    assert not list(entry.parent.glob(".tmp-*"))  # no temporary file left behind


def test_use_cache_false_neither_reads_nor_writes(parses: list[str], cache_home: Path) -> None:
    parse_all(ITEMS)
    parses.clear()

    parse_all(ITEMS, use_cache=False)
    assert len(parses) == 3
    assert len(entries(cache_home)) == 3


def test_the_cache_lives_outside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    monkeypatch.chdir(repo)
    monkeypatch.delenv("IAM_PRUNE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    parse_all(ITEMS)

    assert cache_dir() == tmp_path / "xdg" / "iam-prune"
    assert len(entries(tmp_path / "xdg" / "iam-prune")) == 3
    assert [p.name for p in repo.iterdir()] == [".git"]


def test_cache_dir_follows_the_usual_conventions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IAM_PRUNE_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "explicit"

    monkeypatch.delenv("IAM_PRUNE_CACHE_DIR")
    assert cache_dir() == tmp_path / "xdg" / "iam-prune"

    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG spec says: ignore it
    assert cache_dir() == tmp_path / "home" / ".cache" / "iam-prune"

    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == tmp_path / "home" / ".cache" / "iam-prune"


def test_a_cache_dir_that_cannot_be_created_only_turns_caching_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("IAM_PRUNE_CACHE_DIR", str(blocker / "cache"))

    stats = ParseStats()
    results = parse_all(ITEMS, stats=stats)
    assert all(same(r, fresh(p, t)) for r, (p, t) in zip(results, ITEMS, strict=True))
    assert stats.cache_dir is None
    assert stats.cache_problem is not None
    assert stats.cache_problem.startswith("caching is off: ")

    parses.clear()
    parse_all(ITEMS)
    assert len(parses) == 3


def test_a_load_without_its_cache_says_so_in_the_models_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The results stand (a note, not an error), but a nightly audit that parses everything
    every night must say why."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("IAM_PRUNE_CACHE_DIR", str(blocker / "cache"))
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "users.tf").write_text('resource "aws_iam_user" "a" {\n  name = "a"\n}\n')

    model = load([infra], tmp_path)

    assert [d.name for d in model.declarations] == ["a"] and not model.errors
    (note,) = [n for n in model.notes if "caching is off" in n.message]
    assert "IAM_PRUNE_CACHE_DIR" in note.message and str(blocker) in note.message
    assert not [n for n in load([infra], tmp_path, use_cache=False).notes if "cach" in n.message]


def test_an_unwritable_entry_costs_speed_not_correctness(
    cache_home: Path, parses: list[str]
) -> None:
    parse_all(ITEMS[:1])  # creates the cache directory
    (entry,) = entries(cache_home)
    entry.unlink()
    entry.parent.rmdir()
    entry.parent.write_text("a file where the fan-out directory belongs", encoding="utf-8")
    parses.clear()

    (result,) = parse_all(ITEMS[:1])

    assert parses == ["iam/users.tf"]
    assert result == parse.parse_file(*ITEMS[0])


# --------------------------------------------------------------------------- pickling


def test_parse_results_survive_pickling() -> None:
    parsed = parse.parse_file(*ITEMS[0])
    assert pickle.loads(pickle.dumps(parsed)) == parsed

    error = fresh(*ITEMS[1])
    assert isinstance(error, ParseError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.message, copy.line, copy.column, str(copy)) == (
        error.path,
        error.message,
        error.line,
        error.column,
        str(error),
    )


# --------------------------------------------------------------------------- the pool


def batch(files: int) -> list[tuple[str, str]]:
    """Files of a few KB each, every 7th one broken, all different."""
    items = []
    for n in range(files):
        blocks = "\n".join(
            f'resource "aws_security_group" "sg_{n}_{m}" {{\n'
            f'  name = "sg-{n}-{m}"\n'
            f'  ingress {{\n    from_port = {m}\n    cidr_blocks = ["10.{n}.{m}.0/24"]\n  }}\n}}\n'
            for m in range(20)
        )
        text = f'resource "aws_iam_user" "u{n}" {{\n  name = "user-{n}"\n}}\n{blocks}'
        items.append((f"stack{n}/main.tf", text + ("resource {\n" if n % 7 == 3 else "")))
    return items


def test_the_pool_gives_exactly_what_one_process_gives(
    monkeypatch: pytest.MonkeyPatch, cache_home: Path
) -> None:
    items = batch(12)
    size = sum(len(text) for _, text in items)
    # Over the threshold, without making the test parse hundreds of KB.
    monkeypatch.setattr(cache, "PARALLEL_MIN_BYTES", size // 2)

    serial_stats, pool_stats, warm_stats = ParseStats(), ParseStats(), ParseStats()
    serial = parse_all(items, use_cache=False, workers=1, stats=serial_stats)
    pooled = parse_all(items, workers=2, stats=pool_stats)

    assert (serial_stats.processes, pool_stats.processes) == (1, 2)
    assert pool_stats.notes == []
    assert sum(isinstance(r, ParseError) for r in pooled) == 2
    assert all(same(a, b) for a, b in zip(serial, pooled, strict=True))

    # What the workers parsed went into the cache, and reads back the same.
    warm = parse_all(items, workers=2, stats=warm_stats)
    assert (warm_stats.cache_hits, warm_stats.processes) == (12, 1)
    assert all(same(a, b) for a, b in zip(serial, warm, strict=True))


def test_small_batches_stay_in_this_process(parses: list[str]) -> None:
    stats = ParseStats()
    parse_all(ITEMS, workers=2, stats=stats)
    assert stats.processes == 1
    assert len(parses) == 3  # parsed here, where the counter is


def test_a_pool_that_cannot_start_falls_back_to_one_process(
    monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    def no_pool(*_: Any, **__: Any) -> Any:
        raise OSError(38, "Function not implemented")  # e.g. no POSIX semaphores

    monkeypatch.setattr(cache, "ProcessPoolExecutor", no_pool)
    monkeypatch.setattr(cache, "PARALLEL_MIN_BYTES", 1)
    stats = ParseStats()

    results = parse_all(ITEMS, use_cache=False, workers=2, stats=stats)

    assert len(parses) == 3
    assert all(same(r, fresh(p, t)) for r, (p, t) in zip(results, ITEMS, strict=True))
    assert stats.processes == 1
    assert stats.notes == [
        "parsed in one process: the worker pool failed ([Errno 38] Function not implemented)"
    ]


class InlinePool:
    """Stands in for ProcessPoolExecutor: runs each batch at once, remembers its size."""

    sizes: ClassVar[list[int]] = []

    def __init__(self, max_workers: int, mp_context: Any) -> None:
        InlinePool.sizes.append(max_workers)

    def __enter__(self) -> InlinePool:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(function(*args))
        return future


def test_the_pool_grows_with_the_work_and_stops_at_the_default_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cache, "ProcessPoolExecutor", InlinePool)
    monkeypatch.setattr(cache.os, "sched_getaffinity", lambda _pid: set(range(64)), raising=False)
    monkeypatch.setattr(cache, "PARALLEL_MIN_BYTES", 1_000)
    InlinePool.sizes = []
    items = batch(6)
    size = sum(len(text) for _, text in items)

    # Work for two workers by the bytes-per-worker rule, though 64 CPUs are there:
    monkeypatch.setattr(cache, "_MIN_BYTES_PER_WORKER", size // 2)
    parse_all(items, use_cache=False)
    # Work for many more: as many as the default cap allows.
    monkeypatch.setattr(cache, "_MIN_BYTES_PER_WORKER", 500)
    parse_all(items, use_cache=False)
    # An explicit count is obeyed, but no process is started without a batch for it.
    results = parse_all(items, use_cache=False, workers=64)

    assert InlinePool.sizes == [2, cache.DEFAULT_MAX_WORKERS, len(items)]
    assert all(same(r, fresh(p, t)) for r, (p, t) in zip(results, items, strict=True))


# --------------------------------------------------------------------------- remembered values

TEXTS = {"iam/users.tf": USERS, "s3/logs.tf": BUCKET}


def words_of(texts: dict[str, str], calls: list[str]) -> Callable[[], dict[str, list[str]]]:
    """A value computed from ``texts``, counting its computations in ``calls``."""

    def compute() -> dict[str, list[str]]:
        calls.append("computed")
        return {path: sorted(set(text.split())) for path, text in texts.items()}

    return compute


def is_dict(value: object) -> bool:
    return isinstance(value, dict)


def test_a_remembered_value_is_read_back_not_computed_again(cache_home: Path) -> None:
    calls: list[str] = []
    first = cache.remembered("words", TEXTS, words_of(TEXTS, calls), is_dict)
    reordered = dict(reversed(TEXTS.items()))
    again = cache.remembered("words", reordered, words_of(reordered, calls), is_dict)
    assert again == first and calls == ["computed"]
    assert len(entries(cache_home / "words")) == 1


def test_a_remembered_value_follows_every_text_path_and_kind(cache_home: Path) -> None:
    calls: list[str] = []
    cache.remembered("words", TEXTS, words_of(TEXTS, calls), is_dict)
    changed = {**TEXTS, "s3/logs.tf": BUCKET.replace("logs", "audit")}
    moved = {"iam/people.tf": USERS, "s3/logs.tf": BUCKET}
    fewer = {"iam/users.tf": USERS}
    for texts in (changed, moved, fewer):
        assert cache.remembered("words", texts, words_of(texts, calls), is_dict) == {
            path: sorted(set(text.split())) for path, text in texts.items()
        }
    cache.remembered("other", TEXTS, words_of(TEXTS, calls), is_dict)
    assert len(calls) == 5


@pytest.mark.parametrize("garbage", [b"", b"not a pickle", pickle.dumps(["a list"])])
def test_a_remembered_value_that_is_unreadable_or_refused_is_computed_again(
    cache_home: Path, garbage: bytes
) -> None:
    calls: list[str] = []
    expected = cache.remembered("words", TEXTS, words_of(TEXTS, calls), is_dict)
    [entry] = entries(cache_home / "words")
    entry.write_bytes(garbage)
    assert cache.remembered("words", TEXTS, words_of(TEXTS, calls), is_dict) == expected
    assert calls == ["computed", "computed"]
    assert pickle.loads(entry.read_bytes()) == expected  # rewritten


def test_a_remembered_value_without_a_cache_folder_is_only_computed(
    cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("IAM_PRUNE_CACHE_DIR", str(blocker / "cache"))
    calls: list[str] = []
    for _ in range(2):
        assert cache.remembered("words", TEXTS, words_of(TEXTS, calls), is_dict)
    assert calls == ["computed", "computed"]


def test_a_run_whose_files_all_come_from_the_cache_never_imports_python_hcl2(
    tmp_path: Path, cache_home: Path
) -> None:
    """python-hcl2 and its grammar cost a run a tenth of its start when nothing is parsed."""
    root = tmp_path / "repo"
    (root / "iam").mkdir(parents=True)
    (root / "iam" / "users.tf").write_text(USERS)
    (root / "iam" / "vars.tf.json").write_text('{"locals": {"who": "${upper(\\"x\\")}"}}')
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "import iam_prune.cli\n"
        "from iam_prune.terraform import load\n"
        f"model = load([Path({str(root)!r})], Path({str(root)!r}))\n"
        "assert [d.name for d in model.declarations] == ['alice'], model\n"
        "print(sorted(m for m in ('hcl2', 'lark') if m in sys.modules))\n"
    )
    env = {**os.environ, "IAM_PRUNE_CACHE_DIR": str(cache_home)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs == ["['hcl2', 'lark']", "[]"]


def test_remembered_values_not_read_for_two_weeks_are_forgotten(cache_home: Path) -> None:
    cache._forget_unused.cache_clear()
    calls: list[str] = []
    changed = {**TEXTS, "s3/logs.tf": BUCKET.replace("logs", "audit")}
    cache.remembered("words", TEXTS, words_of(TEXTS, calls), is_dict)
    [unread] = entries(cache_home / "words")
    cache.remembered("words", changed, words_of(changed, calls), is_dict)
    [read] = set(entries(cache_home / "words")) - {unread}
    weeks_ago = time.time() - (cache.REMEMBERED_DAYS + 1) * 86_400
    for entry in (unread, read):
        os.utime(entry, (weeks_ago, weeks_ago))
    # Reading a value marks it as read; the next run that writes one forgets the other.
    cache.remembered("words", changed, words_of(changed, calls), is_dict)
    assert read.stat().st_mtime > weeks_ago
    cache._forget_unused.cache_clear()
    fewer = {"iam/users.tf": USERS}
    cache.remembered("words", fewer, words_of(fewer, calls), is_dict)
    assert not unread.exists() and read.exists()
    assert len(entries(cache_home / "words")) == 2  # the one read, the one just written
    assert len(calls) == 3
