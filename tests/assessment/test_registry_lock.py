"""Once an assessment is approved, the registry's capability level is the
assessment's: the edit page shows it read-only, and the API refuses another value."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.assessment.helpers import best
from tests.assessment.test_services import approved
from tests.fixtures import (  # noqa: F401
    api_fixture,
    api_payload,
    county_fixture,
    fields_of,
    form_post,
    page_form,
)

pytestmark = pytest.mark.django_db


def test_the_edit_page_shows_an_assessed_level_read_only_and_keeps_it(county, client):
    assessment = approved(county, answers=best(B_1_1=0, B_1_2=0, B_1_3=0))
    elder = county.elders["a1"]
    elder.refresh_from_db()
    assert elder.capability_level == assessment.level
    client.force_login(county.users["town"])
    page = client.get(reverse("elders:edit", args=[elder.pk]))
    field = page.context["form"]["capability_level"]
    assert field.field.disabled and assessment.assessed_on.isoformat() in str(field.help_text)
    select = re.search(r'<select name="capability_level"[^>]*>', page.content.decode()).group(0)
    assert " disabled" in select
    posted = page_form(page, "id_number")
    response = client.post(reverse("elders:edit", args=[elder.pk]), posted | {"notes": "复查"})
    assert response.status_code == 302
    elder.refresh_from_db()
    assert (elder.capability_level, elder.notes) == (assessment.level, "复查")


def test_a_forged_post_cannot_change_an_assessed_level(county, client):
    assessment = approved(county)
    elder = county.elders["a1"]
    elder.refresh_from_db()
    client.force_login(county.users["town"])
    other = 4 if assessment.level != 4 else 3
    response = client.post(reverse("elders:edit", args=[elder.pk]),
                           form_post(fields_of(elder) | {"capability_level": other},
                                     initial_contacts=1))
    elder.refresh_from_db()
    assert elder.capability_level == assessment.level
    assert response.status_code in (200, 302)


def test_the_api_refuses_another_level_for_an_assessed_elder(county, api):
    assessment = approved(county)
    elder = county.elders["a1"]
    elder.refresh_from_db()
    caller = api(county.users["town"])
    same = caller.put(f"/elders/{elder.pk}", api_payload(fields_of(elder)) | {"notes": "同级"})
    assert same.status_code == 200, same.content
    other = 4 if assessment.level != 4 else 3
    changed = caller.put(f"/elders/{elder.pk}",
                         api_payload(fields_of(elder)) | {"capability_level": other})
    assert changed.status_code == 400
    assert "capability_level" in changed.json()["errors"]
    elder.refresh_from_db()
    assert elder.capability_level == assessment.level


def test_an_unassessed_elder_keeps_an_editable_level(county, client):
    elder = county.elders["a2"]
    client.force_login(county.users["town"])
    page = client.get(reverse("elders:edit", args=[elder.pk]))
    assert not page.context["form"]["capability_level"].field.disabled
