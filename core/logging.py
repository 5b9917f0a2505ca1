"""Secrets out of logs: link tokens in URL paths are masked in every log line.

Consumers open their case or review through a link whose last path segment is a secret
token (`/complaints/case/<token>/`, `/review/<token>/`). Any log line that carries such a
path (Django's request warnings, runserver's access log, gunicorn's access log through
`GunicornLogger`, anything an app logs) shows `/complaints/case/…masked…/` instead.
The prefixes are `settings.LOG_MASKED_PATH_PREFIXES`.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

MASK = "[masked]"
DEFAULT_PREFIXES = ("/complaints/case/", "/review/")


@lru_cache(maxsize=8)
def _pattern(prefixes: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(p) for p in prefixes)
    # The segment after a prefix, up to the next /, ?, #, quote, space or end.
    return re.compile(rf"({alternatives})[^/?#\s\"'<>]+")


def _prefixes() -> tuple[str, ...]:
    try:
        from django.conf import settings

        return tuple(getattr(settings, "LOG_MASKED_PATH_PREFIXES", DEFAULT_PREFIXES))
    except Exception:  # settings not configured (gunicorn master before Django loads)
        return DEFAULT_PREFIXES


def mask_tokens(text):
    """`text` with the token after each masked prefix replaced by [masked]."""
    if not isinstance(text, str):
        return text
    prefixes = _prefixes()
    if not any(p in text for p in prefixes):
        return text
    return _pattern(prefixes).sub(rf"\g<1>{MASK}", text)


class MaskTokensFilter(logging.Filter):
    """Attach to every handler: rewrites the record's message with tokens masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: leave it to the formatter to report
            return True
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, ()
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            # Formatters that print the request (JSON extras) see the masked path only.
            record.request = _MaskedRequest(request)
        return True


class _MaskedRequest:
    """A read-only view of a request whose path-like attributes are masked."""

    def __init__(self, request):
        self._request = request

    def __getattr__(self, name):
        value = getattr(self._request, name)
        return mask_tokens(value) if name in {"path", "path_info"} else value

    def get_full_path(self, *args, **kwargs):
        return mask_tokens(self._request.get_full_path(*args, **kwargs))

    def build_absolute_uri(self, *args, **kwargs):
        return mask_tokens(self._request.build_absolute_uri(*args, **kwargs))

    def __str__(self):
        return mask_tokens(str(self._request))

    def __repr__(self):
        return mask_tokens(repr(self._request))


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # gunicorn is only in the production image's command line
    _GunicornLogger = None

if _GunicornLogger is not None:

    class GunicornLogger(_GunicornLogger):
        """gunicorn --logger-class core.logging.GunicornLogger: every text atom (request
        line, path, query, referrer, and the header and environ atoms gunicorn adds) carries
        masked tokens, whichever of them a log format names."""

        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            return {k: mask_tokens(v) if isinstance(v, str) else v for k, v in atoms.items()}
