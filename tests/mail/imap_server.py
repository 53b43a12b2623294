"""A private Dovecot IMAP server on 127.0.0.1: its own configuration and mailboxes in a temporary
folder, one passwd-file user, stopped at the end. Debian's dovecot-imapd comes from
scripts/install-dovecot."""

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
from email.message import EmailMessage
from pathlib import Path

from tests.support.processes import free_port
from tests.support.waiting import wait_until

DOVECOT = Path("/usr/sbin/dovecot")
INSTALLER = Path(__file__).parents[2] / "scripts" / "install-dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {internal}
first_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def install() -> None:
    if not DOVECOT.exists():
        subprocess.run([str(INSTALLER)], check=True)


def _mail_user() -> pwd.struct_passwd:
    """Dovecot refuses mail access as root: as root, mail belongs to the package's own user."""
    if os.geteuid() == 0:
        return pwd.getpwnam("dovecot")
    return pwd.getpwuid(os.geteuid())


class ImapServer:
    """One mailbox user, `user`/`password`; `append` delivers a message as an MTA would."""

    user = "support"
    password = "mail-secret"

    def __init__(self, root: Path) -> None:
        install()
        self.root = root
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        owner = _mail_user()
        for folder in ("run", "state", "mail", "home"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        for folder in ("mail", "home"):
            shutil.chown(root / folder, owner.pw_uid, owner.pw_gid)
        (root / "users").write_text(
            f"{self.user}:{{PLAIN}}{self.password}:{owner.pw_uid}:{owner.pw_gid}::"
            f"{root}/home/{self.user}\n"
        )
        self.config = root / "dovecot.conf"
        self.config.write_text(
            CONFIG.format(root=root, port=self.port, internal=owner.pw_name, uid=owner.pw_uid)
        )
        self.start()

    def url(self, folder: str = "INBOX") -> str:
        return f"imap://{self.user}:{self.password}@127.0.0.1:{self.port}/{folder}"

    def start(self) -> None:
        self._process = subprocess.Popen(  # -F: in the foreground, a child of the tests
            [str(DOVECOT), "-F", "-c", str(self.config)], stderr=subprocess.PIPE
        )
        wait_until(self._answers, what=f"Dovecot to listen on {self.port}", timeout=15)

    def _answers(self) -> bool:
        assert self._process is not None
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            if self._process.poll() is not None:
                raise RuntimeError(self._failure()) from None
            return False

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            self._process.wait(timeout=15)
        self._process = None

    def _failure(self) -> str:
        log = self.root / "dovecot.log"
        logged = log.read_text() if log.exists() else ""
        assert self._process is not None
        finished = self._process.poll() is not None and self._process.stderr is not None
        stderr = self._process.stderr.read().decode() if finished else ""  # type: ignore[union-attr]
        return f"Dovecot did not start: {stderr}{logged}"

    def connect(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4("127.0.0.1", self.port)
        connection.login(self.user, self.password)
        return connection

    def append(self, message: EmailMessage | bytes, folder: str = "INBOX") -> None:
        raw = message if isinstance(message, bytes) else message.as_bytes()
        connection = self.connect()
        try:
            status, answer = connection.append(folder, "", None, raw)
            assert status == "OK", answer
        finally:
            connection.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        """The flags of each message in the folder, in order."""
        connection = self.connect()
        try:
            connection.select(folder, readonly=True)
            status, data = connection.fetch("1:*", "(FLAGS)")
            if status != "OK" or data == [None]:
                return []
            return [item.decode() for item in data if isinstance(item, bytes)]
        finally:
            connection.logout()
