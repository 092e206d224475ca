import pytest
from django.urls import reverse

from yiyang.core.testing import build_county


@pytest.mark.django_db
def test_it_shows_the_registry_to_a_bureau_admin(client):
    county = build_county()
    client.force_login(county.users["admin"])
    response = client.get(reverse("elders:list"))
    assert response.status_code == 200
    content = response.content.decode()
    for elder in county.elders.values():
        assert elder.name in content
