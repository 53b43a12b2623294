from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from hookdesk.net import mailurls as urls
from hookdesk.shared.schemas import Email, RequestBody

UnknownSenders = Literal["create", "ignore"]
# One line: a name goes into a header, where a line break would start another.
HeaderName = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=200),
    Field(pattern=r"^[^\r\n]*$"),
]


def _sending(value: str) -> str:
    urls.parse(value, schemes=urls.SENDING)
    return value.strip()


def _reading(value: str) -> str:
    urls.parse(value, schemes=urls.READING)
    return value.strip()


SmtpUrl = Annotated[str, StringConstraints(strict=True), AfterValidator(_sending)]
ImapUrl = Annotated[str, StringConstraints(strict=True), AfterValidator(_reading)]


class MailSettingsUpdate(RequestBody):
    """Only the fields sent change; null clears one back to the server's default. A URL sent
    without its password keeps the password saved for the same user and host."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "smtp_url": "smtp://support%40acme.example:app-password@smtp.acme.example:587",
                    "from_name": "Acme Support",
                    "from_address": "support@acme.example",
                    "reply_to_address": "support@acme.example",
                    "imap_url": "imaps://support%40acme.example:app-password@imap.acme.example/INBOX",
                }
            ]
        }
    )

    smtp_url: SmtpUrl | None = Field(
        default=None, description="`smtp://[user:password@]host[:port]` or `smtps://...`."
    )
    from_name: HeaderName | None = None
    from_address: Email | None = None
    reply_to_address: Email | None = Field(
        default=None, description="The mailbox replies reach: `local+<token>@domain` of it."
    )
    imap_url: ImapUrl | None = Field(
        default=None, description="`imaps://user:password@host[:port]/FOLDER`, polled for mail."
    )
    notify_clients: bool | None = None
    notify_teammates: bool | None = None
    unknown_senders: UnknownSenders | None = None


class MailSettingsRead(BaseModel):
    object: Literal["mail_settings"]
    smtp_url: str | None
    from_name: str | None
    from_address: str | None
    reply_to_address: str | None
    imap_url: str | None
    notify_clients: bool
    notify_teammates: bool
    unknown_senders: UnknownSenders
    updated_at: int | None


class MailAttemptRead(BaseModel):
    at: int
    status: Literal["sent", "retrying", "failed"]
    duration_ms: int
    response: str | None = Field(description="The SMTP server's answer, or why none came.")


class MailMessageRead(BaseModel):
    id: str
    object: Literal["mail_message"]
    direction: Literal["outbound", "inbound"]
    ticket_id: str | None
    to: str
    from_: str | None = Field(alias="from")
    subject: str | None = Field(description="Outbound: set once the message is rendered to send.")
    kind: str
    status: Literal["pending", "sent", "failed", "applied", "ignored"]
    reason: str | None = Field(
        description="Why an inbound message was ignored, or an outbound one failed."
    )
    attempt_count: int
    created_at: int
    attempts: list[MailAttemptRead] | None = Field(default=None, description="In retrieve only.")
