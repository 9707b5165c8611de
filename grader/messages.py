"""Message catalogues: every sentence a report shows, in every supported language.

Results stay plain data in English (``TestResult.message``); reports render
them in the reader's language from structured fields instead:

* ``TestResult.message_key`` + ``message_args``: a check's ``Mismatch`` names
  its sentence by key (``"values_wrong"``) with the values to fill in.  An
  argument may itself be a phrase, ``{"key": ..., "args": ..., "en": ...}``
  (see ``grader.checks.Phrase``), translated the same way.
* ``TestResult.diagnosis``: a mistake code, turned into one plain sentence
  and a hint that does not give the answer away.  ``code@exercise`` entries
  refine a code for one exercise.
* ``ExerciseResult`` and ``LoadIssue`` carry ``message_key`` + ``message_args``
  the same way, for the sentences the engine writes itself (an exercise that
  is not defined, a forbidden operation, a file that does not load); a
  ``LoadIssue`` without a key holds the text of the student's own exception.
  ``LoadIssue.where`` is a label ("line 12", "cell 3"), translated by ``place``.
* check titles are looked up by their English text (gettext style); the assignment's
  title, exercise titles and policy messages come from ``assignment.toml``
  (``title``/``title_zh``, ``message``/``message_zh``), the assignment's as the message
  ``assignment.title``, a policy's as the message ``policy.<name>``.

The engine-wide sentences live here; each assignment adds its own in
``<assignment>/messages.py`` (``MESSAGES``, ``DIAGNOSES``, ``TITLES``), which
overrides these.  A key missing in a language falls back to English; a
message whose key the catalogue lacks (or that has none) is shown as written.
"""

from __future__ import annotations

import importlib
import os
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from grader.results import LoadIssue, Outcome, Status, TestResult

LANGS = ("en", "zh")
DEFAULT_LANG = "en"

# key -> {lang: template}; templates use str.format fields: "{what}".
MESSAGES: dict[str, dict[str, str]] = {
    # ---- report and terminal
    "report.title": {"en": "Grading report: {submission}", "zh": "评分报告：{submission}"},
    "report.assignment": {"en": "Assignment", "zh": "作业"},
    "report.submission": {"en": "Submission", "zh": "提交"},
    "report.source": {"en": "File", "zh": "文件"},
    "report.score": {"en": "Score", "zh": "得分"},
    "report.score_line": {"en": "Score: {score} of {max_score} points", "zh": "得分：{score} / {max_score} 分"},
    "report.late": {"en": "Submitted late.", "zh": "逾期提交。"},
    "report.late_penalty": {"en": "Submitted late: {percent}% off, {score} of {max_score} points after the penalty.",
                            "zh": "逾期提交：扣除 {percent}%，扣除后得 {score} / {max_score} 分。"},
    # the short summary a student reads in the LMS (grader.exports.feedback)
    "feedback.points": {"en": "{score}/{max_score} points", "zh": "{score}/{max_score} 分"},
    "feedback.late": {"en": "{points} ({reason}; {before} before the penalty)",
                      "zh": "{points}（逾期：{reason}；扣分前 {before} 分）"},
    "feedback.exercise": {"en": "{name}: {score}/{max_score}", "zh": "{name}：{score}/{max_score}"},
    "feedback.mistake": {"en": "{exercise}, mistake: {mistake}", "zh": "{exercise}，错误：{mistake}"},
    "feedback.problem": {"en": "{exercise}, {problem}", "zh": "{exercise}，{problem}"},
    "report.checks_run": {"en": "Checks run: {which}", "zh": "运行的检查：{which}"},
    "report.public": {"en": "public", "zh": "公开"},
    "report.hidden": {"en": "hidden", "zh": "隐藏"},
    "for_students.hidden_failed": {"en": "a hidden check did not pass (its inputs are not shown)",
                                   "zh": "一项隐藏检查未通过（不显示其输入）"},
    "report.overview": {"en": "Overview", "zh": "概览"},
    "report.exercise": {"en": "Exercise", "zh": "练习"},
    "report.exercises": {"en": "Exercises", "zh": "各练习详情"},
    "report.points": {"en": "Points", "zh": "分数"},
    "report.points_of": {"en": "{score} of {max_score} points", "zh": "{score} / {max_score} 分"},
    "report.status": {"en": "Status", "zh": "状态"},
    "report.mistake": {"en": "Mistake", "zh": "错误"},
    "report.hint": {"en": "Hint", "zh": "提示"},
    "report.seen": {"en": "What the check saw", "zh": "检查看到的现象"},
    "report.no_mistake": {"en": "—", "zh": "—"},
    "report.properties": {"en": "Properties checked", "zh": "检查的性质"},
    "report.property": {"en": "Property", "zh": "性质"},
    "report.weight": {"en": "Weight", "zh": "权重"},
    "report.result": {"en": "Result", "zh": "结果"},
    "report.visibility": {"en": "Checks", "zh": "检查类别"},
    "report.failed_property": {"en": "Failed: {title}", "zh": "未通过：{title}"},
    "report.counterexample": {"en": "Smallest counterexample", "zh": "最小反例"},
    "report.telling": {"en": "An input that shows the mistake", "zh": "能说明这个错误的输入"},
    "report.inputs": {"en": "Input", "zh": "输入"},
    "report.expected": {"en": "Expected", "zh": "期望结果"},
    "report.got": {"en": "Your result", "zh": "你的结果"},
    "report.difference": {"en": "Difference (yours − expected)", "zh": "差值（你的结果 − 期望结果）"},
    "report.shapes_differ": {"en": "The shapes differ: expected {expected}, yours is {got}.",
                             "zh": "形状不同：期望 {expected}，你的结果是 {got}。"},
    "report.wrong_cells": {"en": "{wrong} of {total} entries are wrong; they are outlined and marked {mark}.",
                           "zh": "{total} 个元素中有 {wrong} 个不对，已加粗边框并标上 {mark}。"},
    "report.legend": {"en": "Colour shows sign and size: blue is negative, red is positive, white is zero. "
                            "The number in each cell is its value.",
                      "zh": "颜色表示符号和大小：蓝色为负，红色为正，白色为零。每个格子里的数字就是它的值。"},
    "report.truncated_grid": {"en": "showing the top-left {rows} × {cols} of {shape}",
                              "zh": "只显示 {shape} 左上角的 {rows} × {cols} 部分"},
    "report.grid_caption": {"en": "{name}: shape {shape}, {dtype}", "zh": "{name}：形状 {shape}，{dtype}"},
    "report.channel": {"en": "channel {c}", "zh": "通道 {c}"},
    "report.output_channel": {"en": "output channel {o}", "zh": "输出通道 {o}"},
    "report.input_channel": {"en": "input channel {i}", "zh": "输入通道 {i}"},
    "report.slice": {"en": "the slice {index} of its {n} axes", "zh": "{n} 个轴中的切片 {index}"},
    "report.truncated_stack": {"en": "showing {shown} of {shape}: the first channels, their top-left corners",
                               "zh": "只显示 {shape} 中的 {shown} 部分：前几个通道的左上角"},
    "report.row": {"en": "row", "zh": "行"},
    "report.col": {"en": "column", "zh": "列"},
    "report.index": {"en": "index", "zh": "序号"},
    "report.wrong": {"en": "wrong", "zh": "错误"},
    "report.value": {"en": "value", "zh": "值"},
    "report.traceback": {"en": "Traceback (your code)", "zh": "回溯信息（你的代码）"},
    "report.details": {"en": "Details", "zh": "详细信息"},
    "report.original": {"en": "Original message (English)", "zh": "原始信息（英文）"},
    "report.output": {"en": "What your code printed", "zh": "你的代码打印的输出"},
    "report.output_truncated": {"en": "(truncated: {shown} of {total} characters shown)",
                                "zh": "（已截断：显示 {total} 个字符中的 {shown} 个）"},
    "report.no_output": {"en": "Your code printed nothing while loading.", "zh": "你的代码在加载时没有打印任何内容。"},
    "report.load_issues": {"en": "Problems while loading your code", "zh": "加载代码时的问题"},
    "report.graded_notes": {"en": "What was graded", "zh": "评分的内容"},
    "report.where": {"en": "Where", "zh": "位置"},
    "report.all_passed": {"en": "Every check passed. Well done!", "zh": "所有检查都通过了，做得好！"},
    "terminal.warning": {"en": "warning: {text}", "zh": "警告：{text}"},
    # which assignment the files are for, when the command line did not say (grader.intake.recognise)
    "recognised.defines": {"en": "graded as {assignment}: defines {names} ({n} of its {total} names)",
                           "zh": "按作业 {assignment} 评分：代码定义了 {names}（它的 {total} 个名字中的 {n} 个）"},
    "recognised.named": {"en": "graded as {assignment}: the file is named {file}",
                         "zh": "按作业 {assignment} 评分：文件名是 {file}"},
    "recognised.batch": {"en": "graded as {assignment}: {votes} of {files} code files look like it, {others} like "
                               "another assignment; together they define {names} ({n} of its {total} names)",
                         "zh": "按作业 {assignment} 评分：{files} 个代码文件中有 {votes} 个属于它，{others} 个像别的作业；"
                               "它们一共定义了 {names}（它的 {total} 个名字中的 {n} 个）"},
    "recognised.only": {"en": "graded as {assignment}, the only assignment installed (nothing in {what} defines its names)",
                        "zh": "按作业 {assignment} 评分：这是唯一安装的作业（{what} 中没有定义它的名字）"},
    "recognised.export_held": {"en": "exporting as {assignment}: {what} holds its results",
                               "zh": "按作业 {assignment} 导出：{what} 中是它的结果"},
    "recognised.export_only": {"en": "exporting as {assignment}, the only assignment installed",
                               "zh": "按作业 {assignment} 导出：这是唯一安装的作业"},
    "isolation.unknown": {"en": "sandbox: isolation unknown (no student code ran)",
                          "zh": "沙箱：隔离情况未知（没有运行学生代码）"},
    "isolation.all_on": {"en": "sandbox: all {n} isolation layers on", "zh": "沙箱：全部 {n} 层隔离均已启用"},
    "isolation.some_off": {"en": "sandbox: weaker isolation, {off} of {n} layers off on this machine: {layers}",
                           "zh": "沙箱：隔离较弱，本机 {n} 层中有 {off} 层未启用：{layers}"},
    "report.isolation_off": {"en": "Isolation layers off on this machine: {layers}",
                             "zh": "本机未启用的隔离层：{layers}"},
    "report.generated": {"en": "Generated by grader {version} in {seconds} s.",
                         "zh": "由 grader {version} 生成，用时 {seconds} 秒。"},
    "report.first_failure": {"en": "first failure", "zh": "第一个未通过的检查"},
    "report.passed_all_properties": {"en": "All {n} properties hold.", "zh": "全部 {n} 条性质都成立。"},
    "report.not_run": {"en": "Not run", "zh": "未运行"},
    "report.skip_to_content": {"en": "Skip to the exercises", "zh": "跳到各练习详情"},
    "report.see_exercise": {"en": "details of {name}", "zh": "{name} 的详情"},
    "report.task": {"en": "The task", "zh": "题目"},
    "report.failed_checks": {"en": "{n} checks did not pass, with the same message", "zh": "{n} 项检查未通过，原因相同"},
    "report.shape": {"en": "shape {shape}", "zh": "形状 {shape}"},
    "report.empty": {"en": "empty: shape {shape}, no entries", "zh": "空张量：形状 {shape}，没有元素"},
    "report.corner": {"en": "row \\ column", "zh": "行 \\ 列"},
    # the symbols themselves are grader.reports.symbols'
    "report.symbols": {"en": "{passed} passed · {partial} partly right · {failed} failed or error · "
                             "{not_implemented} not implemented",
                       "zh": "{passed} 通过 · {partial} 部分正确 · {failed} 未通过或出错 · {not_implemented} 未实现"},
    # ---- the student template's introduction (grader.student_template); an assignment adds template.rule.*
    "template.heading": {"en": "{title} · Exercises", "zh": "{title} · 练习"},
    "template.intro": {"en": "Implement the function or class in each code cell below and remove its "
                             "`raise NotImplementedError`. The autograder scores the submission out of {max_score} "
                             "points.",
                       "zh": "实现下面每个代码单元中的函数或类，删除 `raise NotImplementedError`。"
                             "提交后由自动评分器评分（共 {max_score} 分）。"},
    "template.name": {"en": "name", "zh": "名称"},
    "template.points": {"en": "points", "zh": "分数"},
    "template.rules": {"en": "Rules", "zh": "规则"},
    # ---- terminal
    "terminal.score": {"en": "score {score}/{max_score}", "zh": "得分 {score}/{max_score}"},
    "terminal.mistake": {"en": "mistake: {text}", "zh": "错误：{text}"},
    "terminal.hint": {"en": "hint: {text}", "zh": "提示：{text}"},
    "terminal.seen": {"en": "what the check saw: {text}", "zh": "检查看到的现象：{text}"},
    "terminal.telling": {"en": "an input that shows the mistake:", "zh": "能说明这个错误的输入："},
    "terminal.expected": {"en": "expected:", "zh": "期望结果："},
    "terminal.got": {"en": "yours:", "zh": "你的结果："},
    "terminal.shape": {"en": "tensor of shape {shape} ({dtype})", "zh": "形状为 {shape} 的张量（{dtype}）"},
    "terminal.channel": {"en": "channel {c} of {n}:", "zh": "通道 {c}（共 {n} 个）："},
    "terminal.channel_pair": {"en": "output channel {o} of {n_o}, input channel {i} of {n_i}:",
                              "zh": "输出通道 {o}（共 {n_o} 个），输入通道 {i}（共 {n_i} 个）："},
    "terminal.slice": {"en": "slice {index}:", "zh": "切片 {index}："},
    "terminal.more_slices": {"en": "… and {n} more {h} × {w} slices (grader check --html FILE draws them)",
                             "zh": "……还有 {n} 个 {h} × {w} 切片未显示（grader check --html FILE 会画出它们）"},
    "terminal.html_written": {"en": "report written to {path}", "zh": "报告已写入 {path}"},
    "terminal.input": {"en": "input:", "zh": "输入："},
    "terminal.load_issue": {"en": "{where}: {sentence}", "zh": "{where}：{sentence}"},
    "terminal.aside": {"en": " ({text})", "zh": "（{text}）"},  # Chinese brackets need no space before them
    "terminal.more": {"en": "failing checks not shown here: {n} (grader check --html FILE shows them all)",
                      "zh": "这里没有列出的未通过检查：{n} 项（用 grader check --html FILE 查看全部）"},
    "terminal.graded": {"en": "graded {n} submission(s); grades in {path}", "zh": "已评分 {n} 份提交；成绩在 {path}"},
    "terminal.summary_written": {"en": "class summary written to {path}", "zh": "全班汇总已写入 {path}"},
    # grader grade's line per submission
    "terminal.progress": {"en": "{submission}: {score}/{max_score} points", "zh": "{submission}：{score}/{max_score} 分"},
    "terminal.progress_load_issues": {"en": "{submission}: {score}/{max_score} points (problems while loading: {n})",
                                      "zh": "{submission}：{score}/{max_score} 分（加载时的问题：{n} 个）"},
    "terminal.progress_grader_error": {
        "en": "{submission}: {score}/{max_score} points (internal grader error: see its report, and please report it)",
        "zh": "{submission}：{score}/{max_score} 分（评分程序内部错误：请查看它的报告，并报告这个问题）"},
    "terminal.progress_bar": {"en": "grading", "zh": "评分中"},
    "terminal.progress_problems": {"en": "{n} with problems", "zh": "{n} 份有问题"},
    "terminal.resuming": {"en": "resuming: {kept} of {total} submission(s) already graded and unchanged (--regrade "
                                "grades them again)",
                          "zh": "继续上次的评分：{total} 份提交中有 {kept} 份已评分且未改变（--regrade 会重新评分）"},
    "terminal.batch_done": {"en": "graded {graded} submission(s) now, kept {kept} from earlier runs; grades in {path}",
                            "zh": "本次评分 {graded} 份提交，沿用之前的 {kept} 份；成绩在 {path}"},
    "terminal.interrupted": {
        "en": "interrupted: {graded} submission(s) graded in this run are kept in {book}; run the same command "
              "again to grade the rest",
        "zh": "已中断：本次评好的 {graded} 份提交已保存在 {book}；再次运行同一命令即可继续评分其余提交"},
    # ---- instructor summary
    "summary.title": {"en": "Class summary: {assignment}", "zh": "全班汇总：{assignment}"},
    "summary.submissions": {"en": "Submissions", "zh": "提交数"},
    "summary.mean": {"en": "Mean score", "zh": "平均分"},
    "summary.median": {"en": "Median score", "zh": "中位数"},
    "summary.full_marks": {"en": "Full marks", "zh": "满分人数"},
    "summary.distribution": {"en": "Score distribution", "zh": "分数分布"},
    "summary.range": {"en": "Score range (lower end included)", "zh": "分数区间（含下限）"},
    "summary.count": {"en": "Submissions", "zh": "提交数"},
    "summary.histogram_label": {"en": "Histogram: number of submissions per score range",
                                "zh": "直方图：每个分数区间的提交数"},
    "summary.exercise_means": {"en": "Points per exercise", "zh": "各练习的平均得分"},
    "summary.mean_points": {"en": "Mean points", "zh": "平均得分"},
    "summary.full_marks_rate": {"en": "Full marks", "zh": "满分比例"},
    "summary.pass_rates": {"en": "Pass rate of every property", "zh": "每条性质的通过率"},
    "summary.passed": {"en": "Passed", "zh": "通过"},
    "summary.pass_rate": {"en": "Pass rate", "zh": "通过率"},
    "summary.diagnoses": {"en": "Most common mistakes", "zh": "最常见的错误"},
    "summary.no_diagnoses": {"en": "No mistake was recognised in these submissions.",
                             "zh": "这些提交中没有识别出已知的错误。"},
    "summary.code": {"en": "Code", "zh": "代码"},
    "summary.shown_by": {"en": "Submissions that show it", "zh": "出现该错误的提交"},
    "summary.slowest": {"en": "Slowest submissions", "zh": "耗时最长的提交"},
    "summary.seconds": {"en": "Time (s)", "zh": "用时（秒）"},
    "summary.report_link": {"en": "report", "zh": "报告"},
    "summary.all": {"en": "All submissions", "zh": "全部提交"},
    "summary.submission": {"en": "Submission", "zh": "提交"},
    "summary.score": {"en": "Score", "zh": "得分"},
    "summary.passed_of": {"en": "{passed} of {total}", "zh": "{total} 份中 {passed} 份"},
    "summary.skip": {"en": "Skip to the most common mistakes", "zh": "跳到最常见的错误"},
    "summary.no_submissions": {"en": "No submissions were graded.", "zh": "没有评分任何提交。"},
    "summary.generated": {"en": "Generated by grader {version}.", "zh": "由 grader {version} 生成。"},
    # ---- statuses and outcomes
    "status.passed": {"en": "passed", "zh": "通过"},
    "status.partial": {"en": "partly right", "zh": "部分正确"},
    "status.failed": {"en": "failed", "zh": "未通过"},
    "status.not_implemented": {"en": "not implemented", "zh": "未实现"},
    "status.error": {"en": "error", "zh": "出错"},
    "status.timeout": {"en": "too slow", "zh": "超时"},
    "status.forbidden": {"en": "forbidden operation", "zh": "使用了禁止的操作"},
    "outcome.passed": {"en": "holds", "zh": "成立"},
    "outcome.failed": {"en": "wrong answer", "zh": "答案错误"},
    "outcome.error": {"en": "your code raised an error", "zh": "你的代码出错"},
    "outcome.timeout": {"en": "too slow", "zh": "超时"},
    "outcome.not_implemented": {"en": "not implemented", "zh": "未实现"},
    "outcome.forbidden": {"en": "forbidden operation", "zh": "使用了禁止的操作"},
    # ---- what a test's message says when it has no key of its own (by outcome)
    "fallback.not_implemented": {
        "en": "{name} is not implemented yet: it is not defined, or it still raises NotImplementedError.",
        "zh": "{name} 还没有实现：提交中没有定义它，或者它仍然抛出 NotImplementedError。"},
    "fallback.timeout": {
        "en": "Your code did not finish within the time limit (an endless loop, or far too slow).",
        "zh": "你的代码没有在时限内完成（死循环，或者太慢）。"},
    "fallback.forbidden": {"en": "This exercise must not use the operation your code called.",
                           "zh": "这个练习不允许使用你的代码调用的操作。"},
    "fallback.not_loaded": {"en": "Not run: your file could not be loaded up to this exercise (see the problems "
                                  "while loading above).",
                            "zh": "未运行：你的文件没能加载到这个练习（见上方“加载代码时的问题”）。"},
    "fallback.crashed": {"en": "The process running your code stopped (did it call exit(), run out of memory or "
                               "crash?), or sent back something that is not a valid answer.",
                         "zh": "运行你的代码的进程意外结束（是否调用了 exit()、内存不足或崩溃？），或者返回了无效的结果。"},
    "fallback.error": {"en": "Your code raised an error.", "zh": "你的代码抛出了异常。"},
    "fallback.failed": {"en": "The answer is wrong.", "zh": "答案错误。"},
    # ---- sentences the runner attaches to every check
    "student_raised": {"en": "your code raised {type}: {message}", "zh": "你的代码抛出了 {type}：{message}"},
    "internal_error": {"en": "internal grader error in this check ({error}); please report it",
                       "zh": "评分程序在这项检查中出现内部错误（{error}），请报告给老师"},
    # ---- load problems (LoadIssue.kind)
    "load.syntax_error": {"en": "Python cannot parse the file: there is a syntax error.",
                          "zh": "Python 无法解析这个文件：有语法错误。"},
    "load.exception": {"en": "Your code raised an error while the file was loading; everything after it was "
                             "skipped.",
                       "zh": "加载文件时你的代码抛出了异常，之后的代码都没有运行。"},
    "load.timeout": {"en": "Loading this part took longer than the time limit, so it was skipped.",
                     "zh": "加载这一部分超过了时间限制，已跳过。"},
    "load.internal_error": {"en": "The grader itself failed on this submission; your code is not to blame. "
                                  "Please report it to the course staff.",
                            "zh": "评分程序本身在这份提交上出错了，不是你的代码的问题。请报告给课程老师。"},
    "load.crashed": {"en": "The process loading your code stopped.", "zh": "加载你的代码的进程意外结束。"},
    "load.no_code": {"en": "The file holds no code.", "zh": "文件里没有代码。"},
    "load.not_utf8": {"en": "The file is not saved as UTF-8 text; save it as UTF-8.",
                      "zh": "文件不是 UTF-8 编码；请另存为 UTF-8。"},
    "load.unreadable": {"en": "The file could not be read.", "zh": "无法读取这个文件。"},
    "load.too_large": {"en": "The file is too large to grade.", "zh": "文件太大，无法评分。"},
    "load.corrupt_notebook": {"en": "The notebook file is damaged: it is not a valid notebook.",
                              "zh": "笔记本文件已损坏：不是有效的 notebook 文件。"},
    "load.link": {"en": "The submission holds a symbolic link; the grader reads only the files inside it.",
                  "zh": "提交中包含符号链接；评分程序只读取提交本身里的文件。"},
    "load.other": {"en": "There was a problem loading your code.", "zh": "加载你的代码时出现问题。"},
    # what intake (grader.intake) decided or found in a download
    "load.chosen_file": {"en": "The submission holds several code files; this one was graded.",
                         "zh": "提交中有多个代码文件；评分的是这一个。"},
    "load.latest_attempt": {"en": "The file was uploaded more than once; the latest upload was graded.",
                            "zh": "这个文件上传了不止一次；评分的是最后一次上传的版本。"},
    "load.unrecognised_name": {"en": "The download did not name this submission as the LMS names them.",
                               "zh": "下载包中这份提交的名字不符合学习平台的命名方式。"},
    "load.unsafe_entry": {"en": "An entry of the archive was refused: it is not a plain file inside the archive.",
                          "zh": "压缩包中的一项被拒绝：它不是压缩包内的普通文件。"},
    "load.encrypted": {"en": "An entry of the archive is password-protected and cannot be read.",
                       "zh": "压缩包中的一项有密码保护，无法读取。"},
    "load.corrupt_entry": {"en": "An entry of the archive is damaged and cannot be read.",
                           "zh": "压缩包中的一项已损坏，无法读取。"},
    "load.duplicate_entry": {"en": "The archive holds the same file twice.", "zh": "压缩包中同一个文件出现了两次。"},
    "load.nested_archive": {"en": "An archive inside an archive was not opened.", "zh": "压缩包里的压缩包没有被打开。"},
    "note.chosen_by_name": {"en": "graded {file}, the assignment's file name; also there: {others}",
                            "zh": "评分的是 {file}（作业要求的文件名）；其他文件：{others}"},
    "note.chosen_by_names": {"en": "graded {file}, which defines {n} of the assignment's {total} names; "
                                   "also there: {others}",
                             "zh": "评分的是 {file}，它定义了作业 {total} 个名称中的 {n} 个；其他文件：{others}"},
    "note.latest_attempt": {"en": "graded the latest upload, {file} (attachment {attachment}); earlier uploads "
                                  "not graded: {earlier}",
                            "zh": "评分的是最后一次上传的 {file}（附件 {attachment}）；之前上传的未评分：{earlier}"},
    "note.unrecognised_name": {"en": "not named as {lms} names its submissions; graded without a student's identity",
                               "zh": "名字不符合 {lms} 的命名方式；评分时没有学生身份信息"},
    "problem.no_code_among": {"en": "the submission holds no .py or .ipynb file (only {names})",
                              "zh": "提交中没有 .py 或 .ipynb 文件（只有 {names}）"},
    "problem.nothing_to_grade": {"en": "nothing to grade", "zh": "没有可评分的内容"},
    "problem.unsafe_entry": {"en": "{entry!r}: the entry's name points outside the archive's folder; not extracted",
                             "zh": "{entry!r}：这一项的路径指向压缩包目录之外；未解压"},
    "problem.special_entry": {"en": "{entry!r} is {what}; not extracted", "zh": "{entry!r} 不是普通文件（{what}）；未解压"},
    "problem.encrypted_entry": {"en": "{entry!r} is encrypted (password-protected); hand it in without a password",
                                "zh": "{entry!r} 已加密（有密码保护）；请提交不带密码的文件"},
    "problem.entry_too_large": {"en": "{entry!r} inflates to more than {limit} bytes; not extracted",
                                "zh": "{entry!r} 解压后超过 {limit} 字节；未解压"},
    "problem.entry_bomb": {"en": "{entry!r} inflates more than {ratio} times its compressed size (a zip bomb); "
                                 "not extracted",
                           "zh": "{entry!r} 解压后超过压缩大小的 {ratio} 倍（压缩炸弹）；未解压"},
    "problem.corrupt_entry": {"en": "{entry!r} is damaged in the archive ({error})",
                              "zh": "{entry!r} 在压缩包中已损坏（{error}）"},
    "problem.unextractable_entry": {"en": "{entry!r} cannot be extracted ({error})",
                                    "zh": "{entry!r} 无法解压（{error}）"},
    "problem.corrupt_archive_entry": {"en": "{entry!r} is not a readable zip archive ({error})",
                                      "zh": "{entry!r} 不是可读取的 zip 压缩包（{error}）"},
    "problem.duplicate_entry": {"en": "{entry!r} appears twice in the archive; the first was kept",
                                "zh": "{entry!r} 在压缩包中出现了两次；保留了第一个"},
    "problem.nested_archive": {"en": "{entry!r} is an archive inside an archive inside the download; only one "
                                     "level is opened",
                               "zh": "{entry!r} 是下载包里压缩包中的压缩包；只打开一层"},
    # ---- the details of a load problem (LoadIssue.message_key): what grader.submission found in the file...
    "problem.no_code_file": {"en": "the folder holds no .py or .ipynb file", "zh": "文件夹中没有 .py 或 .ipynb 文件"},
    "problem.several_files": {"en": "the folder holds several code files ({names}); name the one to grade {file}",
                              "zh": "文件夹中有多个代码文件（{names}）；请把要评分的那个命名为 {file}"},
    "problem.too_large": {"en": "the file is {size} bytes; submissions are limited to {limit} bytes",
                          "zh": "文件大小为 {size} 字节；提交的文件不能超过 {limit} 字节"},
    "problem.unreadable": {"en": "cannot read the file: {error}", "zh": "无法读取文件：{error}"},
    "problem.link": {"en": "{path} is a symbolic link; the grader reads only files inside the submission, so hand in "
                           "the file itself",
                     "zh": "{path} 是一个符号链接；评分程序只读取提交本身里的文件，请提交文件本身"},
    "problem.not_regular": {"en": "{path} is not a regular file", "zh": "{path} 不是普通文件"},
    "problem.too_many_issues": {"en": "{n} more problems while loading, not listed",
                                "zh": "加载时还有 {n} 个问题，未列出"},
    "problem.binary": {"en": "the file is binary, not Python source", "zh": "这是二进制文件，不是 Python 源代码"},
    "problem.not_utf8": {"en": "the file is not UTF-8 text (byte {offset} is {byte}); save it as UTF-8",
                         "zh": "文件不是 UTF-8 文本（位置 {offset} 处的字节是 {byte}）；请另存为 UTF-8"},
    "problem.empty": {"en": "the file is empty", "zh": "文件是空的"},
    "problem.syntax_error": {"en": "SyntaxError: {error} ({where})", "zh": "SyntaxError: {error}（{where}）"},
    "problem.syntax_error_code": {"en": "SyntaxError: {error} ({where})\n    {code}",
                                  "zh": "SyntaxError: {error}（{where}）\n    {code}"},
    "problem.unparsable": {"en": "the file cannot be parsed: {error}", "zh": "无法解析这个文件：{error}"},
    "problem.corrupt_notebook": {"en": "the notebook cannot be read ({error})", "zh": "无法读取这个笔记本文件（{error}）"},
    "problem.no_code_cells": {"en": "the notebook has no code cells", "zh": "笔记本中没有代码单元格"},
    # ...and what happened while the student process loaded it
    "problem.load_timeout": {"en": "{where} did not finish within the load time limit and was skipped",
                             "zh": "{where}没有在加载时限内完成，超时后已跳过"},
    "problem.load_died": {"en": "{where} ended the process (os._exit, a crash or a signal) and was skipped",
                          "zh": "{where}结束了运行它的进程（os._exit、崩溃或信号），已跳过"},
    "problem.load_crashed": {"en": "{error}: the submission could not be loaded", "zh": "无法加载这份提交（{error}）"},
    # where a load problem is (LoadIssue.where; see place())
    "place.line": {"en": "line {n}", "zh": "第 {n} 行"},
    "place.cell": {"en": "cell {n}", "zh": "第 {n} 个单元格"},
    "place.file": {"en": "file", "zh": "文件"},
    "place.grader": {"en": "grader", "zh": "评分程序"},
    # ---- why an exercise was not run (grader.engine)
    "not_run.not_defined": {"en": "{name} is not defined", "zh": "{name} 未定义：提交中找不到它。"},
    "not_run.load_stopped": {"en": "{name} is not defined: loading stopped at {where} ({detail})",
                             "zh": "{name} 未定义：加载你的代码时在{where}停止了（{detail}）。"},
    "not_run.cell_failed": {"en": "{name} is not defined: {where}, which defines it, did not run to the end ({detail})",
                            "zh": "{name} 未定义：定义它的{where}没有运行完（{detail}）。"},
    "not_run.forbidden": {"en": "{policy} (found {found})", "zh": "{policy}。你的代码用到了：{found}。"},
    "not_run.after_timeouts": {"en": "not run: earlier checks of this exercise ran past the time limit",
                               "zh": "未运行：这个练习前面的检查已经超时。"},
    "not_run.budget": {"en": "not run: the submission used up its time budget of {seconds} s for all its checks",
                       "zh": "未运行：这份提交的所有检查总共只能用 {seconds} 秒，时间已经用完。"},
    "not_run.grader_error": {"en": "internal grader error ({error}); please report it",
                             "zh": "评分程序出现内部错误（{error}），不是你的代码的问题；请报告给老师"},
    # what the static policy scan found (grader.policy)
    "found.attribute": {"en": "{name} (line {line})", "zh": "{name}（第 {line} 行）"},
    "found.imported": {"en": "{name} (imported from {module}, line {line})",
                       "zh": "{name}（从 {module} 导入，第 {line} 行）"},
    "found.import": {"en": "import of {module} (line {line})", "zh": "导入 {module}（第 {line} 行）"},
    # ---- a call into the student's code that did not give an answer (grader.student)
    "call.signature": {"en": "{name}({args})", "zh": "{name}({args})"},
    "call.tensor": {"en": "tensor of shape {shape}", "zh": "形状为 {shape} 的张量"},
    "call.not_defined": {"en": "{name} is not defined in the submission", "zh": "{name} 未定义：提交中找不到它。"},
    "call.stub": {"en": "{name} raises NotImplementedError: it is still the stub",
                  "zh": "{name} 还没有实现：它仍然抛出 NotImplementedError（还是模板里的样子）。"},
    "call.timeout": {"en": "{what} did not finish within {seconds} s (an endless loop, or far too slow)",
                     "zh": "{what} 超时：没有在 {seconds} 秒内完成（死循环，或者太慢）。"},
    "call.died": {"en": "the process running your code ended during {what}: did it call exit() or os._exit(), run "
                        "out of memory, or crash?",
                  "zh": "运行 {what} 时，运行你的代码的进程意外结束了：是否调用了 exit() 或 os._exit()、内存不足或崩溃？"},
    "call.exit": {"en": "{what} called exit() (SystemExit {code})", "zh": "{what} 调用了 exit()（SystemExit {code}）。"},
    "call.invalid_reply": {"en": "{what} sent back something that is not a valid answer ({error})",
                           "zh": "{what} 返回的不是有效的结果（{error}）。"},
    "call.forbidden": {"en": "{policy} ({what} ran {ops})", "zh": "{policy}。你的代码在 {what} 中运行了：{ops}。"},
}

# code -> {lang: (the mistake in one plain sentence, a hint that does not give the answer away)}
DIAGNOSES: dict[str, dict[str, tuple[str, str]]] = {
    "wrong_type": {
        "en": ("It returned the wrong kind of value.",
               "Look at what the exercise asks you to return, and print type(...) of what you return."),
        "zh": ("返回值的类型不对。", "看看练习要求返回什么，再用 type(...) 打印你返回的值的类型。"),
    },
    "wrong_shape": {
        "en": ("The result has the wrong shape.",
               "Compare the shape you return with the expected shape below; print .shape of your intermediate "
               "results."),
        "zh": ("结果的形状不对。", "把你返回的形状与下面期望的形状比较；打印中间结果的 .shape 看看。"),
    },
    "not_finite": {
        "en": ("The result contains NaN or infinity.",
               "Look for a division by zero, or values never written (torch.empty leaves memory as it was)."),
        "zh": ("结果中含有 NaN 或无穷大。", "检查是否除以了零，或者有元素从未被赋值（torch.empty 不会初始化内存）。"),
    },
    "sign_flipped": {
        "en": ("Every value is the negative of the right answer: the sign is flipped.",
               "Work through the small counterexample below by hand and see where a minus sign appears."),
        "zh": ("每个值都恰好是正确答案的相反数：符号反了。", "用下面的小反例手算一遍，看看负号是从哪里来的。"),
    },
    "scale_error": {
        "en": ("Every value is the right answer times the same constant factor.",
               "Compute one entry by hand; is there a division, an average or a factor that should not be there?"),
        "zh": ("每个值都是正确答案乘以同一个常数。", "手算其中一个元素；是不是多了除法、求平均或者某个系数？"),
    },
    "input_modified": {
        "en": ("Your function changes its argument in place, so the caller's tensor is different afterwards.",
               "Operations such as -=, +=, X[...] = or methods ending in _ modify the tensor you were given; "
               "work on a copy or use operations that create a new tensor."),
        "zh": ("你的函数原地修改了传入的参数，调用者的张量在调用之后变了。",
               "-=、+=、X[...] = 以及以 _ 结尾的方法都会修改传入的张量；请在副本上操作，或使用会创建新张量的运算。"),
    },
    "wrong_count": {
        "en": ("The number of values returned is wrong.", "Return exactly one value per step that was asked for."),
        "zh": ("返回的值的个数不对。", "每一步返回恰好一个值。"),
    },
}

# Diagnoses proven by calling the student's code again on inputs chosen to tell (another kernel, the same
# answer), not read off one answer: a report leads with them, and states what the check saw after them,
# since that symptom may point elsewhere (a global kernel of another size looks like an off-by-one shape).
# An assignment's messages module may name more in its own CERTAIN_DIAGNOSES.
CERTAIN_DIAGNOSES = frozenset({"global_read"})


_NUMBERED_PLACE = re.compile(r"(line|cell) ([0-9]+)")
_PLACES = ("file", "grader")


def place(label: str) -> dict[str, Any] | str:
    """A load problem's location label ("line 12", "cell 3", "file") as a phrase; other labels as they are.

    The labels are written by the grader (``grader.submission``, the sandbox's harness), in English.
    """
    match = _NUMBERED_PLACE.fullmatch(label)
    if match:
        return {"key": f"place.{match.group(1)}", "args": {"n": int(match.group(2))}, "en": label}
    if label in _PLACES:
        return {"key": f"place.{label}", "args": {}, "en": label}
    return label


def normalize_lang(value: str | None) -> str | None:
    """``"zh_CN.UTF-8"`` -> ``"zh"``; None for languages without a catalogue."""
    if not value:
        return None
    code = value.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return code if code in LANGS else None


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """The language of the user's locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else English."""
    environ = os.environ if environ is None else environ
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable)
        if not value:
            continue
        for part in value.split(":"):  # LANGUAGE is a priority list
            found = normalize_lang(part)
            if found:
                return found
        if value not in ("C", "POSIX") and not value.startswith("C."):
            return DEFAULT_LANG
    return DEFAULT_LANG


class _Blank(dict):
    """Formatting arguments that leave unknown fields visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass
class Catalogue:
    """The sentences of one language, with English as the fallback for anything missing."""

    lang: str
    messages: dict[str, dict[str, str]] = field(default_factory=dict)
    diagnoses: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    titles: dict[str, dict[str, str]] = field(default_factory=dict)  # English check title -> {lang: title}
    exercise_titles: dict[str, dict[str, str]] = field(default_factory=dict)  # exercise name -> {lang: title}
    policies: dict[str, str] = field(default_factory=dict)  # exercise name -> policy name
    certain: frozenset[str] = CERTAIN_DIAGNOSES  # diagnoses a report leads with (see CERTAIN_DIAGNOSES)

    # ------------------------------------------------------------ lookups
    def has(self, key: str) -> bool:
        return key in self.messages

    def template(self, key: str) -> str | None:
        entry = self.messages.get(key)
        if entry is None:
            return None
        return entry.get(self.lang) or entry.get(DEFAULT_LANG)

    def text(self, key: str, **args: Any) -> str:
        """The sentence ``key`` with ``args`` filled in; the key itself when nobody wrote it."""
        template = self.template(key)
        if template is None:
            return key
        return template.format_map(_Blank({k: self.value(v) for k, v in args.items()}))

    def value(self, value: Any) -> str:
        """A message argument as text: phrases are translated, lists joined, numbers compact."""
        if isinstance(value, dict) and "key" in value:
            if self.has(value["key"]):
                return self.text(value["key"], **(value.get("args") or {}))
            return str(value.get("en", value["key"]))
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, (list, tuple)):
            return ", ".join(self.value(v) for v in value)
        return str(value)

    def sentence(self, key: str | None, args: Mapping[str, Any] | None, english: str) -> str:
        """A result's message in this language: by its key when the catalogue has it, else as written."""
        if key and self.has(key):
            return self.text(key, **(args or {}))
        return english

    def place(self, label: str) -> str:
        return self.value(place(label))

    def load_issue(self, issue: LoadIssue) -> tuple[str, str]:
        """A load problem: the sentence for its kind, and its own message (the details)."""
        key = f"load.{issue.kind}"
        return (self.text(key if self.has(key) else "load.other"),
                self.sentence(issue.message_key, issue.message_args, issue.message))

    def status(self, status: Status) -> str:
        return self.text(f"status.{status.value}")

    def outcome(self, outcome: Outcome) -> str:
        return self.text(f"outcome.{outcome.value}")

    def check_title(self, title: str) -> str:
        entry = self.titles.get(title) or {}
        return entry.get(self.lang) or title

    def exercise_title(self, name: str) -> str:
        entry = self.exercise_titles.get(name) or {}
        return entry.get(self.lang) or entry.get(DEFAULT_LANG) or name

    def diagnosis(self, code: str | None, exercise: str | None = None) -> tuple[str, str] | None:
        """(mistake, hint) for a diagnosis code, refined for ``exercise`` when the catalogue says more."""
        if not code:
            return None
        for key in ((f"{code}@{exercise}",) if exercise else ()) + (code,):
            entry = self.diagnoses.get(key)
            if entry:
                return entry.get(self.lang) or entry.get(DEFAULT_LANG)
        return None

    def leads(self, code: str | None) -> bool:
        """Whether a report states the diagnosis ``code`` before the test's message: it is certain."""
        return bool(code) and code in self.certain

    # ------------------------------------------------------- test messages
    def message(self, test: TestResult, exercise: str = "", loaded: bool = True) -> tuple[str, str | None]:
        """A test's message in this language, and the English original when it had to be summarised.

        Keyed messages are translated exactly.  A message without a key (one the engine wrote, such as
        a timeout) becomes the sentence for its outcome; the English original comes back as a detail.
        """
        if test.message_key and self.has(test.message_key):
            return self.text(test.message_key, **(test.message_args or {})), None
        if self.lang == DEFAULT_LANG and test.message:
            return test.message, None
        outcome = test.outcome
        if outcome is Outcome.FORBIDDEN and self.has(f"policy.{self.policies.get(exercise, '')}"):
            key = f"policy.{self.policies[exercise]}"
        elif outcome is Outcome.ERROR and test.counterexample is None and not test.traceback and not loaded:
            key = "fallback.not_loaded"
        elif outcome is Outcome.ERROR and test.counterexample is not None and not test.traceback:
            key = "fallback.crashed"
        else:
            key = f"fallback.{outcome.value}"
        return self.text(key, name=exercise), (test.message or None)


_ENGINE_ENGLISH = Catalogue(DEFAULT_LANG, MESSAGES)


def english(key: str, **args: Any) -> str:
    """The engine's sentence ``key`` in English, ``args`` filled in: the ``message`` a result, a load problem or a
    signal stores beside ``message_key`` and ``message_args``, so that the sentence is written once, here.

    Arguments are rendered as the reports render them (phrases in English, lists joined, numbers compact).
    """
    if key not in MESSAGES:
        raise KeyError(f"no engine sentence {key!r} in grader.messages.MESSAGES")
    return _ENGINE_ENGLISH.text(key, **args)


def _merge(*layers: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(layer or {})
    return merged


def assignment_messages(assignment: Any) -> Any:
    """The assignment's own ``messages`` module, or None when it has none."""
    if assignment is None:
        return None
    try:
        return importlib.import_module(f"{assignment.package}.messages")
    except ImportError:
        return None


def catalogue(lang: str | None = None, assignment: Any = None) -> Catalogue:
    """The catalogue for ``lang`` (default: the locale's) with ``assignment``'s sentences on top."""
    lang = normalize_lang(lang) or default_lang()
    module = assignment_messages(assignment)
    exercise_titles: dict[str, dict[str, str]] = {}
    policies: dict[str, str] = {}
    policy_messages: dict[str, dict[str, str]] = {}
    for exercise in getattr(assignment, "exercises", ()):
        exercise_titles[exercise.name] = {"en": exercise.title, "zh": exercise.title_zh}
        if exercise.policy is not None:
            policies[exercise.name] = exercise.policy.name
            policy_messages[exercise.policy.phrase.key] = {"en": exercise.policy.message,
                                                           "zh": exercise.policy.message_zh}
    messages = _merge(MESSAGES, policy_messages, getattr(module, "MESSAGES", None))
    if assignment is not None:  # assignment.toml's title and title_zh
        messages.setdefault("assignment.title", {"en": assignment.title, "zh": assignment.title_zh})
    return Catalogue(
        lang=lang,
        messages=messages,
        diagnoses=_merge(DIAGNOSES, getattr(module, "DIAGNOSES", None)),
        titles=dict(getattr(module, "TITLES", None) or {}),
        exercise_titles=exercise_titles,
        policies=policies,
        certain=CERTAIN_DIAGNOSES | frozenset(getattr(module, "CERTAIN_DIAGNOSES", None) or ()),
    )


def template_fields(template: str) -> set[str]:
    """The ``{fields}`` a template uses (for the catalogue's own tests)."""
    return _fields(template)
