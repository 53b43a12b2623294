"""Endpoint secrets at rest: encrypted with the server key (Fernet: AES-CBC + HMAC-SHA256).

`HOOKDESK_SECRET_KEY` may hold several keys, comma-separated: the first seals, every one opens. That
is how the key is changed without a moment where a process cannot read a secret: add the new key in
front everywhere, run `hookdesk secret-key rotate` (every secret is sealed again with it), then drop
the old key.
"""

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from hookdesk.errors import ErrorCode, HookdeskError

SECRET_KEY_FILE = "secret.key"
MAKE_ONE = "`hookdesk secret-key generate`"


class SecretBox:
    def __init__(self, keys: str) -> None:
        parts = [part.strip() for part in keys.split(",") if part.strip()]
        if not parts:
            raise ValueError(f"HOOKDESK_SECRET_KEY is empty (make a key with: {MAKE_ONE})")
        self._fernet = MultiFernet([_fernet(part, position) for position, part in enumerate(parts)])
        self.key_count = len(parts)

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise UnreadableSecret() from None

    def reseal(self, sealed: str) -> str:
        """The same secret, sealed with the first key."""
        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except InvalidToken:
            raise UnreadableSecret() from None


class UnreadableSecret(HookdeskError, ValueError):
    """A stored secret that no key of the server opens: the server's key is wrong, not the
    request, so the API answers 503 until the operator lists the key it was sealed with."""

    status = 503
    code = ErrorCode.SECRET_KEY_MISMATCH

    def __init__(self) -> None:
        super().__init__(
            "A stored secret (of an endpoint, its custom headers or a mail server) does not "
            "decrypt with any key of HOOKDESK_SECRET_KEY: the server's operator must add the "
            "key it was sealed with."
        )


def _fernet(key: str, position: int) -> Fernet:
    try:
        return Fernet(key.encode())
    except ValueError:
        which = "" if position == 0 else f" (key {position + 1} of the list)"
        raise ValueError(
            f"HOOKDESK_SECRET_KEY{which} must be 32 url-safe base64-encoded bytes "
            f"(make one with: {MAKE_ONE})"
        ) from None


def development_key(data_dir: Path) -> str:
    """The key kept in the data folder for development, made on first use."""
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


class MissingSecretKey(ValueError):
    pass


def box_for(key: str | None, *, dev: bool, data_dir: Path) -> SecretBox:
    """The box for the configured key; in development mode, one kept in the data folder."""
    if key:
        return SecretBox(key)
    if dev:
        return SecretBox(development_key(data_dir))
    raise MissingSecretKey(
        "HOOKDESK_SECRET_KEY is not set: it encrypts webhook endpoint secrets. "
        f"Make one with {MAKE_ONE} and give every process the same one."
    )
