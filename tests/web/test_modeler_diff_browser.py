"""Through Chromium: the versions page shows the two versions' diagrams side by side, with the elements added
(in the newer), removed (in the older) and changed (in both) coloured."""
from __future__ import annotations

from test_modeler_browser import KEY, browser, login, page, served, shot  # noqa: F401
from web_helpers import BROWSER_MARKS

from tests.engine.test_versions import set_task_property, sop01_xml

pytestmark = BROWSER_MARKS


def test_the_diff_shows_both_diagrams_with_the_changes_coloured(served, page):  # noqa: F811
    base, alur = served
    # v2: the end event is replaced (a new id), a step's time changes, so the flow into the end changes too
    xml = set_task_property(sop01_xml(), "gdb_03", "waktu", "2 jam").replace('"end_gdb"', '"end_gdb_baru"').replace(
        ">end_gdb<", ">end_gdb_baru<").replace('targetRef="end_gdb"', 'targetRef="end_gdb_baru"')
    assert alur.deployer.deploy_bytes(xml.encode("utf-8"), f"{KEY}.bpmn", "pemilik_proses", "uji").version == 2
    diff = alur.versions.diff(KEY, 1, 2)
    assert [e.element_id for e in diff.added] == ["end_gdb_baru"] and [e.element_id for e in diff.removed] == [
        "end_gdb"]

    login(page, base, "pemilik_proses")
    page.goto(f"{base}/pemodel/{KEY}/versi?dari=1&ke=2")
    page.wait_for_function("() => window.alurDiff && window.alurDiff.ready")
    assert page.evaluate("() => window.alurDiff.error") is None
    marked = page.evaluate("() => window.alurDiff.marked")
    changed = [e.element_id for e in diff.changed]
    assert marked == {"old": {"removed": ["end_gdb"], "changed": changed},
                      "new": {"added": ["end_gdb_baru"], "changed": changed}}
    assert "gdb_03" in changed

    def coloured(side: str, kind: str) -> list[str]:
        return page.evaluate(f"""() => Array.from(document.querySelectorAll(
            '#diff-{side} g.djs-element.diff-{kind}')).map((n) => n.dataset.elementId).sort()""")
    assert coloured("old", "removed") == ["end_gdb"] and coloured("new", "added") == ["end_gdb_baru"]
    assert coloured("old", "changed") == sorted(changed) == coloured("new", "changed")
    assert coloured("new", "removed") == [] and coloured("old", "added") == []
    # the two diagrams sit side by side
    old_box, new_box = page.locator("#diff-old").bounding_box(), page.locator("#diff-new").bounding_box()
    assert old_box["x"] + old_box["width"] <= new_box["x"] and abs(old_box["y"] - new_box["y"]) < 2
    page.hover('#diff-list > li[data-element="gdb_03"]')
    assert page.locator('#diff-new g.djs-element.diff-focus[data-element-id="gdb_03"]').count() == 1
    shot(page, "visual_diff")
    assert page.console_errors == []
