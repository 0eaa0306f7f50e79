"""Per-segment state computed once, at index commit, and shared by every process.

What each search process used to build for itself on its first searches — the bitset of every
word's documents (decoded from Whoosh's posting lists), the facet bitsets, the sort keys, the
spelling lexicon — is written once per segment, when the segment is committed, into a file
beside the segment's own files::

    gen-…/MAIN_<segment id>.kbshared

and read through a memory map: the pages live once in the page cache, whatever the number of
gunicorn workers, and a new worker reads a word's bitset with one ``int.from_bytes`` instead of
decoding its postings. The file holds, for every term of every indexed text or keyword field
of the schema (whatever those fields are: nothing here names one), the segment-local document
numbers — as a bitset when the term is common, as a sorted array otherwise — and the sort
columns. Segments never change once written (only their deletions, which searches mask with
the live bitset), so a file stays valid for its segment's whole life; its name follows
Whoosh's segment pattern, so Whoosh deletes it with the segment when a merge retires it.

Layout (little-endian): a 4,096-byte header (magic, then JSON: sizes and section offsets),
the data of each term, then the sorted keys (``field NUL term``) with their offsets, each
term's data offset and kind, and the sort columns (``int64`` per document).

A file is written by whoever commits (``kb index rebuild``, an outbox sync), atomically
(a temporary name, then ``rename``). A reader finding none (a segment committed a moment ago,
an index built by older code) decodes the postings itself, as before: results never depend
on the files, only speed does (a test compares both).
"""

from __future__ import annotations

import bisect
import io
import json
import logging
import mmap
import os
import pickle
import secrets
import struct
import threading
import zlib
from array import array
from collections.abc import Iterable, Iterator
from itertools import accumulate
from pathlib import Path

import numpy as np
from whoosh.fields import BOOLEAN, DATETIME, NUMERIC

from kb.search.parsing import BAG_FIELDS
from kb.search.schema import EXACT_FIELDS, STEMMED_FIELDS

log = logging.getLogger(__name__)

MAGIC = b"KBSHARE1"
#: 2: postings' weights and the fields' length bytes, for scoring (issue 11). 3: phrases of the
#: multi-word synonyms.
VERSION = 3
HEADER_SIZE = 4096
SUFFIX = ".kbshared"
SPARSE, DENSE = 0, 1
#: How a term's weights are stored: none (a field not ranked), as multiples of the field's
#: boost (``uint8``: term frequencies), or as ``float32``.
NO_WEIGHTS, FREQUENCIES, FLOATS = 0, 1, 2
#: Sort columns stored per document (the schema's sortable numeric fields).
_LENGTH = struct.Struct("!i")
_WHOOSH_POSTINGS_MAGIC = b"W3Bl"


def file_name(segment_id: str) -> str:
    return f"{segment_id}{SUFFIX}"


def shared_fields(schema) -> list[str]:
    """Fields whose terms are stored: indexed, not numeric, not the unique id."""
    names = []
    for name, field in schema.items():
        if not getattr(field, "indexed", False) or getattr(field, "unique", False):
            continue
        if isinstance(field, NUMERIC | DATETIME | BOOLEAN):
            continue
        names.append(name)
    return names


def sort_columns(schema) -> list[str]:
    return [name for name, field in schema.items()
            if isinstance(field, NUMERIC) and field.column_type is not None]


# --------------------------------------------------------------------------- reading postings


def posting_ids(leaf, terms_reader, fieldname: str, termbytes: bytes, terminfo) -> list[int]:
    """The document numbers of one term (see :func:`posting_arrays`)."""
    return posting_arrays(leaf, terms_reader, fieldname, termbytes, terminfo, weights=False)[0]


def posting_arrays(leaf, terms_reader, fieldname: str, termbytes: bytes, terminfo,
                   weights: bool = True) -> tuple[list[int], list[float]]:
    """The document numbers and weights of one term, straight from Whoosh's block format (a
    block is a zlib-compressed pickle of the delta-encoded ids, the weights, the values):
    several times faster than walking a matcher. Anything unexpected falls back to the
    matcher. Without ``weights`` the second list is empty."""
    try:
        if terminfo.is_inlined():
            ids, values = terminfo.inlined_postings()[:2]
            return list(ids), _weights(values, len(ids)) if weights else []
        offset, length = terminfo.extent()
        if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves it as unpack()'s tuple
            (length,) = length
        data = terms_reader._postfile.get(offset, length)
        if data[:4] != _WHOOSH_POSTINGS_MAGIC:
            raise ValueError("unknown postings header")
        ids: list[int] = []
        found: list[float] = []
        stream = io.BytesIO(data)
        position = 4
        while True:
            (block_length,) = _LENGTH.unpack_from(data, position)
            last = block_length < 0
            end = position + 4 + abs(block_length)
            stream.seek(position + 4)
            info = pickle.Unpickler(stream).load()
            block = data[stream.tell():end]
            if info[3]:
                block = zlib.decompress(block)
            content = pickle.loads(block)
            before = len(ids)
            ids.extend(accumulate(content[0]))
            if weights:
                found.extend(_weights(content[1], len(ids) - before))
            if last:
                return ids, found
            position = end
    except Exception:  # noqa: BLE001 (another codec or format: the slow, general path)
        matcher = leaf.postings(fieldname, termbytes)
        ids, found = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            if weights:
                found.append(matcher.weight())
            matcher.next()
        return ids, found


def _weights(value, count: int) -> list[float]:
    """A block's weights as Whoosh stores them: ``None`` (all 1), one float, or an array."""
    if value is None:
        return [1.0] * count
    if isinstance(value, float | int):
        return [float(value)] * count
    return list(value)


# --------------------------------------------------------------------------- writing


def write_segment_file(directory: Path, leaf, schema) -> Path:
    """Write the shared file of one segment (a ``SegmentReader``) and return its path."""
    segment_id = leaf.segment().segment_id()
    size = leaf.doc_count_all()
    dense_bytes = (size + 7) // 8
    typecode = "H" if size <= 0xFFFF else "I"
    itemsize = array(typecode).itemsize
    wanted = set(shared_fields(schema))
    columns = [name for name in sort_columns(schema) if leaf.has_column(name)]
    path = directory / file_name(segment_id)
    temporary = directory / f".{path.name}.{secrets.token_hex(4)}"
    keys: list[bytes] = []
    data_offsets = array("Q")
    kinds = array("B")
    scored = {name for name in wanted if name in RANKED_FIELDS and schema[name].scorable}
    boosts = {name: float(getattr(schema[name].format, "field_boost", 1.0)) for name in scored}
    weight_offsets = array("Q")
    weight_kinds = array("B")
    phrases = phrase_sequences() if PHRASE_FIELDS & wanted else ()
    try:
        with open(temporary, "wb") as out:
            out.write(b"\0" * HEADER_SIZE)
            position = HEADER_SIZE
            for fieldname, termbytes, ids, weights in _entries(leaf, wanted, scored, phrases):
                if len(ids) * itemsize >= dense_bytes:
                    chunk = _bitset(ids, size).to_bytes(dense_bytes, "little")
                    kinds.append(DENSE)
                else:
                    chunk = array(typecode, ids).tobytes()
                    kinds.append(SPARSE)
                keys.append(fieldname.encode("utf-8") + b"\0" + termbytes)
                data_offsets.extend((position - HEADER_SIZE, position - HEADER_SIZE + len(chunk)))
                out.write(chunk)
                position += len(chunk)
                kind, chunk = _weights_chunk(weights, boosts[fieldname]) if weights else (
                    NO_WEIGHTS, b"")
                weight_kinds.append(kind)
                weight_offsets.extend((position - HEADER_SIZE,
                                       position - HEADER_SIZE + len(chunk)))
                out.write(chunk)
                position += len(chunk)
            order = sorted(range(len(keys)), key=keys.__getitem__)  # Whoosh sorts by field number
            sections: dict[str, list[int]] = {}

            def section(name: str, payload: bytes) -> None:
                nonlocal position
                padding = -position % 8
                out.write(b"\0" * padding)
                position += padding
                sections[name] = [position, len(payload)]
                out.write(payload)
                position += len(payload)

            key_offsets, blob = array("I", [0]), bytearray()
            for index in order:
                blob += keys[index]
                key_offsets.append(len(blob))
            section("data_offsets", array("Q", (
                value for index in order
                for value in (data_offsets[2 * index], data_offsets[2 * index + 1]))).tobytes())
            section("kinds", array("B", (kinds[index] for index in order)).tobytes())
            section("weight_offsets", array("Q", (
                value for index in order
                for value in (weight_offsets[2 * index], weight_offsets[2 * index + 1]))
            ).tobytes())
            section("weight_kinds", array("B", (weight_kinds[index] for index in order)).tobytes())
            for name in sorted(scored):
                section(f"length:{name}", length_bytes(leaf, name).tobytes())
            section("key_offsets", key_offsets.tobytes())
            section("keys", bytes(blob))
            for name in columns:
                section(f"column:{name}", array("q", leaf.column_reader(name)).tobytes())
            header = json.dumps({
                "version": VERSION, "segment": segment_id, "size": size, "count": len(keys),
                "typecode": typecode, "fields": sorted(wanted), "sections": sections,
                "columns": columns, "scored": sorted(scored), "boosts": boosts,
                "phrases": [" ".join(sequence) for sequence in phrases],
            }).encode("utf-8")
            if len(header) + len(MAGIC) + 4 > HEADER_SIZE:
                raise ValueError("shared file header too large")
            out.seek(0)
            out.write(MAGIC + struct.pack("<I", len(header)) + header)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


RANKED_FIELDS = frozenset({*STEMMED_FIELDS, *EXACT_FIELDS})
#: The running-text fields whose phrases of multi-word synonyms are stored (as terms whose text
#: is :data:`PHRASE_MARK` then the phrase's tokens): matching a synonym group such as
#: « tableau numérique interactif » walked Whoosh's span matchers over every write-up holding
#: the three words — most of a cold search's time at 100,000.
PHRASE_FIELDS = frozenset(STEMMED_FIELDS) - BAG_FIELDS
PHRASE_MARK = "\x01"


def phrase_sequences() -> tuple[tuple[str, ...], ...]:
    """The token sequences of several words of the synonym groups (analysed once)."""
    from kb.search.synonyms import synonym_groups

    return tuple(sorted({sequence for group in synonym_groups()
                         for sequence in group.token_sequences if len(sequence) > 1}))


def phrase_text(tokens) -> str:
    """The term text under which a phrase's documents are stored."""
    return PHRASE_MARK + " ".join(tokens)


def _entries(leaf, wanted: set[str], scored: set[str], phrases):
    """``(field, term bytes, ids, weights)`` of every term of the wanted fields (weights for the
    scored ones, else empty), then of the phrases in :data:`PHRASE_FIELDS` (no weights)."""
    terms_reader = leaf._terms
    for (fieldname, termbytes), terminfo in terms_reader.items():
        if fieldname in wanted:
            ids, weights = posting_arrays(leaf, terms_reader, fieldname, termbytes, terminfo,
                                          weights=fieldname in scored)
            yield fieldname, termbytes, ids, weights
    if not phrases:
        return
    from whoosh.query import Phrase
    from whoosh.searching import Searcher

    searcher = Searcher(leaf)
    for fieldname in sorted(PHRASE_FIELDS & wanted):
        for tokens in phrases:
            if any((fieldname, token) not in leaf for token in tokens):
                ids = []
            else:
                ids = sorted(searcher.docs_for_query(Phrase(fieldname, list(tokens))))
            yield fieldname, phrase_text(tokens).encode("utf-8"), ids, []


def _weights_chunk(weights: list[float], boost: float) -> tuple[int, bytes]:
    """A term's weights, as term frequencies when each is exactly ``frequency × boost`` (the
    usual case: a quarter of the space), as ``float32`` otherwise."""
    stored = np.asarray(weights, dtype=np.float32)
    frequencies = np.rint(stored.astype(np.float64) / boost)
    if (len(stored) and frequencies.min() >= 1 and frequencies.max() <= 255
            and np.array_equal(_from_frequencies(frequencies, boost), stored)):
        return FREQUENCIES, frequencies.astype(np.uint8).tobytes()
    return FLOATS, stored.tobytes()


def _from_frequencies(frequencies: np.ndarray, boost: float) -> np.ndarray:
    return (frequencies.astype(np.float64) * boost).astype(np.float32)


def length_bytes(leaf, field: str) -> np.ndarray:
    """The length byte of ``field`` for each document of a segment (0: absent), as Whoosh's
    scorers read them."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN

    size = leaf.doc_count_all()
    result = np.zeros(size, dtype=np.uint8)
    column = leaf._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
    if column is None:
        return result
    values = np.frombuffer(column.load(), dtype=np.uint8)[:size]
    result[:len(values)] = values
    return result


def _bitset(ids: Iterable[int], size: int) -> int:
    buffer = bytearray((size + 7) // 8)
    for docnum in ids:
        buffer[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(buffer, "little")


def segment_ids(index) -> set[str]:
    """The segments of the index's latest commit."""
    return {segment.segment_id() for segment in index._segments()}


def is_current(path: Path) -> bool:
    """Whether ``path`` is a shared file of this code's :data:`VERSION`."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEADER_SIZE)
        (length,) = struct.unpack_from("<I", head, len(MAGIC))
        header = json.loads(head[len(MAGIC) + 4:len(MAGIC) + 4 + length])
    except (OSError, ValueError, struct.error):
        return False
    return head.startswith(MAGIC) and header.get("version") == VERSION


def write_missing(index, procs: int = 1, skip: Iterable[str] = ()) -> list[str]:
    """Write the shared file of every segment of the index's latest commit that has none (or
    one written by an older version of this module),
    except those in ``skip`` (an outbox commit only writes the segments it created: an index
    built by older code gets its files from ``kb index rebuild``). Returns their ids."""
    directory = Path(index.storage.folder)
    skip = set(skip)
    with index.reader() as reader:
        leaves = [leaf for leaf, _offset in reader.leaf_readers()
                  if hasattr(leaf, "segment") and leaf.doc_count_all()
                  and leaf.segment().segment_id() not in skip]
        missing = [leaf for leaf in leaves
                   if not is_current(directory / file_name(leaf.segment().segment_id()))]
        if procs > 1 and len(missing) > 1:
            return _write_in_processes(directory, [leaf.segment().segment_id()
                                                   for leaf in missing], procs)
        for leaf in missing:
            write_segment_file(directory, leaf, index.schema)
    return [leaf.segment().segment_id() for leaf in missing]


def _write_in_processes(directory: Path, segment_ids: list[str], procs: int) -> list[str]:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(min(procs, len(segment_ids)), mp_context=get_context("fork")) as pool:
        list(pool.map(_write_one, [str(directory)] * len(segment_ids), segment_ids))
    return segment_ids


def _write_one(directory: str, segment_id: str) -> None:
    from whoosh import index as whoosh_index

    from kb.search.schema import SCHEMA

    index = whoosh_index.open_dir(directory, schema=SCHEMA)
    with index.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            if hasattr(leaf, "segment") and leaf.segment().segment_id() == segment_id:
                write_segment_file(Path(directory), leaf, index.schema)


# --------------------------------------------------------------------------- reading


class SegmentFile:
    """One segment's shared file, memory-mapped read-only."""

    def __init__(self, path: Path, segment_id: str, size: int) -> None:
        with open(path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(self._map)
        if bytes(view[:len(MAGIC)]) != MAGIC:
            raise ValueError(f"{path.name}: not a shared segment file")
        (length,) = struct.unpack_from("<I", view, len(MAGIC))
        header = json.loads(bytes(view[len(MAGIC) + 4:len(MAGIC) + 4 + length]))
        if (header.get("version") != VERSION or header.get("segment") != segment_id
                or header.get("size") != size):
            raise ValueError(f"{path.name}: written for another segment")
        self.path = path
        self.size = size
        self.count = header["count"]
        self.fields = frozenset(header["fields"])
        self.columns = tuple(header["columns"])
        self._typecode = header["typecode"]
        self._dense_bytes = (size + 7) // 8
        self._view = view
        self._data = view[HEADER_SIZE:]
        sections = header["sections"]

        def part(name: str) -> memoryview:
            start, length = sections[name]
            return view[start:start + length]

        self._sections = part
        self._data_offsets = part("data_offsets").cast("Q")
        self._kinds = part("kinds")
        self.scored = frozenset(header.get("scored", ()))
        self.phrases = frozenset(header.get("phrases", ()))
        self._boosts = header.get("boosts", {})
        self._weight_offsets = part("weight_offsets").cast("Q")
        self._weight_kinds = part("weight_kinds")
        self._lengths = {name: np.frombuffer(part(f"length:{name}"), dtype=np.uint8)
                         for name in self.scored}
        self._key_offsets = part("key_offsets").cast("I")
        self._keys = part("keys")
        self._sorted_keys = _Keys(self._keys, self._key_offsets, self.count)

    def _find(self, key: bytes) -> int:
        index = bisect.bisect_left(self._sorted_keys, key)
        if index < self.count and self._sorted_keys[index] == key:
            return index
        return -1

    def _mask(self, index: int) -> int:
        start, end = self._data_offsets[2 * index], self._data_offsets[2 * index + 1]
        chunk = self._data[start:end]
        if self._kinds[index] == DENSE:
            return int.from_bytes(chunk, "little")
        return _bitset(chunk.cast(self._typecode), self.size)

    def term(self, field: str, text: str | bytes) -> int | None:
        """The segment-local bitset of a term (0 when absent); ``None`` for a field the file
        does not hold."""
        if field not in self.fields:
            return None
        termbytes = text if isinstance(text, bytes) else text.encode("utf-8")
        if termbytes[:1] == b"\x01" and termbytes[1:].decode("utf-8") not in self.phrases:
            return None  # a phrase this file does not hold
        index = self._find(field.encode("utf-8") + b"\0" + termbytes)
        return 0 if index < 0 else self._mask(index)

    def postings(self, field: str, text: str | bytes):
        """``(document numbers, weights)`` of a term as NumPy arrays (empty when absent), or
        ``None`` for a field whose weights the file does not hold."""
        if field not in self.scored:
            return None
        termbytes = text if isinstance(text, bytes) else text.encode("utf-8")
        index = self._find(field.encode("utf-8") + b"\0" + termbytes)
        if index < 0:
            return _NO_POSTINGS
        start, end = self._data_offsets[2 * index], self._data_offsets[2 * index + 1]
        chunk = self._data[start:end]
        if self._kinds[index] == DENSE:
            bits = np.unpackbits(np.frombuffer(chunk, dtype=np.uint8), bitorder="little")
            ids = np.flatnonzero(bits[:self.size])
        else:
            ids = np.frombuffer(chunk, dtype=np.uint16 if self._typecode == "H" else np.uint32)
        start, end = self._weight_offsets[2 * index], self._weight_offsets[2 * index + 1]
        chunk = self._data[start:end]
        if self._weight_kinds[index] == FREQUENCIES:
            weights = _from_frequencies(np.frombuffer(chunk, dtype=np.uint8), self._boosts[field])
        else:
            weights = np.frombuffer(chunk, dtype=np.float32)
        return ids.astype(np.int64), weights.astype(np.float64)

    def lengths(self, field: str) -> np.ndarray | None:
        """The length byte of ``field`` for each document, or ``None`` if not held."""
        return self._lengths.get(field)

    def field_terms(self, field: str) -> Iterator[tuple[str, int]]:
        """Every term of a field with its local bitset, in term order."""
        prefix = field.encode("utf-8") + b"\0"
        start = bisect.bisect_left(self._sorted_keys, prefix + b"\x02")  # phrases aside
        end = bisect.bisect_left(self._sorted_keys, field.encode("utf-8") + b"\1")
        for index in range(start, end):
            yield self._sorted_keys[index][len(prefix):].decode("utf-8"), self._mask(index)

    def words(self, field: str) -> frozenset[str] | None:
        """Every term of a field (the spelling lexicon), or ``None`` if not held."""
        if field not in self.fields:
            return None
        prefix = field.encode("utf-8") + b"\0"
        start = bisect.bisect_left(self._sorted_keys, prefix + b"\x02")  # phrases aside
        end = bisect.bisect_left(self._sorted_keys, field.encode("utf-8") + b"\1")
        return frozenset(self._sorted_keys[i][len(prefix):].decode("utf-8")
                         for i in range(start, end))

    def column(self, name: str) -> list[int] | None:
        if name not in self.columns:
            return None
        return self._sections(f"column:{name}").cast("q").tolist()

    def touch(self) -> None:
        """Ask the kernel to read the whole file ahead (warm-up)."""
        try:
            self._map.madvise(mmap.MADV_WILLNEED)
        except (AttributeError, OSError):  # not every platform has it
            pass


_NO_POSTINGS = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


class _Keys:
    """The sorted keys of a file as a sequence, for :mod:`bisect`."""

    def __init__(self, blob: memoryview, offsets: memoryview, count: int) -> None:
        self._blob, self._offsets, self._count = blob, offsets, count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> bytes:
        return bytes(self._blob[self._offsets[index]:self._offsets[index + 1]])


class SharedFiles:
    """The shared files of the segments a process reads, opened once and kept while their
    generation is served. ``enabled`` off makes every lookup miss (to compare results)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._files: dict[str, SegmentFile] = {}
        self._directory: Path | None = None
        self._lock = threading.Lock()

    def use_directory(self, directory: Path) -> None:
        """The generation being served (a swap forgets the files of the previous one)."""
        with self._lock:
            if directory != self._directory:
                self._files = {}
                self._directory = directory

    def get(self, leaf) -> SegmentFile | None:
        """The file of a segment reader, or ``None`` (missing, unreadable, disabled)."""
        if not self.enabled or self._directory is None:
            return None
        segment_id = leaf.segment().segment_id()
        shared = self._files.get(segment_id)
        if shared is not None:
            return shared
        path = self._directory / file_name(segment_id)
        if not path.exists():
            return None
        try:
            shared = SegmentFile(path, segment_id, leaf.doc_count_all())
        except (OSError, ValueError, KeyError) as error:
            log.warning("shared segment file ignored: %s", error)
            return None
        with self._lock:
            self._files[segment_id] = shared
        return shared

    def by_id(self, segment_id: str) -> SegmentFile | None:
        return self._files.get(segment_id) if self.enabled else None

    def forget(self, keep: Iterable[str]) -> None:
        """Drop the files of segments no longer read (merged away)."""
        keep = set(keep)
        with self._lock:
            self._files = {k: v for k, v in self._files.items() if k in keep}

    def opened(self) -> list[SegmentFile]:
        return list(self._files.values())
