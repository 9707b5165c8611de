"""grader.files: a file is replaced whole or not at all, and a failed write leaves nothing behind."""

from __future__ import annotations

import errno
import os
import stat
import threading

import pytest

from grader.files import open_atomically, write_atomically
from test_gradebook import small_disk


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_text_is_written_as_utf8_bytes_and_replaces_the_old_file(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("old")
    write_atomically(path, "新的\r\nline\n")
    assert path.read_bytes() == "新的\r\nline\n".encode("utf-8")  # no line ending translated
    write_atomically(path, b"\x00bytes")
    assert path.read_bytes() == b"\x00bytes" and _listing(tmp_path) == ["report.html"]


def test_a_failure_while_writing_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("id,score\nalice,100\n")
    with pytest.raises(RuntimeError, match="interrupted"):
        with open_atomically(path, newline="") as handle:
            handle.write("id,score\n")
            raise RuntimeError("interrupted")
    assert path.read_text() == "id,score\nalice,100\n"
    assert _listing(tmp_path) == ["grades.csv"]


def test_a_new_file_is_not_there_until_it_is_complete(tmp_path):
    path = tmp_path / "result.json"
    with open_atomically(path) as handle:
        handle.write("{")
        handle.flush()
        assert not path.exists() and len(_listing(tmp_path)) == 1  # only the temporary file, beside the target
        handle.write("}")
    assert path.read_text() == "{}" and _listing(tmp_path) == ["result.json"]


def test_a_full_disk_raises_enospc_and_keeps_the_old_file_with_no_temporary_file(tmp_path):
    with small_disk(tmp_path / "disk", "64k") as disk:
        path = disk / "summary.html"
        path.write_text("the old summary")
        with pytest.raises(OSError) as raised:
            write_atomically(path, "x" * (1024 * 1024))
        assert raised.value.errno == errno.ENOSPC
        assert path.read_text() == "the old summary" and _listing(disk) == ["summary.html"]


def test_permissions_follow_the_umask_unless_asked_for_a_private_file(tmp_path):
    previous = os.umask(0o022)
    try:
        write_atomically(tmp_path / "report.html", "shared")
        write_atomically(tmp_path / "record.json", "private", mode=0o600)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "report.html").stat().st_mode) == 0o644  # as write_text would make it
    assert stat.S_IMODE((tmp_path / "record.json").stat().st_mode) == 0o600


def test_writers_at_once_each_replace_the_file_whole(tmp_path):
    path = tmp_path / "record.json"
    texts = [str(i) * 100_000 for i in range(8)]
    threads = [threading.Thread(target=write_atomically, args=(path, text)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert path.read_text() in texts and _listing(tmp_path) == ["record.json"]


def test_a_link_where_the_temporary_file_would_go_is_not_followed(tmp_path, monkeypatch):
    # The temporary name is random; were it guessed, a link there must not redirect the write.
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    monkeypatch.setattr("grader.files.secrets.token_hex", lambda n: "guessed")
    (tmp_path / ".out.txt.guessed.tmp").symlink_to(victim)
    with pytest.raises(FileExistsError):
        write_atomically(tmp_path / "out.txt", "data")
    assert victim.read_text() == "untouched" and not (tmp_path / "out.txt").exists()
