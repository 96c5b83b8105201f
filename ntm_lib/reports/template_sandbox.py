"""Jinja for Word templates: a sandbox that bounds the work a template can cause.

A board's template is input like any file a person hands over: it may loop without end by
mistake (a `range` in a `range`), or build a string without end. So every render carries a
budget: every loop step, call and field lookup is charged against MAX_STEPS, and every thousand
characters a string holds; every string or list an expression makes is held to MAX_STRING; what
the template writes (values and text, also into a `set` block) to MAX_RENDERED. Filters are
never run while a template is compiled, so the bounds hold for all their work. Exceeding one is
a `TemplateLimit` (the kind and the limit), which the caller turns into a located refusal.

What the budget cannot see (a single call of C code that allocates, a filter chain over long
strings) is bounded by `isolated`: a board's own template is rendered in a child process with a
memory limit (RLIMIT_AS) and a wall-clock timeout, killed on overrun. The shipped templates are
rendered in process: they are ntm's code.
"""

from __future__ import annotations

import re

from jinja2 import StrictUndefined, nodes, pass_context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import _PassArg  # how a filter asks for its context (Jinja 3)
from jinja2.visitor import NodeTransformer

# A real plan loops over a few hundred roadmap rows, criteria and indicators: the sample's plan
# takes some 400 steps, with every list twenty times longer some 7,000. The budget is over a
# hundred times that, and a few seconds of work at most (a call, the dearest step, costs more).
MAX_STEPS = 1_000_000
CALL_STEPS = 4  # a call through the sandbox costs as much as a few loop steps
MAX_STRING = 1_000_000  # characters (or items) one expression may produce
MAX_RENDERED = 32_000_000  # characters of XML a whole document may render to (≈ 3,000 pages)
TIMEOUT = 60  # seconds a board's template may take (a plan takes about one)
MAX_MEMORY = 1024  # MB a board's template may use above what ntm holds when it starts

# Filters and string methods whose integer argument is the size of what they make.
_SIZED_FILTERS = frozenset({"center", "indent", "batch", "slice"})
_SIZED_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_WIDE_FORMAT = re.compile(r"%[-+ #0]*(\d{5,}|\*)|\{[^{}]*:[^{}]*(\d{5,}|\{)")


class TemplateLimit(SecurityError):
    """A template went past one of its bounds: `kind` is steps, string, rendered, or (for the
    child process) time or memory."""

    def __init__(self, kind: str, limit: int):
        super().__init__(f"template limit: {kind} > {limit}")
        self.kind, self.limit = kind, limit


def _length(value) -> int:
    return len(value) if isinstance(value, (str, list, tuple, bytes)) else 0


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return 0.0


class Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox with a per-render budget (see the module's docstring)."""

    intercepted_binops = frozenset(["+", "*", "**", "%"])

    def __init__(self, finalize=None, **options):
        finalize = finalize or (lambda value: value)
        super().__init__(finalize=lambda value: self.produced(finalize(value)), **options)
        self.output = 0
        self.steps = MAX_STEPS
        self.rendered = 0
        self.globals["range"] = self.range
        self.globals["lipsum"] = self.lipsum
        self.filters = {name: self._bounded_filter(name, f) for name, f in self.filters.items()}
        self.filters["ntm_charged"] = self.charged
        self.filters["ntm_sized"] = self.sized

    # -- the budget

    def charge(self, steps: int = 1) -> None:
        self.steps -= steps
        if self.steps < 0:
            raise TemplateLimit("steps", MAX_STEPS)

    def sized(self, value):
        """`value` held to MAX_STRING, and charged a step per thousand characters made."""
        length = _length(value)
        if length > MAX_STRING:
            raise TemplateLimit("string", MAX_STRING)
        self.charge(length // 1000)
        return value

    def produced(self, value):
        """Every value a template writes out (also into a `set` block, which no yield shows)
        counted against MAX_RENDERED, and charged like a string made."""
        if isinstance(value, str):
            self.output += len(value)
            if self.output > MAX_RENDERED:
                raise TemplateLimit("rendered", MAX_RENDERED)
            self.charge(len(value) // 1000)
        return value

    def charged(self, iterable):
        """Every loop's items, each charged (the parser wraps every `for` in this filter)."""
        for item in iterable:
            self.charge()
            yield item

    def range(self, *args):
        numbers = range(*args)
        try:
            self.charge(len(numbers))
        except OverflowError:  # longer than an index can say
            self.charge(MAX_STEPS + 1)
        return numbers

    def lipsum(self, n=5, html=True, min=20, max=100):  # noqa: A002 - Jinja's own names
        from jinja2.utils import generate_lorem_ipsum

        self.charge(int(_number(n)) * int(_number(max)))
        return generate_lorem_ipsum(n, html, min, max)

    # -- what the template does

    def _parse(self, source, name, filename):
        return _Metered().visit(super()._parse(source, name, filename))

    def _bounded_filter(self, name: str, function):
        """`function` charged and held to MAX_STRING. It takes the context, so Jinja never
        folds it into a constant while compiling: a filter runs only when rendering, where the
        bounds (and, for a board's template, the child process) hold."""
        passed = getattr(function, "jinja_pass_arg", None)

        @pass_context
        def bounded(context, *args, **kwargs):
            self.charge()
            self._check_filter(name, args, kwargs)
            first = {
                _PassArg.context: (context,),
                _PassArg.eval_context: (context.eval_ctx,),
                _PassArg.environment: (context.environment,),
            }.get(passed, ())
            return self.sized(function(*first, *args, **kwargs))

        return bounded

    def _check_filter(self, name: str, args: tuple, kwargs: dict) -> None:
        """Refuse, before it runs, a filter that would make more than MAX_STRING."""
        numbers = (a for a in (*args[1:], *kwargs.values()) if isinstance(a, (int, float)))
        if name in _SIZED_FILTERS and any(abs(a) > MAX_STRING for a in numbers):
            raise TemplateLimit("string", MAX_STRING)
        if name == "format" and args and isinstance(args[0], str):
            self._check_str_call(args[0], "format", ())
        if name == "replace" and args and isinstance(args[0], str):
            self._check_str_call(args[0], "replace", (*args[1:], *kwargs.values()))
        if name == "join" and args and isinstance(args[0], (list, tuple)):
            separator = args[1] if len(args) > 1 else kwargs.get("d", "")
            self._check_str_call(str(separator), "join", (args[0],))

    def getattr(self, obj, attribute):
        self.charge()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        self.charge()
        return super().getitem(obj, argument)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's signature
        __self.charge(CALL_STEPS)
        owner, method = getattr(__obj, "__self__", None), getattr(__obj, "__name__", "")
        if isinstance(owner, str):
            __self._check_str_call(owner, method, args)
        return __self.sized(super().call(__context, __obj, *args, **kwargs))

    def _check_str_call(self, text: str, method: str, args: tuple) -> None:
        """Refuse, before it runs, a string method that would make more than MAX_STRING."""
        if (
            method in _SIZED_METHODS
            and args
            and abs(_number(args[0])) * (text.count("\t") + 1) > MAX_STRING
        ):
            raise TemplateLimit("string", MAX_STRING)
        if method == "replace" and len(args) >= 2:
            old, new = str(args[0]), str(args[1])
            if (text.count(old) if old else len(text) + 1) * len(new) > MAX_STRING:
                raise TemplateLimit("string", MAX_STRING)
        if method == "join" and args and isinstance(args[0], (list, tuple)):
            if sum(map(_length, args[0])) + len(text) * len(args[0]) > MAX_STRING:
                raise TemplateLimit("string", MAX_STRING)
        if method in ("format", "format_map") and _WIDE_FORMAT.search(text):
            raise TemplateLimit("string", MAX_STRING)

    def call_binop(self, context, operator, left, right):
        if operator == "**" and (abs(_number(right)) > 64 or abs(_number(left)) > 1e6):
            raise SecurityError("power too large")
        if operator == "*" and isinstance(left, (str, list, tuple)):
            left, right = right, left
        if operator == "*" and isinstance(right, (str, list, tuple)):
            if len(right) * max(_number(left), 0) > MAX_STRING:
                raise TemplateLimit("string", MAX_STRING)
        if operator == "+" and _length(left) + _length(right) > MAX_STRING:
            raise TemplateLimit("string", MAX_STRING)
        if operator == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise TemplateLimit("string", MAX_STRING)
        return super().call_binop(context, operator, left, right)

    def concat(self, parts) -> str:
        """The rendered text of a part, refused past MAX_RENDERED characters for the document."""
        out = []
        for part in parts:
            self.rendered += len(part)
            if self.rendered > MAX_RENDERED:
                raise TemplateLimit("rendered", MAX_RENDERED)
            out.append(part)
        return "".join(out)


class _Metered(NodeTransformer):
    """Every loop's items charged, every `~` held to MAX_STRING (Jinja has no hook for either)."""

    def visit_For(self, node):
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, "ntm_charged", [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node):
        self.generic_visit(node)
        return nodes.Filter(node, "ntm_sized", [], [], None, None, lineno=node.lineno)


def environment(finalize) -> Sandbox:
    """The sandbox for one render: every undefined field an error naming it, every output
    passed through `finalize` and XML-escaped."""
    return Sandbox(undefined=StrictUndefined, autoescape=True, finalize=finalize)


# ---------------------------------------------------------------------------------------------
# A child process with a memory limit and a timeout


def isolated(work, *args):
    """`work(*args)` in a child process limited to MAX_MEMORY MB more than ntm holds and to
    TIMEOUT seconds, killed past them. Returns what `work` returns; an error `work` raises as
    an NtmError is raised here as it was; a child out of memory or time is a TemplateLimit
    ("memory" or "time"). Where a child cannot be forked (Windows), `work` runs here."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return work(*args)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, work, args, MAX_MEMORY), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(TIMEOUT):
            raise TemplateLimit("time", TIMEOUT)
        status, value = receive.recv()
    except EOFError:  # killed (by the system, out of memory) before it could answer
        status, value = "limit", "memory"
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if status == "limit":
        raise TemplateLimit(value, MAX_MEMORY)
    if status == "error":
        raise value
    return value


def _child(send, work, args, memory_mb: int) -> None:
    _limit_memory(memory_mb)
    try:
        answer = ("ok", work(*args))
    except MemoryError:
        answer = ("limit", "memory")
    except Exception as exc:  # noqa: BLE001 - handed to the parent, raised there
        answer = ("error", exc)
    try:
        send.send(answer)
    except Exception:  # noqa: BLE001 - an answer that cannot be pickled
        send.send(("error", RuntimeError(repr(answer[1]))))
    send.close()


def _limit_memory(memory_mb: int) -> None:
    """Limit this process's address space to what it holds now plus `memory_mb` (Linux)."""
    import os

    try:
        import resource

        with open("/proc/self/statm") as statm:
            held = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        size = held + memory_mb * 2**20
        if hard != resource.RLIM_INFINITY:
            size = min(size, hard)
        resource.setrlimit(resource.RLIMIT_AS, (size, hard))
    except (ImportError, OSError, ValueError):
        pass  # no such limit here: the timeout still holds
