"""Personal data: masks for display, encryption at rest, blind indexes."""

import base64
import datetime as dt
import hashlib
import hmac

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection
from django.urls import reverse

from tests.fixtures import county_fixture, raw_rows, raw_text  # noqa: F401
from yiyang.core import crypto
from yiyang.core.choices import AuditAction
from yiyang.core.models import AuditLog
from yiyang.core.testing import VILLAGE_A1, make_elder
from yiyang.elders.models import Elder, EmergencyContact
from yiyang.elders.services import ContactData
from yiyang.lib import masking

ID_NUMBER = "11010519491231002X"
PHONE = "13912348765"
ADDRESS = "东岭村三组十二号院"
CONTACT_PHONE = "13700002222"


# --- masks ------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "masked"), [
    ("110101199003074477", "110101********4477"),
    ("11010519491231002X", "110105********002X"),
    ("", ""),
])
def test_it_masks_an_id_number_keeping_region_and_last_four(value, masked):
    assert masking.mask_id_number(value) == masked


def test_it_hides_the_birth_date_in_a_masked_id_number():
    assert "19900307" not in masking.mask_id_number("110101199003074477")


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"),
    ("053112345678", "********5678"),
    ("1234", "****"),
    ("", ""),
])
def test_it_masks_a_phone_number(value, masked):
    assert masking.mask_phone(value) == masked


def test_it_masks_names_and_addresses():
    assert masking.mask_name("张静") == "张*"
    assert masking.mask_name("王秀英") == "王*英"
    assert masking.mask_address(ADDRESS) == "东岭村****"
    assert "十二号" not in masking.mask_address(ADDRESS)


# --- encryption at rest -----------------------------------------------------------------
@pytest.fixture
def elder(county):
    return make_elder(
        VILLAGE_A1, actor=county.users["town"], id_number=ID_NUMBER,
        birth_date=dt.date(1949, 12, 31), phone=PHONE, address=ADDRESS,
        contacts=[ContactData(name="李建国", relation="son", phone=CONTACT_PHONE)],
    )


def test_it_never_stores_personal_data_in_plain_text(elder):
    elder_table = raw_text("elders_elder")
    for plain in (ID_NUMBER, PHONE, ADDRESS, "19491231", "12348765"):
        assert plain not in elder_table
    assert CONTACT_PHONE not in raw_text("elders_emergencycontact")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_enc, phone_enc, address_enc, id_number_masked, "
                       "phone_masked FROM elders_elder WHERE id = %s", [elder.pk])
        id_enc, phone_enc, address_enc, id_masked, phone_masked = cursor.fetchone()
    assert id_enc.startswith("v1:") and phone_enc.startswith("v1:") and address_enc.startswith("v1:")
    assert (id_masked, phone_masked) == ("110105********002X", "139****8765")


def test_it_round_trips_sealed_fields(elder):
    fresh = Elder.objects.get(pk=elder.pk)
    assert (fresh.id_number, fresh.phone, fresh.address) == (ID_NUMBER, PHONE, ADDRESS)
    assert EmergencyContact.objects.get(elder=fresh).phone == CONTACT_PHONE


def test_it_finds_an_elder_by_the_blind_index(elder):
    assert list(Elder.objects.filter(id_number_hash=crypto.blind_index("id", ID_NUMBER))) == [elder]
    assert list(Elder.objects.filter(phone_hash=crypto.blind_index("phone", PHONE))) == [elder]
    assert not Elder.objects.filter(id_number_hash=crypto.blind_index("phone", ID_NUMBER)).exists()


def test_it_seals_the_same_value_differently_each_time():
    first, second = crypto.seal(PHONE), crypto.seal(PHONE)
    assert first != second
    assert crypto.unseal(first) == crypto.unseal(second) == PHONE
    assert crypto.seal("") == "" and crypto.unseal("") == ""


def test_it_refuses_a_tampered_ciphertext():
    version, _, payload = crypto.seal(PHONE).partition(":")
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(InvalidTag):
        crypto.unseal(f"{version}:{base64.b64encode(bytes(raw)).decode()}")


def test_it_cannot_read_or_find_data_under_another_key(settings):
    sealed, index = crypto.seal(ID_NUMBER), crypto.blind_index("id", ID_NUMBER)
    settings.YIYANG_DATA_KEY = crypto.generate_key()
    with pytest.raises(InvalidTag):
        crypto.unseal(sealed)
    assert crypto.blind_index("id", ID_NUMBER) != index


def test_it_keeps_plain_text_out_of_the_audit_log(elder, county, client):
    client.force_login(county.users["town"])
    for field in ("id_number", "phone", "address"):
        response = client.post(reverse("elders:reveal", args=[elder.pk, field]))
        assert response.status_code == 200
    assert AuditLog.objects.filter(action=AuditAction.REVEAL).count() == 3
    audit_table = raw_text("core_auditlog")
    assert "110105********002X" in audit_table  # the create entry holds the masked value
    for plain in (ID_NUMBER, PHONE, ADDRESS, CONTACT_PHONE):
        assert plain not in audit_table
    assert raw_rows("core_auditlog")


def test_it_shows_pages_masked_until_a_reveal(elder, county, client):
    client.force_login(county.users["town"])
    for url in (reverse("elders:detail", args=[elder.pk]), reverse("elders:list"),
                reverse("elders:list") + "?q=wxy"):
        html = client.get(url).content.decode()
        assert "110105********002X" in html and "139****8765" in html, url
        for plain in (ID_NUMBER, PHONE, ADDRESS, CONTACT_PHONE):
            assert plain not in html, (url, plain)
    assert AuditLog.objects.filter(action=AuditAction.REVEAL).count() == 0


def test_the_blind_index_is_hmac_sha256_so_stored_indexes_stay_valid():
    key = crypto._derive(b"blind-index")
    values = [("id", ID_NUMBER), ("phone", PHONE), ("phone", "０１０-１２３４５６７８"), ("id", "x" * 200)]
    for kind, value in values:
        expected = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]
        assert crypto.blind_index(kind, value) == expected
