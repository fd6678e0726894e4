"""The official SOP document (PermenPAN-RB 35/2012) of each deployed SOP prints the SOP as issued:
its own step sentences, numbering, mutu baku and identity text, the narrative sections, a signature
block and the logo, correct page numbers, one column per lane; the model's notes only in the
"Catatan pemodelan" appendix, which can be left out."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html as lxml_html

from engine.config import sop_logo_from_env
from engine.modeling.roles import RoleCatalog
from engine.sop.document import build_document
from engine.sop.render import DocumentRenderError, Organisation, SopDocuments, html_to_pdf, render_html

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "bpmn_authoring"))
import sop_official  # noqa: E402

SOPS = list(sop_official.OFFICIAL)
# What only a modelling note says; none of it may appear in the official part.
NOTE_MARKERS = ("Tertulis", "tertulis '", "Tidak tercantum", "tidak tercantum", "disimpulkan", "dipakai bersama",
                "Catatan pemodelan", "CATATAN PEMODELAN", "BPMN")
ONE_PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2d4a6"
    "c40000000049454e44ae426082")


def norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def text_of(element) -> str:
    return norm(element.text_content())


@pytest.fixture(scope="module")
def roles() -> RoleCatalog:
    return RoleCatalog.load(ROOT / "processes" / "roles.toml")


def document_of(process_key: str, roles: RoleCatalog):
    return build_document((ROOT / "processes" / f"{process_key}.bpmn").read_bytes(), roles, 1)


def official_part(page) -> str:
    """The text of everything but the appendix."""
    return " ".join(el.text_content() for el in page.xpath("//section[not(@id='catatan-pemodelan')]"))


@pytest.mark.parametrize("process_key", SOPS)
def test_rows_print_the_sops_own_steps_numbers_and_mutu_baku(sop_alur, process_key):
    sop_alur.deployer.deploy_file(ROOT / "processes" / f"{process_key}.bpmn", "pemilik", "versi awal")
    page = lxml_html.fromstring(SopDocuments(sop_alur.sessions, sop_alur.roles).html(process_key, 1))
    sop = sop_official.OFFICIAL[process_key]
    rows = page.xpath("//tr[@class='step']")
    assert len(rows) == len(sop.steps)  # one row per SOP step: SOP-03 prints 10, not 12
    lane_of_task = {}
    for lane in page.xpath("(//table[@class='flow'])[1]//th[@class='lane']"):
        lane_of_task.update({lane.get("data-lane"): lane})
    for row, step in zip(rows, sop.steps, strict=True):
        cells = {name: text_of(row.xpath(f"./td[@class='{name}']")[0])
                 for name in ("no", "kegiatan", "kelengkapan", "waktu", "output", "keterangan")}
        assert cells["no"] == (step.nomor or str(step.langkah))
        assert cells["kegiatan"] == norm(step.uraian)  # the sentence, and nothing of the model's
        assert (cells["kelengkapan"], cells["waktu"], cells["output"]) == (
            norm(step.kelengkapan), norm(step.waktu), norm(step.output))
        assert cells["keterangan"] == ""
        assert row.get("data-nodes").split() == list(step.tasks)
        symbols = row.xpath(".//*[contains(@class, 'symbol ') and not(contains(@class, 'connector'))]")
        assert len(symbols) == len(step.tasks)  # a split step: one row, both performers' symbols
        assert len(row.get("data-lanes").split()) == len(step.tasks)
        assert all(t.text == str(step.langkah) for t in row.xpath(".//*[@class='symbol-text']"))
    official = official_part(page)
    for marker in NOTE_MARKERS:
        assert marker not in official, marker
    assert not re.search(r"\b[A-Z]{3}-\d{2}", official)  # no model step codes


@pytest.mark.parametrize("process_key", SOPS)
def test_identity_narrative_and_signature_are_as_written(roles, process_key):
    sop = sop_official.OFFICIAL[process_key]
    page = lxml_html.fromstring(render_html(document_of(process_key, roles)))
    fields = {el.get("data-field"): el for el in page.xpath("//*[@data-field]")}
    assert text_of(fields["nama_sop"]) == norm(sop.nama_sop)
    for key in ("nomor_sop", "tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif"):
        assert text_of(fields[key]) == norm(getattr(sop, key)), key
    for key in sop_official.IDENTITY_LISTS:
        assert [norm(p.text_content()) for p in fields[key].xpath("./p")] == [norm(i) for i in getattr(sop, key)]
    assert "waktu_pelaksanaan" not in fields and "penanggung_jawab" not in fields  # rows the SOP does not have
    sign = {el.get("data-sign"): el for el in fields["disahkan_oleh"].xpath(".//*[@data-sign]")}
    assert set(sign) == {"tempat-tanggal", "jabatan", "ruang-tanda-tangan", "nama", "nip"}
    assert text_of(sign["tempat-tanggal"]).startswith("samarinda,")
    assert text_of(sign["nip"]).startswith("nip.")
    assert text_of(sign["jabatan"]) == norm(sop.disahkan_jabatan)
    assert sign["nama"].xpath("./u")  # the name underlined, above the NIP
    if sop.disahkan_nama:
        assert text_of(sign["nama"]) == norm(sop.disahkan_nama) and text_of(sign["nip"]) == norm(
            f"NIP. {sop.disahkan_nip}")
    headings = [text_of(h) for h in page.xpath("//section[@id='uraian']/h3")]
    assert headings == [norm(s.judul) for s in sop.sections]
    narrative = text_of(page.xpath("//section[@id='uraian']")[0]) if sop.sections else ""
    for section in sop.sections:
        for block in section.isi:
            for line in [block] if isinstance(block, str) else block:
                assert norm(line) in narrative
    kop = text_of(page.xpath("//td[@class='kop']")[0])
    assert kop.count("bidang teknologi informasi dan komunikasi") == 1  # the unit is named once
    assert kop.count("dinas komunikasi dan informatika") == 1


def test_a_correction_is_not_silent(roles):
    """The SOP's 'Permenkominfo Nomor 14 Tahun 2006' stays as written; the model's 2016 is an appendix note."""
    page = lxml_html.fromstring(render_html(document_of("sop_gangguan_database", roles)))
    assert "Permenkominfo Nomor 14 Tahun 2006" in official_part(page)
    assert "Tahun 2016" not in page.xpath("//section[@id='uraian']")[0].xpath("string(./p[last()-2])")
    appendix = page.xpath("//section[@id='catatan-pemodelan']")[0]
    assert "2016" in appendix.xpath("string(.//*[@data-note-field='penanggung_jawab'])")
    assert "dicetak sebagaimana tertulis" in appendix.text_content()


@pytest.mark.parametrize("process_key", SOPS)
def test_appendix_holds_every_modelling_note_and_can_be_left_out(roles, process_key):
    document = document_of(process_key, roles)
    page = lxml_html.fromstring(render_html(document))
    appendix = page.xpath("//section[@id='catatan-pemodelan']")
    assert len(appendix) == 1
    steps = {tr.get("data-step"): text_of(tr) for tr in appendix[0].xpath(".//tr[@data-step]")}
    sop = sop_official.OFFICIAL[process_key]
    assert len(steps) == sum(len(s.tasks) for s in sop.steps)
    for note in document.notes.steps:
        for text in note.notes:
            assert norm(text) in steps[note.step_code]
    for step in sop.steps:
        if step.catatan:
            assert any(norm(step.catatan) in text for text in steps.values())
    for line in sop.catatan:
        assert norm(line) in text_of(appendix[0])
    bare = lxml_html.fromstring(render_html(document, include_notes=False))
    assert not bare.xpath("//section[@id='catatan-pemodelan']")


def test_split_steps_keep_their_ya_tidak_arrows_and_loop_targets(roles):
    document = document_of("sop_gangguan_jaringan", roles)
    number = [row.number for row in document.rows]
    arrows = {(number[e.source], number[e.target], e.label) for e in document.edges}
    assert ("7", "8", "Tidak") in arrows and ("7", "9", "Ya") in arrows
    assert ("8", "4", "Tidak") in arrows and ("8", "9", "Ya") in arrows  # "kembali pada proses 4"
    assert [row.symbol for row in document.rows].count("terminator") == 2


@pytest.mark.parametrize("process_key", SOPS)
def test_flowchart_uses_the_five_symbols_and_one_column_per_lane(roles, process_key):
    document = document_of(process_key, roles)
    page = lxml_html.fromstring(render_html(document))
    flow = page.xpath("//table[@class='flow']//svg")
    count = lambda cls: sum(len(svg.xpath(f".//*[contains(@class, 'symbol {cls}')]")) for svg in flow)  # noqa: E731
    assert count("terminator") == 2  # the first and the last step
    assert count("decision") == sum(1 for r in document.rows if r.symbol == "decision")
    assert count("terminator") + count("decision") + count("activity") == sum(
        len(s.tasks) for s in sop_official.OFFICIAL[process_key].steps)
    arrows = sum(len(svg.xpath(".//*[@class='arrowhead']")) for svg in flow)
    inner = sum(len(r.symbol_columns) - 1 for r in document.rows)
    assert arrows == len(document.edges) + inner
    labels = [t.text for svg in flow for t in svg.xpath(".//*[@class='flow-label']")]
    assert labels.count("Ya") == labels.count("Tidak") == count("decision")
    for table in page.xpath("//table[@class='flow']"):
        lanes = table.xpath(".//th[@class='lane']")
        assert [norm(th.text_content()) for th in lanes] == [norm(p.name) for p in document.pelaksana]
        assert all(th.text_content().strip() for th in table.xpath(".//th"))  # no empty, unlabelled column
        assert len(table.xpath("./colgroup/col")) == 2 + len(document.pelaksana) + 4
    legend = page.xpath("//div[@class='legend']")[0]
    assert len(legend.xpath(".//svg")) == 5 and "segi lima" in text_of(legend)


def test_logo_from_the_instance_folder_or_none(roles, tmp_path, monkeypatch):
    document = document_of("sop_pemeliharaan_akses_dc", roles)
    monkeypatch.delenv("ALUR_SOP_LOGO", raising=False)
    assert sop_logo_from_env(tmp_path) is None
    page = lxml_html.fromstring(render_html(document, Organisation(logo=sop_logo_from_env(tmp_path))))
    assert not page.xpath("//img[@class='logo']")  # no logo: the kop prints without one
    (tmp_path / "sop_logo.png").write_bytes(ONE_PIXEL_PNG)
    logo = sop_logo_from_env(tmp_path)
    assert logo == tmp_path / "sop_logo.png"
    page = lxml_html.fromstring(render_html(document, Organisation(logo=logo)))
    assert page.xpath("//td[@class='kop']/img[@class='logo']/@src")[0].startswith("data:image/png;base64,")
    assert Organisation(logo=tmp_path / "gone.png").logo_data_uri() == ""  # a missing file is no error


def test_missing_chromium_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("engine.sop.render.shutil.which", lambda _name: None)
    with pytest.raises(DocumentRenderError, match="Chromium tidak terpasang"):
        html_to_pdf("<html></html>")


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} is not installed (Debian: chromium, poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} is not installed (Debian: chromium, poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.mark.parametrize("process_key", SOPS)
def test_pdf_pages_numbers_sentences_and_no_notes(roles, tmp_path, process_key):
    _require("chromium")
    pdftoppm, pdftotext = _require("pdftoppm"), _require("pdftotext")
    document = document_of(process_key, roles)
    path = tmp_path / "sop.pdf"
    path.write_bytes(html_to_pdf(render_html(document, include_notes=False)))
    pages = pdf_pages(pdftotext, path)
    total = len(pages)
    assert total >= 2
    for number, text in enumerate(pages, start=1):
        assert f"halaman {number} dari {total}" in text, number  # right on every page
    whole = norm(" ".join(pages))
    for step in sop_official.OFFICIAL[process_key].steps:  # a cell's lines sit between its neighbours' lines
        assert words_in_order(norm(step.uraian), whole), step.langkah
    for marker in NOTE_MARKERS:
        assert norm(marker) not in whole, marker
    flow_text = next(text for text in pages if "Uraian Kegiatan" in text)
    for lane in document.pelaksana:  # lane headers are never broken inside a word
        for word in re.findall(r"[A-Za-z]{4,}", lane.name):
            assert re.search(rf"(?<![A-Za-z]){word}(?![A-Za-z])", flow_text), word
    for page in (1, 2):  # the identity section, and the page after it
        subprocess.run([pdftoppm, "-f", str(page), "-l", str(page), "-r", "40", "-gray", str(path),
                        str(tmp_path / f"p{page}")], check=True, timeout=60)
        image = next(tmp_path.glob(f"p{page}*.pgm"))
        width, height, pixels = read_pgm(image.read_bytes())
        assert width > height  # A4 landscape
        dark = sum(1 for value in pixels if value < 128) / len(pixels)
        assert 0.01 < dark < 0.5, (page, dark)


def pdf_pages(pdftotext: str, path: Path) -> list[str]:
    """The text of each page of the PDF (layout kept)."""
    pages: list[str] = []
    while True:
        number = len(pages) + 1
        done = subprocess.run([pdftotext, "-f", str(number), "-l", str(number), "-layout", str(path), "-"],
                              capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            return pages
        pages.append(done.stdout)


def test_page_numbers_count_the_appendix_too(roles, tmp_path):
    _require("chromium")
    pdftotext = _require("pdftotext")
    path = tmp_path / "sop.pdf"
    path.write_bytes(html_to_pdf(render_html(document_of("sop_pemeliharaan_akses_dc", roles))))
    pages = pdf_pages(pdftotext, path)
    assert len(pages) >= 3 and "CATATAN PEMODELAN" in pages[-1] + pages[-2]
    for number, text in enumerate(pages, start=1):
        assert f"halaman {number} dari {len(pages)}" in text, number
    assert "PDC-04" in " ".join(pages)  # the model's step codes are in the appendix


def words_in_order(phrase: str, text: str, gap: int = 40) -> bool:
    """The phrase's words in order, each at most ``gap`` words after the one before."""
    words, haystack = phrase.split(), text.split()
    for start in (i for i, w in enumerate(haystack) if w == words[0]):
        position = start
        for word in words[1:]:
            position = next((j for j in range(position + 1, min(len(haystack), position + gap + 1))
                             if haystack[j] == word), -1)
            if position < 0:
                break
        else:
            return True
    return False


def read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the 8-bit pixels of a binary PGM (P5) image."""
    fields, position = [], 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        if data[position:position + 1] == b"#":
            position = data.index(b"\n", position)
            continue
        end = position
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    assert fields[0] == b"P5" and int(fields[3]) == 255
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[position + 1:position + 1 + width * height]
