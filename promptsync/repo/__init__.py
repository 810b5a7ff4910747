"""The user's repository: the config and settings, keys, YAML reading and writing with positions,
file discovery and symbolic-link rules, git facts, provenance, safe writes.

May import: the shared modules (errors, console, interrupts, threads) and templating/. Knows no
resource kind, no plan and no registry."""
