"""Prompt and dataset documents → YAML text, as a person would write it. The only YAML writer."""

from __future__ import annotations

from typing import Any

import yaml


class _FlowList(list[str]):
    """A short list of names, written inline: `environments: [staging, prod]`."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent list items under their key


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def prompt_file_text(doc: dict[str, Any], schema_ref: str) -> str:
    """A prompt file: the schema comment, then the keys in the order given."""
    doc = {k: _FlowList(v) if k == "environments" else v for k, v in doc.items()}
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return f"# yaml-language-server: $schema={schema_ref}\n{body}"


def dataset_file_text(doc: dict[str, Any], schema_ref: str) -> str:
    """A dataset file: the schema comment, then the keys in the order given (input names on
    one line)."""
    doc = {k: _FlowList(v) if k == "input_names" else v for k, v in doc.items()}
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return f"# yaml-language-server: $schema={schema_ref}\n{body}"
