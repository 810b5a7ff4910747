"""Routing on the raw path: the table of Freeplay operations this emulator serves."""

from __future__ import annotations

from urllib.parse import unquote

from promptsync.emulator import completion_routes as rec
from promptsync.emulator import dataset_routes as ds
from promptsync.emulator import template_routes as tpl
from promptsync.emulator import testrun_routes as run
from promptsync.emulator import workspace_routes as ws
from promptsync.emulator.calls import Handler

_T = "projects/{project_id}/prompt-templates"
_V = f"{_T}/id/{{template_id}}/versions"
_D = "projects/{project_id}/prompt-datasets"
_C = f"{_D}/{{dataset_id}}/test-cases"
_L = "projects/{project_id}/datasets"
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "projects/all", ws.list_projects),
    ("POST", "projects", ws.create_project),
    ("GET", "environments", ws.list_environments),
    ("POST", "environments", ws.create_environment),
    ("GET", _T, tpl.list_templates),
    ("POST", _T, tpl.create_template),
    ("GET", f"{_T}/all/{{environment}}", tpl.all_in_environment),
    ("POST", f"{_T}/name/{{template_name*}}/versions", tpl.create_version_by_name),
    ("GET", f"{_T}/name/{{name*}}", tpl.get_by_name),
    ("POST", f"{_T}/name/{{name*}}", tpl.post_by_name),
    ("GET", f"{_T}/id/{{template_id}}", tpl.get_template),
    ("PATCH", f"{_T}/id/{{template_id}}", tpl.rename_template),
    ("DELETE", f"{_T}/id/{{template_id}}", tpl.delete_template),
    ("GET", _V, tpl.list_versions),
    ("POST", _V, tpl.create_version_by_id),
    ("GET", f"{_V}/{{version_id}}", tpl.get_version),
    ("POST", f"{_V}/{{version_id}}", tpl.post_version),
    ("DELETE", f"{_V}/{{version_id}}", tpl.delete_version),
    ("POST", f"{_V}/{{version_id}}/environments", tpl.update_environments),
    ("POST", "projects/{project_id}/sessions/{session_id}/completions", rec.record_completion),
    ("POST", "projects/{project_id}/search/completions", rec.search_completions),
    ("POST", _D, ds.create_dataset),
    ("GET", _D, ds.list_datasets),
    ("GET", f"{_D}/{{dataset_id}}", ds.get_dataset),
    ("PATCH", f"{_D}/{{dataset_id}}", ds.update_dataset),
    ("DELETE", f"{_D}/{{dataset_id}}", ds.delete_dataset),
    ("GET", _C, ds.list_cases),
    # Before {test_case_id}: "bulk" is not a test case id.
    ("POST", f"{_C}/bulk", ds.bulk_create_cases),
    ("DELETE", f"{_C}/bulk", ds.bulk_delete_cases),
    ("GET", f"{_C}/{{test_case_id}}", ds.get_case),
    ("PATCH", f"{_C}/{{test_case_id}}", ds.update_case),
    ("DELETE", f"{_C}/{{test_case_id}}", ds.delete_case),
    ("GET", f"{_L}/id/{{dataset_id}}", ds.legacy_by_id),
    ("GET", f"{_L}/id/{{dataset_id}}/test-cases", ds.legacy_cases_by_id),
    ("POST", f"{_L}/id/{{dataset_id}}/test-cases", ds.legacy_upload),
    ("GET", f"{_L}/name/{{dataset_name*}}/test-cases", ds.legacy_cases_by_name),
    ("GET", f"{_L}/name/{{dataset_name*}}", ds.legacy_by_name),
    ("POST", "projects/{project_id}/test-runs", run.create_test_run),
    ("GET", "projects/{project_id}/test-runs", run.list_test_runs),
    ("GET", "projects/{project_id}/test-runs/id/{test_run_id}", run.get_test_run),
]
API_PREFIX = "/api/v2/"


def _match(pattern: str, raw: list[str]) -> dict[str, str] | None:
    parts = pattern.split("/")
    greedy = next((i for i, p in enumerate(parts) if p.endswith("*}")), None)
    if greedy is None:
        if len(parts) != len(raw):
            return None
        head, tail, middle = parts, [], []
    else:
        head, tail = parts[:greedy], parts[greedy + 1 :]
        if len(raw) < len(parts):
            return None
        middle = raw[greedy : len(raw) - len(tail)]
    params: dict[str, str] = {}
    for part, seg in zip(head + tail, raw[: len(head)] + raw[len(raw) - len(tail) :], strict=True):
        if part.startswith("{"):
            params[part[1:-1]] = unquote(seg)
        elif part != seg:
            return None
    if greedy is not None:
        # The official SDK leaves "/" in names unencoded; promptsync sends %2F. Both work.
        params[parts[greedy][1:-2]] = "/".join(unquote(s) for s in middle)
    return params


def resolve(method: str, raw_path: str) -> tuple[str, Handler | None, dict[str, str]]:
    """(route label, handler, path params). Label is the OpenAPI path, or "unmatched"."""
    if not raw_path.startswith(API_PREFIX):
        return "unmatched", None, {}
    raw = raw_path[len(API_PREFIX) :].rstrip("/").split("/")
    allowed = False
    for route_method, pattern, handler in ROUTES:
        params = _match(pattern, raw)
        if params is None:
            continue
        allowed = True
        if route_method == method:
            return f"{method} {API_PREFIX}{pattern.replace('*', '')}", handler, params
    return ("method-not-allowed" if allowed else "unmatched"), None, {}
