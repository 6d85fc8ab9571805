"""The public :class:`Document`: the model plus saving to files and bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen import fitting, writers
from briefgen import model as m
from briefgen.errors import OutputError, UsageError
from briefgen.files import write_atomic

if TYPE_CHECKING:
    from briefgen.finish.pipeline import Archival
    from briefgen.finish.sign import Signer


@dataclass
class _Pages:
    """What laying out a brief's pages found, kept for the next format written."""

    fitted: Document | None = None
    """The brief with its charts at their fitted heights (``None``: not laid out yet)."""
    final: bool = False
    """The brief's charts have their fitted heights already: it is its own ``fitted``."""


@dataclass(frozen=True)
class Document(m.Document):
    """A rendered brief: the immutable model with ``save`` and ``to_bytes``.

    ``name`` is the default file stem (``"nam-dinh-2021-official"``) used when
    :meth:`save` is given a folder.  ``archival``: the template's archival
    setting ("2b", "1b"; ``None`` for none), used when a PDF is made without
    an explicit ``archival=``.

    Charts are drawn at the height the template asks for; every format prints
    them at the heights its pages give them (:meth:`fitted`).
    """

    name: str = "brief"
    archival: str | None = None
    _pages: _Pages = field(default_factory=_Pages, init=False, repr=False, compare=False)

    def fitted(self) -> Document:
        """This brief as every format prints it: each chart drawn at the height its
        page has room for, or needs filled (docs/templates.md, "How pages are laid
        out").  The pages are laid out once, by the first PDF written or here, and
        what they gave is kept."""
        if self._pages.final:
            return self
        if self._pages.fitted is None:
            self._keep(fitting.fit(self))
        return self._pages.fitted or self

    def _keep(self, fitted: Document) -> None:
        if fitted is self:
            self._pages.final = True
        else:
            fitted._pages.final = True
            self._pages.fitted = fitted

    def _pdf(self) -> bytes:
        """The plain PDF: charts fitted as it is laid out, unless known already."""
        if self._pages.final or self._pages.fitted is not None:
            return writers.render(self.fitted(), "pdf")
        data, _, fitted = fitting.write_pdf(self)
        self._keep(fitted)
        return data

    def to_bytes(
        self,
        fmt: str,
        *,
        sign: Signer | None = None,
        archival: Archival = None,
        sign_fields: bool | float = False,
    ) -> bytes:
        """The document in format ``fmt`` ("pdf" or "docx").

        PDF only: ``sign`` signs it as Decree 30 lays signatures out (a
        :class:`briefgen.Signer`); ``archival`` makes it PDF/A ("2b", "1b",
        ``True`` for 2b, ``False`` for none; ``None``: the template's setting);
        ``sign_fields`` reserves empty signature fields at boxes 7c and 8
        (``True``, or the seal's diameter in mm).
        """
        chosen = fmt.lower().lstrip(".")
        if chosen != "pdf":
            if sign is not None or sign_fields or archival:
                raise UsageError(
                    f"signing, signature fields and archival apply to PDF, not {chosen.upper()}"
                )
            writers.get_writer(chosen)  # an unknown format fails before any layout
            return writers.render(self.fitted(), chosen)
        from briefgen.finish.pipeline import resolve_archival

        part = resolve_archival(archival, self.archival)
        if sign is None and part is None and not sign_fields:
            return self._pdf()
        from briefgen.finish.pipeline import finish_pdf

        return finish_pdf(self, sign=sign, archival=part, sign_fields=sign_fields)

    def save(
        self,
        path: str | Path,
        fmt: str | None = None,
        *,
        sign: Signer | None = None,
        archival: Archival = None,
        sign_fields: bool | float = False,
    ) -> Path:
        """Write the document to ``path``, the format taken from its suffix.

        If ``path`` is an existing folder, the file is ``<folder>/<name>.<fmt>``
        (``fmt`` then defaults to PDF).  ``sign``, ``archival`` and
        ``sign_fields`` as for :meth:`to_bytes`.  The write is atomic: on any
        error (a wrong PIN, an expired certificate) no file is written.
        Returns the path.
        """
        target = Path(path)
        if target.is_dir():
            target = target / f"{self.name}.{(fmt or 'pdf').lower()}"
        chosen = (fmt or target.suffix.lstrip(".")).lower()
        if not chosen:
            raise OutputError(
                f"cannot tell the format of '{target}'",
                hint=f"add a suffix ({', '.join(writers.formats())}) or pass fmt=",
            )
        data = self.to_bytes(chosen, sign=sign, archival=archival, sign_fields=sign_fields)
        return write_atomic(target, data)

    def as_draft(self, draft: bool = True) -> Document:
        """A copy marked "DỰ THẢO" on every page (``draft=False``: unmarked)."""
        from dataclasses import replace

        return replace(self, draft=draft)

    def dump(self) -> str:
        """The stable text dump of the brief as printed (:meth:`fitted`), for golden
        tests and debugging."""
        return m.dump(self.fitted())
