import pytest
from django.core.management import call_command
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


def test_bench_help_lists_every_bench(capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("bench", "--help")
    assert exit_.value.code == 0
    listing = capsys.readouterr().out
    for name in ("registry", "import", "dashboard", "services", "alarms", "escalation"):
        assert f"\n    {name} " in listing
    assert "(1% faulty rows)" in listing
