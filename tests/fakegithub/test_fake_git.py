"""Git data and contents routes of the fake GitHub, over a real socket."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.fakegithub import RunningFakeGitHub

API = "/repos/octo/prompts"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def main_sha(gh: RunningFakeGitHub) -> str:
    return gh.state.branches("octo/prompts")["main"]


def commit_files(client: httpx.Client, base: str, files: dict[str, str | None]) -> str:
    """What a drift watch does: a tree on top of `base`'s, then a commit with `base` as parent."""
    base_tree = client.get(f"{API}/git/commits/{base}").json()["tree"]["sha"]
    entries: list[dict[str, Any]] = []
    for path, text in files.items():
        entry: dict[str, Any] = {"path": path, "mode": "100644", "type": "blob"}
        if text is None:
            entry["sha"] = None
        else:
            blob = client.post(
                f"{API}/git/blobs", json={"content": b64(text), "encoding": "base64"}
            )
            assert blob.status_code == 201
            entry["sha"] = blob.json()["sha"]
        entries.append(entry)
    tree = client.post(f"{API}/git/trees", json={"base_tree": base_tree, "tree": entries})
    assert tree.status_code == 201
    made = client.post(
        f"{API}/git/commits",
        json={"message": "drift", "tree": tree.json()["sha"], "parents": [base]},
    )
    assert made.status_code == 201
    assert made.json()["parents"][0]["sha"] == base
    return str(made.json()["sha"])


def test_a_branch_is_created_committed_to_and_moved(github_api: RunningFakeGitHub) -> None:
    github_api.state.commit("octo/prompts", "main", {"p/a.yaml": "a", "p/b.yaml": "b"})
    base = main_sha(github_api)
    with github_api.client() as client:
        missing = client.get(f"{API}/git/ref/heads/promptsync/drift/app")
        assert missing.status_code == 404
        assert missing.json()["message"] == "Not Found"
        made = client.post(
            f"{API}/git/refs", json={"ref": "refs/heads/promptsync/drift/app", "sha": base}
        )
        assert made.status_code == 201
        assert made.json()["ref"] == "refs/heads/promptsync/drift/app"
        assert made.json()["object"] == {
            "sha": base,
            "type": "commit",
            "url": f"{github_api.url}{API}/git/commits/{base}",
        }
        sha = commit_files(client, base, {"p/a.yaml": "A!", "p/b.yaml": None, "p/c.yaml": "c"})
        moved = client.patch(f"{API}/git/refs/heads/promptsync/drift/app", json={"sha": sha})
        assert moved.status_code == 200
        assert moved.json()["object"]["sha"] == sha
        got = client.get(f"{API}/git/ref/heads/promptsync/drift/app").json()
        assert got["object"]["sha"] == sha
    assert github_api.state.files("octo/prompts", "promptsync/drift/app") == {
        "p/a.yaml": "A!",
        "p/c.yaml": "c",
    }
    assert github_api.state.files("octo/prompts") == {"p/a.yaml": "a", "p/b.yaml": "b"}
    history = github_api.state.history("octo/prompts", "promptsync/drift/app")
    assert [c.message for c in history] == ["drift", "Update files", "Initial commit"]


def test_creating_an_existing_ref_is_422(github_api: RunningFakeGitHub) -> None:
    with github_api.client() as client:
        ref = {"ref": "refs/heads/main", "sha": main_sha(github_api)}
        answer = client.post(f"{API}/git/refs", json=ref)
        assert answer.status_code == 422
        assert answer.json()["message"] == "Reference already exists"
        unknown = client.post(f"{API}/git/refs", json={"ref": "refs/heads/x", "sha": "0" * 40})
        assert (unknown.status_code, unknown.json()["message"]) == (422, "Object does not exist")
        short = client.post(f"{API}/git/refs", json={"ref": "x", "sha": main_sha(github_api)})
        assert short.status_code == 422


def test_moving_a_ref_needs_force_unless_fast_forward(github_api: RunningFakeGitHub) -> None:
    old = main_sha(github_api)
    github_api.state.add_branch("octo/prompts", "drift")
    github_api.state.commit("octo/prompts", "drift", {"x": "1"})
    github_api.state.commit("octo/prompts", "main", {"y": "2"})
    new_main = main_sha(github_api)
    with github_api.client() as client:
        sideways = client.patch(f"{API}/git/refs/heads/drift", json={"sha": new_main})
        assert sideways.status_code == 422
        assert sideways.json()["message"] == "Update is not a fast forward"
        forced = client.patch(f"{API}/git/refs/heads/drift", json={"sha": new_main, "force": True})
        assert forced.status_code == 200
        back = client.patch(f"{API}/git/refs/heads/drift", json={"sha": old, "force": True})
        assert back.json()["object"]["sha"] == old
        gone = client.patch(f"{API}/git/refs/heads/nope", json={"sha": old})
        assert (gone.status_code, gone.json()["message"]) == (422, "Reference does not exist")
        assert client.delete(f"{API}/git/refs/heads/drift").status_code == 204
        assert client.get(f"{API}/git/ref/heads/drift").status_code == 404
    assert set(github_api.state.branches("octo/prompts")) == {"main"}


def test_matching_refs_and_git_objects_read_back(github_api: RunningFakeGitHub) -> None:
    github_api.state.commit("octo/prompts", "main", {"dir/f.txt": "hello"}, "add f")
    github_api.state.add_branch("octo/prompts", "promptsync/drift/a")
    with github_api.client() as client:
        refs = client.get(f"{API}/git/matching-refs/heads/promptsync/").json()
        assert [r["ref"] for r in refs] == ["refs/heads/promptsync/drift/a"]
        commit = client.get(f"{API}/git/commits/{main_sha(github_api)}").json()
        assert commit["message"] == "add f"
        assert commit["author"]["name"] == "github-actions[bot]"
        assert client.get(f"{API}/git/commits/{'1' * 40}").status_code == 404
        tree = client.get(f"{API}/git/trees/{commit['tree']['sha']}", params={"recursive": "1"})
        listed = {e["path"]: e for e in tree.json()["tree"]}
        assert listed["dir"]["type"] == "tree"
        assert listed["dir/f.txt"]["size"] == 5
        blob = client.get(f"{API}/git/blobs/{listed['dir/f.txt']['sha']}").json()
        assert base64.b64decode(blob["content"]) == b"hello"
        top = client.get(f"{API}/git/trees/main").json()["tree"]
        assert [e["path"] for e in top] == ["dir"]


def test_trees_take_content_and_graft_subtrees(github_api: RunningFakeGitHub) -> None:
    github_api.state.commit("octo/prompts", "main", {"a/1": "one", "a/2": "two", "b": "bee"})
    with github_api.client() as client:
        commit = client.get(f"{API}/git/commits/{main_sha(github_api)}").json()
        tree = client.get(f"{API}/git/trees/{commit['tree']['sha']}").json()["tree"]
        sub = next(e["sha"] for e in tree if e["path"] == "a")
        entries = [
            {"path": "c/d", "mode": "100644", "type": "blob", "content": "dee"},
            {"path": "copy", "mode": "040000", "type": "tree", "sha": sub},
            {"path": "a", "mode": "040000", "type": "tree", "sha": None},
        ]
        made = client.post(
            f"{API}/git/trees", json={"base_tree": commit["tree"]["sha"], "tree": entries}
        )
        assert made.status_code == 201
        paths = {e["path"] for e in made.json()["tree"]}
        assert paths == {"b", "c", "copy"}
        bad = client.post(
            f"{API}/git/trees", json={"tree": [{"path": "x", "mode": "100644", "type": "blob"}]}
        )
        assert bad.status_code == 422


def test_object_ids_are_the_ones_git_computes(
    github_api: RunningFakeGitHub, tmp_path: Path
) -> None:
    files = {"prompts/a.yaml": "name: a\n", "prompts/z/b.yaml": "b\n", "prompts.txt": "x\n"}
    github_api.state.commit("octo/prompts", "main", files)
    with github_api.client() as client:
        commit = client.get(f"{API}/git/commits/{main_sha(github_api)}").json()
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=tmp_path, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    git("init", "-q")
    git("add", ".")
    assert git("write-tree") == commit["tree"]["sha"]


def test_contents_read_files_and_folders_at_a_ref(github_api: RunningFakeGitHub) -> None:
    github_api.state.commit("octo/prompts", "main", {"p/a.yaml": "a: 1\n", "p/q/b.yaml": "b"})
    github_api.state.add_branch("octo/prompts", "old", main_sha(github_api))
    github_api.state.commit("octo/prompts", "main", {"p/a.yaml": "a: 2\n"})
    with github_api.client() as client:
        now = client.get(f"{API}/contents/p/a.yaml").json()
        assert now["type"] == "file"
        assert now["encoding"] == "base64"
        assert base64.b64decode(now["content"]) == b"a: 2\n"
        before = client.get(f"{API}/contents/p/a.yaml", params={"ref": "old"}).json()
        assert base64.b64decode(before["content"]) == b"a: 1\n"
        assert before["sha"] != now["sha"]
        folder = client.get(f"{API}/contents/p").json()
        assert [(e["name"], e["type"]) for e in folder] == [("a.yaml", "file"), ("q", "dir")]
        for root in (f"{API}/contents", f"{API}/contents/"):
            assert [e["path"] for e in client.get(root).json()] == ["p"]
        assert client.get(f"{API}/contents/p/none.yaml").status_code == 404
        assert client.get(f"{API}/contents/p/a.yaml", params={"ref": "nope"}).status_code == 404


def test_contents_put_creates_updates_and_checks_the_sha(github_api: RunningFakeGitHub) -> None:
    github_api.state.add_branch("octo/prompts", "drift")
    with github_api.client() as client:
        url = f"{API}/contents/p/a.yaml"
        created = client.put(url, json={"message": "add", "content": b64("1"), "branch": "drift"})
        assert created.status_code == 201
        sha = created.json()["content"]["sha"]
        assert created.json()["commit"]["message"] == "add"
        again = client.put(url, json={"message": "x", "content": b64("2"), "branch": "drift"})
        assert again.status_code == 422
        assert "sha" in again.json()["message"]
        stale = {"message": "x", "content": b64("2"), "branch": "drift", "sha": "f" * 40}
        assert client.put(url, json=stale).status_code == 409
        update = {"message": "edit", "content": b64("2"), "branch": "drift", "sha": sha}
        updated = client.put(url, json=update)
        assert updated.status_code == 200
        assert updated.json()["commit"]["parents"][0]["sha"] == created.json()["commit"]["sha"]
        nowhere = {"message": "x", "content": b64("2"), "branch": "gone"}
        assert client.put(url, json=nowhere).status_code == 404
        assert client.put(url, json={"message": "x", "content": "%%%"}).status_code == 422
    assert github_api.state.files("octo/prompts", "drift") == {"p/a.yaml": "2"}
    assert github_api.state.files("octo/prompts", "main") == {}


def test_contents_delete_and_commit_authors(github_api: RunningFakeGitHub) -> None:
    github_api.state.commit("octo/prompts", "main", {"gone.txt": "x", "kept.txt": "y"})
    with github_api.client() as client:
        sha = client.get(f"{API}/contents/gone.txt").json()["sha"]
        author = {"name": "Ada", "email": "ada@example.com"}
        body = {"message": "rm", "sha": sha, "author": author}
        deleted = client.request("DELETE", f"{API}/contents/gone.txt", json=body)
        assert deleted.status_code == 200
        assert deleted.json()["content"] is None
        assert deleted.json()["commit"]["author"]["name"] == "Ada"
        assert deleted.json()["commit"]["committer"]["name"] == "github-actions[bot]"
    assert github_api.state.files("octo/prompts") == {"kept.txt": "y"}
