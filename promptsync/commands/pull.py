"""`promptsync pull`: write what Freeplay serves as prompt files (adoption)."""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from promptsync.commands.plan import PlanOptions, open_client, write_atomically
from promptsync.errors import LoadError, PromptsyncError
from promptsync.load import display_path, find_prompt_files, parse_prompt
from promptsync.models import SCHEMA_BASE
from promptsync.plan import LATEST
from promptsync.pull import PulledFile, pull_all
from promptsync.settings import Settings, load_settings


def _existing(prompts_dir: Path) -> dict[str, list[Path]]:
    """Template name → files already defining it (files that do not parse are left alone)."""
    found: dict[str, list[Path]] = {}
    if not prompts_dir.is_dir():
        return found
    for path in find_prompt_files(prompts_dir):
        try:
            source, _ = parse_prompt(path.read_bytes(), display_path(path))
        except (LoadError, OSError):
            continue
        found.setdefault(source.prompt.name, []).append(path)
    return found


def _managed(settings: Settings, chosen: Sequence[str]) -> list[str]:
    if LATEST in chosen:
        raise PromptsyncError("--env latest: latest is always pulled; name the other environments")
    if chosen:
        return list(chosen)
    if settings.config.environments:
        return list(settings.config.environments)
    raise PromptsyncError(
        "pull: which environments? List them in promptsync.yaml (environments: [...]) or pass --env"
    )


def _schema_ref(settings: Settings) -> str:
    local = settings.root / "schemas" / "prompt.schema.json"
    if local.is_file():
        return Path(os.path.relpath(local, settings.prompts_dir)).as_posix()
    return f"{SCHEMA_BASE}/prompt.schema.json"


def run_pull(config: str | None, options: PlanOptions, *, force: bool) -> int:
    settings = load_settings(config, os.environ, Path.cwd())
    existing = _existing(settings.prompts_dir)
    managed = _managed(settings, options.environments)
    with open_client(settings, options) as client:
        snapshots = client.fetch_environments([*managed, LATEST])
    names = [
        n
        for n in snapshots[LATEST]
        if not options.templates or any(fnmatch.fnmatchcase(n, p) for p in options.templates)
    ]
    files, skipped = pull_all(snapshots, managed, names, _schema_ref(settings))
    targets = {(settings.prompts_dir / f.relative_path).resolve(): f for f in files}
    changed: list[tuple[str, Path, PulledFile | None]] = []  # (symbol, path, file)
    for path, pulled in targets.items():
        if not path.exists():
            changed.append(("+", path, pulled))
        elif path.read_text(encoding="utf-8") != pulled.text:
            changed.append(("~", path, pulled))
    for name in {f.template for f in files}:
        changed += [("-", p, None) for p in existing.get(name, []) if p.resolve() not in targets]
    conflicts = [display_path(p) for symbol, p, _ in changed if symbol != "+"]
    if conflicts and not force:
        raise PromptsyncError(
            f"pull would overwrite or remove {len(conflicts)} local file(s) that differ from the"
            f" remote ({', '.join(sorted(conflicts))}); nothing was written. Review them, then"
            " run pull --force to replace them"
        )
    touched = {path for _, path, _ in changed}
    for symbol, path, content in sorted(changed, key=lambda c: (c[1].as_posix(), c[0])):
        if content is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, content.text)
        print(f"  {symbol} {display_path(path)}")
    for path in sorted(p for p in targets if p not in touched):
        print(f"  = {display_path(path)}")
    counts = {s: sum(c[0] == s for c in changed) for s in "+~-"}
    print(
        f"Pulled {len(names) - len(skipped)} template(s) into {len(files)} file(s):"
        f" {counts['+']} created, {counts['~']} updated, {counts['-']} removed,"
        f" {len(files) - counts['+'] - counts['~']} unchanged."
    )
    for skip in skipped:
        print(f"warning: skipped {skip.template}: {skip.reason}", file=sys.stderr)
    return 1 if skipped else 0
