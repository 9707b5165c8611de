"""Archives built as each LMS builds its download, from the naming rules in its source (see ../shared/lms-formats.md).

* Canvas, lib/content_zipper.rb: rubyzip, which writes names as UTF-8 bytes without the UTF-8 flag.
* Moodle, mod/assign/classes/downloader.php: ZipStream, which sets the UTF-8 flag.
* Gradescope "Export Submissions": ``assignment_<id>_export/`` with ``submission_metadata.yml``.
And the hostile archives no LMS writes but a download may still be: each kind of bad entry.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path


class RawName(zipfile.ZipInfo):
    """An entry whose name is written as the given bytes, without the UTF-8 flag (rubyzip, old Windows tools)."""

    def __init__(self, raw: bytes, **kw):
        super().__init__(raw.decode("cp437"), **kw)
        self.raw = raw

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own name
        return self.raw, self.flag_bits & ~0x800


def write_zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            if isinstance(name, zipfile.ZipInfo):
                name.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(name, data)
    return path


def zip_bytes(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buffer.getvalue()


# ------------------------------------------------------------------ Canvas


@dataclass(frozen=True)
class CanvasUpload:
    sortable_name: str  # "Doe, Jane"
    user_id: int
    attachment_id: int
    display_name: str  # the file name as the student's upload is called (a re-upload: "conv_layer-1.py")
    data: bytes
    late: bool = False
    anonymous_id: str | None = None  # anonymous grading


def canvas_entry(upload: CanvasUpload) -> str:
    """content_zipper.rb: get_filename, then "<base>_<attachment id>_<sanitised display name>"."""
    if upload.anonymous_id is not None:
        users_name, id_ = None, f"anon_{upload.anonymous_id}"
    else:
        # sanitize_user_name: "_123_" patterns lose their underscores, then downcase
        users_name, id_ = re.sub(r"_(\d+)_", r"\1", upload.sortable_name).lower(), str(upload.user_id)
    base = "_".join(p for p in (users_name, "LATE" if upload.late else None, id_) if p is not None)
    base = re.sub(r"[^\w]", "", base)  # sanitize_file_name: /[^[[:word:]]]/
    display = re.sub(r'[\x00/\\:*?"<>|]+', "_", upload.display_name)  # sanitize_attachment_filename
    return f"{base}_{upload.attachment_id}_{display}"


def canvas_text_entry(sortable_name: str, user_id: int, *, late: bool = False) -> str:
    base = "_".join(p for p in (sortable_name.lower(), "LATE" if late else None, str(user_id)) if p)
    return re.sub(r"[^\w]", "", base) + "_text.html"


def canvas_zip(path: Path, uploads: list[CanvasUpload], text_entries: list[str] = ()) -> Path:
    entries: list[tuple[zipfile.ZipInfo, bytes]] = [
        (RawName(canvas_entry(u).encode("utf-8")), u.data) for u in uploads]
    entries += [(RawName(name.encode("utf-8")), b"<html><body>my answer is in the text box</body></html>")
                for name in text_entries]
    return write_zip(path, entries)


# ------------------------------------------------------------------ Moodle


def moodle_prefix(full_name: str, participant_id: int) -> str:
    """downloader.php get_student_prefix: "_" in the name becomes " ", then clean_filename(name + "_" + id)."""
    return re.sub(r'[\x00-\x1f/\\:*?"<>|]', "", full_name.replace("_", " ") + f"_{participant_id}")


def moodle_entry(full_name: str, participant_id: int, filename: str, *, mode: str = "folders",
                 filepath: str = "/", plugin: str = "file") -> str:
    prefix = moodle_prefix(full_name, participant_id)
    if mode == "folders":  # the default "download as folders"
        return f"{prefix}_assignsubmission_{plugin}{filepath}{filename}"
    if mode == "trailing":  # older versions: a "_" before the folder's slash
        return f"{prefix}_assignsubmission_{plugin}_{filepath}{filename}"
    return f"{prefix}_assignsubmission_{plugin}_{filename}"  # flat


def moodle_zip(path: Path, files: list[tuple[str, int, str, bytes]], *, mode: str = "folders") -> Path:
    return write_zip(path, [(moodle_entry(name, pid, filename, mode=mode), data)
                            for name, pid, filename, data in files])


# ------------------------------------------------------------------ Gradescope


@dataclass(frozen=True)
class GradescopeSubmission:
    submission_id: int
    submitters: list[tuple[str, str, str]]  # (name, sid, email)
    files: dict[str, bytes]
    created_at: str = "2024-01-15 10:00:00.000000000 -08:00"


def gradescope_metadata(submissions: list[GradescopeSubmission], *, due_date: str | None = None) -> str:
    """What Ruby's Psych writes for Gradescope's hash of symbol keys."""
    lines = []
    for sub in submissions:
        lines.append(f"submission_{sub.submission_id}:")
        lines.append("  :submitters:")
        for name, sid, email in sub.submitters:
            lines += [f"  - :name: {name}", f"    :sid: '{sid}'", f"    :email: {email}"]
        lines.append(f"  :created_at: {sub.created_at}")
        if due_date:
            lines += ["  :assignment:", f"    :due_date: {due_date}"]
        lines += ["  :score: ", "  :status: processed"]
    return "\n".join(lines) + "\n"


def gradescope_zip(path: Path, submissions: list[GradescopeSubmission], *, assignment_id: int = 4242,
                   due_date: str | None = None) -> Path:
    root = f"assignment_{assignment_id}_export/"
    entries: list[tuple[str, bytes]] = [
        (root + "submission_metadata.yml", gradescope_metadata(submissions, due_date=due_date).encode("utf-8"))]
    for sub in submissions:
        entries += [(f"{root}submission_{sub.submission_id}/{name}", data) for name, data in sub.files.items()]
    return write_zip(path, entries)


# ------------------------------------------------------------------ hostile entries


def symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix: the mode in external_attr counts
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def encrypted(path: Path, name: str) -> Path:
    """Mark one entry encrypted (traditional PKWARE: general purpose bit 0), as a password-protecting tool does.

    Python's zipfile cannot write encrypted entries; the flag is what a reader goes by.
    """
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    data[info.header_offset + 6] |= 0x1  # the local header's flags
    central = data.find(b"PK\x01\x02")
    while central != -1:
        length = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + length] == name.encode():
            data[central + 8] |= 0x1  # the central directory's flags
        central = data.find(b"PK\x01\x02", central + 46)
    path.write_bytes(bytes(data))
    return path


def truncated(path: Path, source: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def corrupt_entry_data(path: Path, name: str) -> Path:
    """Flip bytes in the middle of one entry's compressed data (its CRC no longer matches)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 2, start + min(info.compress_size, 40) - 2):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return path
