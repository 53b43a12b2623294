"""Logs: one JSON object per line outside development mode, readable lines with --dev.

Every line, hookdesk's own (structlog) and uvicorn's (the standard library's logging), is written
to stderr in one shape, by the same processors; a request's lines carry its `request_id`.
hookdesk's own lines are rendered by structlog and written by `_LineWriter` to the handler's
stream, under its lock, with no standard library logger, record or formatter between: the
request's one line cost 42 µs through them, 17 µs this way (in a loop), and about a tenth of a
retrieve's CPU on SQLite (bench/api.py). The standard library's lines (uvicorn's, a few of
hookdesk's modules) keep its handler, with the same processors.
Nothing in hookdesk logs a key, a secret or a payload; `_mask_secrets` masks anything shaped like an
API key, an endpoint secret or a server key all the same, as a last guard.
"""

import logging
import re
import sys
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor

from hookdesk.config import Settings

_SECRET_SHAPES = re.compile(
    r"hk_[0-9a-f]{16}_[A-Za-z0-9_-]+"  # API keys
    r"|whsec_[A-Za-z0-9+/=]+"  # endpoint secrets
    r"|\b[A-Za-z0-9_-]{43}="  # Fernet keys (HOOKDESK_SECRET_KEY)
)
MASK = "[hidden]"


def configure(settings: Settings) -> None:
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    rendering = _rendering(_json_lines(settings))
    level = logging.getLevelName(settings.log_level.upper())
    remove_meta = structlog.stdlib.ProcessorFormatter.remove_processors_meta
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared, processors=[remove_meta, *rendering]
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    structlog.configure(
        processors=[*shared, *rendering],
        logger_factory=_LineWriters(handler),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )


class _LineWriter:
    """structlog's logger: each rendered line written whole and flushed, under the standard
    library handler's lock (their lines never mix), as `name` (`add_logger_name` shows it).

    A line that cannot be written (stderr closed, or its pipe broken) is dropped, as that
    handler drops one: the request or the dispatcher that logged it goes on. structlog's own
    writer would raise the error into whatever was logging."""

    def __init__(self, name: str, handler: logging.StreamHandler[TextIO]) -> None:
        assert handler.lock is not None  # made by the handler's __init__
        self.name = name
        self._stream = handler.stream
        self._lock = handler.lock

    def msg(self, message: str) -> None:
        try:
            with self._lock:
                self._stream.write(message + "\n")
                self._stream.flush()
        except (OSError, ValueError):  # ValueError: the stream is closed
            pass

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


class _LineWriters:
    """structlog's logger factory: `structlog.get_logger(name)` writes where `handler` does, as
    `name`."""

    def __init__(self, handler: logging.StreamHandler[TextIO]) -> None:
        self._handler = handler

    def __call__(self, *args: Any) -> _LineWriter:
        return _LineWriter(str(args[0]) if args else "hookdesk", self._handler)


def _json_lines(settings: Settings) -> bool:
    if settings.log_format == "auto":
        return not settings.dev
    return settings.log_format == "json"


def _rendering(json_lines: bool) -> list[Processor]:
    if json_lines:
        return [
            structlog.processors.format_exc_info,
            _mask_secrets,
            structlog.processors.JSONRenderer(),
        ]
    # Plain tracebacks: rendering one with its frames' locals takes seconds, on the event loop that
    # serves requests, and would print whatever the locals hold.
    readable = structlog.dev.ConsoleRenderer(
        colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
    )
    return [_mask_secrets, readable]


def _mask_secrets(_logger: Any, _name: str, event: EventDict) -> EventDict:
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = _SECRET_SHAPES.sub(MASK, value)
    return event
