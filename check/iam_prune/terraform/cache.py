"""Parse many files fast: a content-addressed cache of parse results, and both cores when needed.

python-hcl2 parses a few hundred KB a second, so on a big monorepo parsing is what a run
costs. Two things take that cost away:

* A cache keyed by a hash of the file's path and text, the python-hcl2 and lark versions, and
  the source code of iam-prune itself. Any change to any of these is a different key, so a
  hit is always what parsing would give now. It lives outside the repository
  (``$IAM_PRUNE_CACHE_DIR``, else ``$XDG_CACHE_HOME/iam-prune``, else ``~/.cache/iam-prune``),
  so it never shows up in ``git status`` or in a diff. It is only an optimisation: a cache
  that cannot be created, read or written just means parsing.
* A pool of worker processes when the uncached text is big enough to repay their start-up.
  Workers are spawned, not forked: the caller may have threads (boto3 does), and a fork can
  inherit a lock some other thread held.

A parse failure is a result, not an exception: it is cached too (re-parsing a broken file is
as slow as parsing a good one), and returned in place of the file's ``ParsedFile``.

The same store keeps what the planning reads from the texts of a whole directory (word
indexes, block headers: :func:`remembered`), under a key of every path and text it was read
from: on a warm run of a big root, reading every text again was the larger half of the
Terraform side.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar, cast

import iam_prune
from iam_prune.terraform import parse
from iam_prune.terraform.parse import ParsedFile, ParseError

#: Bump when the layout of a cache entry (``_encode``) changes. Changes to the code that
#: parses, or to the dataclasses a ``ParsedFile`` is made of, need no bump: every key includes
#: a digest of the package's source.
SCHEMA_VERSION = 1

#: Below this many bytes of text to parse, one process is faster than a pool. Measured with
#: ``python -m bench.terraform --threshold`` on 2 cores: spawning the workers costs 0.3-0.4 s
#: before their first parse (interpreter, imports, python-hcl2's grammar) and parsing runs at
#: about 170 KB/s, so the two break even at 140-160 KB (64 KB: 0.36 s serial, 0.57 s pooled;
#: 160 KB: 0.89 s against 0.88 s; 256 KB: 1.53 s against 1.24 s; 1 MB: 6.8 s against 3.8 s).
PARALLEL_MIN_BYTES = 150_000

#: Workers when the caller does not say: one per usable CPU, but no more than this. Each
#: spawned worker holds about 40 MB (interpreter, python-hcl2 and its grammar, parse trees), and
#: a run should stay well under 300 MB on a big CI machine too.
DEFAULT_MAX_WORKERS = 4

#: A worker is only started for about this much text: its start-up costs as much as parsing
#: 60-70 KB, so on a many-core machine a batch just over the threshold gets two, not twenty.
_MIN_BYTES_PER_WORKER = PARALLEL_MIN_BYTES // 2

Outcome = ParsedFile | ParseError
_T = TypeVar("_T")


@dataclass
class ParseStats:
    """What one :func:`parse_all` call did, for the terminal and the benchmark."""

    files: int = 0
    cache_hits: int = 0
    parsed: int = 0
    parsed_bytes: int = 0
    processes: int = 1
    cache_dir: Path | None = None
    #: Why caching was off although it was asked for (e.g. the directory cannot be created).
    cache_problem: str | None = None
    notes: list[str] = field(default_factory=list)


def parse_all(
    items: Sequence[tuple[str, str]],
    *,
    use_cache: bool = True,
    workers: int | None = None,
    stats: ParseStats | None = None,
) -> list[Outcome]:
    """Parse ``(repository-relative path, text)`` pairs; results in the same order.

    A file that does not parse is returned as its :class:`ParseError`, never raised, so one
    broken file cannot hide the others. ``workers`` caps the processes used (default: the
    CPUs this process may run on, at most ``DEFAULT_MAX_WORKERS``; 1 keeps everything in
    this process). ``stats``, when given, is filled in with what happened.
    """
    stats = stats if stats is not None else ParseStats()
    stats.files = len(items)
    store = _Store.open(stats) if use_cache else None
    results: list[Outcome | None] = [None] * len(items)
    keys: list[str] = []
    if store is not None:
        keys = [store.key(path, text) for path, text in items]
        for index, key in enumerate(keys):
            results[index] = store.get(key)
    misses = [index for index, result in enumerate(results) if result is None]
    stats.cache_hits = len(items) - len(misses)
    stats.parsed = len(misses)
    stats.parsed_bytes = sum(len(items[index][1]) for index in misses)

    pending = [items[index] for index in misses]
    for index, (outcome, data) in zip(
        misses, _parse(pending, _worker_count(workers), stats), strict=True
    ):
        results[index] = outcome
        if store is not None:
            store.put(keys[index], data if data is not None else _encode(outcome))
    return _complete(results)


def remembered(
    kind: str,
    texts: Mapping[str, str],
    compute: Callable[[], _T],
    valid: Callable[[Any], bool],
    *,
    use_cache: bool = True,
) -> _T:
    """``compute()``, which must depend on nothing but ``texts`` (paths and contents) and
    iam-prune's code, kept in the cache beside the parses under a key of all of them: a warm
    run of a big root reads in milliseconds what scanning every text took a tenth of a second
    for. A value that cannot be read back, or that ``valid`` refuses, is computed again; one
    that cannot be written only costs the next run the same time. ``use_cache=False`` (the
    run's ``--no-cache``) only computes."""
    store = _Store.open(ParseStats(), kind) if use_cache else None
    if store is None:
        return compute()
    key = store.texts_key(kind, texts)
    data = store.read(key)
    if data is not None:
        try:
            found = pickle.loads(data)
        except Exception:  # torn, garbage, or from classes that are gone: compute it again
            found = None
        if found is not None and valid(found):
            store.touch(key)
            return cast(_T, found)
    value = compute()
    store.put(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    _forget_unused(store)
    return value


#: A remembered value not read for this long is deleted (by a run that writes one of its
#: kind). Each is as big as the index of a whole folder, and a folder whose texts change
#: makes a new one: without this, a cache kept between CI runs would grow by megabytes a run.
REMEMBERED_DAYS = 14


@cache
def _forget_unused(store: _Store) -> None:
    """Delete ``store``'s entries not read for ``REMEMBERED_DAYS`` (once per kind and run)."""
    oldest = time.time() - REMEMBERED_DAYS * 86_400
    for entry in store.directory.glob("*/*.pickle"):
        with contextlib.suppress(OSError):  # gone already, or a read-only cache: only space
            if entry.stat().st_mtime < oldest:
                entry.unlink()


def cache_dir() -> Path:
    """Where parse results are cached (the directory may not exist yet).

    ``$IAM_PRUNE_CACHE_DIR`` wins, then the XDG base directory convention. A relative
    ``XDG_CACHE_HOME`` is ignored, as the specification requires.
    """
    explicit = os.environ.get("IAM_PRUNE_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "iam-prune"
    return Path.home() / ".cache" / "iam-prune"


# --------------------------------------------------------------------------- parsing


def _parse(
    items: list[tuple[str, str]], workers: int, stats: ParseStats
) -> list[tuple[Outcome, bytes | None]]:
    """Each item's outcome, and its cache entry when the pool already encoded it."""
    size = sum(len(text) for _, text in items)
    if workers > 1 and len(items) > 1 and size >= PARALLEL_MIN_BYTES:
        try:
            pool_size = min(workers, max(2, size // _MIN_BYTES_PER_WORKER))
            encoded = _parse_in_pool(items, pool_size, stats)
        except (OSError, BrokenProcessPool) as error:
            # No worker processes here (a sandbox without semaphores, a worker killed for
            # memory): the same work in this process is slower, never wrong.
            stats.processes = 1
            stats.notes.append(f"parsed in one process: the worker pool failed ({error})")
        else:
            return [(_decode(data), data) for data in encoded]
    return [(_parse_one(path, text), None) for path, text in items]


def _parse_one(path: str, text: str) -> Outcome:
    # Looked up on the module at call time, so tests can count the parses.
    try:
        return parse.parse_file(path, text)
    except ParseError as error:
        return error


def _parse_batch(batch: list[tuple[str, str]]) -> list[bytes]:
    """Worker side: parse a batch and hand back cache entries.

    Encoded here, once: the same bytes travel to the parent and go into the cache, and a
    ``ParseError`` crosses the process boundary with all its fields (see ``_encode``).
    """
    return [_encode(_parse_one(path, text)) for path, text in batch]


def _parse_in_pool(items: list[tuple[str, str]], workers: int, stats: ParseStats) -> list[bytes]:
    batches = _balanced_batches(items, workers)
    processes = min(workers, len(batches))
    stats.processes = processes
    results: list[bytes | None] = [None] * len(items)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures: list[tuple[list[int], Future[list[bytes]]]] = [
            (indices, pool.submit(_parse_batch, [items[i] for i in indices])) for indices in batches
        ]
        for indices, future in futures:
            for index, data in zip(indices, future.result(), strict=True):
                results[index] = data
    return _complete(results)


def _complete(results: list[_T | None]) -> list[_T]:
    """``results`` once every slot is filled; a gap would shift every later file's result."""
    if any(result is None for result in results):
        raise RuntimeError("internal error: a file was neither found in the cache nor parsed")
    return [result for result in results if result is not None]


def _balanced_batches(items: list[tuple[str, str]], workers: int) -> list[list[int]]:
    """Item indices in batches of similar total size, biggest batch first.

    A few batches per worker keep a worker from idling while another chews through one huge
    file (python-hcl2 needs ~10 s for 1 MB), without paying a round trip per small file.
    Largest-first into the currently lightest batch is the classic greedy for this.
    """
    count = min(len(items), workers * 4)
    batches: list[list[int]] = [[] for _ in range(count)]
    loads = [0] * count
    for index in sorted(range(len(items)), key=lambda i: -len(items[i][1])):
        lightest = loads.index(min(loads))
        batches[lightest].append(index)
        loads[lightest] += len(items[index][1]) + 1
    order = sorted(range(count), key=lambda b: -loads[b])
    return [batches[b] for b in order if batches[b]]


def _worker_count(requested: int | None) -> int:
    if requested is not None:
        return max(1, requested)
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    return min(usable, DEFAULT_MAX_WORKERS)


# --------------------------------------------------------------------------- entries

_PARSED = "parsed"
_FAILED = "failed"


def _encode(outcome: Outcome) -> bytes:
    """A cache entry: pickle, with a ``ParseError`` reduced to its class, args and fields.

    Pickling the exception itself would call ``ParseError(*args)`` on loading, and its
    constructor does not take its formatted message back; it would also drag along the lark
    exception in ``__cause__``, which need not pickle at all.
    """
    payload: tuple[Any, ...]
    if isinstance(outcome, ParseError):
        payload = (_FAILED, type(outcome), outcome.args, dict(vars(outcome)))
    else:
        payload = (_PARSED, outcome)
    return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)


def _decode(data: bytes) -> Outcome:
    """The outcome an entry holds; ``ValueError`` for anything that is not a valid entry."""
    payload = pickle.loads(data)
    if not isinstance(payload, tuple) or not payload:
        raise ValueError("not a cache entry")
    if payload[0] == _PARSED and len(payload) == 2 and isinstance(payload[1], ParsedFile):
        return payload[1]
    if payload[0] == _FAILED and len(payload) == 4:
        kind, args, fields = payload[1:]
        if isinstance(kind, type) and issubclass(kind, ParseError) and isinstance(fields, dict):
            error = kind.__new__(kind)
            error.args = tuple(args)
            error.__dict__.update(fields)
            return error
    raise ValueError("not a cache entry")


# --------------------------------------------------------------------------- the store


@dataclass(frozen=True)
class _Store:
    """Entries as files named by their key, two hex digits of fan-out per directory."""

    directory: Path
    salt: bytes

    @classmethod
    def open(cls, stats: ParseStats, kind: str = "parse") -> _Store | None:
        try:
            directory = cache_dir() / kind
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        except (OSError, RuntimeError) as error:  # RuntimeError: no home directory
            stats.cache_problem = (
                f"caching is off: the parse cache's folder cannot be made ({error}); every "
                "file is parsed again on every run (IAM_PRUNE_CACHE_DIR picks another folder)"
            )
            return None
        stats.cache_dir = directory
        return cls(directory, _salt())

    def key(self, path: str, text: str) -> str:
        digest = hashlib.sha256(self.salt)
        encoded_path = path.encode("utf-8", "surrogatepass")
        digest.update(len(encoded_path).to_bytes(8, "big"))
        digest.update(encoded_path)
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def texts_key(self, kind: str, texts: Mapping[str, str]) -> str:
        """A key for something computed from all of ``texts`` (paths and contents)."""
        digest = hashlib.sha256(self.salt)
        digest.update(kind.encode() + b"\0")
        for path in sorted(texts):
            for part in (path, texts[path]):
                encoded = part.encode("utf-8", "surrogatepass")
                digest.update(len(encoded).to_bytes(8, "big"))
                digest.update(encoded)
        return digest.hexdigest()

    def touch(self, key: str) -> None:
        """Mark the entry as read now (what ``_forget_unused`` goes by)."""
        with contextlib.suppress(OSError):  # a read-only cache keeps its entries as they are
            os.utime(self._path(key))

    def read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except OSError:
            return None

    def get(self, key: str) -> Outcome | None:
        data = self.read(key)
        if data is None:
            return None
        try:
            return _decode(data)
        except Exception:
            # Truncated, garbage, or pickled classes that no longer exist: any failure to
            # load means the entry is unusable, and it is rewritten after parsing.
            return None

    def put(self, key: str, data: bytes) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                # Readers see the old entry or the whole new one, never half of one. No fsync:
                # an entry torn by a crash fails to load and is simply rewritten.
                Path(temporary).replace(target)  # os.replace: atomic on POSIX and Windows
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            pass  # a full disk or a read-only cache costs speed, never correctness

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.pickle"


@cache
def _salt() -> bytes:
    """What every key shares: everything besides the file that decides the parse result."""
    digest = hashlib.sha256(f"iam-prune parse cache v{SCHEMA_VERSION}\0".encode())
    digest.update(f"python {sys.version_info[:2]}\0".encode())
    for distribution in ("python-hcl2", "lark"):
        digest.update(f"{distribution} {_version(distribution)}\0".encode())
    digest.update(_code_digest())
    return digest.digest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def _code_digest() -> bytes:
    """A digest of every module of the package.

    What a ``ParsedFile`` holds is decided by parse.py and the modules it uses (the converter,
    the syntax and model dataclasses), and that set changes as the code grows; digesting all
    of the package cannot miss one. It costs a few ms, and a cold parse after every upgrade.
    A package without readable source (a zipped install) falls back to its version.
    """
    package = Path(iam_prune.__file__).parent
    digest = hashlib.sha256()
    try:
        for path in sorted(package.rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    except OSError:
        return f"iam-prune {iam_prune.__version__}".encode()
    return digest.digest()
