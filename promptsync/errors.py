"""The project's own error types. The CLI turns each into a one-line message and exit 1."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


class PromptsyncError(Exception):
    """A user-facing failure: its message is printed as one line, without a traceback."""


@dataclass(frozen=True, order=True)
class Issue:
    """One problem found in a file, at `path:line:column` (1-based; line 0 = the whole file)."""

    path: str
    line: int
    column: int
    message: str
    severity: Severity = "error"

    def as_json(self) -> dict[str, object]:
        """The issue in `--format json` answers."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
        }

    def __str__(self) -> str:
        if self.line == 0:  # about the file as a whole
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class LoadError(PromptsyncError):
    """Files or config did not validate; carries every issue found, not just the first."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = sorted(issues)
        errors = [i for i in self.issues if i.severity == "error"]
        first = errors[0] if errors else self.issues[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{first}{more}")


class Problems(PromptsyncError):
    """Several independent problems, each printed on its own line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def messages(exc: PromptsyncError) -> list[str]:
    """The lines the CLI prints for an error (`error: …` / `warning: …`)."""
    if isinstance(exc, LoadError):
        return [f"{issue.severity}: {issue}" for issue in exc.issues]
    if isinstance(exc, Problems):
        return [f"error: {p}" for p in exc.problems]
    return [f"error: {exc}"]


def error_json(exc: BaseException) -> str:
    """What `--format json` answers instead of a result: the lines the CLI prints for the error
    (an interruption too), as JSON."""
    from promptsync.interrupts import Interrupted

    if isinstance(exc, Interrupted):
        lines = ["error: interrupted"]
    elif isinstance(exc, PromptsyncError):
        lines = messages(exc)
    else:
        lines = [f"error: {exc}"]
    return json.dumps({"error": {"messages": lines}}, indent=2) + "\n"
