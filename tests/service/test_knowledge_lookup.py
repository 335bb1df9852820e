"""``GET /knowledge/rules/{id}`` finds every id of every knowledge file (one shared index)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.knowledge.ids import FILES, ids_in
from tests.service.conftest import Server, make_token


@pytest.fixture(scope="module")
def reader(server: Server, admin: httpx.Client) -> Iterator[httpx.Client]:
    with server.client(make_token(admin, "read")) as c:
        yield c


@pytest.mark.parametrize("file", FILES)
def test_every_id_in_the_file_is_found(file: str, reader: httpx.Client) -> None:
    for rid in sorted(ids_in(file)):
        r = reader.get(f"/knowledge/rules/{rid}")
        assert r.status_code == 200, (rid, r.text)
        body = r.json()
        assert body["id"] == rid
        assert file in {m["file"] for m in body["matches"]}, rid
        assert all(m["kind"] and m["path"] for m in body["matches"])


def test_systemic_rule_is_found_with_its_kind(reader: httpx.Client) -> None:
    r = reader.get("/knowledge/rules/her2pos.post_neoadjuvant.tdm1")
    assert r.status_code == 200, r.text
    (match,) = r.json()["matches"]
    assert (match["file"], match["kind"]) == ("systemic/her2_positive.yaml", "rules")


def test_unknown_id_is_a_clean_404(reader: httpx.Client) -> None:
    r = reader.get("/knowledge/rules/no.such.rule")
    assert r.status_code == 404
    assert "no knowledge entry with id 'no.such.rule'" in r.text
