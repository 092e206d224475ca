import csv
import io

import pytest
from django.urls import reverse

from yiyang.core.models import AuditLog
from yiyang.core.testing import build_county


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
def test_it_exports_the_filtered_list_masked_and_audits_it(client):
    county = build_county()
    client.force_login(county.users["town"])
    response = client.get(reverse("elders:export"), {"sex": "F"})
    assert response.status_code == 200
    rows = _rows(response)
    names = [r[0] for r in rows[1:]]
    assert names == ["王秀英"]  # town A's women only: 张建国 is male, town B is out of scope
    elder = county.elders["a1"]
    assert all(elder.id_number not in cell and elder.phone not in cell for cell in rows[1])
    assert rows[1][3] == elder.id_number_masked and "*" in rows[1][3]
    entry = AuditLog.objects.get(action="export")
    assert entry.actor == county.users["town"]
    assert entry.changes == {"filters": {"sex": "F"}, "rows": 1}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["operator", "caregiver", "family", "volunteer", "provider"])
def test_it_refuses_export_to_roles_without_it(client, role):
    county = build_county()
    client.force_login(county.users[role])
    assert client.get(reverse("elders:export")).status_code == 404
    assert not AuditLog.objects.filter(action="export").exists()
