"""One redaction filter for every secret the process knows.

Secrets register themselves when credentials are loaded; every log record, error message and file the
tool writes passes through `redact`. The base64 Basic-auth form is registered too, since that is what
would leak from a dumped request.
"""

from __future__ import annotations

import base64
import json
import logging
import threading

_lock = threading.Lock()
_secrets: set[str] = set()
# Derived from _secrets whenever it changes, not on every call: every journal line and log record is
# redacted, and sorting the secrets and JSON-escaping each of them per call cost more than the matching.
_ordered: tuple[str, ...] = ()  # longest first, so a secret containing another is masked whole
_json_ordered: tuple[str, ...] = ()  # every JSON form of every secret, longest first
MASK = "***"


def register_secret(value: str | None, *, email: str | None = None) -> None:
    if not value or len(value) < 4:  # masking tiny strings would shred ordinary text
        return
    global _ordered, _json_ordered
    with _lock:
        _secrets.add(value)
        if email:
            _secrets.add(base64.b64encode(f"{email}:{value}".encode()).decode())
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))
        forms = {form for secret in _secrets for form in _json_forms(secret) if form}
        _json_ordered = tuple(sorted(forms, key=len, reverse=True))


def redact(text: str) -> str:
    if not text:
        return text
    for s in _ordered:
        if s in text:
            text = text.replace(s, MASK)
    return text


def _json_forms(secret: str) -> set[str]:
    """How a secret can appear inside serialised JSON: as is, or escaped inside a string."""
    return {secret, json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(secret)[1:-1]}


def redact_json(text: str) -> str:
    """Redact every secret in serialised JSON text, in one pass over the text (not a walk of the objects
    it was made from). A secret is matched as written and as escaped inside a JSON string. Should masking
    ever cut through JSON syntax (a "secret" like `","`), the result would not parse: then each string is
    redacted on its own instead, so the output is always valid JSON."""
    forms = _json_ordered
    if not text or not forms:
        return text
    out = text
    for form in forms:
        if form in out:
            out = out.replace(form, MASK)
    if out is text or out == text:
        return text
    try:
        json.loads(out)
    except ValueError:
        return json.dumps(redact_obj(json.loads(text)), ensure_ascii=False, separators=(",", ":"))
    return out


def redact_obj(obj):
    """Redact every string inside a JSON-like structure (dict keys included)."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {redact_obj(k): redact_obj(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact_obj(v) for v in obj]
    return obj


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # a bad format string must not take logging down
            msg = str(record.msg)
        record.msg = redact(msg)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_base_factory = logging.getLogRecordFactory()


def _redacting_factory(*args, **kwargs) -> logging.LogRecord:
    # A record factory sees every record from every logger (child loggers and third-party libraries
    # included), which a logger-level filter does not: filters don't apply to records propagated up.
    record = _base_factory(*args, **kwargs)
    if _secrets:
        try:
            msg = record.getMessage()
        except Exception:
            msg = str(record.msg)
        record.msg = redact(msg)
        record.args = None
    return record


def install_logging_filter(logger: logging.Logger | None = None) -> None:
    """Attach the filter to the package logger and to every handler of the root logger."""
    target = logger or logging.getLogger("migrate")
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())
    for h in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in h.filters):
            h.addFilter(RedactingFilter())


if logging.getLogRecordFactory() is not _redacting_factory:
    logging.setLogRecordFactory(_redacting_factory)
install_logging_filter()
