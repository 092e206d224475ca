"""Exports and downloads stream under the real ASGI server: the first lines leave
before the last ones are made (Django would otherwise read a synchronous iterator
whole into memory first), and the database cursor is read on the request's thread."""

from __future__ import annotations

import csv
import http.client
import io
import threading
import warnings
from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.asgi import serving
from yiyang.core.testing import build_county
from yiyang.elders import exports
from yiyang.elders.models import Elder

pytestmark = pytest.mark.django_db(transaction=True)


def _get(base: str, path: str, session: str) -> http.client.HTTPResponse:
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", path, headers={"Cookie": f"sessionid={session}"})
    return conn.getresponse()


def _session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_the_registry_csv_streams_its_first_lines_before_the_last_are_made(monkeypatch):
    county = build_county()
    made_after_first_read = threading.Event()
    real_lines = exports.csv_lines

    def lines_that_wait_for_the_reader(queryset):
        lines = real_lines(queryset)
        yield from lines  # the real export: header and the county's elders
        yield from ("\n" for _ in range(400))  # more than one slice (streaming.SLICE)
        # Buffered, this line would wait for a reader that has nothing yet: no answer.
        assert made_after_first_read.wait(10), "the reader got nothing before the end"
        yield "末行\n"

    monkeypatch.setattr(exports, "csv_lines", lines_that_wait_for_the_reader)
    with serving() as base, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = _get(base, "/elders/export.csv", _session_of(county.users["admin"]))
        assert response.status == 200
        first = response.read(200).decode("utf-8-sig")
        made_after_first_read.set()
        rest = response.read().decode("utf-8")

    rows = list(csv.reader(io.StringIO(first + rest)))
    assert rows[-1] == ["末行"]
    names = {row[0] for row in rows[1:] if row and row[0] != "末行"}
    assert names == set(Elder.objects.values_list("name", flat=True))
    assert not [w for w in caught if "must consume" in str(w.message)]


def test_a_job_file_downloads_whole_under_asgi(tmp_path):
    from django.core.files import File

    from yiyang.jobs.models import Job

    county = build_county()
    admin = county.users["admin"]
    payload = bytes(range(256)) * 4096  # 1 MB: many blocks, more than one slice
    job = Job.objects.create(owner=admin, kind="ledger_export", output_name="台账.xlsx")
    source = tmp_path / "out.xlsx"
    source.write_bytes(payload)
    with source.open("rb") as handle:
        job.output_file.save("out.xlsx", File(handle))

    with serving() as base, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = _get(base, f"/jobs/{job.pk}/download/", _session_of(admin))
        assert response.status == 200
        assert response.getheader("Content-Length") == str(len(payload))
        assert response.read() == payload
    assert not [w for w in caught if "must consume" in str(w.message)]
