"""Worker slots: no two graders running at once on this machine share a sandbox uid."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from grader.sandbox import slots


@pytest.fixture
def lock_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(slots.tempfile, "gettempdir", lambda: str(tmp_path))
    return tmp_path / f"grader-slots-{os.geteuid()}"


def test_slots_held_at_the_same_time_are_distinct(lock_folder):
    with slots.claim() as first, slots.claim() as second:
        assert first.number != second.number
        taken = first.number
    with slots.claim() as again:  # released: the lowest free slot is handed out again
        assert again.number == taken


def test_a_slot_held_by_another_process_is_skipped_and_cannot_be_taken(lock_folder):
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            sys.path.insert(0, {os.getcwd()!r})
            from grader.sandbox import slots
            slots.tempfile.gettempdir = lambda: {str(lock_folder.parent)!r}
            slot = slots.claim()
            print(slot.number, flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        held = int(holder.stdout.readline())
        with slots.claim() as mine:
            assert mine.number != held
        with pytest.raises(slots.SlotUnavailable, match="in use"):
            slots.claim(held)
    finally:
        holder.stdin.close()
        holder.wait(10)
    with slots.claim(held):  # the kernel dropped the lock with the process
        pass


def test_a_lock_folder_others_can_write_is_refused(lock_folder):
    lock_folder.mkdir(mode=0o777)
    os.chmod(lock_folder, 0o777)
    with pytest.raises(slots.SlotUnavailable, match="not a private folder"):
        slots.claim()


def test_slot_numbers_stay_in_range(lock_folder):
    with pytest.raises(slots.SlotUnavailable, match="out of range"):
        slots.claim(slots.MAX_SLOTS)
