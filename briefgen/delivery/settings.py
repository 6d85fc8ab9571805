"""Who sends, through which server, and how: sender addresses, SMTP settings, config file.

The SMTP password is never an argument of the command line and never written
anywhere: it comes from an environment variable (``BRIEFGEN_SMTP_PASSWORD``
unless the settings name another) or from the system keyring (the ``keyring``
extra), and :class:`SmtpSettings` keeps it out of its ``repr``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefgen.delivery.addresses import Mailbox, parse_mailboxes
from briefgen.errors import DataError, InputError, Location, UsageError

PASSWORD_ENV = "BRIEFGEN_SMTP_PASSWORD"
"""The environment variable the SMTP password is read from unless settings name another."""

TLS_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}

MB = 1_000_000
DEFAULT_MAX_SIZE = 10 * MB
"""Largest message, after encoding, that is composed (10 MB; Postfix's default is 10.24 MB)."""


@dataclass(frozen=True)
class Sender:
    """The message's author and the addresses replies go to.

    ``mail_from``: the ``From`` mailbox.  ``sender``: the ``Sender`` mailbox,
    the agent that actually sends when it is not the author (``None``: the
    author sends); the SMTP envelope comes from it when given.
    ``reply_to``: the default ``Reply-To`` (a province's own replaces it).
    """

    mail_from: Mailbox
    sender: Mailbox | None = None
    reply_to: tuple[Mailbox, ...] = ()

    @property
    def envelope_from(self) -> str:
        """The address of SMTP's ``MAIL FROM`` (where bounces go)."""
        return (self.sender or self.mail_from).address

    @classmethod
    def parse(
        cls, mail_from: str | None, sender: str | None = None, reply_to: str | None = None
    ) -> Sender:
        """Read the three addresses as written on the command line or in a config file."""
        if not mail_from or not mail_from.strip():
            raise UsageError(
                "no sender address",
                Location(field="from"),
                'give --from "Sở Khoa học và Công nghệ tỉnh X <baocao@example.gov.vn>" '
                "or 'from:' in the config file",
            )
        author = _one(mail_from, "from")
        agent = _one(sender, "sender") if sender else None
        replies = parse_mailboxes(reply_to, Location(field="reply_to")) if reply_to else ()
        return cls(author, agent, replies)


def _one(text: str, name: str) -> Mailbox:
    where = Location(field=name)
    try:
        found = parse_mailboxes(text, where)
    except DataError as error:
        raise UsageError(error.message, where, error.hint) from None
    if len(found) != 1:
        raise UsageError(f"'{text}' must be exactly one address", where)
    return found[0]


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server.

    ``port``: ``None`` means 587 for STARTTLS, 465 for implicit TLS ("ssl"), 25 without.
    ``user``: log in as this user (``None``: no AUTH).  ``password``: for
    scripts that hold it already; ``None`` reads ``$password_env``, then the
    keyring entry ``keyring`` (a service name) for ``user``.
    ``cafile``: trust this CA bundle instead of the system's.
    ``rate``: at most this many messages a minute (``None``: no limit).
    ``retries``: how often a temporary failure (4xx, a dropped connection) is
    retried, waiting ``backoff`` seconds, then twice that, and so on.
    """

    host: str
    port: int | None = None
    user: str | None = None
    tls: str = "starttls"
    password: str | None = field(default=None, repr=False)
    password_env: str = PASSWORD_ENV
    keyring: str | None = None
    cafile: str | None = None
    timeout: float = 60.0
    rate: float | None = None
    retries: int = 3
    backoff: float = 2.0

    def __post_init__(self) -> None:
        if not self.host or not self.host.strip():
            raise UsageError("no SMTP server", Location(field="smtp_host"), "give --smtp-host")
        if self.tls not in TLS_MODES:
            raise UsageError(
                f"unknown TLS mode '{self.tls}'",
                Location(field="tls"),
                f"use one of: {', '.join(TLS_MODES)}",
            )
        if self.port is not None and not 0 < self.port < 65536:
            raise UsageError(f"port {self.port} is not a TCP port", Location(field="smtp_port"))
        if self.rate is not None and not self.rate > 0:
            raise UsageError(
                f"rate must be a positive number of messages a minute, not {self.rate}",
                Location(field="rate"),
            )
        if self.retries < 0 or self.backoff < 0 or not self.timeout > 0:
            raise UsageError(
                "retries and backoff must not be negative, and timeout must be positive",
                Location(field="retries"),
            )
        if self.tls == "none" and self.user and not _loopback(self.host):
            raise UsageError(
                f"logging in to {self.host} without TLS would send the password unencrypted",
                Location(field="tls"),
                "use --tls starttls or --tls ssl",
            )

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else DEFAULT_PORTS[self.tls]

    @property
    def server(self) -> str:
        """``host:port``, for messages and the journal."""
        return f"{self.host}:{self.effective_port}"

    def login_password(self) -> str | None:
        """The password to log in with; ``None`` without a user.  Never logged or stored."""
        if self.user is None:
            return None
        if self.password is not None:
            return self.password
        from_env = os.environ.get(self.password_env)
        if from_env:
            return from_env
        if self.keyring:
            return _from_keyring(self.keyring, self.user)
        raise UsageError(
            f"no password for SMTP user '{self.user}'",
            Location(field="password_env"),
            f"set the environment variable {self.password_env}, or store it in the system "
            "keyring and give --keyring SERVICE (pip install briefgen[keyring]); a password "
            "is never taken from the command line",
        )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _from_keyring(service: str, user: str) -> str:
    try:
        import keyring  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise UsageError(
            "reading the password from the system keyring needs the keyring package",
            Location(field="keyring"),
            "pip install briefgen[keyring]",
        ) from None
    try:
        found = keyring.get_password(service, user)
    except Exception as error:  # any keyring backend failure
        raise UsageError(
            f"the system keyring failed: {type(error).__name__}", Location(field="keyring")
        ) from None
    if not found:
        raise UsageError(
            f"the keyring has no password for service '{service}' and user '{user}'",
            Location(field="keyring"),
            f"store it: keyring set {service} {user}",
        )
    return str(found)


@dataclass(frozen=True)
class DkimSettings:
    """DKIM signing for a domain the office controls (the ``dkim`` extra).

    ``domain``: the ``d=`` domain; ``selector``: the ``s=`` selector whose DNS
    TXT record holds the public key; ``key``: the private key, PEM.
    """

    domain: str
    selector: str
    key: bytes = field(repr=False)

    @classmethod
    def from_file(cls, domain: str, selector: str, key_file: str | Path) -> DkimSettings:
        try:
            key = Path(key_file).read_bytes()
        except OSError as error:
            raise InputError(
                f"cannot read the DKIM key: {error.strerror}",
                Location(file=str(key_file), field="dkim_key"),
            ) from None
        return cls(domain, selector, key)


# --------------------------------------------------------------------------- config file

CONFIG_KEYS: Mapping[str, tuple[type, ...]] = {
    "smtp_host": (str,),
    "smtp_port": (int,),
    "smtp_user": (str,),
    "tls": (str,),
    "cafile": (str,),
    "timeout": (int, float),
    "password_env": (str,),
    "keyring": (str,),
    "from": (str,),
    "sender": (str,),
    "reply_to": (str,),
    "rate": (int, float),
    "retries": (int,),
    "backoff": (int, float),
    "max_size": (int, float),
    "outbox": (str,),
    "template": (str,),
    "dkim_domain": (str,),
    "dkim_selector": (str,),
    "dkim_key": (str,),
}
"""Keys of a delivery config file: the long command-line options, with ``_`` for ``-``."""


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a YAML delivery config file; errors name the file, line and key.

    A ``password`` key is refused: passwords live in the environment or the keyring.
    """
    import difflib

    from briefgen.data.load import read_yaml

    file = str(path)
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        raise DataError("config file not found", Location(file=file)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read the config file: {error}", Location(file=file)) from None
    parsed = read_yaml(text, file)
    data = parsed.data if parsed.data is not None else {}
    if not isinstance(data, dict):
        raise DataError("a config file is a mapping of option: value", Location(file=file))
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).replace("-", "_")
        where = Location(file=file, row=parsed.line([key]), field=str(key))
        if "password" in name and name != "password_env":
            raise DataError(
                "a password is never read from a file",
                where,
                f"set the environment variable {PASSWORD_ENV} (or password_env: NAME), "
                "or use the system keyring (keyring: SERVICE)",
            )
        if name not in CONFIG_KEYS:
            close = difflib.get_close_matches(name, list(CONFIG_KEYS), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"keys: {', '.join(CONFIG_KEYS)}"
            raise DataError(f"unknown key '{key}'", where, hint)
        kinds = CONFIG_KEYS[name]
        if not isinstance(value, kinds) or isinstance(value, bool):
            expected = " or ".join(k.__name__ for k in kinds)
            raise DataError(f"'{key}' must be {expected}, not {value!r}", where)
        out[name] = value
    return out
