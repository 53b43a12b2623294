"""What an agency sets of its client portal: how long a client stays signed in after entering
through a link. Unset, a portal session lasts two hours."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from hookdesk.models.accounts import Account
from hookdesk.shared.schemas import RequestBody

DEFAULT_SESSION_LENGTH = 2 * 3_600
MIN_SESSION_LENGTH = 5 * 60
MAX_SESSION_LENGTH = 30 * 86_400

SessionLength = Annotated[int, Field(strict=True, ge=MIN_SESSION_LENGTH, le=MAX_SESSION_LENGTH)]


class PortalSettingsUpdate(RequestBody):
    """Only the fields sent change; null sets one back to its default."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"session_length": 28_800}]})

    session_length: SessionLength | None = Field(
        default=None,
        description="Seconds a client stays signed in after entering the portal (300 to 2592000).",
    )


class PortalSettingsRead(BaseModel):
    object: Literal["portal_settings"]
    session_length: int


def session_length(session: Session, *, account_id: str) -> int:
    account = session.get(Account, account_id)
    chosen = account.portal_session_length if account else None
    return chosen or DEFAULT_SESSION_LENGTH


def settings_object(account: Account) -> dict[str, object]:
    return {
        "object": "portal_settings",
        "session_length": account.portal_session_length or DEFAULT_SESSION_LENGTH,
    }


def update(session: Session, *, account_id: str, data: PortalSettingsUpdate) -> Account:
    account = session.get(Account, account_id)
    if account is None:  # the API key that named it was checked a moment ago
        raise LookupError(account_id)
    if "session_length" in data.model_fields_set:
        account.portal_session_length = data.session_length
    return account
