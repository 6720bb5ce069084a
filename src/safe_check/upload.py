"""Upload: one HTTP POST per final record, idempotent, counted only when acknowledged."""

from __future__ import annotations

import http.client
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Final

import msgspec

TOKEN_ENV: Final = "SAFE_CHECK_UPLOAD_TOKEN"
BACKOFF: Final = 0.5  # seconds before the first retry; doubled each time


class Unreachable(Exception):
    """The endpoint could not be reached at all (no network, refused, name not found)."""


class Outcome(msgspec.Struct):
    """What one upload run did."""

    sent: list[str] = msgspec.field(default_factory=list)
    already: list[str] = msgspec.field(default_factory=list)
    queued: list[str] = msgspec.field(default_factory=list)
    errors: list[str] = msgspec.field(default_factory=list)
    offline: bool = False


def post(url: str, key: str, body: bytes, encrypted: bool, timeout: float) -> int:
    """POST one record; the HTTP status, or Unreachable / TimeoutError / OSError."""
    headers = {
        "Content-Type": "application/age" if encrypted else "application/json",
        "Idempotency-Key": key,
        "User-Agent": "safe-check",
    }
    token = os.environ.get(TOKEN_ENV)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code  # 3xx land here too: a redirect is never followed, so never "sent"
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError | socket.timeout):
            raise TimeoutError(str(err.reason)) from None
        raise Unreachable(str(err.reason)) from None
    except (http.client.HTTPException, ValueError) as err:  # a garbled reply: try again later
        raise OSError(f"bad reply: {type(err).__name__}") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET (and carry the token elsewhere): refuse it."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def send_one(
    url: str, key: str, body: bytes, encrypted: bool, timeout: float, retries: int
) -> tuple[str, str]:
    """('sent' | 'already' | 'queued' | 'offline', detail), retrying what may pass later."""
    detail = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(BACKOFF * 2 ** (attempt - 1))
        try:
            status = post(url, key, body, encrypted, timeout)
        except Unreachable as err:
            detail = f"cannot reach the endpoint ({err})"
            if attempt == retries:
                return "offline", detail
            continue
        except (TimeoutError, OSError) as err:
            detail = f"no answer ({type(err).__name__}: {err})".replace(": )", ")")
            continue
        if 200 <= status < 300:
            return "sent", ""
        if status == 409:
            return "already", ""
        detail = f"HTTP {status}"
        if status < 500 and status not in (408, 429):
            return "queued", detail  # the endpoint refused it: retrying will not help
    return "queued", detail


def upload_all(
    queue: list[tuple[str, str]],
    body_of: Callable[[str], bytes],
    acknowledge: Callable[[str], None],
    url: str,
    encrypted: bool,
    timeout: float = 10.0,
    retries: int = 3,
) -> Outcome:
    """Send every queued (record id, idempotency key); stop early when the network is plainly
    not there."""
    out = Outcome()
    for index, (record_id, key) in enumerate(queue):
        result, detail = send_one(url, key, body_of(record_id), encrypted, timeout, retries)
        if result in ("sent", "already"):
            acknowledge(record_id)
            (out.sent if result == "sent" else out.already).append(record_id)
            continue
        out.errors.append(f"record {record_id[:8]}: {detail}")
        if result == "offline":
            out.offline = True
            out.queued += [r for r, _ in queue[index:]]
            return out
        out.queued.append(record_id)
    return out
