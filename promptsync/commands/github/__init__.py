"""`promptsync github run`, the GitHub Action's driver: `run.py` dispatches on the inputs to
`one.py` (one project) or `projects.py` (`all: true`, the drift watch); `common.py` is what they
share."""

from promptsync.commands.github.run import run_github

__all__ = ["run_github"]
