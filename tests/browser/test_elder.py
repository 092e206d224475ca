"""One elder's page: masked data and reveal, history, editing, status, scoping."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import count_of, in_list_order, listed_names, log_out, zh
from yiyang.core.choices import AuditAction
from yiyang.core.models import AuditLog
from yiyang.core.testing import VILLAGE_A2
from yiyang.elders.choices import ElderStatus
from yiyang.elders.models import Elder
from yiyang.lib import idcard

pytestmark = pytest.mark.browser


def test_it_masks_personal_data_until_an_admin_reveals_it(page, county, login, shot):
    wang = county.elders["a1"]
    login("admin")
    page.get_by_role("link", name="王秀英").click()
    expect(page.get_by_test_id("elder-name")).to_have_text("王秀英")
    expect(page.get_by_test_id("elder-status")).to_have_attribute("data-status", "active")

    id_box = page.get_by_test_id("personal-id_number")
    expect(id_box.get_by_test_id("masked-id_number")).to_have_text(wang.id_number_masked)
    expect(page.get_by_test_id("masked-phone")).to_have_text(wang.phone_masked)
    expect(page.locator("main")).not_to_contain_text(wang.id_number)
    expect(page.locator("main")).not_to_contain_text(wang.phone)

    # The history lists the creation, by the admin who made the record.
    history = page.get_by_test_id("history-entry")
    expect(history).to_have_count(1)
    expect(history).to_have_attribute("data-action", "create")
    expect(history).to_contain_text(zh(AuditAction.CREATE.label))
    expect(history).to_contain_text("admin")
    shot("20-elder")

    id_box.get_by_test_id("reveal-id_number").click()
    expect(id_box).to_have_text(wang.id_number)
    expect(id_box.get_by_test_id("reveal-id_number")).to_have_count(0)
    expect(page.get_by_test_id("masked-phone")).to_have_text(wang.phone_masked)  # only the one
    shot("21-elder-revealed")

    reveal = AuditLog.objects.get(action="reveal")
    assert (reveal.actor_name, reveal.object_id, reveal.detail) == ("admin", str(wang.pk), "id_number")

    # After a reload the reveal is part of the history, in words.
    page.reload()
    expect(page.get_by_test_id("history-entry").first).to_have_attribute("data-action", "reveal")
    expect(page.get_by_test_id("history-entry").first).to_contain_text(zh("ID number"))
    expect(page.get_by_test_id("masked-id_number")).to_have_text(wang.id_number_masked)


def test_it_flags_a_wrong_id_number_next_to_the_field_and_saves_nothing(page, county, login, shot):
    wang = county.elders["a1"]
    before = Elder.objects.get(pk=wang.pk)
    updates_before = AuditLog.objects.filter(action="update").count()
    login("town")
    page.get_by_role("link", name="王秀英").click()
    page.get_by_test_id("edit-elder").click()
    expect(page.locator("#id_id_number")).to_have_value(wang.id_number)
    shot("22-edit")

    good = wang.id_number
    bad_check = "0" if good[-1] != "0" else "1"
    page.locator("#id_id_number").fill(good[:-1] + bad_check)  # wrong check digit
    page.locator("#id_notes").fill("这句备注不应保存")
    page.get_by_test_id("save").click()

    expect(page.get_by_test_id("form-errors")).to_be_visible()
    field = page.locator("[data-field=id_number]")
    error = field.get_by_test_id("error-id_number")
    expect(error).to_be_visible()
    expect(field.locator("#id_id_number")).to_have_attribute("aria-invalid", "true")
    expect(field.locator("#id_id_number")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_test_id("error-name")).to_have_count(0)  # only the ID is wrong
    # "Next to": right under the input, in the same column.
    box, err = field.locator("#id_id_number").bounding_box(), error.bounding_box()
    assert 0 <= err["y"] - (box["y"] + box["height"]) < 30
    assert abs(err["x"] - box["x"]) < 5
    # What the worker typed is kept for correcting.
    expect(page.locator("#id_notes")).to_have_value("这句备注不应保存")
    shot("23-edit-wrong-id")

    after = Elder.objects.get(pk=wang.pk)
    assert (after.id_number, after.notes, after.last_updated) == (
        before.id_number, before.notes, before.last_updated)
    assert AuditLog.objects.filter(action="update").count() == updates_before

    # Cancel goes back to the unchanged record.
    page.get_by_role("link", name=zh("Cancel")).click()
    expect(page.get_by_test_id("masked-id_number")).to_have_text(wang.id_number_masked)
    expect(page.locator("main")).not_to_contain_text("这句备注不应保存")


def test_it_saves_an_edit_and_the_history_says_it_in_words(page, county, login, shot):
    wang = county.elders["a1"]
    login("admin")
    page.goto(page.url.replace("/elders/", f"/elders/{wang.pk}/edit/"))
    page.locator("#id_economic_status").select_option("dibao")
    page.locator("#id_is_sanlao").check()
    page.get_by_test_id("save").click()

    expect(page.get_by_test_id("message")).to_be_visible()
    entry = page.get_by_test_id("history-entry").first
    expect(entry).to_have_attribute("data-action", "update")
    economic = entry.locator("[data-field=economic_status]")
    expect(economic).to_contain_text(zh(Elder._meta.get_field("economic_status").verbose_name).capitalize())
    expect(economic).to_contain_text(zh("Minimum living allowance (低保)"))
    expect(economic).not_to_contain_text("economic_status")
    expect(economic).not_to_contain_text("dibao")
    expect(entry.locator("[data-field=is_sanlao]")).to_contain_text("三老")
    shot("24-elder-after-edit")
    assert Elder.objects.get(pk=wang.pk).economic_status == "dibao"


def test_it_removes_an_emergency_contact_ticked_on_the_edit_page(page, county, login, shot):
    wang = county.elders["a1"]
    login("town")
    page.goto(page.url.replace("/elders/", f"/elders/{wang.pk}/edit/"))
    expect(page.get_by_test_id("remove-contact-2")).to_have_count(0)  # only saved rows
    page.get_by_test_id("remove-contact-1").click()
    shot("25-elder-remove-contact")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("message")).to_be_visible()
    expect(page.get_by_test_id("contacts")).not_to_contain_text("李建国")
    assert not wang.contacts.exists()


def test_it_takes_a_deceased_elder_off_the_active_list(page, county, login, shot):
    zhang = county.elders["a2"]
    login("admin")
    page.get_by_role("link", name="张建国").click()
    page.get_by_test_id("change-status").click()
    shot("25-status-form")
    page.locator("#id_status").select_option("deceased")
    page.locator("#id_date").fill("2026-11-02")
    page.locator("#id_reason").fill("病故，家属告知")
    page.get_by_test_id("save").click()

    badge = page.get_by_test_id("elder-status")
    expect(badge).to_have_attribute("data-status", "deceased")
    expect(badge).to_contain_text(zh(ElderStatus.DECEASED.label))
    expect(badge).to_contain_text("2026-11-02")
    expect(page.get_by_test_id("status-note")).to_contain_text("病故，家属告知")
    expect(page.get_by_test_id("history-entry").first).to_have_attribute("data-action", "status")
    expect(page.get_by_test_id("edit-elder")).to_be_visible()
    shot("26-elder-deceased")

    page.get_by_test_id("menu").get_by_role("link", name=zh("Elder registry")).click()
    expect(listed_names(page)).to_have_text(in_list_order(["李桂兰", "王秀英", "赵德明"]))
    expect(count_of(page)).to_have_attribute("data-count", "3")
    assert Elder.objects.get(pk=zhang.pk).status == "deceased"


def test_it_answers_404_when_a_town_worker_opens_another_towns_elder(page, url, county, login, shot):
    li = county.elders["b1"]  # 西河镇; the town worker works in 东岭镇
    login("town")
    for path in (f"/elders/{li.pk}/", f"/elders/{li.pk}/edit/", f"/elders/{li.pk}/status/"):
        response = page.goto(url(path))
        assert response.status == 404, path
        expect(page.get_by_test_id("not-found")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("李桂兰")
        expect(page.locator("body")).not_to_contain_text(li.id_number_masked)
    shot("27-not-found")
    # The page still has the menu: the worker can go on with their work.
    page.get_by_test_id("menu").get_by_role("link", name=zh("Elder registry")).click()
    expect(listed_names(page)).to_have_text(in_list_order(["张建国", "王秀英"]))
    assert not AuditLog.objects.filter(object_id=str(li.pk), actor_name="town").exists()




def test_it_adds_an_elder_with_one_emergency_contact(page, county, login, shot):
    number = idcard.make("372025", dt.date(1950, 6, 1), 123)  # odd sequence: a man
    login("town")
    page.get_by_test_id("add-elder").click()
    page.locator("#id_name").fill("孙福海")
    page.locator("#id_id_number").fill(number)
    page.locator("#id_sex").select_option("M")
    page.locator("#id_region").select_option(VILLAGE_A2)
    page.locator("#id_phone").fill("138 0000 2222")
    page.locator("#id_living_arrangement").select_option("empty_nest")
    page.locator("#id_contacts-0-name").fill("孙小红")
    page.locator("#id_contacts-0-relation").select_option("daughter")
    page.locator("#id_contacts-0-phone").fill("13900003333")
    shot("28-add-elder")
    page.get_by_test_id("save").click()  # contact rows 2 and 3 left empty

    expect(page.get_by_test_id("message")).to_contain_text("孙福海")
    expect(page.get_by_test_id("elder-name")).to_have_text("孙福海")
    expect(page.get_by_test_id("masked-id_number")).to_have_text(number[:6] + "*" * 8 + number[-4:])
    expect(page.get_by_test_id("contacts")).to_contain_text("孙小红")
    expect(page.get_by_test_id("history-entry")).to_have_attribute("data-action", "create")
    elder = Elder.objects.get(name="孙福海")
    assert elder.birth_date == dt.date(1950, 6, 1)  # taken from the ID number
    assert (elder.sex, elder.phone, elder.region_id) == ("M", "13800002222", VILLAGE_A2)
    assert [c.name for c in elder.contacts.all()] == ["孙小红"]


def test_a_village_worker_links_a_family_account_and_the_family_sees_the_elder(
        page, county, login, shot, url):
    login("village")
    page.get_by_role("link", name="王秀英").click()
    card = page.get_by_test_id("linked-accounts")
    expect(card).to_contain_text("尚未关联家属或志愿者账号")

    # A worker's account is refused, next to the field, and nothing is linked.
    card.get_by_label("账号用户名").fill("town")
    card.get_by_test_id("link-account").click()
    expect(page.get_by_test_id("error-username")).to_contain_text(
        "只有家属和志愿者的账号可以关联到老年人")
    expect(page.get_by_test_id("linked-account")).to_have_count(0)

    page.get_by_test_id("linked-accounts").get_by_label("账号用户名").fill("family")
    page.get_by_test_id("link-account").click()
    expect(page.get_by_test_id("message")).to_contain_text("family现在可以查看王秀英的档案")
    linked = page.get_by_test_id("linked-account")
    expect(linked).to_have_count(1)
    expect(linked).to_contain_text("家属")
    expect(page.get_by_test_id("history-entry").first).to_contain_text("关联账号")
    expect(page.get_by_test_id("history-entry").first).to_contain_text("family (family, 家属)")
    shot("25-elder-linked-account")

    # The family member now finds her in their own list, without the linking card.
    log_out(page)
    login("family")
    page.goto(url("/elders/"))
    expect(page.get_by_role("link", name="王秀英")).to_be_visible()
    page.get_by_role("link", name="王秀英").click()
    expect(page.get_by_test_id("elder-name")).to_have_text("王秀英")
    expect(page.get_by_test_id("linked-accounts")).to_have_count(0)

    # Unlinked again by the worker: the family member no longer sees her.
    log_out(page)
    login("village")
    page.get_by_role("link", name="王秀英").click()
    page.get_by_test_id("unlink-account").click()
    expect(page.get_by_test_id("linked-account")).to_have_count(0)
    log_out(page)
    login("family")
    page.goto(url("/elders/"))
    expect(page.get_by_role("link", name="张建国")).to_be_visible()
    expect(page.get_by_role("link", name="王秀英")).to_have_count(0)
