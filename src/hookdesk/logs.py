"""Logs: one JSON object per line outside development mode, readable lines with --dev.

Every line, hookdesk's own (structlog) and uvicorn's (the standard library's logging), goes through
one handler on stderr, so they all share one shape; a request's lines carry its `request_id`.
Nothing in hookdesk logs a key, a secret or a payload; `_mask_secrets` masks anything shaped like an
API key, an endpoint secret or a server key all the same, as a last guard.
"""

import logging
import re
import sys
from typing import Any

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
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared, processors=_rendering(_json_lines(settings))
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def _json_lines(settings: Settings) -> bool:
    if settings.log_format == "auto":
        return not settings.dev
    return settings.log_format == "json"


def _rendering(json_lines: bool) -> list[Processor]:
    remove_meta = structlog.stdlib.ProcessorFormatter.remove_processors_meta
    if json_lines:
        return [
            remove_meta,
            structlog.processors.format_exc_info,
            _mask_secrets,
            structlog.processors.JSONRenderer(),
        ]
    # Plain tracebacks: rendering one with its frames' locals takes seconds, on the event loop that
    # serves requests, and would print whatever the locals hold.
    readable = structlog.dev.ConsoleRenderer(
        colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
    )
    return [remove_meta, _mask_secrets, readable]


def _mask_secrets(_logger: Any, _name: str, event: EventDict) -> EventDict:
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = _SECRET_SHAPES.sub(MASK, value)
    return event
