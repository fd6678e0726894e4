"""The bell: unread count in the header, the list, marking as read."""
from __future__ import annotations

from web_helpers import login, start_network_case, text_of

from engine.worker.notifications import Recipient, add_notification


def _notify(alur, username: str, title: str, instance_id: int | None = None) -> None:
    with alur.sessions.begin() as session:
        add_notification(session, recipient=Recipient(username, None), kind="task_overdue", title=title,
                         body="Batas waktu terlewati.", dedup_key=f"uji:{title}", now=alur.clock(),
                         instance_id=instance_id)


def test_bell_counts_lists_and_marks_read(alur, client):
    case = start_network_case(alur)
    _notify(alur, "pengguna_jaringan", "Tugas GJR-01 terlambat", case)
    _notify(alur, "pengguna_jaringan", "Kasus melewati batas peringatan", case)
    _notify(alur, "kasubag_tu", "Bukan untuk Anda")
    login(client, "pengguna_jaringan")
    assert 'Notifikasi<span class="count">2</span>' in client.get("/kotak-masuk").text
    page = client.get("/notifikasi")
    text = text_of(page.text)
    assert "Tugas GJR-01 terlambat" in text and "Bukan untuk Anda" not in text and f"Buka kasus #{case}" in text
    first = alur.notifications.list("pengguna_jaringan")[0].notification_id
    assert client.post("/notifikasi/baca", data={"id": first}).status_code == 302
    assert alur.notifications.unread_count("pengguna_jaringan") == 1
    client.post("/notifikasi/baca")
    assert alur.notifications.unread_count("pengguna_jaringan") == 0
    assert alur.notifications.unread_count("kasubag_tu") == 1
    assert '<span class="count">' not in client.get("/kotak-masuk").text.split("</header>")[0]
