"""The JSON API: every endpoint, with allowed, refused (403) and bad-input (422) cases."""

from __future__ import annotations

from typing import Any

from commons_core.model import HouseholdStatus

# An ID number of 1990-01-01, male, with a right check digit, and the same with a wrong one.
GOOD_ID = "110105199001010010"
BAD_ID = "110105199001010011"


def registration(number: str = "T-001", id_number: str = GOOD_ID) -> dict[str, Any]:
    return {
        "household": {"household_no": number, "address": "文化路 1 号"},
        "members": [
            {
                "name": "张三",
                "gender": "男",
                "birth_date": "1990-01-01",
                "id_number": id_number,
                "phone": "13812345678",
            }
        ],
    }


def test_openapi_document_describes_the_api(site: Any) -> None:
    client = site.client("cadre")
    document = client.get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert "/api/v1/session" in paths
    assert "/api/v1/communities/{community_id}/households/{household_id}" in paths
    assert "/api/v1/communities/{community_id}/audit" in paths
    assert not any(p.startswith("/c/") or p == "/login" for p in paths), "pages stay out"
    assert "Household" in str(document["components"]["schemas"])


def test_login_logout_and_wrong_password(site: Any) -> None:
    client = site.client()
    assert client.get("/api/v1/session").status_code == 401
    wrong = site.login(client, "cadre", "not-the-password")
    assert wrong.status_code == 401
    assert wrong.json()["zh"]
    assert wrong.json()["en"]
    assert site.login(client, "nobody").status_code == 401
    me = site.login(client, "grid-worker")
    assert me.status_code == 201
    assert me.json()["scope"] == "zone"
    assert client.get("/api/v1/session").json()["username"] == "grid-worker"
    assert client.delete("/api/v1/session", headers=site.csrf(client)).status_code == 204
    assert client.get("/api/v1/session").status_code == 401


def test_changes_need_the_csrf_token(site: Any) -> None:
    client = site.client("cadre")
    response = client.post(site.api("/households"), json=registration())
    assert response.status_code == 403
    assert "CSRF" in response.json()["en"]


def test_communities_in_scope(site: Any) -> None:
    found = site.client("clerk").get("/api/v1/communities").json()
    assert [c["id"] for c in found] == [str(site.community_id)]


def test_overview_per_role(site: Any) -> None:
    cadre = site.client("cadre").get(site.api("/overview")).json()
    assert cadre["summary"]["households"] == 40
    assert cadre["summary"]["party_members"] > 0
    assert (
        sum(b["male"] + b["female"] for b in cadre["age_pyramid"]) == cadre["summary"]["residents"]
    )
    assert sum(e["residents"] for e in cadre["ethnicities"]) == cadre["summary"]["residents"]
    clerk = site.client("clerk").get(site.api("/overview")).json()
    assert clerk["summary"]["party_members"] is None, "a clerk may not list party members"
    zone = site.client("grid-worker").get(site.api("/overview")).json()
    assert zone["summary"]["households"] == len(site.households_in(site.zone_one.id))


def test_household_list_search_and_paging(site: Any) -> None:
    cadre = site.client("cadre")
    first = cadre.get(site.api("/households"), params={"per_page": 15}).json()
    assert first["total"] == 40
    assert len(first["items"]) == 15
    third = cadre.get(site.api("/households"), params={"per_page": 15, "page": 3}).json()
    assert len(third["items"]) == 10
    row = first["items"][0]
    assert row["head_name"]
    assert row["members"] >= 1
    assert row["household"]["statuses"] is None, "special statuses are masked in lists"
    by_head = cadre.get(site.api("/households"), params={"q": row["head_name"]}).json()
    assert row["household"]["id"] in [r["household"]["id"] for r in by_head["items"]]
    zone = site.client("grid-worker").get(site.api("/households"), params={"per_page": 500}).json()
    assert zone["total"] == len(site.households_in(site.zone_one.id))
    assert {r["household"]["grid_zone_id"] for r in zone["items"]} == {str(site.zone_one.id)}
    bad = cadre.get(site.api("/households"), params={"page": 0})
    assert bad.status_code == 400


def test_household_detail_masks_and_reveals(site: Any) -> None:
    home = site.households_in(site.zone_one.id)[0]
    cadre = site.client("cadre")
    masked = cadre.get(site.api(f"/households/{home.id}")).json()
    assert masked["revealed"] is False
    assert masked["household"]["statuses"] is None
    ids = [m["id_number"] for m in masked["members"] if m["id_number"]]
    assert ids
    assert all("*" in i for i in ids)
    shown = cadre.get(site.api(f"/households/{home.id}"), params={"reveal": "true"}).json()
    assert shown["revealed"] is True
    assert shown["household"]["statuses"] is not None
    assert all("*" not in (m["id_number"] or "") for m in shown["members"])
    trail = site.client("auditor").get(site.api("/audit"), params={"entity": "resident"}).json()
    assert any(e["action"] == "reveal" and e["actor"] == "cadre" for e in trail)
    clerk = site.client("clerk")
    assert clerk.get(site.api(f"/households/{home.id}")).json()["household"]["statuses"] is None
    refused = clerk.get(site.api(f"/households/{home.id}"), params={"reveal": "true"})
    assert refused.status_code == 403


def test_out_of_scope_looks_absent(site: Any) -> None:
    worker = site.client("grid-worker")
    elsewhere = site.household_elsewhere()
    assert worker.get(site.api(f"/households/{elsewhere.id}")).status_code == 404
    member = next(r for r in site.data.residents if r.household_id == elsewhere.id)
    assert worker.get(site.api(f"/residents/{member.id}")).status_code == 404
    assert site.client("cadre").get(site.api(f"/residents/{member.id}")).status_code == 200


def test_register_household(site: Any) -> None:
    cadre = site.client("cadre")
    created = cadre.post(site.api("/households"), json=registration(), headers=site.csrf(cadre))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["household"]["community_id"] == str(site.community_id)
    # The answer is masked as a read is; the stored value is the one sent.
    assert body["members"][0]["id_number"] != GOOD_ID
    assert "*" in body["members"][0]["id_number"]
    stored = cadre.get(site.api(f"/residents/{body['members'][0]['id']}"), params={"reveal": "1"})
    assert stored.json()["id_number"] == GOOD_ID
    assert cadre.get(site.api("/households")).json()["total"] == 41


def test_register_household_bad_input_is_422_with_paths(site: Any) -> None:
    cadre = site.client("cadre")
    bad = registration(id_number=BAD_ID)
    bad["members"][0]["birth_date"] = "1990-13-01"
    bad["household"]["colour"] = "red"
    response = cadre.post(site.api("/households"), json=bad, headers=site.csrf(cadre))
    assert response.status_code == 422
    problems = {p["path"]: p for p in response.json()["problems"]}
    assert "members[0].birth_date" in problems
    assert "household.colour" in problems
    assert problems["household.colour"]["code"] == "unknown_field"
    only_id = cadre.post(
        site.api("/households"), json=registration(id_number=BAD_ID), headers=site.csrf(cadre)
    )
    assert only_id.status_code == 422
    [problem] = only_id.json()["problems"]
    assert problem["path"] == "members[0].id_number"
    assert problem["zh"] == "校验码错误"
    assert problem["en"] == "check digit is wrong"
    assert cadre.get(site.api("/households")).json()["total"] == 40, "nothing half-written"


def test_register_household_refused_for_clerk(site: Any) -> None:
    clerk = site.client("clerk")
    response = clerk.post(site.api("/households"), json=registration(), headers=site.csrf(clerk))
    assert response.status_code == 403
    assert "household:create" in response.json()["en"]


def test_update_household_keeps_masked_statuses_and_detects_conflicts(site: Any) -> None:
    home = site.households_in(site.zone_one.id)[0]
    worker = site.client("grid-worker")
    url = site.api(f"/households/{home.id}")
    before = worker.get(url).json()["household"]
    changed = worker.put(
        url, json={"room": "9-901", "version": before["version"]}, headers=site.csrf(worker)
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["room"] == "9-901"
    shown = site.client("cadre").get(url, params={"reveal": "true"}).json()["household"]
    assert set(shown["statuses"]) == {s.value for s in home.statuses}, "masked value kept"
    stale = worker.put(
        url, json={"room": "1", "version": before["version"]}, headers=site.csrf(worker)
    )
    assert stale.status_code == 409
    bad = worker.put(
        url,
        json={"household_type": "castle", "version": before["version"] + 1},
        headers=site.csrf(worker),
    )
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["path"] == "household_type"
    clerk = site.client("clerk")
    refused = clerk.put(url, json={"room": "2", "version": 1}, headers=site.csrf(clerk))
    assert refused.status_code == 403


def test_grid_worker_cannot_move_a_household_out_of_their_zone(site: Any) -> None:
    home = site.households_in(site.zone_one.id)[0]
    other = next(z for z in site.data.grid_zones if z.id != site.zone_one.id)
    worker = site.client("grid-worker")
    response = worker.put(
        site.api(f"/households/{home.id}"),
        json={"grid_zone_id": str(other.id), "version": home.version},
        headers=site.csrf(worker),
    )
    assert response.status_code in (403, 422)


def test_add_member(site: Any) -> None:
    home = site.households_in(site.zone_one.id)[0]
    worker = site.client("grid-worker")
    url = site.api(f"/households/{home.id}/members")
    member = {
        "name": "张小三",
        "gender": "男",
        "birth_date": "1990-01-01",
        "relation_to_head": "子女",
    }
    created = worker.post(url, json={**member, "id_number": GOOD_ID}, headers=site.csrf(worker))
    assert created.status_code == 201, created.text
    assert created.json()["household_id"] == str(home.id)
    assert "*" in created.json()["id_number"], "the answer is masked as a read is"
    cadre = site.client("cadre")
    stored = cadre.get(site.api(f"/residents/{created.json()['id']}"), params={"reveal": "1"})
    assert stored.json()["id_number"] == GOOD_ID
    bad = worker.post(url, json={**member, "phone": "12"}, headers=site.csrf(worker))
    assert bad.status_code == 422
    assert [p["path"] for p in bad.json()["problems"]] == ["phone"]
    clerk = site.client("clerk")
    assert clerk.post(url, json=member, headers=site.csrf(clerk)).status_code == 403


def test_update_resident_keeps_masked_id_and_checks_rules(site: Any) -> None:
    person = next(r for r in site.data.residents if r.id_number and r.phone)
    cadre = site.client("cadre")
    url = site.api(f"/residents/{person.id}")
    masked = cadre.get(url).json()
    assert masked["id_number"] != person.id_number
    assert "*" in masked["id_number"]
    changed = cadre.put(url, json={**masked, "name": "改名"}, headers=site.csrf(cadre))
    assert changed.status_code == 200, changed.text
    revealed = cadre.get(url, params={"reveal": "true"}).json()
    assert revealed["name"] == "改名"
    assert revealed["id_number"] == person.id_number, "the masked value sent back was not stored"
    wrong_birth = cadre.put(
        url,
        json={"birth_date": "1901-02-03", "version": revealed["version"]},
        headers=site.csrf(cadre),
    )
    assert wrong_birth.status_code == 422
    assert any(
        "birth" in p["path"] or "id_number" in p["path"] for p in wrong_birth.json()["problems"]
    )
    health = site.client("health-worker")
    assert health.put(url, json={"name": "x"}, headers=site.csrf(health)).status_code == 403


def test_audit_trail_for_auditors_only(site: Any) -> None:
    auditor = site.client("auditor")
    entries = auditor.get(site.api("/audit"), params={"limit": 5}).json()
    assert len(entries) == 5
    assert entries[0]["seq"] > entries[-1]["seq"], "newest first"
    assert auditor.get(site.api("/audit"), params={"since": "yesterday"}).status_code == 400
    for username in ("clerk", "grid-worker", "health-worker"):
        assert site.client(username).get(site.api("/audit")).status_code == 403, username


def test_reports(site: Any) -> None:
    clerk = site.client("clerk")
    names = [r["name"] for r in clerk.get("/api/v1/reports").json()]
    assert "community-summary" in names
    result = clerk.get(site.api("/reports/community-summary")).json()
    assert result["data"]["households"] == 40
    assert clerk.get(site.api("/reports/no-such-report")).status_code == 404


def test_resident_self_service_sees_only_their_household(site: Any) -> None:
    me = site.client("resident")
    found = me.get(site.api("/households")).json()
    assert found["total"] == 1
    [row] = found["items"]
    detail = me.get(site.api(f"/households/{row['household']['id']}"), params={"reveal": "true"})
    assert detail.status_code == 200
    statuses = detail.json()["household"]["statuses"]
    assert statuses is not None
    assert set(statuses) <= {s.value for s in HouseholdStatus}
