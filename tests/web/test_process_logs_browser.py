"""In Chromium: the Kabid goes from the SOP page to its log, picks a semester and the CSV, and downloads it."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from web_helpers import BROWSER_MARKS, chromium, gjr_01_data, open_task, served, start_network_case, watched_tab

pytestmark = BROWSER_MARKS


def test_the_kabid_downloads_a_semesters_log_from_the_sop_page(alur, app):
    case_id = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case_id).task_id, "pengguna_jaringan", gjr_01_data(alur))
    with served(app) as base, chromium() as browser:
        page = watched_tab(browser, accept_downloads=True)
        page.goto(f"{base}/masuk")
        page.fill("#username", "pejabat_administrator_tik")
        page.fill("#password", "demo-pejabat_administrator_tik")
        page.click("form button[type=submit]")
        page.wait_for_url(f"{base}/kotak-masuk")
        page.goto(f"{base}/proses/sop_gangguan_jaringan")
        page.click("text=Ekspor log proses")
        page.click("text=Semester II 2026")  # the clock's year: the dates are filled in
        assert page.input_value("#l-dari") == "2026-07-01" and page.input_value("#l-sampai") == "2026-12-31"
        page.check("input[name=format][value=csv]")
        page.check("input[name=nama]")  # the Kabid supervises the roles of this SOP's steps
        with page.expect_download() as download:
            page.click("button:has-text('Unduh log')")
        path = download.value.path()
        assert download.value.suggested_filename == "sop_gangguan_jaringan_2026-07-01_2026-12-31.csv"
        rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
        assert [int(r["case_id"]) for r in rows] == [case_id, case_id]  # GJR-01 done, GJR-02a waiting
        done = rows[0]
        # names were asked for, but the requester's step is no role the Kabid supervises: a pseudonym
        assert (done["element_id"], done["state"]) == ("gjr_01", "completed")
        assert re.fullmatch(r"p-[0-9a-f]{16}", done["resource"])
        assert page.console_errors == []
