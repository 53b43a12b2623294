"""Settings, read once from `HOOKDESK_*` environment variables; CLI flags override them."""

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOOKDESK_", frozen=True)

    database_url: str = "sqlite:///./hookdesk.db"
    dev: bool = False
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

    @field_validator("public_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def assets_dir(self) -> Path:
        return self.data_dir / "assets"
