"""Settings, read once from `HOOKDESK_*` environment variables; CLI flags override them."""

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIB = 1024 * 1024
DEFAULT_RETRY_SCHEDULE = (5, 60, 300, 1800, 7200, 21600, 43200, 86400, 86400)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOOKDESK_", frozen=True)

    database_url: str = "sqlite:///./hookdesk.db"
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
    max_body_bytes: int = Field(default=1 * MIB, gt=0)
    max_asset_bytes: int = Field(default=10 * MIB, gt=0)

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
    dispatcher_batch: int = Field(default=200, ge=1, le=5_000)
    shutdown_timeout: float = Field(default=20.0, ge=0)
    lease_margin: float = Field(
        default=30.0,
        ge=1,
        description="Seconds beyond the delivery timeout before a claimed delivery that was not "
        "recorded (its dispatcher died) is sent again.",
    )

    @field_validator("public_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
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
