"""Which files are prompt files: any-case extensions, and symbolic links inside the project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from promptsync.errors import LoadError
from promptsync.kinds.prompts.load import check_prompts, load_prompts
from promptsync.repo.discovery import escapes_root, walk_prompts
from tests.conftest import RunCli

PROMPT = "name: {name}\nprovider: openai\nmodel: gpt-4o\nmessages: [{{role: user, content: hi}}]\n"


def _prompt(path: Path, name: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PROMPT.format(name=name), encoding="utf-8")
    return path


def _names(prompts: Path, root: Path | None = None) -> list[str]:
    return sorted(s.prompt.name for s in load_prompts(prompts, root=root).sources)


def _problems(prompts: Path, root: Path | None = None) -> list[str]:
    return [str(i) for i in check_prompts(prompts, root=root).issues]


@pytest.fixture
def project(isolated: Path) -> Path:
    """A project (promptsync.yaml + prompts/) inside the working directory, and a directory
    outside it holding files a link could point at."""
    (isolated / "project" / "prompts").mkdir(parents=True)
    (isolated / "project" / "promptsync.yaml").write_text("prompts_dir: prompts\n")
    _prompt(isolated / "elsewhere" / "notes.yaml", "outside")
    os.chdir(isolated / "project")
    return isolated / "project"


def test_extensions_in_any_case(project: Path) -> None:
    for name in ("a.YAML", "b.Yml", "c.yaml", "d.yml", "e.yaml.txt", "f.YML~"):
        _prompt(project / "prompts" / name, name.split(".")[0])
    assert _names(project / "prompts") == ["a", "b", "c", "d"]


def test_links_inside_the_project_are_followed(project: Path) -> None:
    _prompt(project / "shared" / "common.yaml", "common")
    _prompt(project / "shared" / "team" / "t.yaml", "team")
    (project / "prompts" / "common.yaml").symlink_to(project / "shared" / "common.yaml")
    (project / "prompts" / "team").symlink_to(Path("..") / "shared" / "team")
    assert _names(project / "prompts") == ["common", "team"]
    assert [f.shown for f in walk_prompts(project / "prompts").files] == [
        "prompts/common.yaml",
        "prompts/team/t.yaml",
    ]


def test_a_file_link_out_of_the_project_is_an_error(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "notes.yaml"
    (project / "prompts" / "a.yaml").symlink_to(target)
    assert _problems(project / "prompts") == [
        f"prompts/a.yaml: symbolic link to {target} points outside the project"
    ]
    with pytest.raises(LoadError):
        load_prompts(project / "prompts")


def test_a_directory_link_out_of_the_project_is_an_error(project: Path, tmp_path: Path) -> None:
    (project / "prompts" / "more").symlink_to(tmp_path / "elsewhere")
    assert _problems(project / "prompts") == [
        f"prompts/more: symbolic link to {tmp_path / 'elsewhere'} points outside the project"
    ]


def test_a_dangling_link_is_an_error(project: Path) -> None:
    (project / "prompts" / "gone.yaml").symlink_to(project / "missing.yaml")
    (project / "prompts" / "gone_dir").symlink_to(project / "missing")
    assert _problems(project / "prompts") == [
        f"prompts/gone.yaml: symbolic link to {project / 'missing.yaml'} points to nothing",
        f"prompts/gone_dir: symbolic link to {project / 'missing'} points to nothing",
    ]


def test_a_loop_of_links_is_an_error(project: Path) -> None:
    (project / "prompts" / "a.yaml").symlink_to("b.yaml")
    (project / "prompts" / "b.yaml").symlink_to("a.yaml")
    problems = _problems(project / "prompts")
    assert problems == [
        f"prompts/a.yaml: symbolic link to {project / 'prompts' / 'a.yaml'} points to a loop of"
        " links",
        f"prompts/b.yaml: symbolic link to {project / 'prompts' / 'b.yaml'} points to a loop of"
        " links",
    ]


def test_a_directory_loop_is_reported_not_followed(project: Path) -> None:
    _prompt(project / "prompts" / "sub" / "x.yaml", "x")
    (project / "prompts" / "sub" / "again").symlink_to(project / "prompts")
    (project / "prompts" / "self").symlink_to(".")
    (project / "prompts" / "up").symlink_to("..")  # the project root holds the prompts
    assert _problems(project / "prompts") == [
        f"prompts/self: symbolic link to {project / 'prompts'} makes a loop: it is inside its"
        " target",
        f"prompts/sub/again: symbolic link to {project / 'prompts'} makes a loop: it is inside"
        " its target",
        f"prompts/up: symbolic link to {project} makes a loop: it is inside its target",
    ]


def test_each_directory_is_read_once(project: Path) -> None:
    """Links to one directory from many places would otherwise multiply the walk."""
    level = project / "prompts"
    _prompt(level / "x.yaml", "x")
    for _ in range(20):  # each level links twice to the next: 2**20 paths without the rule
        (level / "next").mkdir()
        (level / "again").symlink_to("next")
        level = level / "next"
    tree = walk_prompts(project / "prompts")
    assert len(tree.files) == 1
    assert len(tree.issues) == 20
    assert tree.issues[0].message.endswith("a directory already read as prompts/next")


def test_links_that_are_not_prompt_files_are_ignored(project: Path, tmp_path: Path) -> None:
    (project / "prompts" / "README.md").symlink_to(tmp_path / "elsewhere" / "notes.yaml")
    (project / "prompts" / ".#a.yaml").symlink_to("user@host.1234")  # an editor's lock file
    (project / "prompts" / ".hidden").symlink_to(tmp_path / "elsewhere")
    assert _problems(project / "prompts") == []


def test_the_project_root_is_where_the_config_is(project: Path, run_cli: RunCli) -> None:
    (project / "promptsync.yaml").write_text("prompts_dir: config/prompts\n")
    _prompt(project / "shared" / "common.yaml", "common")
    (project / "config" / "prompts").mkdir(parents=True)
    (project / "config" / "prompts" / "common.yaml").symlink_to(project / "shared" / "common.yaml")
    code, out, err = run_cli("validate")
    assert (code, err) == (0, "")
    assert out == "config/prompts: 1 file(s), 1 template(s) valid.\n"
    # Without the root, the prompts directory's parent is the project.
    assert _problems(project / "config" / "prompts") == [
        f"config/prompts/common.yaml: symbolic link to {project / 'shared' / 'common.yaml'}"
        " points outside the project"
    ]
    assert _problems(project / "config" / "prompts", root=project) == []


@pytest.mark.parametrize("command", [["validate"], ["render", "outside"], ["plan"]])
def test_no_command_reads_through_a_link_out_of_the_project(
    project: Path, tmp_path: Path, run_cli: RunCli, command: list[str]
) -> None:
    (project / "prompts" / "a.yaml").symlink_to(tmp_path / "elsewhere" / "notes.yaml")
    code, _, err = run_cli(*command)
    assert code == 1
    assert err.splitlines()[0] == (
        f"error: prompts/a.yaml: symbolic link to {tmp_path / 'elsewhere' / 'notes.yaml'}"
        " points outside the project"
    )


def test_escapes_root(project: Path, tmp_path: Path) -> None:
    prompts = project / "prompts"
    (prompts / "team").mkdir()
    (prompts / "out").symlink_to(tmp_path / "elsewhere")
    (prompts / "linked.yaml").symlink_to(tmp_path / "elsewhere" / "notes.yaml")
    (prompts / "dangling.yaml").symlink_to(tmp_path / "elsewhere" / "new.yaml")
    (prompts / "inside.yaml").symlink_to(prompts / "team" / "x.yaml")
    assert escapes_root(prompts / "team" / "new.yaml", project) is None
    assert escapes_root(prompts / "new" / "deeper.yaml", project) is None
    assert escapes_root(prompts / "inside.yaml", project) is None
    assert escapes_root(prompts / "out" / "x.yaml", project) == (
        f"prompts/out is a symbolic link to {tmp_path / 'elsewhere'}, outside the project"
    )
    assert escapes_root(prompts / "linked.yaml", project) == (
        f"prompts/linked.yaml is a symbolic link to {tmp_path / 'elsewhere' / 'notes.yaml'},"
        " outside the project"
    )
    assert escapes_root(prompts / "dangling.yaml", project) == (
        f"prompts/dangling.yaml is a symbolic link to {tmp_path / 'elsewhere' / 'new.yaml'},"
        " outside the project"
    )
    assert escapes_root(prompts / ".." / ".." / "x.yaml", project) == (
        f"../x.yaml is outside the project ({tmp_path / 'x.yaml'})"
    )


def test_validate_applies_the_rules(project: Path, tmp_path: Path, run_cli: RunCli) -> None:
    """The same rules through the command line, as a user meets them."""
    _prompt(project / "prompts" / "A.YAML", "upper")
    _prompt(project / "shared" / "team" / "t.yaml", "team")
    (project / "prompts" / "team").symlink_to(project / "shared" / "team")
    assert run_cli("validate") == (0, "prompts: 2 file(s), 2 template(s) valid.\n", "")
    (project / "prompts" / "out.yaml").symlink_to(tmp_path / "elsewhere" / "notes.yaml")
    (project / "prompts" / "gone.yaml").symlink_to("nowhere.yaml")
    (project / "prompts" / "loop").symlink_to(".")
    code, out, err = run_cli("validate")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"error: prompts/gone.yaml: symbolic link to {project / 'prompts' / 'nowhere.yaml'}"
        " points to nothing",
        f"error: prompts/loop: symbolic link to {project / 'prompts'} makes a loop: it is inside"
        " its target",
        f"error: prompts/out.yaml: symbolic link to {tmp_path / 'elsewhere' / 'notes.yaml'}"
        " points outside the project",
        "3 errors in 3 file(s).",
    ]


def test_special_files_are_not_read(project: Path) -> None:
    """Reading a FIFO named like a prompt file would block validate forever."""
    os.mkfifo(project / "prompts" / "pipe.yaml")
    _prompt(project / "prompts" / "ok.yaml", "ok")
    assert _problems(project / "prompts") == ["prompts/pipe.yaml: not a regular file"]
