"""``python -m autograder COMMAND``: the instructor's grading tools.

Commands:
  grade SUBMISSIONS   grade a class: nbgrader's submitted/ folder, or an LMS folder or zip
  merge OUT ...       combine the outputs of several shards into one set of CSVs
  lms                 write OUT/lms/<lms>.csv again (after grading written answers)
  gradescope build|run|check  the Gradescope autograder zip, its run inside Gradescope,
                       or setup.sh's check that the sandbox starts there
  mutate [ID ...]     mutation-test the graded checks (every bug loses points, every
                      correct variant keeps them)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path

from autograder.config import Limits, load


def _add_limit_options(parser: argparse.ArgumentParser) -> None:
    for limit in fields(Limits):
        parser.add_argument(f"--{limit.name.replace('_', '-')}", type=type(limit.default),
                            default=None, help=f"override grading.toml (default "
                            f"{limit.default})")


def _shard(text: str) -> tuple[int, int]:
    index, total = (int(part) for part in text.split("/"))
    if not 1 <= index <= total:
        raise argparse.ArgumentTypeError("--shard K/N needs 1 <= K <= N")
    return index, total


def unusable_folder(folder: Path) -> str | None:
    """Why ``folder`` cannot be the folder grading writes to (it, or the nearest of its
    parents that exists, is a file, or is not writable), or None when it can be made."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return (f"{existing} is a file, not a folder" if existing == folder else
                f"it cannot be made: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


def grade_command(args) -> int:
    from autograder import report
    from autograder.grade import grade_all, keep_earlier_results, shard_of
    from autograder.notebooks import COURSE, assignments
    from autograder.sandbox import SandboxMissing
    from autograder.submissions import ZipRefused, discover, extract_zip

    if args.course_id:  # nbgrader_config.py and every gradebook opened here read it
        os.environ["NNCOURSE_COURSE_ID"] = args.course_id
    from autograder.term import SettingsError, check_settings, use_course_work

    use_course_work(args.course_work)  # its duedates.toml, not the repository's course/
    try:  # due dates and the course's zone: a mistake stops here, before any grading
        check_settings()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    limit_overrides = {f.name: getattr(args, f.name) for f in fields(Limits)}
    settings = load(Path(args.config), jobs=args.jobs, **limit_overrides)
    source = Path(args.submissions).resolve()
    scratch = Path(tempfile.mkdtemp(prefix="autograder-import-"))
    try:
        original = source  # an LMS zip stays where it was: covered too
        if source.is_file() and source.suffix == ".zip":
            try:
                source = extract_zip(source, scratch / "export")
            except ZipRefused as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
        known = [a for a in assignments() if not args.assignment or a in args.assignment]
        roster = None
        if args.canvas_roster:  # review 24b H1: decides a Canvas name that reads two ways
            from autograder.lms import canvas_roster

            try:
                roster = canvas_roster(Path(args.canvas_roster))
            except (OSError, ValueError, UnicodeDecodeError) as error:
                print(f"error: --canvas-roster: {error}", file=sys.stderr)
                return 2
        submissions = discover(source, known, args.lms, bool(args.assignment), roster)
        zips = sorted(source.rglob("*.zip")) if source.is_dir() else []
        from pathlib import PurePosixPath

        from autograder.lms import identify

        for inner in zips[:20] if submissions else []:  # round 14: never silently
            shown = inner.relative_to(source)
            owner = identify(PurePosixPath(shown.as_posix()))
            if owner is not None:  # review 24 F9: a student's upload, said as such
                print(f"warning: {shown} is not read: a zip uploaded by {owner.student} "
                      "(only notebooks are graded; a note is on their row)", file=sys.stderr)
                continue
            print(f"warning: {shown} is not read (a zip inside the export: "
                  "an LMS download is graded by its own path or unzipped into its own "
                  "folder; a student's uploaded zip is not graded)", file=sys.stderr)
        if not submissions and original.is_file():  # a zip of zips extracts no notebook
            print(f"error: no notebook in {original.name} (a zip of LMS downloads? grade "
                  "each download by its own path)", file=sys.stderr)
            return 2
        if zips and not submissions:  # a folder of LMS downloads: each must be given itself
            print(f"error: no notebook in {args.submissions}, but {len(zips)} zip file(s) "
                  f"(e.g. {zips[0].relative_to(source)}): grade each download by its own "
                  "path, or unzip each into its own subfolder", file=sys.stderr)
            return 2
        if not submissions:  # an empty export (or one with no notebook) grades nothing
            print(f"error: no submission in {args.submissions}: no notebook, no nbgrader "
                  "<student>/<notebook id>/ folder and no file an LMS names (give the LMS "
                  "download as it came, or nbgrader's submitted/ folder)", file=sys.stderr)
            return 2
        from autograder.term import untimed_warnings

        for warning in untimed_warnings(submissions):  # late work must not pass silently
            print(f"warning: {warning}", file=sys.stderr)
        if args.shard:
            index, total = args.shard
            submissions = [s for s in submissions if shard_of(s.student, total) == index - 1]
        out = Path(args.out).resolve()
        work = Path(args.course_work).resolve() if args.course_work else COURSE
        for flag, folder in (("--out", out), ("--course-work", work)):
            why = unusable_folder(folder)
            if why:  # before any grading: nothing is graded to be lost at the end
                print(f"error: {flag} {folder}: {why}", file=sys.stderr)
                return 2
        # review 24e M2: an LMS student's id holds the file grade copied there, or nothing
        submissions = _refuse_lms_ids_not_copied(submissions, work)
        # review 24 H2: a download that may be another assignment's changes no grade
        submissions = keep_earlier_results(submissions, out)
        if args.no_sandbox:
            print("WARNING: grading WITHOUT the sandbox: student code runs with your "
                  "permissions and can read every file you can.", file=sys.stderr)
        covered = [str(original), str(source), str(out), str(work), str(scratch)]
        # more paths to hide from student code (the Gradescope run hides /autograder)
        covered += [p for p in os.environ.get("NNCOURSE_COVER", "").split(os.pathsep) if p]
        if args.from_results:  # the shards graded them: nothing is run again
            from autograder.grade import result_path

            missing = [s for s in submissions
                       if not result_path(out, s.student, s.assignment).is_file()]
            if missing:
                print(f"error: --from-results: {len(missing)} of {len(submissions)} "
                      f"submissions have no result in {out / 'results'} (first: "
                      f"{missing[0].student} / {missing[0].assignment}): merge every shard's "
                      "output into it first", file=sys.stderr)
                return 2
            stale = _stale_results(submissions, out)
            if stale:
                shown = ", ".join(f"{s.student} / {s.assignment}" for s in stale[:10])
                more = f" and {len(stale) - 10} more" if len(stale) > 10 else ""
                print(f"error: --from-results: {len(stale)} of {len(submissions)} submissions' "
                      f"files are not the bytes their results in {out / 'results'} graded "
                      f"({shown}{more}; a result from before its file's hash was kept "
                      "counts as other bytes): grade again without --from-results (only these "
                      "are graded again), or give the export the shards graded; nothing written",
                      file=sys.stderr)
                return 2
            summary = {"graded": 0, "skipped_up_to_date": len(submissions), "seconds": 0.0,
                       "failures": []}
        else:
            try:
                summary = grade_all(submissions, out, settings, not args.no_sandbox, covered,
                                    show_progress=not args.quiet, seed=args.seed)
            except SandboxMissing as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
        reporting = time.monotonic()
        graded = {(s.student, s.assignment) for s in submissions}
        records = [r for r in report.load_results(out)
                   if (r["student"], r["assignment"]) in graded]
        report.write_csvs(records, out)
        report.write_feedback(records, out)
        _write_integrity(submissions, out)
        if not args.no_gradebook:
            _import_into_nbgrader(submissions, work)
            report.write_gradebook(records, work)
            from autograder.autograded import write_autograded

            problems: list[str] = []
            write_autograded(submissions, records, work, problems)  # formgrader, feedback
            _record_term(submissions, records, out, work, problems)
            for problem in problems:
                print(f"warning: {problem}"[:500], file=sys.stderr)
        elif any(s.lms is not None for s in submissions):
            print("note: --no-gradebook writes no LMS grade files (they add the gradebook's "
                  "manual points and late penalties): grade without it, or merge the shards "
                  "and grade the export again with --from-results", file=sys.stderr)
        with open(out / "timings.jsonl", "a") as handle:  # the benchmark's breakdown
            handle.write(json.dumps({"phase": "reports and gradebook",
                                     "seconds": time.monotonic() - reporting,
                                     "grading": summary["seconds"]}) + "\n")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _summary(records, summary, out)
    return 1 if summary["failures"] else 0


LMS_COPIES = "lms_copies.json"
"""``<course work>/lms_copies.json``: folder -> notebook -> the SHA-256 of the LMS student's
file ``grade`` copied to ``submitted/<folder>/<notebook>/`` (:func:`_import_into_nbgrader`)."""


def _lms_copies(work: Path) -> dict:
    try:
        found = json.loads((work / LMS_COPIES).read_text())
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}


def _refuse_lms_ids_not_copied(submissions, work: Path) -> list:
    """``submissions`` without those under an id of an LMS key's form (``(canvas 501)``:
    :data:`autograder.lms.LMS_KEY`) that no LMS download named, whose file is not the one
    ``grade`` copied to the course work's ``submitted/`` for that LMS student (review 24e
    M2: any hub student can name their inbound folder so, and ``nbgrader collect --update``
    then replaces the LMS student's copy): never graded, with a warning; the LMS student's
    earlier grade stands. No exchange id is ever an LMS student's."""
    from autograder.grade import file_digest
    from autograder.lms import LMS_KEY
    from autograder.submissions import folder_name

    copies = _lms_copies(work)
    kept = []
    for submission in submissions:
        if (submission.lms is None and submission.path is not None
                and LMS_KEY.match(submission.student)
                and copies.get(folder_name(submission.student), {}).get(
                    submission.assignment) != file_digest(submission.path)):
            print(f"warning: {submission.path}: NOT GRADED: {submission.student!r} is an LMS "
                  "student's id, but this file is not the one grade copied there from their "
                  "LMS download (an exchange submission under their id? nbgrader collect "
                  "--update replaces their copy): their earlier grade stands; grade their "
                  "LMS download again to put their copy back", file=sys.stderr)
            continue
        kept.append(submission)
    return kept


def _stale_results(submissions, out: Path) -> list:
    """The submissions whose result in ``out`` did not grade the exact bytes of their file
    now (its ``file_sha256``; a result without one, from before it was kept, is not known
    to be theirs): ``--from-results`` writes no grade from them."""
    from autograder.grade import file_digest, result_path

    stale = []
    for submission in submissions:
        try:
            record = json.loads(result_path(out, submission.student,
                                            submission.assignment).read_text())
            graded = record["file_sha256"]
        except (OSError, ValueError, KeyError, TypeError):
            graded = "unknown"
        if graded != file_digest(submission.path):
            stale.append(submission)
    return stale


def _record_term(submissions, records: list[dict], out: Path, work: Path,
                 problems: list[str]) -> None:
    """Due dates, submission times and late penalties into the gradebook, the penalties into
    this run's feedback pages, then the LMS grade files (autograder/term.py); a failure here
    is reported and never loses the grades."""
    from autograder import report, term

    try:
        term.record_times(submissions, work)
        report.write_feedback(records, out, term.late_penalties(records, work))
        term.save_times(submissions, out)
        term.save_roster(submissions, out)
        term.save_source(out, work)
        for path in term.write_lms_files(report.load_results(out), out, work):
            print(f"LMS grades: {path}")
    except Exception as error:  # noqa: BLE001 - the grades are written already
        problems.append(f"due dates, late penalties or LMS files not written: {error!r}")


def lms_command(args) -> int:
    """Write OUT/lms/*.csv again from the results and the gradebook (after formgrader)."""
    from autograder import report, term

    out = Path(args.out).resolve()
    source = term.load_source(out)  # what grade used: its course work folder and id
    course_id = args.course_id or source.get("course_id")
    if course_id:
        os.environ["NNCOURSE_COURSE_ID"] = str(course_id)
    if args.course_work or source.get("course_work"):
        work = Path(args.course_work or source["course_work"]).resolve()
        term.use_course_work(work)
    else:
        from autograder.notebooks import COURSE

        work = COURSE
    try:  # the due dates read now (review 24 F10: a key that is no notebook stops here)
        term.check_settings()
    except term.SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not (work / "gradebook.db").is_file():
        print(f"error: no gradebook at {work / 'gradebook.db'}: pass the --course-work that "
              "grade used (the LMS files would hold automatic points only)", file=sys.stderr)
        return 1
    records = report.load_results(out)
    problem = term.lms_problem(records, out)
    if problem:  # checked first: nothing is written (review 24e L3)
        print(f"error: {problem}", file=sys.stderr)
        return 1
    # review 24 F5: the current due dates (an extension given since grade) make the
    # late penalties, as grade would
    used = term.apply_due_dates(records, work, out)
    print(f"due dates and late penalties: {used}")
    report.write_feedback(records, out, term.late_penalties(records, work))
    try:
        written = term.write_lms_files(records, out, work,
                                       moodle_comments=args.moodle_comments)
    except term.LmsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"LMS grades: {path}")
    if not written:
        print(f"no LMS students in {out / 'lms' / 'students.json'}: grade an LMS export first",
              file=sys.stderr)
        return 1
    return 0


def _write_integrity(submissions, out: Path) -> None:
    """``OUT/integrity.csv`` (autograder/integrity.py); never stops the grades being written."""
    from autograder.integrity import write_integrity

    try:
        write_integrity(submissions, out)
    except Exception as error:  # noqa: BLE001 - a report for the instructor, not the grades
        print(f"warning: integrity.csv not written: {error!r}"[:500], file=sys.stderr)


def _import_into_nbgrader(submissions, work: Path) -> list[str]:
    """Copy the graded files to nbgrader's submitted/ layout (formgrader shows them).

    Each student's folder is :func:`autograder.submissions.folder_name` of the exact id.
    submitted/ always holds the file that was graded, since the gradebook's scores (and
    formgrader's view of them) are that file's: a different file already there (an earlier
    download's, before the student resubmitted) is replaced by the graded one, with a note
    (returned too). A file that is itself the graded one (grading nbgrader's own
    submitted/ folder) is never touched.

    Beside every copy go nbgrader's own exchange files (:func:`_exchange_files`), so the
    submission time survives whatever reads submitted/ next (a re-grade of it, nbgrader's
    ``autograde``, ``generate_feedback`` and ``release_feedback``).
    """
    from autograder.grade import file_digest
    from autograder.notebooks import student_file
    from autograder.submissions import folder_name

    notes = []
    for submission in submissions:
        if submission.path is None:
            continue
        destination = student_file(work, "submitted", folder_name(submission.student),
                                   submission.assignment)
        if destination.is_symlink() or destination.exists():
            if not destination.is_symlink() and (
                    destination.resolve() == submission.path.resolve()
                    or destination.read_bytes() == submission.path.read_bytes()):
                continue
            notes.append(f"{destination} replaced by the graded file {submission.path.name} "
                         "(it held another file: formgrader shows what was graded)")
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
        shutil.copyfile(submission.path, temporary)
        os.replace(temporary, destination)  # a symlink there is replaced, not followed
    for submission in submissions:
        if submission.path is not None:
            _exchange_files(submission, student_file(
                work, "submitted", folder_name(submission.student),
                submission.assignment).parent)
    copies = _lms_copies(work)
    for submission in submissions:  # what _refuse_lms_ids_not_copied compares with
        if submission.path is not None and submission.lms is not None:
            copies.setdefault(folder_name(submission.student), {})[submission.assignment] = (
                file_digest(submission.path))
    if copies:
        _write_text(work / LMS_COPIES, json.dumps(copies, indent=1, sort_keys=True))
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return notes


def _exchange_files(submission, folder: Path) -> None:
    """nbgrader's ``timestamp.txt`` and ``submission_secret.txt`` in ``folder`` (the graded
    file's copy in submitted/), as ``nbgrader submit`` writes them: the submission's time in
    UTC (empty when the source gave none, a Canvas download: nbgrader reads an empty one as
    no time), and the submission's own secret (nbgrader's submitted/ folder of another
    course work; never a file an LMS student uploaded) or a new one. The files in the graded file's
    own folder (grading nbgrader's submitted/ itself) are never touched."""
    import secrets

    from autograder.submissions import format_timestamp

    source = submission.path.parent
    with contextlib.suppress(OSError):
        if source.resolve() == folder.resolve():
            return
    stamp = format_timestamp(submission.timestamp) if submission.timestamp else ""
    _write_text(folder / "timestamp.txt", stamp)
    secret = folder / "submission_secret.txt"
    own = None
    if submission.lms is None:  # an LMS student's folder holds their own uploads only
        with contextlib.suppress(OSError):
            own = (source / "submission_secret.txt").read_text()[:1000]
    if own is not None or not secret.is_file() or secret.is_symlink():
        _write_text(secret, own if own is not None else secrets.token_hex(64))


def _write_text(path: Path, text: str) -> None:
    """``text`` into ``path`` atomically; a symlink there is replaced, not followed."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _summary(records: list[dict], summary: dict, out: Path) -> None:
    full = sum(r["points"] == r["max_points"] for r in records)
    print(f"graded {summary['graded']} notebooks in {summary['seconds']:.1f} s "
          f"({summary['skipped_up_to_date']} already up to date); {len(records)} results, "
          f"{full} with full marks")
    for failure in summary["failures"]:
        print(f"  FAILED: {failure}")
    from autograder.judge import COURSE_BUGS

    for bug in sorted(set(COURSE_BUGS)):
        print(f"  COURSE BUG (a check crashed; fix it, then re-grade): {bug}"[:600],
              file=sys.stderr)
    print(f"grades: {out / 'grades.csv'}\ntests:  {out / 'tests.csv'}\n"
          f"feedback: {out / 'feedback'}/<student>/<notebook>.html")


def _shared_secret(outputs: list[Path], out: Path) -> int | str | None:
    """The one secret (``OUT/.secret``, ``--seed``) every shard and ``out`` drew the hidden
    checks' inputs from; an error (str) when they differ, since the same student's notebook
    would then be checked on other inputs than in one run (``grade --shard`` on every
    machine needs the same ``--seed``); None when no output has one."""
    found: dict[int, list[str]] = {}
    for folder in [*outputs, out]:
        try:
            found.setdefault(int((folder / ".secret").read_text().strip()), []).append(
                str(folder))
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as error:
            return f"{folder / '.secret'} cannot be read: {error}"
    if len(found) > 1:
        groups = "; ".join(", ".join(folders) for folders in found.values())
        return (f"the shards were graded with different secrets ({groups}): their hidden "
                "checks drew different inputs, so their scores are not one run's; grade "
                "every shard with the same --seed (docs/grading-at-scale.md); nothing merged")
    return next(iter(found), None)


def merge_command(args) -> int:
    from autograder import report, term

    out = Path(args.out)
    secret = _shared_secret([Path(p) for p in args.outputs], out)
    if isinstance(secret, str):
        print(f"error: {secret}", file=sys.stderr)
        return 2
    records = report.load_results(*(Path(p) for p in args.outputs))
    if secret is not None and not (out / ".secret").exists():
        out.mkdir(parents=True, exist_ok=True)  # a later run into OUT draws the same inputs
        descriptor = os.open(out / ".secret", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(str(secret))
    # the shards' results, so `lms` and `grade --from-results` work on the merged folder
    for output in args.outputs:
        results = Path(output) / "results"
        if results.is_dir() and results.resolve() != (out / "results").resolve():
            shutil.copytree(results, out / "results", dirs_exist_ok=True)
    report.write_csvs(records, out)
    report.write_feedback(records, out)
    print(f"merged {len(records)} results from {len(args.outputs)} outputs into {out}")
    # each shard's LMS roster (OUT/lms/students.json), so the merged output gets LMS files
    if term.merge_rosters([Path(p) for p in args.outputs], out):
        if args.course_id:
            os.environ["NNCOURSE_COURSE_ID"] = args.course_id
        from autograder.notebooks import COURSE

        work = Path(args.course_work).resolve() if args.course_work else COURSE
        term.use_course_work(args.course_work)
        try:
            for path in term.write_lms_files(records, out, work):
                print(f"LMS grades: {path}")
        except term.LmsError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    # nbgrader runs `alembic` by name: the virtual environment's tools come first
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade a class of submissions")
    grade.add_argument("submissions", help="submitted/ folder, LMS export folder or zip")
    grade.add_argument("--out", default="grading", help="output folder (default ./grading)")
    grade.add_argument("--jobs", type=int, default=None, help="parallel workers (default: "
                       "one per core)")
    grade.add_argument("--shard", type=_shard, default=None, help="grade shard K of N (K/N)")
    grade.add_argument("--assignment", action="append", help="grade only these notebook ids")
    grade.add_argument("--config", default=str(Path(__file__).with_name("grading.toml")))
    grade.add_argument("--course-work", default=None, help="nbgrader course work folder "
                       "(gradebook, submitted/); default course/")
    grade.add_argument("--no-gradebook", action="store_true", help="do not write nbgrader's "
                       "gradebook")
    grade.add_argument("--course-id", default=None, help="nbgrader course id (default: "
                       "course/nbgrader_config.py's)")
    grade.add_argument("--no-sandbox", action="store_true", help="grade without bubblewrap "
                       "(unsafe: only for a laptop without it)")
    grade.add_argument("--lms", choices=["canvas", "moodle", "blackboard"], default=None,
                       help="read LMS names by this LMS's naming only (default: each export "
                       "folder's LMS is the one whose naming every notebook in it matches)")
    grade.add_argument("--canvas-roster", default=None, help="Canvas's gradebook export "
                       "(CSV with Student and ID): decides a Canvas file name that reads "
                       "as more than one student")
    grade.add_argument("--from-results", action="store_true", help="grade nothing: write "
                       "the gradebook and LMS files from the results already in --out (after "
                       "`merge` of sharded runs)")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.add_argument("--seed", type=int, default=None, help="the secret the hidden checks "
                       "draw their inputs from (default: made once per output folder and "
                       "kept in OUT/.secret)")
    _add_limit_options(grade)
    merge = commands.add_parser("merge", help="combine shard outputs")
    merge.add_argument("outputs", nargs="+", help="output folders of the shards")
    merge.add_argument("--out", required=True)
    merge.add_argument("--course-work", default=None)
    merge.add_argument("--course-id", default=None)
    lms = commands.add_parser("lms", help="write OUT/lms/*.csv again (after formgrader)")
    lms.add_argument("--out", default="grading")
    lms.add_argument("--course-work", default=None, help="default: the one grade used "
                     "(OUT/lms/source.json), else course/")
    lms.add_argument("--course-id", default=None)
    lms.add_argument("--moodle-comments", action="store_true", help="fill Moodle's "
                     "\"Feedback comments\" (an upload overwrites comments typed in Moodle)")
    gradescope = commands.add_parser("gradescope", help="Gradescope autograder: build the "
                                     "zip, run inside Gradescope's container, or check there "
                                     "that the sandbox starts (setup.sh)")
    gradescope.add_argument("action", choices=["build", "run", "check"])
    gradescope.add_argument("--assignment", default=None, help="notebook id (build: "
                            "one zip per notebook by default)")
    gradescope.add_argument("--dist", default="dist/gradescope")
    gradescope.add_argument("--root", default=os.environ.get("GRADESCOPE_ROOT", "/autograder"),
                            help="Gradescope's root (default /autograder)")
    mutate = commands.add_parser("mutate", help="mutation-test the graded checks")
    mutate.add_argument("assignments", nargs="*", help="notebook ids (default: all)")
    mutate.add_argument("--jobs", type=int, default=2, help="workers (notebooks at once)")
    mutate.add_argument("--engine", choices=["autograder", "nbgrader"], default="autograder",
                        help="grade with the course's autograder (default) or plain nbgrader")
    mutate.add_argument("--kinds", default="mutant,shortcut,variant",
                        help="which catalogue entries (comma-separated; default: all three; "
                        "'split' adds two entries per mutant, honest only under visible checks "
                        "or only outside them: autograder/split.py)")
    mutate.add_argument("--match", default="",
                        help="only the catalogue entries whose name contains this")
    args = parser.parse_args(argv)
    if args.command == "grade":
        return grade_command(args)
    if args.command == "merge":
        return merge_command(args)
    if args.command == "lms":
        return lms_command(args)
    if args.command == "gradescope":
        from autograder import gradescope as gradescope_module

        return gradescope_module.main(args)
    from autograder.mutation import main as mutate_main

    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    return mutate_main(args.assignments, jobs=args.jobs, engine=args.engine, kinds=kinds,
                       match=args.match)


if __name__ == "__main__":
    sys.exit(main())
