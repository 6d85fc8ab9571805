"""The public :class:`Document`: the model plus saving to files and bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefgen import model as m
from briefgen import writers
from briefgen.errors import OutputError
from briefgen.files import write_atomic


@dataclass(frozen=True)
class Document(m.Document):
    """A rendered brief: the immutable model with ``save`` and ``to_bytes``.

    ``name`` is the default file stem (``"nam-dinh-2021-official"``) used when
    :meth:`save` is given a folder.
    """

    name: str = "brief"

    def to_bytes(self, fmt: str) -> bytes:
        """The document in format ``fmt`` ("pdf" or "docx")."""
        return writers.render(self, fmt)

    def save(self, path: str | Path, fmt: str | None = None) -> Path:
        """Write the document to ``path``, the format taken from its suffix.

        If ``path`` is an existing folder, the file is ``<folder>/<name>.<fmt>``
        (``fmt`` then defaults to PDF).  The write is atomic.  Returns the path.
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
        data = self.to_bytes(chosen)
        return write_atomic(target, data)

    def dump(self) -> str:
        """The stable text dump of the model (for golden tests and debugging)."""
        return m.dump(self)
