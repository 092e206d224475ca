import pytest
from yiyang.core.testing import PASSWORD

pytestmark = pytest.mark.browser

def test_shots(page, url, county):
    d = "/tmp/shots/before/"
    page.goto(url("/login/"))
    page.screenshot(path=d + "login.png", full_page=True)
    page.fill("#id_username", "admin"); page.fill("#id_password", "wrong"); page.click("button[type=submit] >> nth=-1")
    page.screenshot(path=d + "login-error.png", full_page=True)
    page.fill("#id_username", "admin"); page.fill("#id_password", PASSWORD); page.click("form[method=post] button.w-100")
    page.wait_for_url("**/elders/")
    page.screenshot(path=d + "list.png", full_page=True)
    e = county.elders["a1"]
    page.goto(url(f"/elders/{e.pk}/"))
    page.screenshot(path=d + "detail.png", full_page=True)
    return_ = None
    page.goto(url(f"/elders/{e.pk}/status/"))
    page.goto(url(f"/elders/{e.pk}/status/"))
    page.screenshot(path=d + "status.png", full_page=True)
    page.goto(url("/regions/"))
    page.screenshot(path=d + "regions.png", full_page=True)
    page.goto(url("/audit/"))
    page.screenshot(path=d + "audit.png", full_page=True)
    page.goto(url("/elders/stats/"))
    page.screenshot(path=d + "stats.png", full_page=True)
    page.goto(url("/elders/999/"))
    page.screenshot(path=d + "404.png", full_page=True)
