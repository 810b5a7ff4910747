"""Running an evaluation: every test case through the new version and the baseline's, the
answers scored, the two compared, the gate decided.

Identical requests are sent once (a case the two versions render alike is one call); answers
come from the cache when it has them; the rest go to the model `concurrency` at a time. A
failed call is an error in its template's row, never a failed plan. When `stop` is set
(Ctrl-C), nothing more is sent, the calls in flight finish (and are cached: each entry is
written whole), and `Interrupted` is raised.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from promptsync.evaluate.cache import ResponseCache
from promptsync.evaluate.calls import ModelClients, ModelError
from promptsync.evaluate.checks import Answer, judge_request, judged, label, score
from promptsync.evaluate.models import EvalFile, Judge
from promptsync.evaluate.render import ModelRequest, render
from promptsync.evaluate.results import Evaluation, Example, Side, TemplateEval
from promptsync.interrupts import Interrupted
from promptsync.kinds.datasets.desired import DatasetSource
from promptsync.kinds.datasets.identity import case_hash

Content = Mapping[str, Any]


@dataclass(frozen=True)
class EvalTarget:
    """One template to evaluate: its eval file, the new content, the baseline's."""

    spec: EvalFile
    path: str
    after: Content
    dataset: DatasetSource
    baseline: str | None = None
    before: Content | None = None
    before_version: str | None = None


@dataclass(frozen=True)
class EvalOptions:
    concurrency: int = 8
    show_examples: bool = False
    gate: bool = True


@dataclass(frozen=True)
class CaseResult:
    """What the test run recorder gets for each case of the new version."""

    case: Mapping[str, Any]
    request: ModelRequest
    answer: Answer | None
    checks: Mapping[str, bool]


@runtime_checkable
class TestRunRecorder(Protocol):
    """A registry that keeps evaluation runs (Freeplay's test runs)."""

    def record_test_run(self, dataset: str, name: str, results: Sequence[CaseResult]) -> str:
        """Record the results as a test run of `dataset`; returns its id."""


def sample(cases: Sequence[Mapping[str, Any]], size: int | None) -> list[Mapping[str, Any]]:
    """At most `size` test cases, the same ones on every run: the first by content hash."""
    ordered = sorted(cases, key=lambda c: case_hash(dict(c)))
    return list(ordered if size is None else ordered[:size])


@dataclass
class _Calls:
    """Answers by request key, filled from the cache and by calls."""

    clients: ModelClients
    cache: ResponseCache
    concurrency: int
    stop: threading.Event
    progress: Callable[[str], None]
    answers: dict[str, Answer | ModelError] = field(default_factory=dict)
    called: set[str] = field(default_factory=set)  # keys answered by a call (else the cache)

    def key(self, request: ModelRequest) -> str:
        try:
            where = self.clients.endpoint(request.provider).shown
        except ModelError:
            where = "none"
        return request.key(where)

    def run(self, requests: Sequence[ModelRequest]) -> None:
        todo: dict[str, ModelRequest] = {}
        for request in requests:
            key = self.key(request)
            if key in self.answers or key in todo:
                continue
            hit = self.cache.get(key)
            if hit is not None:
                self.answers[key] = hit
            else:
                todo[key] = request
        if not todo:
            return
        lock = threading.Lock()
        done = 0
        last = time.monotonic()

        def one(item: tuple[str, ModelRequest]) -> None:
            nonlocal done, last
            key, request = item
            if self.stop.is_set():
                return
            try:
                answer: Answer | ModelError = self.clients.call(request)
            except ModelError as exc:
                answer = exc
            if isinstance(answer, Answer):
                self.cache.put(key, answer)
            with lock:
                self.answers[key] = answer
                self.called.add(key)
                done += 1
                now = time.monotonic()
                if done == 1 or now - last >= 2 or done == len(todo):
                    last = now
                    self.progress(f"eval: {done}/{len(todo)} model calls")

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            list(pool.map(one, todo.items()))
        if self.stop.is_set():
            raise Interrupted

    def answer(self, request: ModelRequest) -> Answer | ModelError:
        return self.answers[self.key(request)]


def _judges(spec: EvalFile) -> list[Judge]:
    return [c for c in spec.checks if isinstance(c, Judge)]


@dataclass
class _Scored:
    passed: list[bool | None]  # None: an error
    failed_checks: list[tuple[str, ...]]
    answers: list[Answer | None]
    tokens: tuple[int, int] = (0, 0)


def _score_side(
    spec: EvalFile,
    content: Content,
    cases: Sequence[Mapping[str, Any]],
    requests: Sequence[ModelRequest],
    calls: _Calls,
) -> _Scored:
    scored = _Scored([], [], [])
    tokens_in = tokens_out = 0
    for case, request in zip(cases, requests, strict=True):
        answer = calls.answer(request)
        if isinstance(answer, ModelError):
            scored.passed.append(None)
            scored.failed_checks.append((f"error: {answer}",))
            scored.answers.append(None)
            continue
        tokens_in += answer.input_tokens
        tokens_out += answer.output_tokens
        verdicts = [calls.answer(judge_request(j, case, answer)) for j in _judges(spec)]
        if any(isinstance(v, ModelError) for v in verdicts):
            scored.passed.append(None)
            scored.failed_checks.append(("error: the judge's call failed",))
            scored.answers.append(answer)
            continue
        result = score(
            spec.checks,
            answer,
            case,
            content.get("output_schema"),
            [judged(v) for v in verdicts if isinstance(v, Answer)],
        )
        scored.passed.append(result.passed)
        scored.failed_checks.append(result.failed_checks)
        scored.answers.append(answer)
    scored.tokens = (tokens_in, tokens_out)
    return scored


def _side(version: str, scored: _Scored) -> Side:
    return Side(
        version=version,
        passed=sum(p is True for p in scored.passed),
        failed=sum(p is False for p in scored.passed),
        errors=sum(p is None for p in scored.passed),
    )


def _gate(spec: EvalFile, after: Side, regressed: int) -> str | None:
    gate = spec.gate
    if gate is None:
        return None
    rate = after.pass_rate
    if gate.min_pass_rate is not None and (rate is None or rate < gate.min_pass_rate):
        shown = "no case scored" if rate is None else f"{rate:.0%}"
        return f"pass rate {shown} is below {gate.min_pass_rate:.0%}"
    if gate.max_regressions is not None and regressed > gate.max_regressions:
        return f"{regressed} regressed case(s), at most {gate.max_regressions} allowed"
    return None


def _cut(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def evaluate(
    targets: Sequence[EvalTarget],
    clients: ModelClients,
    cache: ResponseCache,
    options: EvalOptions,
    *,
    progress: Callable[[str], None],
    stop: threading.Event,
    recorder: TestRunRecorder | None = None,
    run_name: str = "promptsync plan --eval",
) -> Evaluation:
    calls = _Calls(clients, cache, options.concurrency, stop, progress)
    plans = []
    first: list[ModelRequest] = []
    for target in targets:
        cases = sample(target.dataset.cases, target.spec.sample)
        after = [render(target.after, case) for case in cases]
        before = [render(target.before, case) for case in cases] if target.before else []
        plans.append((target, cases, after, before))
        first += [*after, *before]
    calls.run(first)
    judging: list[ModelRequest] = []
    for target, cases, after, before in plans:
        for requests in (after, before):
            for case, request in zip(cases, requests, strict=False):
                answer = calls.answer(request)
                if isinstance(answer, Answer):
                    judging += [judge_request(j, case, answer) for j in _judges(target.spec)]
    calls.run(judging)
    rows = []
    for target, cases, after, before in plans:
        rows.append(_row(target, cases, after, before, calls, options, recorder, run_name))
    return Evaluation(
        templates=rows,
        gate_failed=options.gate and any(r.gate for r in rows),
    )


def _row(
    target: EvalTarget,
    cases: Sequence[Mapping[str, Any]],
    after_requests: Sequence[ModelRequest],
    before_requests: Sequence[ModelRequest],
    calls: _Calls,
    options: EvalOptions,
    recorder: TestRunRecorder | None,
    run_name: str,
) -> TemplateEval:
    spec = target.spec
    after = _score_side(spec, target.after, cases, after_requests, calls)
    before = (
        _score_side(spec, target.before, cases, before_requests, calls)
        if target.before is not None
        else None
    )
    improved = regressed = 0
    examples: list[Example] = []
    if before is not None:
        for i, (old, new) in enumerate(zip(before.passed, after.passed, strict=True)):
            if old is False and new is True:
                improved += 1
            if old is True and new is False:
                regressed += 1
                if options.show_examples and len(examples) < 5:
                    was, now = before.answers[i], after.answers[i]
                    examples.append(
                        Example(
                            inputs={k: _cut(v) for k, v in dict(cases[i]["inputs"]).items()},
                            before=_cut(was.text if was else ""),
                            after=_cut(now.text if now else ""),
                            failed_checks=list(after.failed_checks[i]),
                        )
                    )
    after_side = _side("new", after)
    test_run = None
    if recorder is not None and cases:
        results = [
            CaseResult(
                case,
                request,
                answer,
                {label(c): c_ok for c, c_ok in _check_map(spec, after.failed_checks[i])},
            )
            for i, (case, request, answer) in enumerate(
                zip(cases, after_requests, after.answers, strict=True)
            )
        ]
        try:
            test_run = recorder.record_test_run(target.dataset.name, run_name, results)
        except Exception as exc:  # recording is a report, never a reason to fail the plan
            calls.progress(f"eval: the test run of {spec.template} was not recorded ({exc})")
    gate = _gate(spec, after_side, regressed) if options.gate else None
    keys = {calls.key(r) for r in [*after_requests, *before_requests]}
    for side in (after, before):
        for case, answer in zip(cases, side.answers if side else [], strict=False):
            if answer is not None:
                keys |= {calls.key(judge_request(j, case, answer)) for j in _judges(spec)}
    usage_in = after.tokens[0] + (before.tokens[0] if before else 0)
    usage_out = after.tokens[1] + (before.tokens[1] if before else 0)
    return TemplateEval(
        template=spec.template,
        dataset=spec.dataset,
        baseline=target.baseline,
        cases=len(cases),
        after=after_side,
        before=_side(target.before_version or "baseline", before) if before else None,
        improved=improved,
        regressed=regressed,
        calls=len(keys & calls.called),
        cached=len(keys - calls.called),
        input_tokens=usage_in,
        output_tokens=usage_out,
        test_run=test_run,
        gate=gate,
        examples=examples,
    )


def _check_map(spec: EvalFile, failed: Sequence[str]) -> list[tuple[Any, bool]]:
    return [(c, label(c) not in failed) for c in spec.checks]
