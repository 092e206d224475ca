"""A write that fails half-way leaves the registry as it was and can run again."""

import datetime as dt

import pytest

from tests.fixtures import use_fast_hashing
from tests.ledgers.helpers import ledger_row, upload, workbook_bytes
from yiyang.core.choices import RegionLevel
from yiyang.core.models import Region
from yiyang.core.testing import TOWN_A, VILLAGE_A1, build_county
from yiyang.elders.models import Elder, ElderCount, EmergencyContact
from yiyang.ledgers import services
from yiyang.ledgers.models import ImportBatch


@pytest.mark.django_db(transaction=True)
def test_a_write_failing_at_commit_writes_nothing_and_runs_again(settings):
    use_fast_hashing(settings)
    county = build_county()
    town = county.users["town"]
    new_village = Region.objects.create(code="372025100203", name="新村", level=RegionLevel.VILLAGE,
                                        parent_id=TOWN_A)
    rows = [ledger_row(f"甲{i}", born=dt.date(1940, 1, 1) + dt.timedelta(days=i), region=VILLAGE_A1)
            for i in range(30)] + [ledger_row("新村人", region=new_village.code)]
    batch = services.start_import(upload(workbook_bytes(rows)), actor=town)  # runs on commit
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.rows_valid == 31
    before = (Elder.objects.count(), EmergencyContact.objects.count(),
              sorted(ElderCount.objects.values_list("region_id", "key", "count")))

    new_village.delete()  # the village goes away between the check and the write
    services.decide(batch, "write_all", actor=town)  # the write job runs on commit and fails
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == "write_failed", batch.write_job.error
    assert (Elder.objects.count(), EmergencyContact.objects.count(),
            sorted(ElderCount.objects.values_list("region_id", "key", "count"))) == before

    Region.objects.create(code="372025100203", name="新村", level=RegionLevel.VILLAGE, parent_id=TOWN_A)
    services.write_again(batch, actor=town)
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == "written" and batch.created_count == 31
    assert Elder.objects.count() == before[0] + 31
