"""What every template language reports: the variables a text uses, or where it fails to parse."""

from __future__ import annotations

from dataclasses import dataclass, field


class TemplateError(ValueError):
    """A text that does not parse (or would not render); `position` is the offending offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class VariableUse:
    """Variables a template refers to.

    `required`: interpolated unconditionally; a caller that omits one silently gets an empty
    string (Freeplay and PromptLayer both render a missing variable as empty). `optional`:
    top-level mustache section keys (`{{#x}}`, `{{^x}}`). `nested`: names inside mustache
    sections, which may be fields of the section's item rather than top-level variables.
    """

    required: frozenset[str] = field(default_factory=frozenset)
    optional: frozenset[str] = field(default_factory=frozenset)
    nested: frozenset[str] = field(default_factory=frozenset)

    @property
    def top_level(self) -> frozenset[str]:
        return self.required | self.optional

    @property
    def all(self) -> frozenset[str]:
        return self.required | self.optional | self.nested

    def __or__(self, other: VariableUse) -> VariableUse:
        return VariableUse(
            self.required | other.required,
            (self.optional | other.optional) - (self.required | other.required),
            self.nested | other.nested,
        )
