"""The public names of delivery: exported lazily from ``briefgen``, like ``render_batch``."""

from __future__ import annotations

import subprocess
import sys

import briefgen


def test_compose_and_send_are_public_names() -> None:
    from briefgen.delivery.compose import ComposeReport, compose_messages
    from briefgen.delivery.send import Outcome, SendReport, send_messages
    from briefgen.delivery.settings import SmtpSettings

    assert briefgen.compose_messages is compose_messages
    assert briefgen.send_messages is send_messages
    assert briefgen.ComposeReport is ComposeReport
    assert briefgen.SendReport is SendReport
    assert briefgen.Outcome is Outcome
    assert briefgen.SmtpSettings is SmtpSettings
    assert {"compose_messages", "send_messages", "SmtpSettings"} <= set(briefgen.__all__)


def test_importing_briefgen_loads_no_delivery_code() -> None:
    probe = (
        "import sys, briefgen;"
        "print(sorted(m for m in ('briefgen.delivery', 'smtplib', 'email_validator', 'dkim')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_delivery_loads_no_writer() -> None:
    """Sending needs no renderer: a mail job starts fast and small.  (Loading a
    template validates its report settings with pydantic, so that one may load.)"""
    probe = (
        "import sys, briefgen.delivery.compose, briefgen.delivery.send, briefgen.delivery.command;"
        "heavy = ('reportlab', 'docx', 'matplotlib');"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
