"""The words of model problems and runtime incidents, in Indonesian and English.

A problem carries a :class:`Text` (a catalogue key and its values) next to its Indonesian wording, so
the web shows it in the reader's language without the engine knowing about Flask. A value may be a
:class:`Text` itself (the "where" of a message); it is rendered in the same language.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

LANGUAGES = ("id", "en")
Value = Union[str, int, "Text"]


@dataclass(frozen=True)
class Text:
    key: str
    params: tuple[tuple[str, Value], ...] = ()

    @classmethod
    def of(cls, key: str, **params: Value) -> Text:
        if key not in CATALOGUE:
            raise KeyError(f"unknown message key {key!r}")
        return cls(key, tuple(params.items()))

    def render(self, language: str = "id") -> str:
        """The message in ``language`` ("id" or "en"; anything else reads as Indonesian)."""
        index = 1 if language.lower().startswith("en") else 0
        values = {name: value.render(language) if isinstance(value, Text) else value for name, value in self.params}
        return CATALOGUE[self.key][index].format(**values)

    def record(self) -> dict[str, object]:
        """A JSON form (stored with an incident): ``{"key": ..., "params": {...}}``."""
        return {"key": self.key, "params": {name: value.record() if isinstance(value, Text) else value
                                             for name, value in self.params}}

    @classmethod
    def from_record(cls, record: dict[str, object]) -> Text:
        params = record.get("params") or {}
        assert isinstance(params, dict)
        values = {name: cls.from_record(value) if isinstance(value, dict) else value
                  for name, value in params.items()}
        return cls(str(record["key"]), tuple(values.items()))


# key -> (Indonesian, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    # where an expression sits
    "where.condition": ("Kondisi alur '{flow}' dari keputusan '{gateway}'", "The condition of flow '{flow}' "
                        "leaving decision '{gateway}'"),
    "where.timer": ("Waktu pada '{event}'", "The time on '{event}'"),
    "where.performer": ("Pelaksana langkah '{step}'", "The performer of step '{step}'"),
    "where.candidates": ("Calon pelaksana langkah '{step}'", "The candidate performers of step '{step}'"),
    "where.loop": ("Pengulangan langkah '{step}'", "The repetition of step '{step}'"),
    # data flow (engine.modeling.dataflow)
    "dataflow.unknown_field": (
        "{where} memakai isian '{field}', tetapi tidak ada formulir dalam model ini yang mengisinya.",
        "{where} uses the field '{field}', but no form in this model fills it in."),
    "dataflow.missing_on_path": (
        "{where} memakai isian '{field}', tetapi ada jalur yang tidak melewati formulir yang mengisinya "
        "({definers}): {path}.",
        "{where} uses the field '{field}', but one path does not pass a form that fills it in ({definers}): "
        "{path}."),
    "dataflow.boolean": (
        "{where} membandingkan isian ya/tidak '{field}' dengan {value}; bandingkan dengan true atau false.",
        "{where} compares the yes/no field '{field}' with {value}; compare it with true or false."),
    "dataflow.enum": (
        "{where} membandingkan isian pilihan '{field}' dengan {value}, yang bukan salah satu pilihannya "
        "({choices}).",
        "{where} compares the choice field '{field}' with {value}, which is not one of its choices ({choices})."),
    "dataflow.number": (
        "{where} membandingkan isian angka '{field}' dengan {value}; bandingkan dengan sebuah angka.",
        "{where} compares the number field '{field}' with {value}; compare it with a number."),
    "dataflow.string": (
        "{where} membandingkan isian teks '{field}' dengan {value}; bandingkan dengan teks dalam tanda petik.",
        "{where} compares the text field '{field}' with {value}; compare it with a quoted text."),
    # performers named from case data (engine.modeling.performers)
    "performer.form": ("{where} harus ditulis sebagai ${{nama_isian}}: nama isian formulir langkah sebelumnya "
                       "yang memilih orangnya (tertulis '{written}').",
                       "{where} must be written as ${{field_name}}: the field of an earlier step's form that picks "
                       "the person (written '{written}')."),
    "performer.both": ("Langkah '{step}' tidak boleh menyebut satu pelaksana dan calon pelaksana sekaligus.",
                       "Step '{step}' cannot name one performer and candidate performers at once."),
    "performer.differs": (
        "Langkah '{step}' harus dikerjakan orang yang berbeda dari pelaksana langkah '{other}', tetapi '{other}' "
        "bukan langkah lain dalam proses ini.",
        "Step '{step}' must be done by someone other than the performer of step '{other}', but '{other}' is not "
        "another step of this process."),
    "performer.not_picker": ("{where} memakai isian '{field}', yang {reason}.",
                             "{where} uses the field '{field}', which {reason}."),
    "reason.not_one_person": ("bukan pemilih satu orang", "does not pick one person"),
    "reason.not_people": ("bukan pemilih orang atau tabel dengan tepat satu kolom pemilih orang",
                          "is neither a person picker nor a table with exactly one person-picker column"),
    "reason.differs": ("berbeda bentuknya di antara formulir yang mengisinya",
                       "differs in shape between the forms that fill it in"),
    # user tasks (engine.modeling.parser)
    "task.no_form": ("Langkah '{step}' belum memiliki formulir; pilih formulir yang diisi pada langkah ini.",
                     "Step '{step}' has no form yet; choose the form filled in at this step."),
    "task.bad_duration": (
        "Waktu '{value}' ({what}) pada langkah '{step}' tidak dapat dibaca sebagai lama waktu kerja; tulis "
        "mis. PT30M (30 menit), PT4H (4 jam) atau P2D (2 hari kerja).",
        "The time '{value}' ({what}) of step '{step}' cannot be read as a working-time length; write e.g. PT30M "
        "(30 minutes), PT4H (4 hours) or P2D (2 working days)."),
    "duration.waktu_iso": ("batas waktu", "time limit"),
    "duration.waktu_min_iso": ("waktu minimum", "minimum time"),
    # the process, its lanes, gateways and expressions (engine.modeling.parser)
    "process.count": ("Berkas harus berisi tepat satu proses yang dapat dijalankan (ada {count}).",
                      "The file must hold exactly one executable process (it holds {count})."),
    "process.key": ("Id proses harus sama dengan nama berkas '{file_name}'.",
                    "The process id must be the file name '{file_name}'."),
    "process.no_id": ("Proses yang dapat dijalankan tidak memiliki id.", "The executable process has no id."),
    "lane.no_role": ("Lajur '{lane}' belum menyebut peran pelaksananya; pilih peran dari katalog peran.",
                     "Lane '{lane}' names no performing role; choose one from the role catalogue."),
    "lane.unknown_role": ("Peran '{role}' pada lajur '{lane}' tidak ada di katalog peran.",
                          "Role '{role}' of lane '{lane}' is not in the role catalogue."),
    "lane.twice": ("'{element}' berada di lebih dari satu lajur.", "'{element}' is in more than one lane."),
    "task.no_lane": ("Langkah '{step}' tidak berada di lajur mana pun; letakkan di lajur perannya.",
                     "Step '{step}' is in no lane; put it in the lane of its role."),
    "task.bad_group": ("Peran langkah '{step}' ('{role}') bukan peran dalam lajur '{lane}'.",
                       "The role of step '{step}' ('{role}') is not a role within lane '{lane}'."),
    "task.unknown_form": ("Formulir '{form}' pada langkah '{step}' tidak ditemukan.",
                          "Form '{form}' of step '{step}' was not found."),
    "task.mutu_baku": ("Mutu baku langkah '{step}' belum lengkap: {missing}.",
                       "The mutu baku of step '{step}' is incomplete: {missing}."),
    "gateway.no_condition": ("Alur '{flow}' dari keputusan '{gateway}' belum berkondisi dan bukan alur default.",
                             "Flow '{flow}' leaving decision '{gateway}' has no condition and is not the default "
                             "flow."),
    "expression.refused": ("Ekspresi '{expression}' tidak dapat dipakai: {why}",
                           "The expression '{expression}' cannot be used: {why}"),
    "script.refused": ("Script task '{element}' tidak diizinkan: Alur tidak menjalankan skrip.",
                       "Script task '{element}' is not allowed: Alur runs no scripts."),
    # bounds that keep a model from exhausting the server (engine.modeling.timer_bounds, loop_bounds)
    "timer.not_text": ("Waktu {value} bukan teks ISO-8601.", "The time {value} is not an ISO-8601 text."),
    "timer.bad_duration": ("Lama waktu '{value}' bukan durasi ISO-8601 (mis. PT2H atau P3D).",
                           "The length '{value}' is not an ISO-8601 duration (e.g. PT2H or P3D)."),
    "timer.too_long": ("Lama waktu '{value}' melebihi batas {most} hari.",
                       "The length '{value}' is longer than the limit of {most} days."),
    "timer.bad_date": ("Tanggal '{value}' bukan tanggal ISO-8601 (mis. 2027-01-31T08:00:00+08:00).",
                       "The date '{value}' is not an ISO-8601 date (e.g. 2027-01-31T08:00:00+08:00)."),
    "timer.date_range": ("Tanggal '{value}' harus di antara tahun {earliest} dan {latest}.",
                         "The date '{value}' must lie between the years {earliest} and {latest}."),
    "timer.bad_cycle": ("Siklus '{value}' bukan interval berulang ISO-8601 (mis. R3/PT1H).",
                        "The cycle '{value}' is not an ISO-8601 repeating interval (e.g. R3/PT1H)."),
    "timer.too_many_cycles": ("Siklus '{value}' berulang lebih dari {most} kali.",
                              "The cycle '{value}' repeats more than {most} times."),
    "timer.cycle_too_short": ("Siklus '{value}' berulang lebih sering dari sekali per menit.",
                              "The cycle '{value}' repeats more often than once a minute."),
    "timer.out_of_range": ("{where} tidak dapat dipakai: {why}", "{where} cannot be used: {why}"),
    "loop.too_many": ("{where} membuat {count} salinan langkah; paling banyak {most}.",
                      "{where} makes {count} copies of the step; at most {most}."),
    "loop.not_count": ("{where} harus berupa bilangan bulat nol atau lebih (tertulis '{expression}').",
                       "{where} must be a whole number of zero or more (written '{expression}')."),
    "loop.no_element": ("{where} mengulang koleksi '{collection}' tetapi tidak menyebut elementVariable.",
                        "{where} repeats over the collection '{collection}' but names no elementVariable."),
    "reason.too_costly": ("ekspresi melampaui batas ukuran atau waktu", "the expression exceeds its size or "
                                                                       "time bound"),
    "loop.missing_collection": ("{where} mengulang isian '{field}', yang tidak ada pada data kasus.",
                                "{where} repeats over the field '{field}', which is not in the case data."),
    "incident.bound": ("Langkah '{step}' tidak dapat diselesaikan: {why}",
                       "Step '{step}' could not be completed: {why}"),
    "timer.start_twice": ("Hanya satu titik mulai berwaktu (timer start event) yang didukung.",
                          "Only one timer start event is supported."),
    # SpiffWorkflow's parser, in words (the raw text is kept as the problem's detail)
    "spiff.implicit_split": (
        "'{element}' memiliki lebih dari satu alur keluar; gunakan gateway untuk percabangan.",
        "'{element}' has more than one outgoing flow; use a gateway to branch."),
    "spiff.no_condition": ("Alur keluar keputusan '{element}' tidak berkondisi dan bukan alur default.",
                           "A flow leaving decision '{element}' has no condition and is not the default flow."),
    "spiff.no_start": ("Model tidak memiliki titik mulai (start event).", "The model has no start event."),
    "spiff.unsupported": ("Elemen '{element}' belum didukung oleh mesin alur.",
                          "Element '{element}' is not supported by the workflow engine."),
    "spiff.dangling": ("Alur '{element}' menunjuk ke elemen yang tidak ada.",
                       "Flow '{element}' points to an element that does not exist."),
    "spiff.not_executable": ("Proses tidak ditandai dapat dijalankan (executable).",
                             "The process is not marked executable."),
    "spiff.other": ("Mesin alur tidak dapat membaca model pada '{element}'; rincian teknis ada di detail.",
                    "The workflow engine cannot read the model at '{element}'; the technical details are attached."),
    "xml.invalid": ("XML tidak valid pada baris {line}; berkas rusak atau tidak lengkap.",
                    "Invalid XML at line {line}; the file is damaged or incomplete."),
    "xml.schema": ("Berkas tidak sesuai skema BPMN 2.0 (baris {line}).",
                   "The file does not follow the BPMN 2.0 schema (line {line})."),
    # bpmnlint rules (the raw finding is kept as the detail)
    "lint.conditional-flows": ("Alur keluar yang bersyarat harus memiliki kondisi.",
                               "A conditional outgoing flow needs a condition."),
    "lint.end-event-required": ("Proses harus memiliki titik selesai (end event).",
                                "The process needs an end event."),
    "lint.start-event-required": ("Proses harus memiliki titik mulai (start event).",
                                  "The process needs a start event."),
    "lint.fake-join": ("Langkah ini menggabungkan beberapa alur masuk; gabungkan dengan gateway.",
                       "This step joins several incoming flows; join them with a gateway."),
    "lint.label-required": ("Elemen ini belum diberi nama.", "This element has no name yet."),
    "lint.no-complex-gateway": ("Gateway kompleks tidak didukung.", "Complex gateways are not supported."),
    "lint.no-disconnected": ("Elemen ini tidak terhubung dengan alur.", "This element is not connected to the flow."),
    "lint.no-duplicate-sequence-flows": ("Ada alur ganda di antara dua elemen yang sama.",
                                         "Two flows connect the same elements."),
    "lint.no-gateway-join-fork": ("Gateway ini menggabungkan dan memecah alur sekaligus; pisahkan menjadi dua.",
                                  "This gateway both joins and splits; use two gateways."),
    "lint.no-implicit-split": ("Percabangan tanpa gateway; gunakan gateway.",
                               "A split without a gateway; use a gateway."),
    "lint.no-implicit-end": ("Elemen ini mengakhiri alur tanpa titik selesai (end event).",
                             "This element ends the flow without an end event."),
    "lint.no-implicit-start": ("Elemen ini memulai alur tanpa titik mulai (start event).",
                               "This element starts the flow without a start event."),
    "lint.no-inclusive-gateway": ("Gateway inklusif tidak didukung.", "Inclusive gateways are not supported."),
    "lint.single-blank-start-event": ("Hanya boleh ada satu titik mulai tanpa jenis.",
                                      "Only one plain start event is allowed."),
    "lint.single-event-definition": ("Peristiwa ini memiliki lebih dari satu definisi.",
                                     "This event has more than one definition."),
    "lint.superfluous-gateway": ("Gateway ini hanya memiliki satu alur masuk dan satu alur keluar; hapus saja.",
                                 "This gateway has one incoming and one outgoing flow; remove it."),
    "lint.superfluous-termination": ("Titik selesai 'terminate' ini tidak diperlukan.",
                                     "This terminate end event is not needed."),
    "lint.no-overlapping-elements": ("Elemen ini bertumpuk dengan elemen lain pada diagram.",
                                     "This element overlaps another one in the diagram."),
    "lint.sub-process-blank-start-event": ("Sub-proses harus dimulai dengan titik mulai tanpa jenis.",
                                           "A sub-process must start with a plain start event."),
    "lint.event-sub-process-typed-start-event": ("Sub-proses peristiwa harus dimulai dengan peristiwa berjenis.",
                                                 "An event sub-process must start with a typed start event."),
    "lint.link-event": ("Peristiwa tautan (link) tidak berpasangan.", "A link event has no partner."),
    "lint.ad-hoc-sub-process": ("Sub-proses ad hoc tidak boleh memiliki titik mulai atau titik selesai.",
                                "An ad hoc sub-process may not have a start or an end event."),
    "lint.event-based-gateway": ("Gateway berbasis peristiwa harus memiliki paling sedikit dua alur keluar, "
                                 "tanpa kondisi.",
                                 "An event-based gateway needs at least two outgoing flows, without conditions."),
    "lint.global": ("Elemen global ini tidak bernama, tidak dipakai, atau namanya tidak unik.",
                    "This global element has no name, is not used, or its name is not unique."),
    "lint.no-bpmndi": ("Elemen ini belum tergambar pada diagram; buka model di pemodel dan simpan lagi.",
                       "This element is not drawn in the diagram; open the model in the modeler and save it again."),
    "lint.superfluous-label": ("Alur ini diberi nama padahal bukan cabang keputusan; namanya tidak diperlukan.",
                               "This flow has a name though it is not a branch of a decision; the name is not "
                               "needed."),
    "lint.other": ("Saran pemeriksa diagram ({rule}).", "Diagram checker advice ({rule})."),
    # runtime incidents (engine.runtime.incidents)
    "incident.expression": (
        "Langkah '{step}' tidak dapat diselesaikan: ekspresi '{expression}' pada '{element}' tidak dapat dihitung "
        "({reason}).",
        "Step '{step}' could not be completed: the expression '{expression}' at '{element}' could not be "
        "evaluated ({reason})."),
    "incident.engine": (
        "Langkah '{step}' tidak dapat diselesaikan: mesin alur gagal pada '{element}'.",
        "Step '{step}' could not be completed: the workflow engine failed at '{element}'."),
    # a timer that fired and failed (the worker, engine.runtime.incidents.note_timer_failure)
    "incident.timer_expression": (
        "Pewaktu '{step}' tidak dapat dijalankan: ekspresi '{expression}' pada '{element}' tidak dapat dihitung "
        "({reason}).",
        "The timer '{step}' could not run: the expression '{expression}' at '{element}' could not be evaluated "
        "({reason})."),
    "incident.timer_engine": ("Pewaktu '{step}' tidak dapat dijalankan: mesin alur gagal pada '{element}'.",
                              "The timer '{step}' could not run: the workflow engine failed at '{element}'."),
    "incident.timer_bound": ("Pewaktu '{step}' tidak dapat dijalankan: {why}",
                             "The timer '{step}' could not run: {why}"),
    # a case whose model fails as it starts (engine.runtime.incidents.report_start_failure)
    "incident.start_expression": (
        "Kasus '{step}' tidak dapat dimulai: ekspresi '{expression}' pada '{element}' tidak dapat dihitung "
        "({reason}).",
        "A case of '{step}' could not be started: the expression '{expression}' at '{element}' could not be "
        "evaluated ({reason})."),
    "incident.start_engine": ("Kasus '{step}' tidak dapat dimulai: mesin alur gagal pada '{element}'.",
                              "A case of '{step}' could not be started: the workflow engine failed at '{element}'."),
    "incident.start_bound": ("Kasus '{step}' tidak dapat dimulai: {why}",
                             "A case of '{step}' could not be started: {why}"),
    "reason.missing_field": ("isian '{field}' tidak ada pada data kasus", "the field '{field}' is not in the "
                                                                           "case data"),
    "reason.other": ("rincian teknis ada di detail", "the technical details are attached"),
    # "Uji jalan", the trial run before deploy (engine.modeling.trial_run)
    "trial.stranded": ("Uji jalan, jalur {number}: {why}", "Trial run, path {number}: {why}"),
    "trial.never_ends": ("Uji jalan: tidak ada jalur yang mencapai akhir proses (setiap langkah dicoba paling "
                         "banyak {passes} kali).",
                         "Trial run: no path reaches the end of the process (each step tried at most {passes} "
                         "times)."),
    "trial.waits_for_nothing": (
        "Setelah '{step}' kasus menunggu, tetapi tidak ada langkah, waktu, atau keputusan yang dapat "
        "melanjutkannya: kasus akan macet.",
        "After '{step}' the case waits, but no step, timer or decision can move it on: the case would be stuck."),
    "trial.no_branch": (
        "Keputusan '{gateway}' setelah '{step}' tidak punya alur untuk data ini: tidak ada kondisi yang terpenuhi "
        "dan tidak ada alur default.",
        "Decision '{gateway}' after '{step}' has no flow to take for this data: no condition holds and there is "
        "no default flow."),
    "trial.bound": ("Uji jalan berhenti setelah {paths} jalur: model ini memiliki terlalu banyak jalur untuk "
                    "dicoba seluruhnya.",
                    "The trial run stopped after {paths} paths: this model has too many paths to try them all."),
    "trial.many_values": ("Langkah '{step}': terlalu banyak kombinasi isian keputusan; sebagian saja yang dicoba.",
                          "Step '{step}': too many combinations of decision fields; only some were tried."),
    "trial.no_data": ("Langkah '{step}': data uji untuk formulir '{form}' tidak dapat dibuat dari skemanya; "
                      "jalur setelah langkah ini tidak dicoba.",
                      "Step '{step}': no test data could be made from the schema of form '{form}'; the paths "
                      "after this step were not tried."),
    # a submitted form's problems, one per field (engine.modeling.forms, engine.runtime)
    "form.required": ("Wajib diisi.", "Required."),
    "form.type": ("Jenis isian tidak sesuai.", "Wrong kind of value."),
    "form.enum": ("Pilih salah satu nilai yang tersedia.", "Choose one of the values offered."),
    "form.minLength": ("Terlalu pendek.", "Too short."),
    "form.maxLength": ("Terlalu panjang.", "Too long."),
    "form.minimum": ("Nilai terlalu kecil.", "Value too small."),
    "form.maximum": ("Nilai terlalu besar.", "Value too large."),
    "form.exclusiveMinimum": ("Nilai terlalu kecil.", "Value too small."),
    "form.pattern": ("Format tidak sesuai.", "Wrong format."),
    "form.format": ("Format tidak sesuai.", "Wrong format."),
    "form.additionalProperties": ("Isian tidak dikenal.", "Unknown field."),
    "form.minItems": ("Isian kurang.", "Too few entries."),
    "form.uniqueItems": ("Ada pilihan ganda.", "A choice is given twice."),
    "form.const": ("Nilai tidak sesuai.", "Value not allowed."),
    "form.invalid": ("Isian tidak valid.", "Invalid value."),
    "form.must_tick": ("Harus dicentang.", "Must be ticked."),
    "form.own": ("{text}", "{text_en}"),  # the form's own message (x-message, its English in x-en)
    "form.differs": ("Harus orang yang berbeda dari isian \u201c{title}\u201d.",
                     "Must be someone other than the person in \u201c{title_en}\u201d."),
    "form.document_missing": ("Dokumen belum diunggah atau tidak ditemukan.", "Document not uploaded or not found."),
    "form.document_type": ("Jenis berkas {extension} tidak diterima isian ini; gunakan {accepted}",
                           "File type {extension} is not accepted here; use {accepted}"),
    "form.no_extension": ("(tanpa ekstensi)", "(no extension)"),
    "form.person_unknown": ("Pengguna '{username}' tidak dikenal.", "User '{username}' is unknown."),
    "form.person_inactive": ("Pengguna '{username}' tidak aktif.", "User '{username}' is not active."),
    "form.person_lacks_role": ("Pengguna '{username}' tidak memegang peran {role}.",
                               "User '{username}' does not hold the role {role_en}."),
    "form.not_in_register": ("Server tidak terdaftar di aset register (atau sudah dihapus)",
                             "Server not in the asset register (or removed from it)"),
    "form.servers_not_reviewed": ("Server belum ditinjau: {servers}", "Servers not reviewed yet: {servers}"),
    "form.servers_twice": ("Server ditinjau lebih dari sekali: {servers}",
                           "Servers reviewed more than once: {servers}"),
    # moving a running case to another version (engine.runtime.case_migration)
    "migration.completed": ("kasus sudah selesai", "the case has ended"),
    "migration.cancelled": ("kasus sudah dibatalkan", "the case was cancelled"),
    "migration.not_running": ("kasus sudah {status}", "the case is {status}"),
    "migration.not_newer": ("kasus berjalan pada versi {version}; hanya dapat dipindahkan ke versi yang lebih baru",
                            "the case runs on version {version}; it can only move to a newer version"),
    "migration.open_step": ("yang sedang aktif '{name}' ({element})", "open step '{name}' ({element})"),
    "migration.done_step": ("yang sudah selesai '{name}' ({element})", "completed step '{name}' ({element})"),
    "migration.step_gone": ("langkah {step} tidak ada di versi {version}", "the {step} is not in version {version}"),
    "migration.step_role": ("langkah {step} berganti peran dari '{old}' menjadi '{new}' di versi {version}",
                            "the {step} changes role from '{old}' to '{new}' in version {version}"),
    "migration.engine_mismatch": ("langkah aktif pada mesin alur tidak cocok dengan daftar tugas",
                                  "the workflow engine's open steps do not match the task list"),
    "migration.subprocess": ("kasus dengan sub-proses belum dapat dipindahkan",
                             "a case with a sub-process cannot be moved yet"),
    "migration.element_gone": ("elemen '{element}' yang sedang berjalan atau sudah dilalui tidak ada di versi "
                               "{version}",
                               "element '{element}', running or passed, is not in version {version}"),
    "migration.element_unmapped": ("elemen '{element}' tidak dapat dipetakan ke versi {version}",
                                   "element '{element}' cannot be mapped to version {version}"),
    "migration.hint_map": ("petakan ke langkah versi {version} dengan peran yang sama: {steps}",
                           "map it to a step of version {version} with the same role: {steps}"),
    "migration.hint_none": ("tidak ada langkah versi {version} dengan peran '{role}' untuk memetakannya",
                            "version {version} has no step with the role '{role}' to map it to"),
    "migration.target_gone": ("langkah tujuan '{wanted}' untuk '{name}' ({element}) tidak ada di versi {version}; "
                              "{hint}",
                              "the target step '{wanted}' for '{name}' ({element}) is not in version {version}; "
                              "{hint}"),
    "migration.target_role": ("langkah tujuan '{target}' ({wanted}) berperan '{role}', bukan '{own_role}' seperti "
                              "'{name}' ({element}); {hint}",
                              "the target step '{target}' ({wanted}) has the role '{role}', not '{own_role}' like "
                              "'{name}' ({element}); {hint}"),
    "migration.open_gone": ("langkah yang sedang aktif '{name}' ({element}) tidak ada di versi {version}; {hint}",
                            "the open step '{name}' ({element}) is not in version {version}; {hint}"),
}
