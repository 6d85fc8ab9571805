"""YAML that a small hostile file cannot turn into a big problem.

Data files and ``template.yaml`` come from other offices and other people.
:func:`parse` reads one YAML document with PyYAML's safe loader plus limits:

* **aliases** may add at most :data:`MAX_ALIAS_EXPANSION` nodes and
  characters to the data they appear in (a "billion laughs" file of 500 bytes
  would otherwise expand to gigabytes wherever the data is walked or printed),
  and an alias may not refer to the node it is inside (a loop);
* nesting deeper than :data:`~briefgen.data.clean.MAX_DEPTH` levels is refused before Python's
  recursion limit is reached;
* a key given twice in one mapping is an error naming both lines (YAML
  itself would silently keep the last);
* an integer too long to convert, or an impossible date, stays text, so that
  validation reports it against its field.

Every refusal is an :class:`~briefgen.errors.InputError` naming the file and
line.
"""

from __future__ import annotations

from typing import Any

import yaml

from briefgen.data.clean import MAX_DEPTH
from briefgen.errors import DataError, InputError, Location

MAX_ALIAS_EXPANSION = 1_000_000
"""Nodes plus characters that aliases may add to a document, in all."""

_LONGEST_NUMBER = 100
"""Digits beyond which an integer scalar is left as text (validation then refuses it)."""


class _Refused(Exception):
    """A limit or rule broken while reading; carries the 1-based line."""

    def __init__(self, message: str, line: int | None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint


def _line(mark: Any) -> int | None:
    """The 1-based line of a PyYAML mark (``None`` for none)."""
    return int(mark.line) + 1 if mark is not None else None


class _Loader(yaml.SafeLoader):
    """SafeLoader with the limits of this module (one instance per document)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._open: set[str] = set()
        self._expanded = 0
        self._sizes: dict[int, int] = {}

    # -- composing: aliases, loops and depth

    def compose_node(self, parent: Any, index: Any) -> Any:
        events: Any = self  # PyYAML's event queue is untyped
        event = events.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open:
                raise _Refused(
                    f"alias *{event.anchor} refers to the node it is inside",
                    _line(event.start_mark),
                    "an alias may repeat a finished node only",
                )
            node = super().compose_node(parent, index)
            self._expanded += self._size(node) if node is not None else 0
            if self._expanded > MAX_ALIAS_EXPANSION:
                raise _Refused(
                    f"aliases (*name) expand the data beyond {MAX_ALIAS_EXPANSION:,} "
                    "nodes and characters",
                    _line(event.start_mark),
                    "write the values out, or repeat fewer and smaller anchored nodes",
                )
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(
                f"data nested more than {MAX_DEPTH} levels deep", _line(event.start_mark)
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open.discard(anchor)

    def _size(self, node: yaml.Node) -> int:
        """Nodes plus scalar characters under ``node``, aliases expanded (memoised)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        if isinstance(node, yaml.ScalarNode):
            size = 1 + len(node.value)
        elif isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self._size(child) for child in node.value)
        else:
            size = 1 + sum(self._size(k) + self._size(v) for k, v in node.value)
        self._sizes[id(node)] = size
        return size

    # -- constructing: duplicate keys, huge integers, impossible dates

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: dict[tuple[str, str], int | None] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = (key_node.tag, key_node.value)
            line = _line(key_node.start_mark)
            if key in seen:
                raise _Refused(
                    f"'{key_node.value}' is given twice in one mapping, "
                    f"on lines {seen[key]} and {line}",
                    line,
                    "keep one of them",
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _integer(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    if len(node.value) > _LONGEST_NUMBER:
        return loader.construct_scalar(node)
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _integer)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def parse(
    text: str, file: str, error: type[InputError] = DataError
) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the data of the one YAML document in ``text``.

    Raises ``error`` (a :class:`DataError` unless told) naming ``file`` and
    the line for invalid YAML and for anything this module refuses.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _Refused as refused:
        raise error(refused.message, Location(file=file, row=refused.line), refused.hint) from None
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark
        raise error(
            f"not valid YAML: {problem.problem}", Location(file=file, row=_line(mark))
        ) from None
    except yaml.YAMLError as problem:
        raise error(f"not valid YAML: {problem}", Location(file=file)) from None
    finally:
        loader.dispose()
    return node, data
