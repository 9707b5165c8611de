"""Moodle's names for the grading worksheet's columns, in each language Moodle speaks here.

Moodle writes the worksheet (mod/assign/gradingtable.php) and reads it back
(mod/assign/feedback/offline/importgradeslib.php) with ``get_string`` in the user's language, and the
importer finds a column only by its exact header.  These are the strings it uses, from the language
packs (github.com/projectestac/moodle-langpacks, <lang>/assign.php, moodle.php, langconfig.php and
assignfeedback_comments.php): the current wording first, then older wordings a worksheet from an
older Moodle may still carry.  A string a pack does not translate is Moodle's English one (its fallback).
Lithuanian (its "last modified" string holds HTML) and Urdu (its decimal separator changed) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Names:
    language: str  # Moodle's language code
    decimal: str  # get_string('decsep', 'langconfig'): format_float writes it, unformat_float reads it
    identifier: tuple[str, ...]  # get_string('recordid', 'assign'): "Participant <id>"
    grade: tuple[str, ...]  # get_string('gradenoun'); before Moodle 4.0 get_string('grade')
    maximum: tuple[str, ...]  # get_string('maxgrade', 'assign')
    modified: tuple[str, ...]  # get_string('lastmodifiedgrade', 'assign')
    feedback: tuple[str, ...]  # get_string('pluginname', 'assignfeedback_comments')
    changeable: tuple[str, ...]  # get_string('gradecanbechanged', 'assign')
    scale: tuple[str, ...]  # get_string('scale', 'assign'): the column instead of maximum on a scale
    no: tuple[str, ...]  # get_string('no'): what "grade can be changed" says of a locked grade

    @property
    def required(self) -> tuple[tuple[str, ...], ...]:
        """The columns the importer cannot do without."""
        return self.identifier, self.grade, self.modified


LANGUAGES: tuple[Names, ...] = (
    Names('en', decimal='.', identifier=('Identifier',), grade=('Grade',),
          maximum=('Maximum grade', 'Maximum Grade'), modified=('Last modified (grade)',),
          feedback=('Feedback comments',), changeable=('Grade can be changed',), scale=('Scale',), no=('No',)),
    Names('de', decimal=',', identifier=('ID',), grade=('Bewertung',), maximum=('Bestwertung',),
          modified=('Zuletzt geändert (Bewertung)',), feedback=('Feedback als Kommentar',),
          changeable=('Bewertung kann geändert werden',), scale=('Skala',), no=('Nein',)),
    Names('fr', decimal=',', identifier=('Identifiant',), grade=('Note',), maximum=('Note maximale',),
          modified=('Dernière modification (note)',), feedback=('Feedback par commentaires',),
          changeable=('La note peut être modifiée',), scale=('Barème',), no=('Non',)),
    Names('es', decimal=',', identifier=('Identificador',), grade=('Calificación',),
          maximum=('Calificación máxima',), modified=('Última modificación (calificación)',),
          feedback=('Comentarios de retroalimentación',), changeable=('La calificación puede ser cambiada',),
          scale=('Escala',), no=('No',)),
    Names('zh_cn', decimal='.', identifier=('标识符', '识别码'), grade=('成绩',), maximum=('最高分', '最高成绩'),
          modified=('上次修改（评分）', '最后修改（教师）'), feedback=('反馈意见', '评语反馈'), changeable=('允许更改成绩',), scale=('量表',),
          no=('否',)),
    Names('ja', decimal='.', identifier=('ID',), grade=('評点',), maximum=('最大評点',), modified=('最終更新日時 (評定)',),
          feedback=('フィードバックコメント',), changeable=('評点変更可',), scale=('評価尺度',), no=('No',)),
    Names('it', decimal=',', identifier=('Identificativo',), grade=('Valutazione',),
          maximum=('Valutazione massima',), modified=('Ultima modifica (valutazione)',), feedback=('Commenti',),
          changeable=('La valutazione può essere cambiata',), scale=('Scala',), no=('No',)),
    Names('ru', decimal=',', identifier=('Идентификатор',), grade=('Оценка',), maximum=('Максимальная оценка',),
          modified=('Последнее изменение (оценка)',), feedback=('Отзыв в виде комментария',),
          changeable=('Оценка может быть изменена',), scale=('Шкала',), no=('Нет',)),
    Names('pt', decimal=',', identifier=('Identificador', 'Número de identificação'), grade=('Avaliação', 'Nota'),
          maximum=('Nota máxima', 'Nota Máxima'), modified=('Última atualização (avaliação)',),
          feedback=('Comentários de feedback',), changeable=('A nota pode ser alterada.',), scale=('Escala',),
          no=('Não',)),
    Names('nl', decimal=',', identifier=('Identificatie',), grade=('Cijfer',), maximum=('Maximaal cijfer',),
          modified=('Laatst gewijzigd (beoordeling)',), feedback=('Feedback tekstvak', 'Feedback'),
          changeable=('Het cijfer kan gewijzigd worden',), scale=('Schaal',), no=('Nee',)),
    Names('ca', decimal=',', identifier=('Identificador',), grade=('Qualificació',),
          maximum=('Qualificació màxima',), modified=('Darrera modificació (qualificació)',),
          feedback=('Comentaris de retroacció.', 'Comentaris de retroalimentació', 'Comentaris de la retroacció'),
          changeable=('Es pot canviar la qualificació',), scale=('Escala',), no=('No',)),
    Names('ko', decimal='.', identifier=('식별자',), grade=('성적',), maximum=('최대 성적',), modified=('마지막 수정됨(성적)',),
          feedback=('피드백 코멘트',), changeable=('Grade can be changed',), scale=('척도',), no=('아니오',)),
    Names('sv', decimal=',', identifier=('Identifierare',), grade=('Betyg',),
          maximum=('Maxbetyg', 'Maximalt betyg'), modified=('Senast modifierat (betyg)',),
          feedback=('Återkopplingskommentarer', 'Återkoppling/kommentarer'), changeable=('Betyg kan ändras',),
          scale=('Skala',), no=('Nej',)),
    Names('tr', decimal=',', identifier=('Tanımlayıcı',), grade=('Not',), maximum=('Enyüksek not',),
          modified=('Son düzenleme (not)',), feedback=('Geri bildirim yorumları',),
          changeable=('Not değiştirilebilir',), scale=('Ölçek',), no=('Hayır',)),
    Names('uk', decimal=',', identifier=('Ідентифікатор',), grade=('Оцінка',), maximum=('Максимальна оцінка',),
          modified=('Востаннє змінювалося (оцінка)',), feedback=('Відгук - коментарем',),
          changeable=('Оцінка може бути змінена',), scale=('Шкала',), no=('Ні',)),
    Names('ar', decimal='.', identifier=('المُعرَّف',), grade=('الدرجة', 'العلامة', 'درجة'),
          maximum=('أعلى تقدير', 'أقصى علامة'), modified=('آخر تعديل (التقدير)', 'آخر تعديل (العلامة)'),
          feedback=('تعليقات الإفادة',), changeable=('يمكن تغيير الدرجة', 'يمكن تغيير العلامة'),
          scale=('المقياس', 'مقياس'), no=('لا',)),
    Names('el', decimal=',', identifier=('Αναγνωριστικό',), grade=('Βαθμός',),
          maximum=('Μέγιστος Βαθμός', 'Μέγιστος βαθμός'),
          modified=('Τελευταία τροποποίηση (βαθμολόγηση)', 'Τελευταία Τροποποίηση (βαθμολόγηση)'),
          feedback=('Σχόλια ανατροφοδότησης',), changeable=('Ο βαθμός μπορεί να αλλάξει',), scale=('Κλίμακα',),
          no=('Όχι',)),
    Names('eu', decimal=',', identifier=('Identifikatzailea',), grade=('Kalifikazioa',),
          maximum=('Gehieneko kalifikazioa', 'Gehienezko kalifikazioa'),
          modified=('Azken aldaketa (kalifikazioa)',), feedback=('Feedback-iruzkinak',),
          changeable=('Kalifikazioa alda daiteke',), scale=('Eskala',), no=('Ez',)),
    Names('gl', decimal=',', identifier=('Identificador',), grade=('Cualificación',),
          maximum=('Cualificación máxima',), modified=('Última modificación (cualificación)',),
          feedback=('Comentarios',),
          changeable=('A cualificación pode seren cambiada', 'A cualificación pode ser cambiada'),
          scale=('Escala',), no=('Non',)),
    Names('ro', decimal=',', identifier=('Identificator',), grade=('Notă',), maximum=('Notă maximă',),
          modified=('Ultima modificare (nota)',), feedback=('Comentarii de feedback',),
          changeable=('Nota poate fi schimbată',), scale=('Scală',), no=('Nu',)),
)

ENGLISH = LANGUAGES[0]
