"""Endpoint secrets at rest: encrypted with the server key (Fernet: AES-CBC + HMAC-SHA256)."""

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

SECRET_KEY_FILE = "secret.key"


class SecretBox:
    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except ValueError:
            raise ValueError(
                "HOOKDESK_SECRET_KEY must be 32 url-safe base64-encoded bytes "
                "(make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            ) from None

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise ValueError(
                "an endpoint secret does not decrypt with HOOKDESK_SECRET_KEY"
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
        "HOOKDESK_SECRET_KEY is not set: it encrypts webhook endpoint secrets. Make one with "
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    )
