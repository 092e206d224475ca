import pytest
from django.urls import reverse
from yiyang.core.testing import build_county
@pytest.mark.django_db
@pytest.mark.parametrize("name", ["elders:list", "elders:stats", "regions", "audit", "login", "elders:detail", "region"])
def test_x(client, name):
    c = build_county()
    if name != "login":
        client.force_login(c.users["admin"])
    args = [c.elders["a1"].pk] if name == "elders:detail" else (["372025100000"] if name == "region" else [])
    r = client.get(reverse(name, args=args))
    assert r.status_code == 200
    print(r["Content-Security-Policy"])
