"""What Alur drafts of the PermenPAN-RB 35/2012 forms from an SOP's figures (domain.md §2.5-2.6).

Monitoring Pelaksanaan SOP AP (a semester): a row per step of the SOP and one for the whole SOP, each with
the Penilaian Alur proposes (berjalan dengan baik when at least ``GOOD_ON_TIME`` of the step's completions
were within their mutu baku and, for the whole SOP, at most ``GOOD_REWORK`` of its decisions went back
into a Tidak loop) and a Catatan that states the figures. Evaluasi Penerapan SOP AP (a year): the seven
criteria, each with the evidence Alur has; the Ya/Tidak is the penilai's alone.

The figures are kept with the record as its evidence (``evidence_of``): the form shows what the penilai
saw when they judged, not what later cases would make of it.
"""
from __future__ import annotations

from typing import Any

from engine.reading.sop_figures import SopFigures

GOOD_ON_TIME = 0.8
GOOD_REWORK = 0.2
BAIK, TIDAK_BAIK = "baik", "tidak_baik"
PENILAIAN = {BAIK: "Berjalan dengan baik", TIDAK_BAIK: "Tidak berjalan dengan baik"}
METODE = {
    "observasi": "Observasi supervisor",
    "wawancara_pelaksana": "Wawancara dengan pelaksana",
    "wawancara_pelanggan": "Wawancara dengan pelanggan/masyarakat",
    "diskusi": "Pertemuan dan diskusi kelompok kerja",
    "pengarahan": "Pengarahan dalam pelaksanaan",
    "data_alur": "Data pelaksanaan kasus di Alur",
}
CRITERIA = (
    ("kinerja", "Apakah SOP mampu mendorong peningkatan kinerja?"),
    ("dipahami", "Apakah SOP mudah dipahami?"),
    ("dilaksanakan", "Apakah SOP mudah dilaksanakan?"),
    ("peran", "Apakah semua orang dapat menjalankan perannya masing-masing?"),
    ("permasalahan", "Apakah SOP mampu mengatasi permasalahan yang berkaitan dengan proses?"),
    ("kebutuhan", "Apakah SOP mampu menjawab kebutuhan peningkatan kinerja organisasi?"),
    ("sinergi", "Apakah sistem dan prosedur yang ada dapat bersinergi satu dengan lainnya?"),
)
JAWABAN = {"ya": "Ya", "tidak": "Tidak"}
REKOMENDASI = {"tetap": "Tetap (tidak perlu revisi)", "revisi_sebagian": "Revisi sebagian",
               "revisi_menyeluruh": "Revisi menyeluruh"}


def work_time_text(seconds: float | None) -> str:
    """Working time as hours and minutes ("3 j 05 m"); "–" for none."""
    if seconds is None:
        return "–"
    minutes = round(seconds / 60)
    return f"{minutes // 60} j {minutes % 60:02d} m"


def share_text(hits: int, of: int) -> str:
    return f"{hits} dari {of} ({round(100 * hits / of)}%)" if of else "tidak ada data"


def evidence_of(figures: SopFigures, performers: int) -> dict[str, Any]:
    """The figures as they are kept with the record (plain JSON values; the person count only, never names)."""
    cases = figures.cases
    return {
        "process_key": figures.process_key, "name": figures.name, "period": figures.period.key,
        "cases": {"started": cases.started, "finished": cases.finished, "open": cases.open,
                  "cancelled": cases.cancelled, "on_time": cases.on_time, "timed": cases.timed,
                  "median_seconds": cases.median_seconds, "p90_seconds": cases.p90_seconds},
        "steps": [{"element_id": s.element_id, "step_number": s.step_number, "name": s.name,
                   "mutu_baku": s.mutu_baku, "completed": s.completed, "on_time": s.on_time, "timed": s.timed,
                   "median_seconds": s.median_seconds, "p90_seconds": s.p90_seconds} for s in figures.steps],
        "flows": [{"question": f.question, "answer": f.answer, "target": f.target, "taken": f.taken,
                   "rework": f.rework, "gateway_id": f.gateway_id} for f in figures.flows],
        "trend": [{"month": t.month.isoformat(), "finished": t.finished, "on_time": t.on_time, "timed": t.timed,
                   "median_seconds": t.median_seconds} for t in figures.trend],
        "performers": performers,
    }


def rework_share(evidence: dict[str, Any]) -> tuple[int, int]:
    """(decisions that went back into a loop, decisions at the gateways that have a loop)."""
    looping = {f["gateway_id"] for f in evidence["flows"] if f["rework"]}
    back = sum(f["taken"] for f in evidence["flows"] if f["rework"])
    return back, sum(f["taken"] for f in evidence["flows"] if f["gateway_id"] in looping)


def monitoring_rows(evidence: dict[str, Any]) -> list[dict[str, Any]]:
    """Tabel 7's rows: the whole SOP first, then each step, with Alur's proposal and notes."""
    cases = evidence["cases"]
    back, decided = rework_share(evidence)
    whole_good = (cases["timed"] == 0 or cases["on_time"] >= GOOD_ON_TIME * cases["timed"]) and \
        (decided == 0 or back <= GOOD_REWORK * decided)
    whole_note = (f"Kasus dimulai {cases['started']}, selesai {cases['finished']}, berjalan {cases['open']}, "
                  f"dibatalkan {cases['cancelled']}. Selesai dalam waktu pelaksanaan: "
                  f"{share_text(cases['on_time'], cases['timed'])}; median {work_time_text(cases['median_seconds'])}, "
                  f"persentil 90 {work_time_text(cases['p90_seconds'])} jam kerja. Pengulangan (alur Tidak): "
                  f"{share_text(back, decided)} keputusan.")
    rows = [_row(None, f"Keseluruhan SOP: {evidence['name']}", cases["finished"] > 0, whole_good, whole_note)]
    for step in evidence["steps"]:
        good = step["timed"] == 0 or step["on_time"] >= GOOD_ON_TIME * step["timed"]
        note = (f"Diselesaikan {step['completed']} kali; sesuai mutu baku ({step['mutu_baku'] or '–'}): "
                f"{share_text(step['on_time'], step['timed'])}; median {work_time_text(step['median_seconds'])}, "
                f"persentil 90 {work_time_text(step['p90_seconds'])} jam kerja.")
        rows.append(_row(step["element_id"], f"{step['step_number']}. {step['name']}", step["completed"] > 0,
                         good, note))
    return rows


def _row(element_id: str | None, prosedur: str, ran: bool, good: bool, note: str) -> dict[str, Any]:
    proposal = (BAIK if good else TIDAK_BAIK) if ran else None
    return {"element_id": element_id, "prosedur": prosedur, "usulan": proposal, "penilaian": proposal,
            "catatan": note if ran else "Tidak ada pelaksanaan pada periode ini.",
            "tindakan": "" if proposal != TIDAK_BAIK else
            "Telusuri penyebab keterlambatan atau pengulangan bersama pelaksana dan atasannya."}


def evaluation_rows(evidence: dict[str, Any]) -> list[dict[str, Any]]:
    """The seven criteria, each with the evidence Alur can offer; the answer left to the penilai."""
    evidence_texts = criteria_evidence(evidence)
    return [{"kriteria_key": key, "kriteria": text, "bukti": evidence_texts[key], "jawaban": None,
             "catatan": "", "tindakan": ""} for key, text in CRITERIA]


def criteria_evidence(evidence: dict[str, Any]) -> dict[str, str]:
    cases, steps = evidence["cases"], evidence["steps"]
    months = [t for t in evidence["trend"] if t["median_seconds"] is not None]
    if len(months) >= 2:
        first, last = months[0], months[-1]
        trend = (f"Median waktu penanganan {work_time_text(first['median_seconds'])} ({first['month'][:7]}) "
                 f"menjadi {work_time_text(last['median_seconds'])} ({last['month'][:7]}); ")
    else:
        trend = "Tren waktu penanganan belum dapat dihitung (kurang dari dua bulan dengan kasus selesai); "
    on_time = sum(s["on_time"] for s in steps)
    timed = sum(s["timed"] for s in steps)
    back, decided = rework_share(evidence)
    late = [f"{s['step_number']}" for s in steps if s["timed"] and s["on_time"] < GOOD_ON_TIME * s["timed"]]
    return {
        "kinerja": trend + f"kasus selesai dalam waktu pelaksanaan {share_text(cases['on_time'], cases['timed'])}.",
        "dipahami": f"Langkah yang dikembalikan lewat alur Tidak: {share_text(back, decided)} keputusan.",
        "dilaksanakan": f"Langkah selesai sesuai mutu baku: {share_text(on_time, timed)}"
                        + (f"; di bawah {round(GOOD_ON_TIME * 100)}%: langkah {', '.join(late)}." if late else "."),
        "peran": f"{evidence['performers']} orang menyelesaikan langkah SOP ini; {cases['open']} kasus masih berjalan.",
        "permasalahan": f"Kasus selesai {cases['finished']} dari {cases['started']} yang dimulai; "
                        f"dibatalkan {cases['cancelled']}; median {work_time_text(cases['median_seconds'])} jam kerja.",
        "kebutuhan": f"Kasus selesai dalam waktu pelaksanaan: {share_text(cases['on_time'], cases['timed'])}; "
                     f"persentil 90 {work_time_text(cases['p90_seconds'])} jam kerja.",
        "sinergi": f"Pengembalian antar pelaksana (alur Tidak): {back} kali dari {decided} keputusan.",
    }
