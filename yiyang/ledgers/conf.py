"""Limits of ledger imports and exports (docs/ledgers.md says why these values)."""

from django.conf import settings

# An .xlsx of 200,000 rows and 20 columns is about 12 MB; 50 MB leaves room for
# formatting and notes while refusing what is clearly not a ledger.
MAX_UPLOAD_BYTES = getattr(settings, "YIYANG_LEDGER_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
MAX_ROWS = getattr(settings, "YIYANG_LEDGER_MAX_ROWS", 200_000)
# Cells without a length of their own (e.g. an unknown column's) are cut off here;
# a 10 MB cell is reported, not stored.
MAX_CELL_CHARS = 1000
PROBLEMS_PAGE_SIZE = 100
# Retention (docs/ledgers.md#retention): an import left undecided (or its interrupted
# write not run again) this many days expires and its rows are removed; a refused
# upload's file goes too. Error workbooks and exports are kept FILES_DAYS days.
UNDECIDED_DAYS = getattr(settings, "YIYANG_LEDGER_UNDECIDED_DAYS", 7)
FILES_DAYS = getattr(settings, "YIYANG_LEDGER_FILES_DAYS", 30)
# Problems kept per import: past this, a file is mostly wrong and a sample says enough.
MAX_PROBLEMS = 500_000
