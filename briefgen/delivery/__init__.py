"""Delivery: every brief of a batch to its recipients by email, once, intact, provably.

::

    manifest.json ─┐
    address book ──┼─ compose ─→ outbox/ (*.eml + outbox.json)   ← dry run, the default
    mail templates ┘                 │
                                     └─ send (SMTP) ─→ journal.jsonl (sending → sent)

- :mod:`~briefgen.delivery.addresses`: the address book (YAML, CSV, XLSX), validated.
- :mod:`~briefgen.delivery.manifest`: the batch as its manifest lists it.
- :mod:`~briefgen.delivery.mailtext`: subject and bodies from the template's mail files.
- :mod:`~briefgen.delivery.mime`: headers that read back exactly.
- :mod:`~briefgen.delivery.compose`: one message per province → the outbox.
- :mod:`~briefgen.delivery.outbox`: the ``.eml`` files and ``outbox.json``.
- :mod:`~briefgen.delivery.send`: SMTP, TLS, rate, retries, size limits.
- :mod:`~briefgen.delivery.journal`: what was sent, written before and after each DATA.
- :mod:`~briefgen.delivery.settings`: sender, server, config file, password.
- :mod:`~briefgen.delivery.command`: ``briefgen send`` (the CLI's logic).

See ``docs/delivery.md``.
"""
