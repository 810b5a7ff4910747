"""PromptLayer's f-string templates: `str.format` fields, as PromptLayer fills them.

PromptLayer's renderer (its SDK's `_fstring_render`, which says it matches the server) takes
the field names `string.Formatter().parse` finds, maps each to its value ('' when missing or
None) and calls `text.format(**values)`; when that raises, the text is sent unrendered. So only
plain names work: positional fields (`{}`, `{0}`), lookups (`{a.b}`, `{a[0]}`) and fields
nested in a format spec (`{x:{width}}`) make `format` fail and leave the whole message as it
was. And `{{x}}` is not a variable: it is an escaped brace, rendered as `{x}`.
"""

from __future__ import annotations

import re
from string import Formatter

from promptsync.templating.usage import TemplateError, VariableUse

_MUSTACHE_TAG = re.compile(r"\{\{\s*[#^/&]?\s*([A-Za-z_][\w.]*)\s*\}\}")
_LOOKUP = re.compile(r"[.\[]")


class FStringError(TemplateError):
    """An f-string template that does not parse, or would not render on PromptLayer."""


def _scan(text: str) -> tuple[list[int], list[int], int | None]:
    """(offsets of replacement fields, offsets of `{{` escapes, offset of a syntax error)."""
    fields: list[int] = []
    escapes: list[int] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "{":
            if text.startswith("{{", i):
                escapes.append(i)
                i += 2
                continue
            depth, j = 1, i + 1
            while j < n and depth:
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            if depth:
                return fields, escapes, i
            fields.append(i)
            i = j
        elif char == "}":
            if text.startswith("}}", i):
                i += 2
                continue
            return fields, escapes, i
        else:
            i += 1
    return fields, escapes, None


def _fields(text: str) -> list[tuple[int, str, str, str | None]]:
    """(offset, field name, format spec, conversion) of every replacement field; raises
    FStringError."""
    offsets, _escapes, error_at = _scan(text)
    try:
        parsed = [(name, spec or "", conv) for _lit, name, spec, conv in Formatter().parse(text)]
    except ValueError as exc:
        raise FStringError(f"not a valid f-string template: {exc}", error_at or 0) from None
    named = [(name, spec, conv) for name, spec, conv in parsed if name is not None]
    if len(named) != len(offsets):  # the scanner only locates; the parser decides
        offsets = [0] * len(named)
    return [(at, *field) for at, field in zip(offsets, named, strict=True)]


def _fits_no_value(spec: str, conversion: str | None) -> bool:
    """A format spec that no text and no number accepts (`{x:%Y}`): str.format fails. After a
    conversion (`!r`, `!s`, `!a`) the value is text."""
    for sample in ("",) if conversion else ("", 0, 0.0):
        try:
            format(sample, spec)
        except (ValueError, TypeError):
            continue
        return False
    return True


def _root(name: str) -> str:
    return _LOOKUP.split(name, maxsplit=1)[0]


def variables(text: str) -> VariableUse:
    """Names the text's fields use (raises FStringError when it does not parse)."""
    names = {_root(name) for _at, name, _spec, _conv in _fields(text)}
    return VariableUse(required=frozenset(n for n in names if n and not n.isdigit()))


def validated(text: str) -> VariableUse:
    """Like `variables`, but a field PromptLayer cannot fill, or mustache syntax, is an error."""
    for at, name, spec, conv in _fields(text):
        field = "{" + name + (f"!{conv}" if conv else "") + (":" + spec if spec else "") + "}"
        if not name or name.isdigit():
            raise FStringError(
                f"positional field {field}: PromptLayer fills named fields only, and leaves"
                " the whole message unrendered otherwise",
                at,
            )
        if _LOOKUP.search(name):
            raise FStringError(
                f"field {field}: PromptLayer fills plain names only ({_root(name)!r});"
                " attribute and index lookups leave the whole message unrendered",
                at,
            )
        if not name.isidentifier():
            raise FStringError(
                f"field {field}: {name!r} is not a variable name; for literal braces in an"
                " f-string template write {{ and }}",
                at,
            )
        if "{" in spec:
            raise FStringError(
                f"field {field}: a field inside a format spec is not filled by PromptLayer"
                " and leaves the whole message unrendered",
                at,
            )
        if conv is not None and conv not in ("r", "s", "a"):
            raise FStringError(
                f"field {field}: !{conv} is not a conversion (str.format knows !r, !s and !a);"
                " it leaves the whole message unrendered",
                at,
            )
        if spec and _fits_no_value(spec, conv):
            raise FStringError(
                f"field {field}: the format spec {spec!r} fits no text or number, so"
                " str.format fails and PromptLayer leaves the whole message unrendered",
                at,
            )
    _offsets, escapes, _error = _scan(text)
    for at in escapes:
        match = _MUSTACHE_TAG.match(text, at)
        if match:
            tag, name = match.group(), match.group(1)
            raise FStringError(
                f"{tag} in an f-string template is an escaped literal brace (it renders as"
                f" {tag[1:-1]}), not a variable: write {{{name}}} for a variable, or set"
                " template_format: jinja2",
                at,
            )
    return variables(text)


def first_use(text: str, name: str) -> int:
    """Offset of the first field naming `name` (0 when none is found), to locate an error."""
    try:
        fields = _fields(text)
    except FStringError:
        return 0
    return next((at for at, field, _spec, _conv in fields if _root(field) == name), 0)
