"""The inbox: tabs with counts, SOP and state filters, due time in WITA and working time left, pages."""
from __future__ import annotations

from typing import Any

from web_helpers import gjr_01_data, login, open_task, start_network_case, text_of


def test_mine_tab_shows_due_time_in_wita_and_working_time_left(alur, client):
    case = start_network_case(alur)  # GJR-01 goes straight to its starter
    login(client, "pengguna_jaringan")
    page = client.get("/kotak-masuk")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Berkoordinasi dan bersurat kepada Dinas Kominfo" in text and f"#{case}" in text
    assert "Tugas saya 1" in text and "Tersedia untuk peran saya 0" in text and "Terlambat 0" in text
    # the fake clock starts Monday 23 Nov 2026 08:30 WITA; GJR-01's "1 hari" ends with Tuesday's hours
    assert "Sel, 24 Nov 2026 16.00 WITA" in text
    assert "sisa 16 jam" in text  # 7 h 30 min on Monday + 8 h 30 min on Tuesday


def test_available_tab_lists_tasks_of_my_roles_only(alur, client):
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    login(client, "kasubag_tu")
    text = text_of(client.get("/kotak-masuk?tab=available").text)
    assert "Menerima, mengagendakan dan menyampaikan surat" in text and "Tersedia untuk peran saya 1" in text
    client.post("/keluar")
    login(client, "kepala_dinas")
    assert "Tidak ada tugas yang menunggu peran Anda" in text_of(client.get("/kotak-masuk?tab=available").text)


def test_default_tab_is_available_when_i_hold_nothing(alur, client):
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    login(client, "kasubag_tu")
    html = client.get("/kotak-masuk").text
    assert 'href="/kotak-masuk?tab=available" class="tab" aria-current="page"' in html
    assert "Menerima, mengagendakan" in html
    text = text_of(client.get("/kotak-masuk?tab=mine").text)
    assert "Belum ada tugas yang Anda ambil" in text and "Lihat 1 tugas tersedia" in text


def test_filter_by_sop(alur, client):
    start_network_case(alur, starter="pengguna_jaringan")
    login(client, "pengguna_jaringan")
    assert "Berkoordinasi" in client.get("/kotak-masuk?proses=sop_gangguan_jaringan").text
    other = text_of(client.get("/kotak-masuk?proses=sop_backup_restore_db").text)
    assert "Berkoordinasi" not in other and "Tugas saya 0" in other and "Hapus filter" in other


def test_overdue_tab_first_with_state_filter(alur, client, clock):
    first = start_network_case(alur, business_key="A")
    clock.advance(hours=1)
    start_network_case(alur, business_key="B")
    clock.advance(days=3)  # both past due (1 working day each)
    login(client, "pengguna_jaringan")
    html = client.get("/kotak-masuk?tab=overdue").text
    text = text_of(html)
    assert "Terlambat 2" in text and "terlambat" in text and "row-overdue" in html
    assert text.index(f"#{first}") < text.index(f"#{first + 1}")  # the most overdue first
    assert 'name="status"' in html
    assert "Tidak ada tugas yang terlambat" in text_of(client.get("/kotak-masuk?tab=overdue&status=ready").text)
    assert f"#{first}" in text_of(client.get("/kotak-masuk?tab=overdue&status=claimed").text)


def test_pagination(alur, app_factory, clock):
    client = app_factory(PER_PAGE=2).test_client()
    for n in range(3):
        start_network_case(alur, business_key=f"K{n}")
        clock.advance(minutes=10)
    login(client, "pengguna_jaringan")
    first = text_of(client.get("/kotak-masuk").text)
    assert "Halaman 1 dari 2" in first and "K0" in first and "K2" not in first
    second = text_of(client.get("/kotak-masuk?hal=2").text)
    assert "Halaman 2 dari 2" in second and "K2" in second and "K0" not in second


def test_start_button_only_for_roles_that_start_an_sop(client):
    login(client, "pengguna_jaringan")
    assert "Mulai kasus baru" in client.get("/kotak-masuk").text
    client.post("/keluar")
    login(client, "kasubag_tu")
    assert "Mulai kasus baru" not in client.get("/kotak-masuk").text


# The inbox's rows as the page printed them through one filter per cell (before web/task_rows.py);
# line breaks inside a tag print nothing.
FILTERS_ROW = """  {% for task in page.items %}
    <tr class="{% if task.is_overdue(now) %}row-overdue{% endif %}">
      <td><a class="strong" href="{{ task.task_id|task_url }}">{{ task|step_name }}</a>{% if task.acting_for %}
        <br><span class="badge badge-mandate" title="{{ _('Sebagai %(label)s atas nama %(name)s',
        label=task.acting_for.label, name=task.acting_for.absent_name) }}">{{ task.acting_for.label }} {{
        task.acting_for.absent_name }}</span>{% endif %}</td>
      <td><a href="{{ task.instance_id|case_url }}">#{{ task.instance_id }}</a> · {{ task|process_title }}
        {% if task.business_key %}<br><span class="muted small">{{ task.business_key }}</span>{% endif %}</td>
      <td class="small">{{ task.role|role_title }}</td>
      <td class="nowrap small"><time datetime="{{ task.created_at|wita_iso }}">{{ task.created_at|wita }}</time></td>
      <td class="nowrap"><time datetime="{{ task.due_at|wita_iso }}">{{ task.due_at|wita }}</time></td>
      <td class="nowrap">{{ remaining.get(task.task_id)|remaining_badge }}</td>
      <td>{{ task|state_badge(now) }}{% if task.assignee and task.assignee != me
        %}<br><span class="small muted">{{ task.assignee|user_name }}</span>{% endif %}</td>
    </tr>
  {% endfor %}
"""


def test_rows_worked_out_in_one_pass_print_what_the_filters_print(alur, app, client, clock):
    """web/task_rows.py gives each cell its filter's very text: overdue rows, a stand-in's badge, a task
    someone else holds (the absent Kabid's, in the stand-in's inbox), the English page's model texts."""
    from flask import session, template_rendered

    from process_helpers import FillContext, form_data
    from web_helpers import logout, upload

    kabid, kadis, kasi = "pejabat_administrator_tik", "kepala_dinas", "pengawas_infrastruktur_tik"
    case = alur.runner.start_case("sop_gangguan_database", "pengelola_ti", "GDB/7").instance_id
    first = alur.queries.open_tasks(case)[0]  # done: the next step waits in the Kabid's pool
    filled = FillContext(tag=first.element_id, now=alur.clock(), user_for=lambda role: role, full=False,
                         document=lambda label: upload(alur, f"{label}.pdf", b"%PDF-1.4 x", "pengelola_ti"))
    alur.runner.complete_task(first.task_id, "pengelola_ti", form_data(alur.forms.get(first.form_key).schema, filled))
    alur.runner.claim_task(alur.queries.open_tasks(case)[0].task_id, kabid)  # in the Kasi's inbox: someone else's
    for n in range(3):
        start_network_case(alur, starter="pengguna_jaringan", business_key=f"R<{n}>")
        clock.advance(minutes=7)
    login(client, kadis)  # the Kasi stands in for the Kabid (a Plh.)
    mandate = {"jenis": "plh", "pejabat": kabid, "pelaksana": kasi, "dari": "2026-11-23", "sampai": "2026-11-30",
               "dasar": "800.1.6/77/Diskominfo/2026"}
    assert client.post("/mandat", data=mandate).status_code == 302
    logout(client)
    clock.advance(days=3)  # all past due

    rendered: list[dict[str, Any]] = []

    def keep(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        rendered.append(context)

    template_rendered.connect(keep, app)
    seen = {"overdue": 0, "mandate": 0, "other": 0, "english": 0}
    for username in (kasi, "pengguna_jaringan", "kasubag_tu", kabid):
        login(client, username)
        for lang in ("id", "en"):
            client.get(f"/kotak-masuk?lang={lang}")
            for tab in ("mine", "available", "overdue"):
                rendered.clear()
                html = client.get(f"/kotak-masuk?tab={tab}").text
                if "<tbody>" not in html:
                    continue
                page = rendered[-1]["page"]
                with app.test_request_context():
                    session["lang"] = lang
                    expected = app.jinja_env.from_string(FILTERS_ROW).render(
                        page=page, remaining=alur.cases.remaining(page.items), now=alur.cases.now(), me=username) + "\n"
                assert html[html.index("<tbody>\n") + 8:html.index("  </tbody>")] == expected, (username, lang, tab)
                seen["overdue"] += html.count("row-overdue")
                seen["mandate"] += html.count("badge-mandate")
                seen["other"] += html.count('<br><span class="small muted"><span class="person"')
                seen["english"] += sum(str(row.step) != row.task.name for row in rendered[-1]["rows"])
        logout(client)
    assert all(seen.values()), seen
