"""What publish, get, list and the label routes mean: numbering, labels, filters, workspaces."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from promptsync.emulator import RunningEmulator, running_emulator
from promptsync.emulator.promptlayer.store import Store
from tests.emulator.promptlayer.wire import chat, get, labels, listing, publish, text_of

PL = RunningEmulator[Store]


def test_publish_never_deduplicates_and_numbers_per_template(pl: PL) -> None:
    with pl.client() as client:
        first = publish(client, "a", chat("same"))
        again = publish(client, "a", chat("same"))
        other = publish(client, "b", chat("same"))
        third = publish(client, "a", chat("same"))
    assert [r["version_number"] for r in (first, again, other, third)] == [1, 2, 1, 3]
    assert len({r["prompt_version_id"] for r in (first, again, other, third)}) == 4
    assert first["id"] == again["id"] == third["id"] != other["id"]


def test_latest_is_the_highest_version(pl: PL) -> None:
    with pl.client() as client:
        for text in ("one", "two", "three"):
            publish(client, "p", chat(text), labels=["prod"] if text == "one" else None)
        latest = get(client, "p")
        unlabelled = listing(client)["items"]
        prod = listing(client, label="prod")["items"]
    assert (latest["version"], text_of(latest["prompt_template"])) == (3, "three")
    assert [(i["version"], text_of(i["prompt_template"])) for i in unlabelled] == [(3, "three")]
    assert [(i["version"], text_of(i["prompt_template"])) for i in prod] == [(1, "one")]


def test_a_label_points_at_one_version_per_template(pl: PL) -> None:
    with pl.client() as client:
        publish(client, "p", chat("1"), labels=["prod", "staging"])
        publish(client, "p", chat("2"), labels=["staging"])
        publish(client, "q", chat("q1"), labels=["staging"])
        assert labels(client, "p") == {"prod": 1, "staging": 2}
        assert labels(client, "q") == {"staging": 1}
        label_id = client.get("/prompt-templates/p/labels").json()["release_labels"][0]
        assert label_id["release_label"] == "prod"
        moved = client.patch(
            f"/prompt-labels/{label_id['release_label_id']}", json={"prompt_version_number": 2}
        )
        assert moved.status_code == 200
        assert labels(client, "p") == {"prod": 2, "staging": 2}
        assert text_of(get(client, "p", label="prod")["prompt_template"]) == "2"


def test_publish_with_labels_moves_them_and_repeats_count_once(pl: PL) -> None:
    with pl.client() as client:
        publish(client, "p", chat("1"), labels=["prod"])
        second = publish(client, "p", chat("2"), labels=["prod", "prod", "dev"])
        assert second["release_labels"] == ["prod", "dev"]
        assert labels(client, "p") == {"prod": 2, "dev": 2}
        assert [
            r["release_label_id"]
            for r in client.get("/prompt-templates/p/labels").json()["release_labels"]
        ] == [1, 2]  # the prod label moved: same id


def test_create_label_on_an_older_version_then_delete_it(pl: PL) -> None:
    with pl.client() as client:
        created = publish(client, "p", chat("1"))
        publish(client, "p", chat("2"))
        made = client.post(
            f"/prompts/{created['id']}/label", json={"prompt_version_number": 1, "name": "prod"}
        ).json()
        assert labels(client, "p") == {"prod": 1}
        duplicate = client.post(
            f"/prompts/{created['id']}/label", json={"prompt_version_number": 2, "name": "prod"}
        )
        assert duplicate.status_code == 400
        assert "already exists" in duplicate.json()["message"]
        assert client.delete(f"/prompt-labels/{made['id']}").status_code == 204
        assert labels(client, "p") == {}
        gone = client.post("/prompt-templates/p", json={"label": "prod"})
        assert gone.status_code == 404
        assert listing(client, label="prod")["items"] == []
        assert client.delete(f"/prompt-labels/{made['id']}").status_code == 404


def test_identifier_is_a_name_or_an_id(pl: PL) -> None:
    with pl.client() as client:
        named = publish(client, "named", chat("by name"))
        numeric = publish(client, "12345", chat("a name of digits"))
        assert get(client, str(named["id"]))["prompt_name"] == "named"
        assert get(client, "12345")["prompt_name"] == "12345"  # no template has id 12345
        assert text_of(get(client, str(numeric["id"]))["prompt_template"]) == "a name of digits"
        assert labels(client, str(named["id"])) == {}


@pytest.mark.parametrize(
    "name", ["team/support reply", "ünïcødé ✓", "50% off", "a?b#c", "v1..final", "with%2Fpercent"]
)
def test_awkward_names_round_trip_when_encoded(pl: PL, name: str) -> None:
    with pl.client() as client:
        publish(client, name, chat("hi"), labels=["prod"])
        encoded = quote(name, safe="")
        assert get(client, encoded)["prompt_name"] == name
        assert labels(client, encoded) == {"prod": 1}
        assert [i["prompt_name"] for i in listing(client, name=name)["items"]] == [name]


def test_input_variables_fstring_and_jinja2(pl: PL) -> None:
    with pl.client() as client:
        publish(client, "f", chat("Hi {name}, {missing}!", "{{literal}} {n}"))
        publish(
            client,
            "j",
            chat("{{ name | upper }}{% if vip %} (vip){% endif %}", template_format="jinja2"),
        )
        fstring = get(client, "f", input_variables={"name": "Ann", "n": 3})["prompt_template"]
        jinja = get(client, "j", input_variables={"name": "bo", "vip": True})["prompt_template"]
        raw = get(client, "f", input_variables={"name": "x"}, skip_input_variable_rendering=True)
        broken = publish(client, "broken", chat("unbalanced {"))
        kept = get(client, "broken", input_variables={"a": "b"})["prompt_template"]
    assert (text_of(fstring), text_of(fstring, 1)) == ("Hi Ann, !", "{literal} 3")
    assert text_of(jinja) == "BO (vip)"
    assert text_of(raw["prompt_template"]) == "Hi {name}, {missing}!"
    assert text_of(kept) == text_of(broken["prompt_template"]) == "unbalanced {"


def test_tags_are_replaced_only_when_given(pl: PL) -> None:
    with pl.client() as client:
        assert publish(client, "p", tags=["a", "b"])["tags"] == ["a", "b"]
        assert publish(client, "p")["tags"] == ["a", "b"]
        assert publish(client, "p", tags=["c"])["tags"] == ["c"]
        publish(client, "q", tags=["a"])
        tagged = listing(client, tags=["c"])["items"]
        both = client.get("/prompt-templates", params=[("tags", "a"), ("tags", "c")]).json()
    assert [i["prompt_name"] for i in tagged] == ["p"]
    assert both["items"] == []


def test_list_filters_and_sorting(pl: PL) -> None:
    with pl.client() as client:
        for name in ("Support-Reply", "support_faq", "billing", "100%"):
            publish(client, name)
        by_name = listing(client, name="SUPPORT")["items"]
        wildcard = listing(client, name="_")["items"]
        percent = listing(client, name="%")["items"]
        ascending = listing(client, sort_by="name", sort_order="asc")["items"]
        oldest = listing(client, sort_by="created_at", sort_order="asc")["items"][0]
        deleted = listing(client, status="deleted")
        every = listing(client, status="all")
        snippets = listing(client, is_snippet=True)
        not_snippets = listing(client, is_snippet=False)
        by_email = listing(client, created_by_email="a@example.com")
        later = listing(client, created_after="2999-01-01T00:00:00Z")
        earlier = listing(client, created_before="2999-01-01T00:00:00")
        updated = listing(client, updated_after="2000-01-01T00:00:00+02:00")
        not_updated = listing(client, updated_before="2000-01-01T00:00:00Z")
    assert sorted(i["prompt_name"] for i in by_name) == ["Support-Reply", "support_faq"]
    assert [i["prompt_name"] for i in wildcard] == ["support_faq"]  # _ and % are literal
    assert [i["prompt_name"] for i in percent] == ["100%"]
    assert [i["prompt_name"] for i in ascending] == [
        "100%",
        "Support-Reply",
        "billing",
        "support_faq",
    ]
    assert oldest["prompt_name"] == "Support-Reply"
    assert (deleted["total"], every["total"]) == (0, 4)
    assert (snippets["total"], not_snippets["total"], by_email["total"]) == (0, 4, 0)
    assert (later["total"], earlier["total"]) == (0, 4)
    assert (updated["total"], not_updated["total"]) == (4, 0)


def test_external_ids(pl: PL) -> None:
    with pl.client() as client:
        ext = [{"source": "git", "external_id": "prompts/a.yaml"}]
        body = {
            "prompt_template": {"prompt_name": "a"},
            "prompt_version": {"prompt_template": chat("hi")},
            "external_ids": ext,
        }
        first = client.post("/rest/prompt-templates", json=body).json()
        again = client.post("/rest/prompt-templates", json=body).json()
        found = listing(client, external_source="git", external_id="prompts/a.yaml")["items"]
        conflict = client.post(
            "/rest/prompt-templates",
            json={**body, "prompt_template": {"prompt_name": "b"}},
        )
        half = client.get("/prompt-templates", params={"external_source": "git"})
    assert first["external_ids"] == again["external_ids"] == ext
    assert again["version_number"] == 2
    assert [(i["prompt_name"], i["external_ids"]) for i in found] == [("a", ext)]
    assert conflict.status_code == 409
    assert conflict.json()["success"] is False
    assert half.status_code == 400
    with pl.client() as client:
        assert [i["prompt_name"] for i in listing(client)["items"]] == ["a"]  # b was not made


def test_each_key_is_its_own_workspace() -> None:
    with running_emulator(backend="promptlayer", api_keys=["k1", "k2"]) as pl:
        one = pl.client()
        two = httpx.Client(base_url=pl.url, headers={"X-API-KEY": "k2"})
        mine = publish(one, "shared-name", chat("one's"), labels=["prod"])
        theirs = publish(two, "shared-name", chat("two's"))
        assert mine["id"] != theirs["id"]
        assert theirs["version_number"] == 1
        assert text_of(get(two, "shared-name")["prompt_template"]) == "two's"
        assert [i["id"] for i in listing(two)["items"]] == [theirs["id"]]
        assert two.post(f"/prompt-templates/{mine['id']}", json={}).status_code == 404
        label_id = one.get("/prompt-templates/shared-name/labels").json()["release_labels"][0]
        moved = two.patch(
            f"/prompt-labels/{label_id['release_label_id']}", json={"prompt_version_number": 1}
        )
        assert moved.status_code == 404
        assert (
            two.post(
                f"/prompts/{mine['id']}/label", json={"prompt_version_number": 1, "name": "x"}
            ).status_code
            == 404
        )
        raw = two.get("/prompt-templates/shared-name").json()
        assert (
            raw["workspace_id"] != one.get("/prompt-templates/shared-name").json()["workspace_id"]
        )
        one.close()
        two.close()
