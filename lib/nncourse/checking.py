"""Graded checks as two halves: a probe that runs the student's code, a judge that decides.

A check is a small class with a ``name``, a docstring saying what it checks, a ``probe``
(called with the student's functions, returns plain data: arrays, numbers, strings) and a
``judge`` (gets that data, returns a :class:`~nncourse.verdict.Verdict`). Both receive the
same literal keyword arguments written in the test cell.

A test cell is one line::

    check("sigmoid_values", sigmoid)

When a student runs it, probe and judge run in the kernel and a failure raises
:class:`CheckFailed` with what to fix. When a grader grades
(``NNCOURSE_MODE=probe``), the kernel only runs the probe and publishes its data; the judge
runs in the grader's own process, which the student's code never touches.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import math
import os
import sys
import warnings
import zlib

import numpy as np

from nncourse.compare import expected_hidden
from nncourse.derived import no_complex
from nncourse.plain import encode, to_plain
from nncourse.rules import USES, Rules, added_check_modules, enforced, measured
from nncourse.verdict import Verdict, first_failure

PROBE_MIME = "application/x.nncourse-probe+json"
MODE_VARIABLE = "NNCOURSE_MODE"

SEED_VARIABLE = "NNCOURSE_RUN_SEED"

REGISTRY: dict[str, Check] = {}

HINT_LAYERS = [1]
SINK: list = [None]
"""Set by a grader's runner: where probe data goes (instead of IPython's display)."""
REARM: list = [None]
"""Set by a grader's runner: puts the course library back as it was before student code."""


class CheckFailed(AssertionError):
    """A graded check did not pass; the message says what was expected and seen."""


class Check:
    """One graded check. Subclasses set ``name`` and write ``probe`` and ``judge``."""

    name: str = ""
    #: the keyword arguments a test cell may pass, with their defaults, declared once: the
    #: probe and the judge both receive them, overridden by what the test cell wrote
    defaults: dict = {}
    #: a warning while probing fails the check (for the "stable, warning-free" contracts)
    warnings_fail: bool = False
    #: the contract's rules for the graded function(s) this check calls
    rules: Rules = Rules()
    #: probe and judge take ``run_seed``: inputs drawn afresh for every grading run
    fresh: bool = False
    #: the exercise's answer is a short formula of its inputs (relu', the losses' and the
    #: penalties' gradients, the soft threshold, dropout): printed next to the inputs, the
    #: expected values (or a factor between them and the student's) would be the answer, so
    #: failure messages say where and by how much the values are wrong, never what they
    #: should be, and draw no picture of them (:func:`nncourse.compare.expected_hidden`)
    expected_hidden: bool = False
    #: the judge compares with stored numbers made for the written arguments (a reference
    #: would be an answer to copy), so its ``seed`` stays as written under grading too; the
    #: hidden checks of the same function draw fresh inputs
    stored_expected: bool = False
    #: a nan or inf anywhere in the probe's data fails the check before the judge sees it
    #: (so no tolerance test, mean or std can let one through); a check that expects
    #: non-finite values sets this to False and judges them itself
    finite_outputs: bool = True
    #: the second hint layer after a generic pre-check (a nan or inf, a warning): the idea
    #: that removes the overflow in this exercise; empty means the generic idea below
    stability_idea: str = ""

    def arguments(self, args: dict, run_seed: int = 0) -> dict:
        """The keyword arguments both halves get: the defaults, then the test cell's.

        Under grading (``run_seed`` not 0) the ``seed`` a check draws its inputs from is a
        fresh one made from the run's secret seed, so that no graded input is known in
        advance (a forged record would have to compute the answer); when a student checks
        their own work (``run_seed`` 0) it is the seed as written.
        """
        merged = {**self.defaults, **args}
        if (run_seed and not self.fresh and not self.stored_expected
                and type(merged.get("seed")) is int):
            merged["seed"] = fresh_seed(run_seed, self.name, merged["seed"])
        return merged


    def accepted(self) -> set[str]:
        """The keyword arguments a test cell may pass: the declared ``defaults`` and the
        named parameters of ``judge`` (after ``seen``) and ``inputs`` (``run_seed`` is the
        grader's, never a test cell's)."""
        names = set(self.defaults)
        for method, skip in ((self.judge, 1), (self.inputs, 0)):
            parameters = list(inspect.signature(method).parameters.values())[skip:]
            names |= {p.name for p in parameters if p.name != "run_seed" and p.kind in (
                p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        return names

    def inputs(self, **args) -> dict:
        """The inputs this check hands the student's function, built from the test cell's
        arguments (and ``run_seed`` for fresh checks): one place, used by the probe and
        rebuilt by the judge."""
        return {}

    def probe(self, *student, **args) -> dict:
        raise NotImplementedError

    def judge(self, seen: dict, **args) -> Verdict:
        raise NotImplementedError

    @property
    def description(self) -> str:
        return (self.__doc__ or self.name).strip().splitlines()[0]


class CaseCheck(Check):
    """A check made of named cases: ``inputs`` returns ``{key: (*arguments, label)}``; the
    probe runs ``probe_case(*student, *arguments)`` for each, the judge
    ``judge_case(seen[key], *arguments, label)`` and reports the first failure."""

    def probe(self, *student, **args):
        return {key: self.probe_case(*student, *case[:-1])
                for key, case in self.inputs(**args).items()}

    def judge(self, seen, **args):
        return first_failure(*[self.judge_case(seen[key], *case)
                               for key, case in self.inputs(**args).items()])


def register(cls: type[Check]) -> type[Check]:
    """Class decorator: add a check to the registry under its ``name``."""
    instance = cls()
    if not instance.name or instance.name in REGISTRY:
        raise ValueError(f"check name missing or registered twice: {instance.name!r}")
    REGISTRY[instance.name] = instance
    return cls


def check_modules() -> list[str]:
    """The modules that define checks: the visible ones, and any named in
    ``NNCOURSE_CHECK_MODULES`` (comma-separated; how a grader adds its own hidden checks)."""
    return ["nncourse.checks", *added_check_modules()]


def find_check(name: str) -> Check:
    """The registered check ``name``, importing the check modules on first use."""
    if name not in REGISTRY:
        for module in check_modules():
            importlib.import_module(module)
    if name not in REGISTRY:
        raise KeyError(f"no check named {name!r}; is the course library up to date?")
    return REGISTRY[name]


ORDERS_COINCIDE = 1e-12
"""The largest chance, for two independent uniformly random orders of N examples, of being
the same order (1/N!) that a check may take as a sign of one shared draw: two orders are
required to differ only for N with 1/N! below it (N >= 15); smaller data sets are judged on
everything else, and the same check's run at the digits' size judges the draws."""


def orders_may_coincide(n: int) -> bool:
    """Whether two independent uniformly random orders of ``n`` examples are the same with a
    chance above ORDERS_COINCIDE (a right shuffle of 7 examples repeats one in 5040 times)."""
    return math.lgamma(n + 1) < -math.log(ORDERS_COINCIDE)


def run_seed() -> int:
    """This run's seed for checks with fresh inputs: set by the grader, 0 otherwise."""
    try:
        return int(os.environ.get(SEED_VARIABLE, "0"))
    except ValueError:
        return 0


def fresh_seed(run_seed: int, name: str, seed: int) -> int:
    """The seed check ``name`` uses under grading in place of ``seed``: drawn from the run's
    seed, the check's name and the written seed (different for every run and check)."""
    return int(np.random.default_rng([abs(int(run_seed)), zlib.crc32(name.encode()),
                                      abs(int(seed))])
               .integers(1, 2**31 - 1))


def _owner(student: tuple) -> str:
    for thing in student:
        name = getattr(thing, "__name__", None)
        if isinstance(name, str):
            return name
    return "your function"


_LIBRARY_FOLDER = os.path.dirname(os.path.abspath(__file__))


def _unfinished_callee(error: BaseException, student: tuple) -> str | None:
    """The name of the function of yours that raised ``error`` (a NotImplementedError), when
    it is another exercise than the one under test (``sigmoid`` left as a stub while
    ``sigmoid_grad`` calls it); None when the function under test raised it itself."""
    frame_code, trace = None, error.__traceback__
    while trace is not None:
        frame_code, trace = trace.tb_frame.f_code, trace.tb_next
    if frame_code is None:
        return None
    filename = os.path.abspath(frame_code.co_filename)
    if filename.startswith((_LIBRARY_FOLDER, sys.prefix, sys.base_prefix)):
        return None
    own = set()
    for thing in student:
        for candidate in (thing, *vars(thing).values()) if isinstance(thing, type) else (thing,):
            code = getattr(getattr(candidate, "__func__", candidate), "__code__", None)
            if code is not None:
                own.add(code)
    name = getattr(frame_code, "co_qualname", frame_code.co_name)
    return None if frame_code in own or name.startswith("<") else name[:100]


class _Unchanged(contextlib.ContextDecorator):
    """What ``np.errstate(...)`` gives while warnings are heard: a context (and decorator, as
    numpy's own modules use it) that changes nothing."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@contextlib.contextmanager
def numpy_warnings_heard(on: bool = True):
    """While the body runs (a probe of a function whose rules say warning-free: silencing is
    told as a breach, ``Rules.warning_free``), numpy warns of every
    overflow whatever the student's code set before (``np.seterr`` in an earlier cell), and
    ``np.errstate``, ``np.seterr`` and warnings filters called by their code change nothing:
    an overflow is avoided only by not computing it. (The grader also reads silencing from
    the notebook's syntax: ``Rules.warning_free``.)"""
    if not on:
        yield
        return
    saved = (np.errstate, np.seterr, warnings.simplefilter, warnings.filterwarnings)
    before = np.seterr(divide="warn", over="warn", invalid="warn", under="ignore")  # defaults

    def errstate(*args, **kwargs):
        return _Unchanged()

    def seterr(*args, **kwargs):
        return np.geterr()

    def ignore(*args, **kwargs):
        return None

    np.errstate, np.seterr = errstate, seterr
    warnings.simplefilter = warnings.filterwarnings = ignore
    try:
        yield
    finally:
        np.errstate, np.seterr, warnings.simplefilter, warnings.filterwarnings = saved
        np.seterr(**before)


def run_probe(check: Check, student: tuple, args: dict, seed: int | None = None,
              plain=None) -> dict:
    """Run ``check``'s probe; return its plain data, with any exception and warnings in it.

    The result always has the keys ``raised`` (``None`` or ``"Type: message"``) and
    ``warnings`` (list of messages), and otherwise whatever the probe returned. ``plain``:
    the conversion to plain data, taken before the student's code runs (it may rebind this
    module's names while it runs).
    """
    plain = plain or to_plain
    seen: dict = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            seed = run_seed() if seed is None else seed
            extra = {"run_seed": seed} if check.fresh else {}
            peaks: list = []
            called = tuple(measured(s, peaks) if check.rules.no_jacobian and callable(s)
                           and not isinstance(s, type) else s for s in student)
            with enforced(_owner(student), *[s for s in student if callable(s)],
                          rules=check.rules), \
                    no_complex(_owner(student[::-1]), check.rules.derived), \
                    numpy_warnings_heard(check.rules.warning_free):
                returned = check.probe(*called, **check.arguments(args, seed), **extra)
            seen = plain(returned) if isinstance(returned, dict) else {
                "returned": f"<probe returned {type(returned).__name__}>"}
            seen.setdefault("raised", None)  # a probe may report what it caught itself
            if check.rules.no_jacobian:
                seen["memory_peaks"] = plain(peaks[:100])
        except Exception as error:
            seen = {"raised": f"{type(error).__name__}: {error}"[:2000]}
            if isinstance(error, NotImplementedError):
                seen["raised_in"] = _unfinished_callee(error, student)
    seen["warnings"] = sorted({str(w.message)[:300] for w in caught})[:10]
    return seen


def stored_values(check: str, labels: tuple[str, ...], args: dict) -> list | Verdict:
    """The stored expected values ``labels`` of ``check`` for ``args`` (1-D arrays, from
    ``nncourse.expected``: numbers computed by the grader's references, never their code), or
    a failing verdict naming arguments the notebook never uses."""
    from nncourse.expected import stored

    values = [stored(check, label, args, (-1,)) for label in labels]
    if any(value is None for value in values):
        return Verdict.fail(f"{check} knows the expected values for the arguments the "
                            f"notebook uses, not for {args}: call it as the notebook's test "
                            "cell does.")
    return values


STABILITY_IDEA = (
    "Print the intermediate arrays of your function on the input named above and find the "
    "first one that is inf or nan; then rewrite that step as an equivalent expression whose "
    "intermediate values stay moderate (the lesson's section on numerical care shows how for "
    "this exercise).")
RAISED_IDEA = ("Call your function yourself on inputs like the test's (the shapes, the "
               "memory layout, the argument types in the docstring) and read the traceback: "
               "the last line in your own code is where it went wrong.")
RULE_IDEA = ("The message names the call, module or function that is not allowed: compute "
             "that part yourself with numpy, the standard library and your own earlier "
             "functions, as the lesson derives it.")


def judge_seen(check: Check, seen: dict, args: dict, seed: int = 0) -> Verdict:
    """The verdict on a probe's data: exceptions and forbidden warnings first, then the judge."""
    raised = seen.get("raised")
    if isinstance(raised, str) and raised.startswith("RuleBroken"):
        told = (f"The exercise's docstring says: {check.rules.told()}" if check.rules != Rules()
                else f"Graded functions use {USES}; the "
                "exercise says which of yours it must be built from.")
        return Verdict.fail(
            f"{check.name}: breaks a rule of the contract: {raised.split(': ', 1)[-1]}", told,
            RULE_IDEA)
    if raised:
        callee = seen.get("raised_in")
        if raised.startswith("NotImplementedError") and isinstance(callee, str) and callee:
            return Verdict.not_yet(
                f"{check.name}: needs your {callee}, which is not implemented yet.",
                f"Finish {callee} first (its own test, or the cell that asks for it, says "
                "what it must do), then run this test again.",
                f"This exercise calls your {callee}: replace its `raise "
                "NotImplementedError()` and run the cell that defines it again.")
        if raised.startswith("NotImplementedError"):
            return Verdict.not_yet(
                f"{check.name}: not implemented yet.",
                "Replace the `raise NotImplementedError()` line with your code, then run the "
                "cell that defines the function again.",
                "A test that also needs another exercise of yours says so: finish that one "
                "first.")
        return Verdict.fail(f"{check.name}: your code raised {raised}",
                            "The exception came from your code (or from a function of yours "
                            "it calls), on the test's inputs.", RAISED_IDEA)
    bad = _non_finite(seen, labels=getattr(check, "LABELS", None)) \
        if check.finite_outputs else None
    if bad:
        return Verdict.fail(
            f"{check.name}: your function returned {bad}.",
            "An overflow or a division by zero? (exp of a large number, log of 0, 0/0)",
            check.stability_idea or STABILITY_IDEA)
    if check.warnings_fail and seen.get("warnings"):
        return Verdict.fail(
            f"{check.name}: numpy warned while running your code: {seen['warnings'][0]}",
            "The result must be warning-free for inputs of magnitude 1000: an exp of a "
            "large number overflows (np.where still computes both branches).",
            check.stability_idea or STABILITY_IDEA)
    extra = {"run_seed": seed} if check.fresh else {}
    try:
        with expected_hidden(check.expected_hidden):
            return check.judge(_Seen.of(seen), **check.arguments(args, seed), **extra)
    except (TypeError, ValueError, IndexError, ArithmeticError, MemoryError) as error:
        # what a comparison raises on values of another type, shape, length or size than
        # the contract's (an int too large for a float, an array too large to compare):
        # the student's returned values have the wrong form
        return Verdict.fail(f"{check.name}: the returned values have the wrong form "
                            f"({type(error).__name__}: {str(error)[:300]}).",
                            "Compare what your function returns with the docstring's "
                            "types and shapes.",
                            "Print what your function returns on a small input: its type, "
                            "its length, each part's shape.")
    except Exception as error:  # noqa: BLE001 - a KeyError, NameError...: the judge's own bug
        return Verdict(False, f"{check.name}: the check itself failed ({type(error).__name__}: "
                       f"{str(error)[:300]}). This is a bug in the course, not a verdict on "
                       "your code: please tell your instructor.", course_bug=True)


def drive(plan):
    """Make, here, the calls a shared probe's ``plan`` asks for; return what the plan returns.

    plan: a generator that yields ``(function, args, kwargs)`` for each call of the
    student's code it needs and receives that call's result. A probe that several checks
    share (a visible check and the hidden checks built on it) is written as a plan, so that
    the student's code always runs under the calling check's own probe, never inside code
    of another check's module: an answer that looks at the stack for a visible check's
    frame finds one exactly when a visible check calls (issue 20: such an answer is judged
    by the rules of every check that calls it, not honest for the visible ones alone).
    """
    try:
        call = next(plan)
    except StopIteration as stop:
        return stop.value
    while True:
        function, args, kwargs = call
        try:
            result = function(*args, **kwargs)
        except BaseException:
            plan.close()  # the plan's swaps and recorders are undone before the error goes on
            raise
        try:
            call = plan.send(result)
        except StopIteration as stop:
            return stop.value


def nudge(shape, phase: float) -> np.ndarray:
    """A known, small, non-constant array that an altered collaborator (a stand-in of a
    built-from check) adds to its result: a function built from that collaborator moves by
    exactly what the nudge does; one that calls it and computes the same thing again itself,
    or drops its result, does not."""
    size = int(np.prod(shape))
    return 0.01 * np.cos(np.arange(size) * 1.7 + phase).reshape(shape)


THROUGH_SYMPTOM = (
    "The result does not follow what your own function returned: the code calls it, but the "
    "value it uses was computed again another way (or the result is dropped).")
"""The first hint layer of every built-from check whose altered collaborator was ignored."""


def on_copies(function, *args, names: tuple[str, ...] = (), **kwargs) -> tuple:
    """Call ``function`` on copies of its array arguments (a probe's inputs stay its own).

    Arrays are copied in their memory layout (a transpose stays Fortran-ordered, a strided
    view stays a strided view, so a check about views still hands the student a view);
    dicts and lists of arrays are copied entry by entry. names: the contract's names of the
    positional arguments. Returns ``(result, after)``: what the call returned, and every
    argument that holds arrays as the call left it, by name (positions ``"0"``, ``"1"``...
    where no name is given, keywords by their keyword), for
    :func:`nncourse.compare.unchanged` to compare with the inputs.
    """
    args = [_copy(a) for a in args]
    kwargs = {k: _copy(v) for k, v in kwargs.items()}
    result = function(*args, **kwargs)
    labels = [*names, *map(str, range(len(names), len(args)))]
    after = {label: a for label, a in zip(labels, args) if _holds_arrays(a)}
    after.update({k: v for k, v in kwargs.items() if _holds_arrays(v)})
    return result, after


def call_on_copies(function, inputs: dict, make=None, **kwargs):
    """``function(*inputs.values(), **kwargs)`` through :func:`on_copies`, each argument named
    as in ``inputs``; ``make`` (e.g. a strided view maker) first turns every array, in a dict
    too, into the view the student is handed. Returns ``(result, after)``. Here, not in a
    check module, so that no check module's frame stands between a hidden check's probe and
    the student's code (:func:`drive`)."""
    def handed(value):
        if isinstance(value, dict):
            return {k: handed(v) for k, v in value.items()}
        return make(value) if make and isinstance(value, np.ndarray) else value

    return on_copies(function, *map(handed, inputs.values()), names=tuple(inputs), **kwargs)


def _copy(value):
    if isinstance(value, np.ndarray):
        if value.ndim == 0 or value.flags.c_contiguous:
            return value.copy()
        if value.flags.f_contiguous:
            return value.copy(order="F")
        wide = np.zeros(value.shape[:-1] + (2 * value.shape[-1],), dtype=value.dtype)
        wide[..., ::2] = value
        return wide[..., ::2]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


def _holds_arrays(value) -> bool:
    """An argument a call can change in place: an array, a dict or list (of anything), or a
    tuple (whose arrays can change)."""
    return isinstance(value, (np.ndarray, dict, list, tuple))


class _Seen(dict):
    """Probe data as the judge reads it: a key the probe should have sent and did not (only
    forged data lacks one) is the student's malformed result (a ValueError), not a KeyError
    of the course's."""

    @classmethod
    def of(cls, value):
        if isinstance(value, dict):
            return cls({k: cls.of(v) for k, v in value.items()})
        if isinstance(value, list):
            return [cls.of(v) for v in value]
        return value

    def __missing__(self, key):
        raise ValueError(f"no {key!r} in the results")


def _non_finite(value, where: str = "", labels: dict | None = None) -> str | None:
    """Where the probe data holds a nan or inf (``"nan in 'grads'/'W1'"``), or None; a
    top-level key the check labels (its ``LABELS``) is named by its label, the input the
    student can recognise (``"nan in the result for softmax([1000, 999, 998])"``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("raised", "raised_in", "warnings"):
                continue
            named = (f"the result for {labels[key]}" if not where and labels
                     and isinstance(labels.get(key), str) else None)
            found = _non_finite(item, f"{where}/{key!r}" if where else named or repr(key))
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _non_finite(item, f"{where}[{index}]")
            if found:
                return found
        return None
    try:
        array = np.asarray(value)
        if array.dtype.kind in "US":  # text such as "nan" becomes a number in a judge
            array = np.asarray(value, dtype=np.float64)
    except Exception:  # noqa: BLE001 - not numeric: the judge decides
        return None
    if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
        kind = "nan" if np.any(np.isnan(array)) else "inf"
        return f"{kind} in {where or 'its result'}"
    return None


def _publish(name: str, args: dict, seen: dict, sink=None) -> None:
    payload = encode({"check": name, "args": args, "seen": seen})
    if sink is not None:
        sink(payload)
        return
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency of the course
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display({PROBE_MIME: payload}, raw=True)
    else:
        print(f"{PROBE_MIME} {payload}", flush=True)


def unknown_arguments(found: Check, unknown: list[str]) -> str:
    """What ``check`` says when a call passes keyword arguments that are not the check's
    inputs (``hints=2``): nothing is run, and the way to see more hints is named."""
    takes = sorted(found.accepted())
    return (f"check({found.name!r}, ...) does not take {', '.join(unknown)}: "
            + (f"its keyword arguments are {', '.join(takes)}." if takes
               else "it takes no keyword arguments.")
            + " Call it as the notebook's test cell does. To see more layers of hints when a "
            "check fails, run show_hints(2) (or 3) once before it.")


def show_hints(layers: int) -> None:
    """How many layers of hints a failing check shows from now on (1 at first)."""
    HINT_LAYERS[0] = max(1, int(layers))


def check(name: str, *student, **args) -> None:
    """Run the graded check ``name`` on the student's objects ``student``.

    Self-check (the default): run probe and judge here; print a tick, or raise
    :class:`CheckFailed` with what was expected, what was seen and a hint. Returns nothing,
    so a test cell shows only the tick or the failure.
    Probe mode (``NNCOURSE_MODE=probe``, set by a grader): publish the probe's data and
    decide nothing.
    Keyword arguments are the check's inputs, as the notebook's test cells write them
    (:meth:`Check.accepted`); any other (``hints=2``) is refused before anything runs, with
    a message that names them and :func:`show_hints`, the way to see more hint layers.
    """
    __tracebackhide__ = True  # IPython and pytest show the message, not this frame
    # Taken now, before the student's code runs inside the probe: what it rebinds in this
    # module while it runs does not change how its results are recorded and sent.
    probing = os.environ.get(MODE_VARIABLE) == "probe"
    plain, publish, rearm, sink = to_plain, _publish, REARM[0], SINK[0]
    found = find_check(name)
    unknown = sorted(set(args) - found.accepted())
    if unknown:
        from nncourse import failure

        raise failure.failed(unknown_arguments(found, unknown))
    seen = run_probe(found, student, args, plain=plain)
    if probing:
        sys.settrace(None)  # no hook of the student's runs between here and the sending
        sys.setprofile(None)
        if rearm is not None:
            rearm()  # the library as it was, whatever the student's code did to it
        publish(name, args, seen, sink)
        return None
    verdict = judge_seen(found, seen, args, run_seed())
    if not verdict.passed:
        from nncourse import failure  # the red box, the student's frames, the figure

        student_error = failure.rerun_for_error(found, student, args, seen, run_seed())
        failure.show_figure(verdict.arrays)
        raise failure.failed(verdict.render(max_hints=HINT_LAYERS[0]),
                             student_error) from student_error
    print(f"\u2714 {found.description}")
