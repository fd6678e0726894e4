"""Empty files made ahead for uploads (engine.runtime.spare_files): an upload takes one made before it came,
and what is not taken is removed when the store stops."""
from __future__ import annotations

import gc
import io
import os
import time

import pytest

from engine.runtime.spare_files import SpareFiles, spare_files_for

pytestmark = pytest.mark.sqlite_only("files on disk and a thread; no SQL")


def _wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def test_a_take_wakes_the_thread_which_makes_files_ahead_for_the_next(tmp_path):
    folder = str(tmp_path / "tmp")
    spare = SpareFiles(folder, keep=3)
    handle, first = spare.take()  # none made yet: made now, and the thread started
    os.close(handle)
    assert _wait_for(lambda: spare.ready == 3) and spare.made == 3
    ahead = sorted(os.listdir(folder))
    assert len(ahead) == 4 and all(os.path.getsize(os.path.join(folder, n)) == 0 for n in ahead)
    handle, second = spare.take()  # one made before it was asked for
    assert os.path.basename(second) in ahead and second != first
    os.write(handle, b"isi")
    os.close(handle)
    with open(second, "rb") as written:
        assert written.read() == b"isi"
    assert all(name.startswith(f"{os.getpid()}.") for name in os.listdir(folder))  # named as before
    assert _wait_for(lambda: spare.ready == 3)  # made again
    spare.stop()


def test_stop_removes_the_files_not_taken_and_take_still_works(tmp_path):
    folder = tmp_path / "tmp"
    spare = SpareFiles(str(folder), keep=2)
    os.close(spare.take()[0])
    assert _wait_for(lambda: spare.ready == 2)
    spare.stop()
    assert len(os.listdir(folder)) == 1  # the one taken, which its upload renames or removes
    handle, name = spare.take()  # made on the spot, no thread started again
    os.close(handle)
    time.sleep(0.05)
    assert spare.ready == 0 and len(os.listdir(folder)) == 2


def test_the_files_are_removed_when_their_store_is_collected(tmp_path):
    class Owner:
        pass

    owner = Owner()
    folder = tmp_path / "tmp"
    spare = spare_files_for(owner, str(folder), keep=2)
    os.close(spare.take()[0])
    assert _wait_for(lambda: spare.ready == 2)
    del owner
    gc.collect()
    assert len(os.listdir(folder)) == 1 and spare.ready == 0


def test_a_forked_child_leaves_its_parents_files_and_makes_its_own(tmp_path):
    folder = tmp_path / "tmp"
    spare = SpareFiles(str(folder), keep=2)
    handle, first = spare.take()
    os.close(handle)
    assert _wait_for(lambda: spare.ready == 2)
    parents = set(os.listdir(folder))
    child = os.fork()
    if child == 0:  # the child: its take is a file of its own, and it makes its own ahead
        code = 1
        try:
            handle, name = spare.take()
            os.close(handle)
            mine = os.path.basename(name).startswith(f"{os.getpid()}.")
            code = 0 if mine and _wait_for(lambda: spare.ready == 2) else 3
            spare.stop()  # removes the child's files made ahead, not the parent's
        finally:
            os._exit(code)
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert parents <= set(os.listdir(folder)) and spare.ready == 2  # the parent's, all still its own
    spare.stop()
    left = set(os.listdir(folder)) - {os.path.basename(first)}
    assert len(left) == 1 and not left.pop().startswith(f"{os.getpid()}.")  # the child's taken file alone


def test_an_upload_writes_into_a_file_made_ahead(alur):
    pdf = b"%PDF-1.4\n% Alur uji spare\n%%EOF\n"
    first = alur.attachments.store(io.BytesIO(pdf), "a.pdf", "pengelola", [".pdf"])
    tmp = os.path.join(alur.settings.attachments_dir, "tmp")
    assert _wait_for(lambda: alur.attachments._spare.ready == 4)
    ahead = set(os.listdir(tmp))
    second = alur.attachments.store(io.BytesIO(pdf + b"%2\n"), "b.pdf", "pengelola", [".pdf"])
    taken = ahead - set(os.listdir(tmp))
    assert len(taken) == 1  # one of the files made ahead became the upload
    assert alur.attachments.path_of(second.sha256).read_bytes() == pdf + b"%2\n"
    assert alur.attachments.path_of(first.sha256).read_bytes() == pdf
    alur.close()
    assert os.listdir(tmp) == []
