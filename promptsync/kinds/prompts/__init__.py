"""Prompt templates, the first resource kind: the file models, identity (normalized content and
its hash), the remote snapshot model, breaking changes, field diffs, the planner's rules, pull's
mapping and render's preview. Pure, except `load` (reads the prompt files).

May import: repo/, templating/, the shared modules."""
