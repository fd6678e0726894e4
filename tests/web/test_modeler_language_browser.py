"""Through Chromium: the modeler speaks the UI's language everywhere, not only in the properties panel: the
page, its buttons and messages, the problem list, "Uji jalan", the form panel, and every group of the
properties panel for each kind of element (opened one by one). The English UI shows no Indonesian and the
Indonesian UI no English; what the SOP itself says (element, role, form and field names) is data, kept as
written."""
from __future__ import annotations

import re
from typing import Any

import pytest

from test_modeler_browser import KEY, YA_FLOW, browser, login, page, served  # noqa: F401
from web_helpers import BROWSER_MARKS

pytestmark = BROWSER_MARKS

INDONESIAN = {"yang", "dan", "untuk", "dari", "langkah", "formulir", "kondisi", "peran", "pilih", "wajib", "isian",
              "tidak", "atau", "bila", "versi", "unduh", "periksa", "masalah", "catatan", "perubahan", "jalur",
              "selesai", "buat", "ubah", "lainnya", "umum", "dokumentasi", "sebagai", "baru", "dengan", "ini"}
ENGLISH = {"the", "and", "of", "with", "field", "step", "choose", "required", "condition", "version", "download",
           "problems", "none", "new", "form", "general", "documentation", "other", "this", "when", "check", "path"}
ELEMENTS = [f"participant_{KEY}", "lane_kepala_dinas", "start_gdb", "gdb_03", "gdb_06", "gw_gdb_07", YA_FLOW]

# the texts a person reads outside the diagram: page, toolbar, messages, lists, the form panel and the
# properties panel (headers, labels, descriptions, choices, buttons), each once
UI_TEXTS = """() => {
    const selectors = ['.page-head h1 ~ *', '.page-head .eyebrow', '.head-actions a', '.modeler-toolbar label',
        '.modeler-toolbar button', '.modeler-toolbar .muted', '#modeler-status', '#modeler-problems h2',
        '#modeler-problems p', '.modeler-deploy h2', '.modeler-deploy label', '.modeler-deploy .hint',
        '.modeler-deploy button', '#modeler-trial-result h2', '#modeler-trial-result > p',
        '#modeler-trial-result summary', '#modeler-form-panel :is(h2, p, label > span, legend, button, option)',
        '#modeler-properties :is(.bio-properties-panel-group-header-title, .bio-properties-panel-label, '
        + '.bio-properties-panel-description, .bio-properties-panel-header-type, option, '
        + '.bio-properties-panel-collapsible-entry-header-title, .bio-properties-panel-placeholder-text)'];
    const texts = [];
    document.querySelectorAll(selectors.join(',')).forEach((n) => texts.push(n.textContent.trim()));
    document.querySelectorAll('textarea[placeholder], input[placeholder]').forEach((n) => texts.push(n.placeholder));
    return texts.filter(Boolean);
}"""
# names the SOP gives (elements, roles, forms, fields, the SOP), removed from the texts before the check
DATA_NAMES = """() => {
    const names = [];
    window.alurModeler.modeler.get('elementRegistry').forEach((e) => {
        const bo = e.businessObject;
        if (bo && bo.name) { names.push(bo.name); }
        if (bo && bo.id) { names.push(bo.id); }
    });
    const config = JSON.parse(document.getElementById('alur-modeler-config').textContent);
    config.roles.forEach((r) => { names.push(r.title); names.push(r.key); });
    Object.entries(config.formFields).forEach(([key, fields]) => {
        names.push(key);
        fields.forEach((f) => { names.push(f.label); names.push(f.name); f.choices.forEach((c) => names.push(c)); });
    });
    return names.filter((n) => n && n.length > 2).sort((a, b) => b.length - a.length);
}"""


def words_of(text: str, data: list[str]) -> set[str]:
    text = re.sub(r"\$\{[^}]*\}|\b[a-z]+(_[a-z0-9]+)+\b|[A-Z]{2,}-\d+", " ", text)  # expressions, keys, codes
    for name in data:
        text = text.replace(name, " ")
    return set(re.findall(r"[a-zà-ÿ]+", text.lower()))


def open_every_group(tab: Any) -> None:
    for header in tab.locator("#modeler-properties .bio-properties-panel-group-header").all():
        if "open" not in (header.get_attribute("class") or ""):
            header.click()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_modeler_speaks_only_the_ui_language(served, page, lang):  # noqa: F811
    base, _alur = served
    login(page, base, "pemilik_proses")
    page.goto(f"{base}/bahasa/{lang}?next=/pemodel/{KEY}")
    page.wait_for_function("() => window.alurModeler && window.alurModeler.ready")
    data = page.evaluate(DATA_NAMES)
    texts: list[str] = page.evaluate(UI_TEXTS)
    # messages: a check with a problem, then the trial run
    page.evaluate(f"""() => window.alurModeler.modeler.get('modeling').updateProperties(
        window.alurModeler.modeler.get('elementRegistry').get('{YA_FLOW}'), {{ conditionExpression: undefined }})""")
    page.evaluate("() => { window.alurModeler.problems = null; }")
    page.click("#modeler-check")
    page.wait_for_function("() => window.alurModeler.problems !== null && !window.alurModeler.busy")
    texts += page.evaluate(UI_TEXTS)
    page.keyboard.press("Control+z")
    page.evaluate("() => { window.alurModeler.trial = null; }")
    page.click("#modeler-trial")
    page.wait_for_function("() => window.alurModeler.trial !== null && !window.alurModeler.busy")
    texts += page.evaluate(UI_TEXTS)
    page.fill("#modeler-change-note", "")
    page.click("#modeler-deploy-button")
    texts += page.evaluate(UI_TEXTS)
    # every group of the panel, for each kind of element; the form panel of a step, and a new form in it
    groups = set()
    for element_id in ELEMENTS:
        assert page.evaluate(f"() => window.alurModeler.select('{element_id}')")
        page.wait_for_selector("#modeler-properties .bio-properties-panel-group-header")
        open_every_group(page)
        texts += page.evaluate(UI_TEXTS)
        groups |= set(page.locator("#modeler-properties .bio-properties-panel-group-header-title").all_inner_texts())
    page.evaluate("() => window.alurModeler.select('gdb_03')")
    texts += page.evaluate(UI_TEXTS)  # an existing form: its fields, and how to change it
    page.locator('#modeler-form-panel button[name="form-new"]').click()
    page.locator('#modeler-form-panel button[name="field-add"]').click()
    page.locator('#modeler-form-panel button[name="field-add"]').click()
    page.locator('#modeler-form-panel fieldset[data-index="0"] select[name="field-kind"]').select_option("yesno")
    page.locator('#modeler-form-panel fieldset[data-index="0"] input[name="field-name"]').fill("setuju")
    page.locator('#modeler-form-panel fieldset[data-index="0"] input[name="field-label"]').press("End")
    texts += page.evaluate(UI_TEXTS)

    # only the groups Alur uses, for every kind of element (no listeners, async, history cleanup, starters)
    assert groups == ({"General", "Alur (SOP conventions)", "Documentation", "Other SOP properties"} if lang == "en"
                      else {"Umum", "Alur (konvensi SOP)", "Dokumentasi", "Properti SOP lainnya"}), groups
    foreign = INDONESIAN if lang == "en" else ENGLISH
    found = {text: words_of(text, data) & foreign for text in set(texts)}
    assert {text: words for text, words in found.items() if words} == {}
    own = ENGLISH if lang == "en" else INDONESIAN
    assert len({w for text in texts for w in words_of(text, data) & own}) > 10  # the texts were read at all
    assert page.console_errors == [] or all("422" in e for e in page.console_errors)
