"""Verification: every hash, signature, chain link and log entry, each failure named."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import msgspec

from safe_check.integrity import Verifier, digest
from safe_check.record import (
    Amendment,
    Record,
    amendment_content,
    from_json,
    sealed_content,
    to_json,
)

if TYPE_CHECKING:
    from safe_check.store import LogRow

Link = tuple[str, int, str, bytes | None]  # record id, chain index, sha256, body (None: erased)


def check_record(record: Record, verifier: Verifier) -> list[str]:
    """Problems with one record's seal and its amendments (empty when all is well)."""
    if record.seal is None or record.chain is None:
        return ["is not sealed"]
    problems = []
    expected_key = verifier.fingerprint()
    if record.seal.key != expected_key:
        problems.append(f"sealed with key {record.seal.key}, not the expected {expected_key}")
    if digest(sealed_content(record)) != record.seal.sha256:
        problems.append("content does not match its hash (altered)")
    if not verifier.valid(record.seal.sha256, record.seal.signature):
        problems.append("signature does not verify (altered, or signed with another key)")
    previous = record.seal.sha256
    for n, amendment in enumerate(record.amendments, 1):
        if amendment.previous != previous:
            problems.append(f"amendment {n} is not linked to what came before it")
        if digest(amendment_content(amendment)) != amendment.sha256:
            problems.append(f"amendment {n} does not match its hash (altered)")
        elif not verifier.valid(amendment.sha256, amendment.signature):
            problems.append(f"amendment {n}: signature does not verify")
        if amendment.key != expected_key:
            problems.append(f"amendment {n} was signed with key {amendment.key}")
        previous = amendment.sha256
    return problems


def decode_amendments(blobs: Iterable[bytes]) -> list[Amendment]:
    """Stored amendments as structs."""
    return [msgspec.json.decode(b, type=Amendment) for b in blobs]


def check_stored(
    body: bytes, amendments: list[bytes], verifier: Verifier
) -> tuple[Record | None, list[str]]:
    """Decode a stored record and check it, down to its bytes being exactly as sealed."""
    try:
        record = from_json(body)
        extra = decode_amendments(amendments)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
        return None, ["cannot be read (damaged or altered)"]
    problems = check_record(msgspec.structs.replace(record, amendments=extra), verifier)
    if to_json(record) != body:
        problems.append("stored bytes differ from the sealed form (altered)")
    return msgspec.structs.replace(record, amendments=extra), problems


def check_chain(
    links: Iterable[Link],
    amendments_of: Callable[[str], list[bytes]],
    verifier: Verifier,
    only: set[str] | None = None,
) -> Iterator[tuple[str, str]]:
    """(record id, problem) for every broken record or link; `only` limits which are read."""
    expected, previous = 1, ""
    for record_id, index, sha256, body in links:
        if index != expected:
            yield record_id, f"chain: {index - expected} record(s) missing before link #{index}"
        if body is not None and (only is None or record_id in only):
            record, problems = check_stored(body, amendments_of(record_id), verifier)
            yield from ((record_id, p) for p in problems)
            if record is not None and record.chain is not None:
                if record.chain.previous != previous or record.chain.index != index:
                    yield record_id, f"chain: link #{index} does not follow the record before it"
                if record.seal is not None and record.seal.sha256 != sha256:
                    yield record_id, "hash differs from the one the chain holds (altered)"
        previous, expected = sha256, index + 1


def check_log(
    rows: Iterable[LogRow], links: dict[int, str], amendments: set[str], erased: set[str]
) -> Iterator[str]:
    """Problems with the hash-chained processing log, and between the log and what it records:
    every record it saw finalised is still in the chain (or erased), every amendment and every
    erasure has its entry and every such entry its amendment or tombstone. One pass."""
    from safe_check.store import log_hash

    previous = ""
    logged_amendments: dict[str, str] = {}  # hash prefix -> record
    logged_erasures: set[str] = set()
    for seq, at, action, officer, record, detail, linked, stored in rows:
        if linked != previous:
            yield f"log entry {seq}: not linked to the entry before it (entries removed?)"
        if log_hash(linked, at, action, officer, record, detail) != stored:
            yield f"log entry {seq}: altered"
        previous = stored
        if action == "erasure":
            logged_erasures.add(str(record))
        elif action in ("collection", "alteration") and '"' in detail:
            seen = json.loads(detail)
            if "amendment" in seen:
                logged_amendments[seen["amendment"]] = str(record)
            if action == "collection" and "finalised" in seen:
                index = int(seen["finalised"])
                if links.get(index) != seen.get("sha256"):
                    yield f"chain: link #{index} (record {str(record)[:8]}) is missing or replaced"
    kept = {sha for sha, record in logged_amendments.items() if record not in erased}
    for sha in sorted({a[:16] for a in amendments} ^ kept):
        yield f"amendment {sha}: the log and the amendments do not match (one was removed)"
    for record_id in sorted(erased ^ logged_erasures):
        yield f"record {record_id[:8]}: erased without an erasure in the log, or the reverse"
