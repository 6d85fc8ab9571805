"""Finishing benchmark: PDF/A post-processing, PKCS#12 signing, and a signed batch.

    python benchmarks/signing.py [--data fixtures/national-2019-2025.json] [--year 2024]
                                 [--briefs 20] [--repeat 5] [--workers 2] [--provinces 63]

Measured side by side in one run:

1. PDF/A post-processing (pikepdf) of official briefs, per brief, for PDF/A-2b
   and PDF/A-1b, next to what rendering the same PDF costs (target ≤ 15 ms).
2. Signing an official brief with a PKCS#12 key (two PAdES signatures: the
   person's with the signature image at box 7c, the body's with the seal at
   box 8), per brief, next to the rendering (target ≤ 200 ms).
3. A batch of every province of a year (PDF + DOCX, ``official``), rendered
   with ``sign=`` and without, each in a fresh process pool (target: signed
   within 2× of unsigned).

The key is a throwaway RSA-2048 PKCS#12 made here with ``cryptography``; the
images are the specimens in ``examples/signing/``.  Prints medians in
milliseconds and the ratios.  Nothing here is a test: it measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import briefgen
from briefgen.finish.archival import to_pdfa
from briefgen.finish.pipeline import with_room
from briefgen.finish.sign import Signer
from briefgen.writers.pdf import write_with_layout

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "fixtures" / "national-2019-2025.json"
IMAGES = ROOT / "examples" / "signing"
PIN = "benchmark"


def _throwaway_key(folder: Path) -> Path:
    """A PKCS#12 file with a fresh RSA-2048 key and a self-signed certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Benchmark Signer")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    path = folder / "benchmark.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"benchmark", key, cert, None, serialization.BestAvailableEncryption(PIN.encode())
        )
    )
    return path


def _signer(folder: Path) -> Signer:
    config = folder / "signing.yaml"
    config.write_text(
        f"signer:\n  key: {{pkcs12: {_throwaway_key(folder)}, pin_env: BENCHMARK_PIN}}\n"
        f"  image: {IMAGES / 'signature.png'}\n"
        f"seal:\n  image: {IMAGES / 'seal.png'}\n  size_mm: 36\n",
        "utf-8",
    )
    os.environ["BENCHMARK_PIN"] = PIN
    return Signer.from_config(config)


def _per_item_ms(items: list[object], work: Callable[[object], object], repeat: int) -> float:
    """Median over ``repeat`` rounds of the mean time per item, in milliseconds."""
    for item in items[:2]:
        work(item)  # warm-up: imports, caches
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            work(item)
        rounds.append((time.perf_counter() - start) / len(items) * 1000)
    return statistics.median(rounds)


def _batch_seconds(dataset: object, year: int, out: Path, workers: int, **options: object) -> float:
    start = time.perf_counter()
    report = briefgen.render_batch(dataset, year, out_dir=out, workers=workers, **options)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"batch failed: {report.failures[:3]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--briefs", type=int, default=20, help="briefs for the per-brief timings")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--provinces", type=int, default=63, help="provinces in the batch")
    args = parser.parse_args(argv)

    dataset = briefgen.load(args.data)
    units = [unit.code for unit in dataset.units(args.year)]
    with tempfile.TemporaryDirectory(prefix="briefgen-bench-sign-") as tmp:
        folder = Path(tmp)
        signer = _signer(folder)
        room = signer.room_mm()
        documents = [
            with_room(briefgen.build(dataset, code, args.year), room)
            for code in units[: args.briefs]
        ]
        rendered = [write_with_layout(d) for d in documents]
        plain = [data for data, _ in rendered]

        render_ms = _per_item_ms(documents, lambda d: write_with_layout(d), args.repeat)  # type: ignore[arg-type]
        pdfa2_ms = _per_item_ms(plain, lambda d: to_pdfa(d, "2b"), args.repeat)  # type: ignore[arg-type]
        pdfa1_ms = _per_item_ms(plain, lambda d: to_pdfa(d, "1b"), args.repeat)  # type: ignore[arg-type]
        sign_ms = _per_item_ms(rendered, lambda r: signer.sign(*r), args.repeat)  # type: ignore[misc]

        print(f"per official brief, median of {args.repeat} rounds over {len(documents)} briefs:")
        print(f"  rendering the PDF (reference)  {render_ms:7.1f} ms")
        ratio = pdfa2_ms / render_ms
        print(
            f"  PDF/A-2b post-processing       {pdfa2_ms:7.1f} ms  ({ratio:.2f}× the "
            "rendering; target ≤ 15 ms)"
        )
        print(f"  PDF/A-1b post-processing       {pdfa1_ms:7.1f} ms  ({pdfa1_ms / render_ms:.2f}×)")
        print(
            f"  PKCS#12 signing (7c + 8)       {sign_ms:7.1f} ms  ({sign_ms / render_ms:.2f}× the "
            f"rendering; target ≤ 200 ms)"
        )

        codes = units[: args.provinces]
        print(
            f"\nbatch of {len(codes)} provinces, PDF + DOCX, {args.workers} workers, fresh pools:"
        )
        plain_s = _batch_seconds(
            dataset, args.year, folder / "plain", args.workers, provinces=codes
        )
        signed_s = _batch_seconds(
            dataset, args.year, folder / "signed", args.workers, provinces=codes, sign=signer
        )
        plain_again_s = _batch_seconds(
            dataset, args.year, folder / "plain2", args.workers, provinces=codes
        )
        unsigned = min(plain_s, plain_again_s)
        print(f"  without --sign                 {plain_s:7.2f} s, again {plain_again_s:.2f} s")
        print(
            f"  with --sign                    {signed_s:7.2f} s  "
            f"({signed_s / unsigned:.2f}× the faster unsigned run; target ≤ 2×)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
