"""A file's bytes written by a thread of the process while the caller hashes them
(``engine.runtime.file_writes``), and an upload whose write fails."""
from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.runtime import file_writes
from engine.runtime.file_writes import ALONGSIDE_BYTES, write_while


@pytest.mark.parametrize("size", [1, ALONGSIDE_BYTES - 1, ALONGSIDE_BYTES, 200 * 1024, 3 * 1024 * 1024 + 7])
def test_every_byte_is_written_and_the_work_answers(tmp_path, size):
    content = os.urandom(size)
    handle = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT)
    try:
        digest = write_while(handle, content, lambda: hashlib.sha256(content).hexdigest())
    finally:
        os.close(handle)
    assert (tmp_path / "f").read_bytes() == content and digest == hashlib.sha256(content).hexdigest()


def test_a_failed_write_raises_after_the_work_ran(tmp_path):
    handle = os.open(tmp_path / "f", os.O_RDONLY | os.O_CREAT)  # open for reading: the write fails
    ran = []
    try:
        with pytest.raises(OSError):
            write_while(handle, b"x" * ALONGSIDE_BYTES, lambda: ran.append(True))
    finally:
        os.close(handle)
    assert ran == [True]


def test_work_that_fails_waits_for_the_write_and_raises_its_own_error(tmp_path):
    content = os.urandom(2 * 1024 * 1024)
    handle = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT)
    try:
        with pytest.raises(ZeroDivisionError):
            write_while(handle, content, lambda: 1 / 0)
        assert os.fstat(handle).st_size == len(content)  # whole before the caller could close the handle
    finally:
        os.close(handle)


def test_a_forked_process_writes_with_threads_of_its_own(tmp_path):
    content = os.urandom(ALONGSIDE_BYTES * 2)
    handle = os.open(tmp_path / "parent", os.O_WRONLY | os.O_CREAT)
    write_while(handle, content, lambda: None)  # the parent's pool exists before the fork
    os.close(handle)
    parent_pool = file_writes._pool
    pid = os.fork()
    if pid == 0:  # the child: the parent's threads are not here; a write through them would never run
        code = 1
        try:
            signal.alarm(20)  # a write queued to threads that are not here would never end: fail, not hang
            child = os.open(tmp_path / "child", os.O_WRONLY | os.O_CREAT)
            write_while(child, content, lambda: None)
            os.close(child)
            code = 0 if file_writes._pool is not parent_pool else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert (tmp_path / "child").read_bytes() == content


def test_an_upload_whose_write_fails_leaves_no_file(tmp_path):
    """Files limited to 100 KB in a process of its own: a 200 KB upload's write fails (EFBIG) in the
    writing thread; the upload is refused with the error, and neither its temporary file nor a file under
    its hash is left."""
    script = textwrap.dedent(f"""
        import io, os, resource, signal
        from engine.config import Settings
        from engine.runtime.attachments import AttachmentStore
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (100 * 1024, 100 * 1024))
        store = AttachmentStore(None, Settings("sqlite://", attachments_dir={str(tmp_path / "files")!r}))
        content = b"%PDF-1.4\\n" + b"0" * (200 * 1024)
        try:
            store.receive(io.BytesIO(content), "a.pdf", "pengelola", [".pdf"], None)
        except OSError as error:
            print("refused", error.errno)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == f"refused {errno.EFBIG}", done.stderr
    files = [os.path.join(d, f) for d, _, names in os.walk(tmp_path / "files") for f in names]
    assert files == []
