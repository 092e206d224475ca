"""The audit log is append-only (in Django and in the database) and browsable by the bureau."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from tests.fixtures import county_fixture  # noqa: F401
from yiyang.core import audit
from yiyang.core.choices import AuditAction
from yiyang.core.models import AuditLog
from yiyang.elders import services


@pytest.fixture
def entry(county):
    return audit.record(AuditAction.EXPORT, actor=county.users["admin"], detail="原始记录")


def _unchanged(entry: AuditLog) -> bool:
    fresh = AuditLog.objects.filter(pk=entry.pk).values("action", "detail", "actor_name").get()
    return fresh == {"action": entry.action, "detail": "原始记录", "actor_name": "admin"}


# --- append-only in Django -----------------------------------------------------------------
def test_it_refuses_to_save_an_existing_entry(entry):
    entry.detail = "改过的记录"
    with pytest.raises(PermissionError):
        entry.save()
    entry.detail = "原始记录"
    assert _unchanged(entry)


def test_it_refuses_to_delete_an_entry(entry):
    with pytest.raises(PermissionError):
        entry.delete()
    assert _unchanged(entry)


@pytest.mark.parametrize("operation", [
    pytest.param(lambda qs: qs.update(detail="改过的记录"), id="update"),
    pytest.param(lambda qs: qs.delete(), id="delete"),
    pytest.param(lambda qs: AuditLog.objects.bulk_update(
        [AuditLog(pk=e.pk, detail="改过的记录") for e in qs], ["detail"]), id="bulk_update"),
])
def test_it_refuses_bulk_changes(entry, operation):
    for qs in (AuditLog.objects.filter(pk=entry.pk), AuditLog.objects.all()):
        with pytest.raises(PermissionError), transaction.atomic():
            operation(qs)
    assert _unchanged(entry)


# --- append-only in the database -----------------------------------------------------------
@pytest.mark.parametrize("statement", [
    "UPDATE core_auditlog SET detail = 'tampered' WHERE id = %s",
    "UPDATE core_auditlog SET actor_name = 'someone else' WHERE id = %s",
    "DELETE FROM core_auditlog WHERE id = %s",
])
def test_it_has_the_database_refuse_raw_sql_changes(entry, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    assert _unchanged(entry)


def test_it_has_the_database_refuse_emptying_the_log(entry):
    statement = ("TRUNCATE core_auditlog" if connection.vendor == "postgresql"
                 else "DELETE FROM core_auditlog")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    assert _unchanged(entry)


def test_it_still_appends(entry, county):
    before = AuditLog.objects.count()
    audit.record(AuditAction.EXPORT, actor=county.users["town"], detail="第二条")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM core_auditlog")
        assert cursor.fetchone()[0] == before + 1


# --- browsing ------------------------------------------------------------------------------
@pytest.fixture
def history(county):
    """Entries by two workers: an update and reveals by town, a reveal by town_b."""
    a1, b1 = county.elders["a1"], county.elders["b1"]
    services.reveal(a1, "phone", actor=county.users["town"])
    services.reveal(a1, "id_number", actor=county.users["town"])
    services.reveal(b1, "address", actor=county.users["town_b"])
    services.set_status(a1, "moved", on=dt.date.today(), reason="迁出", actor=county.users["town"])
    return county


def _rows(client, **params) -> list[tuple[str, str]]:
    response = client.get(reverse("audit"), params)
    assert response.status_code == 200
    return [(e.actor_name, e.action) for e in response.context["page"]]


def test_it_lets_the_bureau_admin_browse_and_filter_the_log(history, client):
    client.force_login(history.users["admin"])
    everything = _rows(client)
    assert len(everything) == AuditLog.objects.count()
    assert ("town_b", AuditAction.REVEAL) in everything
    assert _rows(client, action="reveal") == [
        ("town_b", "reveal"), ("town", "reveal"), ("town", "reveal")]
    assert _rows(client, user="town") == [("town", "status"), ("town", "reveal"), ("town", "reveal")]
    assert _rows(client, user="town", action="status") == [("town", "status")]
    assert _rows(client, user="town_b", action="status") == []
    a1 = history.elders["a1"]
    assert {a for _, a in _rows(client, object_id=str(a1.pk))} == {"create", "reveal", "status"}
    today = dt.date.today()
    assert len(_rows(client, date_from=today.isoformat(), date_to=today.isoformat())) == len(
        everything)
    assert _rows(client, date_to=(today - dt.timedelta(days=1)).isoformat()) == []
    page = client.get(reverse("audit"), {"action": "reveal"}).content.decode()
    assert "town_b" in page and a1.name in page


def test_it_pages_a_long_log(county, client):
    for i in range(55):
        audit.record(AuditAction.EXPORT, actor=county.users["admin"], detail=f"第{i}次")
    client.force_login(county.users["admin"])
    first = client.get(reverse("audit"), {"action": "export"}).context["page"]
    second = client.get(reverse("audit"), {"action": "export", "page": 2}).context["page"]
    assert (len(first), len(second)) == (50, 5)
    assert first[0].detail == "第54次" and second[-1].detail == "第0次"


@pytest.mark.parametrize("role", ["town", "town_b", "village", "operator", "provider"])
def test_it_hides_the_log_from_everyone_else(history, client, role):
    client.force_login(history.users[role])
    assert client.get(reverse("audit")).status_code == 404
    assert client.get(reverse("audit"), {"action": "reveal"}).status_code == 404
