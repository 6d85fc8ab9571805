"""Delivery fixtures: real batches rendered once, address books, and a real SMTP server.

The server is aiosmtpd on 127.0.0.1, started by the test that asks for it, on
a free port; its handler keeps every message it accepted, byte for byte, and
can refuse a recipient, answer DATA with given replies, hold a DATA until the
test releases it, or drop the connection after a message.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

import briefgen
from briefgen.data import provinces

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = ROOT / "fixtures" / "national-2019-2025.json"
FROM = "Sở Khoa học và Công nghệ, Văn phòng Tổng hợp <baocao@example.gov.vn>"
FROM_NAME = "Sở Khoa học và Công nghệ, Văn phòng Tổng hợp"


# --------------------------------------------------------------------------- batches


@pytest.fixture(scope="session")
def national_2025(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The national fixture's 2025 batch (34 units), PDF only, rendered once per session.

    Tests must not change it: copy it first (:func:`copy_batch`)."""
    folder = tmp_path_factory.mktemp("national-2025")
    report = briefgen.render_batch(
        briefgen.load(NATIONAL), year=2025, formats=("pdf",), out_dir=folder, workers=2
    )
    assert report.ok and len(report.written) == 34
    return folder


@pytest.fixture(scope="session")
def batch_2024(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three provinces of 2024 in PDF and DOCX (names with hyphen, long and short)."""
    folder = tmp_path_factory.mktemp("batch-2024")
    report = briefgen.render_batch(
        briefgen.load(NATIONAL),
        year=2024,
        formats=("pdf", "docx"),
        out_dir=folder,
        provinces=["Thanh Hóa", "Hà Nội", "Bà Rịa - Vũng Tàu"],
        workers=2,
    )
    assert report.ok and len(report.written) == 6
    return folder


def copy_batch(source: Path, target: Path) -> Path:
    """A copy of a batch folder (its files and manifest) that a test may change."""
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.is_file():
            (target / item.name).write_bytes(item.read_bytes())
    return target


def manifest(batch: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((batch / "manifest.json").read_text("utf-8"))
    return data


def units_of(batch: Path) -> list[provinces.Unit]:
    """The units that have files in a batch, by code."""
    data = manifest(batch)
    era = provinces.era_for_year(data["year"])
    codes = sorted({f["code"] for f in data["files"]})
    return [provinces.get(code, era) for code in codes]


# --------------------------------------------------------------------------- address books


def to_name(unit: provinces.Unit) -> str:
    """The display name of a province's 'to' address: a comma and diacritics."""
    return f"Sở Khoa học và Công nghệ, {unit.admin_prefix} {unit.name}"


def to_address(unit: provinces.Unit) -> str:
    return f"skhcn-{unit.code}@example.gov.vn"


def cc_name(unit: provinces.Unit) -> str:
    return f"Văn phòng UBND {unit.admin_prefix} {unit.name}, bộ phận Một cửa"


def cc_address(unit: provinces.Unit) -> str:
    return f"vp-{unit.code}@example.gov.vn"


def write_book(path: Path, units: list[provinces.Unit], *, no_cc: Iterable[str] = ()) -> Path:
    """A CSV address book for ``units``: a 'to' with a comma in its name, and a cc
    (except for the codes in ``no_cc``)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["province", "to", "cc"])
        for unit in units:
            writer.writerow(
                [
                    unit.name,
                    f"{to_name(unit)} <{to_address(unit)}>",
                    "" if unit.code in no_cc else f"{cc_name(unit)} <{cc_address(unit)}>",
                ]
            )
    return path


# --------------------------------------------------------------------------- SMTP server


@dataclass
class Received:
    """A message the server accepted: its envelope and its bytes as they arrived."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    session: int

    def parsed(self) -> EmailMessage:
        message: EmailMessage = BytesParser(policy=policy.default).parsebytes(self.data)
        return message

    @property
    def message_id(self) -> str:
        return str(self.parsed()["Message-ID"])


@dataclass
class Handler:
    """aiosmtpd handler: records what it accepts, and misbehaves on request."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    """Recipient address → the reply that refuses it ("550 5.1.1 …")."""
    data_replies: list[str] = field(default_factory=list)
    """Replies to the next DATA commands, before normal service resumes."""
    hold: int | None = None
    """Hold the DATA reply of this message (0-based count of messages received)."""
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    drop_after: set[int] = field(default_factory=set)
    """Drop the connection at the next MAIL FROM after these messages (0-based)."""
    drop_next: bool = False
    sessions: list[object] = field(default_factory=list)
    data_commands: int = 0
    mail_options: list[list[str]] = field(default_factory=list)

    def _session(self, session: object) -> int:
        for index, known in enumerate(self.sessions):
            if known is session:
                return index
        self.sessions.append(session)
        return len(self.sessions) - 1

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        self._session(session)
        if self.drop_next:  # a server that goes away between two messages
            self.drop_next = False
            server.transport.close()
            return "421 4.3.2 Service shutting down"
        self.mail_options.append(list(options))
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_commands += 1
        if self.data_replies:
            return self.data_replies.pop(0)
        number = len(self.received)
        content = envelope.original_content or envelope.content
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), content, self._session(session))
        )
        loop = asyncio.get_running_loop()
        if number == self.hold:
            self.arrived.set()
            await loop.run_in_executor(None, self.release.wait, 60)
        self.drop_next = number in self.drop_after
        return f"250 2.0.0 Ok: queued as Q{number:03d}"

    def by_message_id(self) -> dict[str, list[Received]]:
        found: dict[str, list[Received]] = {}
        for item in self.received:
            found.setdefault(item.message_id, []).append(item)
        return found


@dataclass
class Server:
    """A running test server: where it listens and what its handler saw."""

    host: str
    port: int
    handler: Handler
    controller: Any

    def options(self, tls: str = "none") -> list[str]:
        """Command-line options that point ``briefgen send`` at this server."""
        return ["--smtp-host", self.host, "--smtp-port", str(self.port), "--tls", tls]


StartServer = Callable[..., Server]
"""The ``smtp_server`` fixture: start(handler=None, **aiosmtpd SMTP options) -> Server."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[StartServer]:
    """Start an aiosmtpd server on 127.0.0.1 with the given SMTP options; stopped after."""
    from aiosmtpd.controller import Controller

    started: list[Server] = []

    def start(handler: Handler | None = None, **options: Any) -> Server:
        handler = handler or Handler()
        controller = Controller(
            handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost", **options
        )
        controller.start()
        server = Server("127.0.0.1", controller.port, handler, controller)
        started.append(server)
        return server

    yield start
    for server in started:
        server.handler.release.set()
        server.controller.stop()


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for localhost and 127.0.0.1, made by the test."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = folder / "cert.pem"
    key_path = folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_path, key_path)


# --------------------------------------------------------------------------- the command


def briefgen_process(
    args: list[str], env: dict[str, str] | None = None, **options: Any
) -> subprocess.Popen[str]:
    """``python -m briefgen ARGS`` as a child process (for kills and real exit codes)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "briefgen", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
        cwd=ROOT,
        **options,
    )


def run_briefgen(
    args: list[str], env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    process = briefgen_process(args, env)
    out, err = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)
