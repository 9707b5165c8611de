"""What each LMS's import does with a file, as ../shared/lms-formats.md describes it: the checkers the
export tests read their output back with.  Written from those rules, not from our exporters."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

CANVAS_TITLE = re.compile(r"\A(.*)\s\((\d+)\)\Z")


class ImportRejected(AssertionError):
    pass


def _table(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    header = text.splitlines()[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","  # Canvas detects , or ;
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if row]


def canvas(path: Path) -> dict:
    """Canvas's gradebook importer: {"columns": {title: (name, id|None)}, "points": {title: value},
    "grades": {user id: {title: float | "EX" | None (no change)}}}."""
    rows = _table(path)
    header = rows[0]
    if "Student" not in header[0] or "ID" not in header[1] or len(header) <= 3:
        raise ImportRejected(f"not a Canvas gradebook header: {header}")
    section = max(i for i, name in enumerate(header) if "Section" in name)
    columns = {}
    for title in header[section + 1:]:
        found = CANVAS_TITLE.match(title)
        columns[title] = (found.group(1), found.group(2)) if found else (title, None)  # no id: a new assignment
    points, grades = {}, {}
    for row in rows[1:]:
        if row[0].strip() == "Points Possible":
            points = {t: float(v.replace(",", ".")) for t, v in zip(header[section + 1:], row[section + 1:]) if v}
            continue
        user = row[1].strip()
        cells = {}
        for title, value in zip(header[section + 1:], row[section + 1:]):
            value = value.strip()
            if value in ("", "-"):
                cells[title] = None
            elif value == "EX":
                cells[title] = "EX"
            else:
                if not re.fullmatch(r"\d+[.,]\d\d", value):
                    raise ImportRejected(f"{user}: score {value!r} is not a number with two decimals")
                cells[title] = float(value.replace(",", "."))
        if user in grades and grades[user] != cells:
            raise ImportRejected(f"user {user} twice, with different grades")
        grades[user] = cells
    return {"columns": columns, "points": points, "grades": grades}


def _parseable_date(text: str) -> bool:
    """What PHP's strtotime reads among the forms we meet: ISO-8601, and Moodle's own English userdate format.
    A date written out in another language ("Montag, 15. Januar 2024, 10:00") it does not read."""
    for attempt in (lambda t: datetime.fromisoformat(t),
                    lambda t: datetime.strptime(t, "%A, %d %B %Y, %I:%M %p")):
        try:
            attempt(text)
            return True
        except ValueError:
            pass
    return False


# What get_string returns in each language, copied from the language packs (github.com/projectestac/
# moodle-langpacks: <lang>/assign.php, moodle.php, langconfig.php, assignfeedback_comments.php), apart from
# the exporter's own table: the column names gradingtable.php writes and the importer looks for, the
# "Participant" prefix of an identifier (core English ends it with a space, the packs' translations do
# not), yes/no, a submission's status and date as Moodle writes them, and the decimal separator.
MOODLE_STRINGS = {
    "en": dict(recordid="Identifier", fullname="Full name", email="Email address", status="Status", grade="Grade",
               maxgrade="Maximum grade", gradecanbechanged="Grade can be changed",
               lastmodifiedsubmission="Last modified (submission)", lastmodifiedgrade="Last modified (grade)",
               feedback="Feedback comments", hiddenuser="Participant ", yes="Yes", no="No",
               submitted="Submitted for grading", date="Monday, 15 January 2024, 10:00 AM", decsep="."),
    "de": dict(recordid="ID", fullname="Vollständiger Name", email="E-Mail-Adresse", status="Status", grade="Bewertung",
               maxgrade="Bestwertung", gradecanbechanged="Bewertung kann geändert werden",
               lastmodifiedsubmission="Zuletzt geändert (Abgabe)", lastmodifiedgrade="Zuletzt geändert (Bewertung)",
               feedback="Feedback als Kommentar", hiddenuser="Teilnehmer/in", yes="Ja", no="Nein",
               submitted="Zur Bewertung abgegeben", date="Montag, 15. Januar 2024, 10:00", decsep=","),
    "fr": dict(recordid="Identifiant", fullname="Nom complet", email="Adresse de courriel", status="Statut",
               grade="Note", maxgrade="Note maximale", gradecanbechanged="La note peut être modifiée",
               lastmodifiedsubmission="Dernière modification (travail remis)",
               lastmodifiedgrade="Dernière modification (note)", feedback="Feedback par commentaires",
               hiddenuser="Participant", yes="Oui", no="Non", submitted="Remis pour évaluation",
               date="lundi 15 janvier 2024, 10:00", decsep=","),
    "es": dict(recordid="Identificador", fullname="Nombre completo", email="Dirección de correo", status="Estado",
               grade="Calificación", maxgrade="Calificación máxima",
               gradecanbechanged="La calificación puede ser cambiada",
               lastmodifiedsubmission="Última modificación (entrega)",
               lastmodifiedgrade="Última modificación (calificación)", feedback="Comentarios de retroalimentación",
               hiddenuser="Participante", yes="Sí", no="No", submitted="Enviado para calificar",
               date="lunes, 15 de enero de 2024, 10:00", decsep=","),
    "zh_cn": dict(recordid="标识符", fullname="全名", email="电子邮件地址", status="状态", grade="成绩",
                  maxgrade="最高分", gradecanbechanged="允许更改成绩", lastmodifiedsubmission="上次修改（作业）",
                  lastmodifiedgrade="上次修改（评分）", feedback="反馈意见", hiddenuser="参与人", yes="是的", no="否",
                  submitted="已提交请评分", date="2024年01月15日 星期一 10:00", decsep="."),
    "ja": dict(recordid="ID", fullname="フルネーム", email="メールアドレス", status="ステータス", grade="評点",
               maxgrade="最大評点", gradecanbechanged="評点変更可", lastmodifiedsubmission="最終更新日時 (提出)",
               lastmodifiedgrade="最終更新日時 (評定)", feedback="フィードバックコメント", hiddenuser="参加者",
               yes="Yes", no="No", submitted="評定のために提出済み", date="2024年 01月 15日(月曜日) 10:00", decsep="."),
    "ru": dict(recordid="Идентификатор", fullname="Полное имя", email="Адрес электронной почты", status="Статус",
               grade="Оценка", maxgrade="Максимальная оценка", gradecanbechanged="Оценка может быть изменена",
               lastmodifiedsubmission="Последнее изменение (ответ)", lastmodifiedgrade="Последнее изменение (оценка)",
               feedback="Отзыв в виде комментария", hiddenuser="Участник", yes="Да", no="Нет",
               submitted="Отправлено для оценивания", date="понедельник, 15 января 2024, 10:00", decsep=","),
}


def unformat_float(text: str, decsep: str) -> float | None:
    """moodlelib's unformat_float: spaces out, the language's separator becomes a point, then PHP's (float)
    cast, which reads the leading number and ignores the rest ("8,50" is 8 where the separator is ".")."""
    text = text.strip()
    if not text:
        return None
    text = text.replace(" ", "").replace(decsep, ".")
    found = re.match(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text)
    return float(found.group(0)) if found else 0.0


def moodle(path: Path, lang: str = "en", *, maximum: float = 10.0) -> dict[str, dict]:
    """Moodle's offline grading import by a user whose language is ``lang``, for an assignment graded out of
    ``maximum``: {participant id: {"grade", "feedback", "modified"}} of the rows it takes."""
    names = MOODLE_STRINGS[lang]
    rows = _table(path)
    header = [cell.strip() for cell in rows[0]]  # csv_import_reader trims the column names
    if len(set(header)) != len(header):
        raise ImportRejected(f"duplicate column names: {header}")
    for needed in ("recordid", "grade", "lastmodifiedgrade"):
        if names[needed] not in header:
            raise ImportRejected(f"the worksheet lacks {names[needed]!r} ({needed})")
    col = {name: header.index(name) for name in header}
    taken = {}
    for row in rows[1:]:
        if len(row) != len(header):
            raise ImportRejected(f"a row of {len(row)} cells under a header of {len(header)}")
        identifier = row[col[names["recordid"]]]
        unique_id = identifier[len(names["hiddenuser"]):]  # substr(idstr, strlen(get_string('hiddenuser')))
        if not identifier.startswith(names["hiddenuser"]) or not unique_id.isdigit():
            raise ImportRejected(f"bad identifier {identifier!r}")
        locked = names["gradecanbechanged"] in col and row[col[names["gradecanbechanged"]]] == names["no"]
        grade = unformat_float(row[col[names["grade"]]], names["decsep"])
        if grade is None or grade < 0 or grade > maximum or locked:
            continue  # empty, out of range or locked: skipped
        modified = row[col[names["lastmodifiedgrade"]]]
        if not _parseable_date(modified):
            continue  # read as the epoch: older than any grade Moodle holds, skipped
        feedback = col.get(names["feedback"])
        taken[unique_id] = {"grade": grade, "modified": modified,
                            "feedback": row[feedback] if feedback is not None else None}
    return taken
