"""Settings in one place: defaults, then a TOML file (`--config` or `HOOKDESK_CONFIG`), then
`HOOKDESK_*` environment variables, then command-line flags, each over the one before.

Every value is checked at start; a bad one is refused with a message naming where it came from.
"""

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hookdesk.net import mailurls as urls

MIB = 1024 * 1024
DEFAULT_RETRY_SCHEDULE = (5, 60, 300, 1800, 7200, 21600, 43200, 86400, 86400)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOOKDESK_", frozen=True, extra="forbid")

    database_url: str = Field(
        default="sqlite:///./hookdesk.db",
        description="sqlite:///path or postgresql://user@host/db",
    )
    dev: bool = Field(
        default=False, description="Allow http and local endpoint addresses (development only)."
    )
    data_dir: Path = Path("./hookdesk-data")
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL that links handed to users (asset URLs) start with.",
    )
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="FULL survives power loss (an fsync per commit); NORMAL only a killed process.",
    )
    database_pool_size: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="PostgreSQL: connections each of a process's two pools keeps open (its "
        "worker threads' and its event loop's), with half as many more at a peak.",
    )
    max_body_bytes: int = Field(default=1 * MIB, gt=0)
    max_asset_bytes: int = Field(default=10 * MIB, gt=0)
    max_mail_bytes: int = Field(
        default=25 * MIB, gt=0, description="Largest email received; a larger one is ignored."
    )

    secret_key: str | None = Field(
        default=None,
        description="Fernet key that encrypts endpoint secrets at rest; --dev makes one if unset.",
    )
    retry_schedule: Annotated[tuple[float, ...], NoDecode] = Field(
        default=DEFAULT_RETRY_SCHEDULE,
        description="Seconds between attempts, comma-separated; its length is the retry count.",
    )
    delivery_timeout: float = Field(default=15.0, gt=0, le=300)
    disable_after: float = Field(default=259_200.0, gt=0)
    dispatcher_concurrency: int = Field(default=256, ge=1, le=10_000)
    endpoint_concurrency: int = Field(default=16, ge=1, le=1_000)
    # Unset: the database's own (`workers.DEFAULT_BATCH`).
    dispatcher_batch: int | None = Field(default=None, ge=1, le=5_000)
    shutdown_timeout: float = Field(default=20.0, ge=0)
    lease_margin: float = Field(
        default=30.0,
        ge=1,
        description="Seconds beyond the delivery timeout before a claimed delivery that was not "
        "recorded (its dispatcher died) is sent again.",
    )

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", description="auto: readable lines with --dev, JSON lines otherwise."
    )

    retention_days: float = Field(
        default=30.0,
        ge=0,
        description="Events, deliveries and attempts older than this are purged; 0 keeps them.",
    )
    purge_interval: float = Field(
        default=3600.0, gt=0, description="Seconds between the dispatcher's purges."
    )
    purge_batch: int = Field(
        default=1000, ge=1, le=100_000, description="Rows deleted per short transaction."
    )

    rate_limit: float = Field(
        default=25.0,
        ge=0,
        description="API requests per second per API key, sustained; 0 turns the limit off.",
    )
    rate_limit_burst: int = Field(
        default=100, ge=1, description="API requests one key may make at once, above the rate."
    )

    smtp_url: str | None = Field(
        default=None,
        description="smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps://...: "
        "the mail server of accounts without their own; unset, no mail is sent.",
    )
    mail_from: str | None = Field(
        default=None,
        description="`Name <address>`: the sender of accounts that set none of their own.",
    )

    imap_poll_interval: float = Field(
        default=60.0,
        gt=0,
        description="Seconds between looks into a mailbox whose server does not offer IDLE, and "
        "between looks for accounts whose mailbox setting changed.",
    )
    imap_lease: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a dispatcher holds an account's mailbox, renewed while it reads: one "
        "dispatcher reads a mailbox at a time, and another takes it over this long after it died.",
    )

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value:
            try:
                urls.parse(value, schemes=urls.SENDING)
            except urls.BadMailUrl as error:
                raise ValueError(str(error)) from None
        return value or None

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, value: str | None) -> str | None:
        if not value:
            return None
        name, address = parseaddr(value)
        if "@" not in address or "\r" in value or "\n" in value:
            raise ValueError("must look like Name <address@example.com>")
        return formataddr((name, address))

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError("must look like sqlite:///path or postgresql://user@host/db") from None
        if backend not in {"sqlite", "postgresql"}:
            raise ValueError(f"{backend!r} is not supported: use sqlite or postgresql")
        return value

    @field_validator("public_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("retry_schedule", mode="before")
    @classmethod
    def _parse_schedule(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                value = tuple(float(step) for step in value.split(",") if step.strip())
            except ValueError:
                raise ValueError("must be comma-separated seconds, e.g. 5,60,300") from None
        return value

    @field_validator("retry_schedule")
    @classmethod
    def _positive_steps(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(step <= 0 for step in value):
            raise ValueError("every step must be more than 0 seconds")
        return value

    @property
    def assets_dir(self) -> Path:
        return self.data_dir / "assets"


SECRET_FIELDS = frozenset({"secret_key"})
CONFIG_FILE_VARIABLE = "HOOKDESK_CONFIG"


class ConfigurationError(Exception):
    """Bad configuration: one line per problem, each naming the variable, key or flag."""


@dataclass(frozen=True)
class Loaded:
    settings: Settings
    sources: Mapping[str, str]  # setting -> "flag" | "environment" | the file's path; else default


def load(config_file: Path | None = None, **flags: Any) -> Loaded:
    """The effective settings; `flags` are the command line's, None where a flag was not given."""
    path = config_file or _path_from_environment()
    in_file = _checked_file(path) if path else set()
    from_flags = {name: value for name, value in flags.items() if value is not None}
    from_environment = _names_set_in_environment()
    # pydantic-settings ranks them: the flags (given as arguments), then the environment, then the
    # file. Which one each setting came from is reported with the same ranks.
    sources = dict.fromkeys(in_file - from_environment, str(path))
    sources |= dict.fromkeys(from_environment, "environment")
    sources |= dict.fromkeys(from_flags, "flag")
    try:
        settings = (_with_file(path) if path else Settings)(**from_flags)
    except ValidationError as error:
        raise ConfigurationError(_describe(error, sources)) from None
    return Loaded(settings, sources)


def _with_file(path: Path) -> type[Settings]:
    class FromFile(Settings):
        """The settings, with the TOML file as a source under the environment."""

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return init_settings, env_settings, TomlConfigSettingsSource(settings_cls, path)

    return FromFile


def masked(settings: Settings) -> dict[str, Any]:
    """Every setting, ready to show: secrets replaced, a database password hidden."""
    shown: dict[str, Any] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name in SECRET_FIELDS:
            value = "(set, hidden)" if value else "(not set)"
        elif name == "database_url":
            value = make_url(value).render_as_string(hide_password=True)
        elif name == "smtp_url" and value:
            value = urls.parse(value, schemes=urls.SENDING).shown
        elif isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        shown[name] = value
    return shown


def variable(name: str) -> str:
    return f"HOOKDESK_{name.upper()}"


def _path_from_environment() -> Path | None:
    value = os.environ.get(CONFIG_FILE_VARIABLE, "").strip()
    return Path(value) if value else None


def _checked_file(path: Path) -> set[str]:
    """The settings the file sets, once it is readable TOML that sets only known ones."""
    try:
        with path.open("rb") as file:
            values = tomllib.load(file)
    except OSError as error:
        message = f"Cannot read the configuration file {path}: {error.strerror}"
        raise ConfigurationError(message) from None
    except tomllib.TOMLDecodeError as error:
        message = f"The configuration file {path} is not valid TOML: {error}"
        raise ConfigurationError(message) from None
    unknown = sorted(set(values) - set(Settings.model_fields))
    if unknown:
        known = ", ".join(Settings.model_fields)
        raise ConfigurationError(
            f"Unknown setting(s) {', '.join(unknown)} in {path}; the settings are: {known}."
        )
    return set(values)


def _names_set_in_environment() -> set[str]:
    # Names are matched without regard to case, as the settings read them.
    present = {key.upper() for key in os.environ}
    return {name for name in Settings.model_fields if variable(name) in present}


def _describe(error: ValidationError, sources: Mapping[str, str]) -> str:
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        shown = "" if name in SECRET_FIELDS else f" (got {problem.get('input')!r})"
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{_where(name, sources)}: {message}{shown}")
    return "Invalid configuration:\n  " + "\n  ".join(lines)


def _where(name: str, sources: Mapping[str, str]) -> str:
    source = sources.get(name, "environment")
    if source == "flag":
        return f"--{name.replace('_', '-')}"
    if source == "environment":
        return variable(name)
    return f"{name} in {source}"
