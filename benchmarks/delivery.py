"""Delivery benchmark: compose the 63-province outbox of a 2024 batch, then send it over SMTP.

    python benchmarks/delivery.py [--data fixtures/national-2019-2025.json] [--year 2024]
                                  [--batch DIR] [--runs 3]

1. Renders the batch once (PDF + DOCX, ``official``; not timed), or uses ``--batch``.
2. Composes the outbox from scratch: 63 messages, two attachments each, every
   file checked against its SHA-256, the mail templates rendered, every
   ``.eml`` written (target: under 1 s).  Timed ``--runs`` times, each into a
   new folder; the best and the median are printed.
3. Sends it to a local aiosmtpd server (a separate process, ``Sink`` handler,
   on 127.0.0.1) over one connection, with the journal fsynced before and
   after each DATA (target: at least 50 messages a second).  Prints what a
   message costs: briefgen's CPU, the server's CPU, one fsync on this disk,
   and the load average, since the machine is shared.

Nothing here is a test: it measures.  Needs the ``test`` extra (aiosmtpd).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import briefgen

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "fixtures" / "national-2019-2025.json"
FROM = "Sở Khoa học và Công nghệ, Văn phòng Tổng hợp <baocao@example.gov.vn>"


def _book(path: Path, batch: Path) -> Path:
    """An address book for every province of the batch: a 'to' and a 'cc' each."""
    import csv
    import json

    from briefgen.data import provinces

    data = json.loads((batch / "manifest.json").read_text("utf-8"))
    era = provinces.era_for_year(data["year"])
    codes = sorted({f["code"] for f in data["files"]})
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["province", "to", "cc"])
        for code in codes:
            unit = provinces.get(code, era)
            writer.writerow(
                [
                    unit.name,
                    f"Sở Khoa học và Công nghệ, {unit.admin_prefix} {unit.name} "
                    f"<skhcn-{code}@example.gov.vn>",
                    f"Văn phòng UBND {unit.admin_prefix} {unit.name} <vp-{code}@example.gov.vn>",
                ]
            )
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start_server(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the aiosmtpd server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--batch", type=Path, help="an existing batch folder (skips rendering)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="briefgen-delivery-bench-") as tmp:
        work = Path(tmp)
        batch = args.batch
        if batch is None:
            batch = work / "batch"
            started = time.perf_counter()
            report = briefgen.render_batch(
                briefgen.load(args.data), year=args.year, out_dir=batch, formats=("pdf", "docx")
            )
            print(
                f"batch: {len(report.written)} files of {args.year} rendered in "
                f"{time.perf_counter() - started:.1f} s (not part of the figures)"
            )
        book = _book(work / "book.csv", batch)

        times = []
        composed = None
        for run in range(args.runs):
            started = time.perf_counter()
            composed = briefgen.compose_messages(
                batch, book, mail_from=FROM, outbox=work / f"outbox-{run}"
            )
            times.append(time.perf_counter() - started)
        assert composed is not None
        count = len(composed.messages)
        attachments = sum(len(m.attachments) for m in composed.messages)
        size = sum(m.size for m in composed.messages)
        best, median = min(times), statistics.median(times)
        print(
            f"compose: {count} messages, {attachments} attachments, {size / 1e6:.1f} MB of .eml: "
            f"best {best:.3f} s, median {median:.3f} s of {args.runs} "
            f"({best / count * 1000:.1f} ms a message; target < 1 s: "
            f"{'met' if median < 1 else 'NOT met'})"
        )

        port = _free_port()
        server = _start_server(port)
        try:
            settings = briefgen.SmtpSettings("127.0.0.1", port=port, tls="none")
            server_cpu = _cpu(server.pid)
            client_cpu = time.process_time()
            started = time.perf_counter()
            sent = briefgen.send_messages(composed, settings)
            elapsed = time.perf_counter() - started
            client_cpu = time.process_time() - client_cpu
            server_cpu = _cpu(server.pid) - server_cpu
        finally:
            server.terminate()
            server.wait(timeout=10)
        assert len(sent.sent) == count, [o for o in sent.outcomes if o.status != "sent"]
        rate = count / elapsed
        fsync = _fsync_ms(work)
        print(
            f"send: {count} messages ({size / 1e6:.1f} MB) over one connection in {elapsed:.3f} s: "
            f"{rate:.0f} messages/s, {size / 1e6 / elapsed:.1f} MB/s "
            f"(target >= 50/s: {'met' if rate >= 50 else 'NOT met'})"
        )
        print(
            f"  a message costs briefgen {client_cpu / count * 1000:.1f} ms of CPU, the aiosmtpd "
            f"server {server_cpu / count * 1000:.1f} ms; one journal sync takes {fsync:.1f} ms "
            "on this disk (a message's two run beside MAIL, RCPT and the next message)"
        )
        load = os.getloadavg()[0]
        print(f"load average (1 min) at the end: {load:.2f} on {os.cpu_count()} cores")


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _fsync_ms(folder: Path, count: int = 50) -> float:
    """Milliseconds one append + sync takes in ``folder``, as the journal does it."""
    sync = getattr(os, "fdatasync", os.fsync)
    path = folder / "fsync-probe"
    with path.open("a", encoding="utf-8") as handle:
        started = time.perf_counter()
        for _ in range(count):
            handle.write("x" * 300 + "\n")
            handle.flush()
            sync(handle.fileno())
        return (time.perf_counter() - started) / count * 1000


if __name__ == "__main__":
    main()
