"""One poller per connection, family and event loop that checks many waiting jobs with few calls.

ICE can describe many jobs in one call: by their ids (``BatchGetYikeAIAppJob``, a
:class:`BatchedJobKind`) or as a list of a family's jobs by status and creation time
(``ListSnapshotJobs``, ... a :class:`ListedJobKind`). A triggerer waiting for a thousand such jobs
would otherwise make a thousand calls per poll interval. Instead, every trigger of a kind that
shares a connection joins the :class:`BatchedJobPoller` of that connection on its own event loop:
the poller collects the jobs due for a check, reads them together, and wakes each trigger with its
own job (or with the error that concerns it).

- The poller is a task on the triggerer's loop, started by the first trigger that joins and
  stopped when the last one leaves (done, cancelled or timed out), which waits until the poller
  has closed its hook. Nothing in it blocks the loop.
- Its waits between rounds end on the loop's shared poll ticks
  (:mod:`airflow_ice.triggers.poll_scheduler`), like the lone triggers' polls.
- Each trigger keeps its own poll interval. A round takes every job due within half its interval,
  so triggers deferred at different moments soon share rounds (a job may be checked up to half an
  interval early; checks only read).
- A job missing from a batch answer is read with a single call. A batch that ICE refuses with a
  request error (e.g. too many ids, or no batch action in that region) is read with single calls,
  and later batches are made smaller. Throttling, 5xx and network errors reach every job of the
  batch as they would reach a lone poll: keep waiting. So do authentication errors: each trigger
  ends with its own error event.
- The batch size is the smallest ``batch_size`` of the waiting triggers, else the connection extra
  named by the kind (``ai_app_batch_size`` for AI-app jobs), else :data:`DEFAULT_BATCH_SIZE`.

A list kind reads, per round, the family's finished jobs (one list per finished status, pages of
100, the next-page token followed) created in a window covering the round's jobs:

- A job in the list has finished: its trigger gets the listed job, or, when a list item lacks what
  the job's XCom form holds (:attr:`~airflow_ice.jobs.list_check.ListCheck.items_complete`), the
  job read once with its Get. A job absent from a complete list is still running: its trigger
  hears so (:class:`UnfinishedJob`), with no call of its own.
- The finished jobs stay in the window until its last job ends, so late in a wait they outnumber
  the unfinished ones: a round then lists the unfinished jobs instead
  (:attr:`~airflow_ice.jobs.list_check.ListCheck.running_statuses`; :class:`Listing`), whichever
  the last rounds' pages say is fewer pages. A job listed there is still running; a job absent from
  complete lists of unfinished jobs is read with its Get, which decides (it has finished, or is in
  a status the filter does not take). Families whose items are whole (media info) list finished
  jobs only, since there the finished list spares the Get. A list of unfinished jobs ICE refuses or
  that runs past the page bound turns them off for the poller (logged once); the finished lists go on.
- The window runs from the oldest job's creation to the newest's (ICE's clock, a minute's margin
  each side), at most :data:`DEFAULT_LIST_WINDOW_SECONDS` wide; a job created before that is read
  with its Get. So other systems' jobs on the account cost pages only within that window, and at
  most :data:`DEFAULT_MAX_LIST_PAGES` pages per status and round (4 per 100 jobs checked, if more:
  :data:`LIST_PAGES_PER_JOB`): a list cut there vouches for no
  absent job, and those are read with their Gets. A list ICE refuses (a request error) is not
  asked again by this poller: its jobs are read with Gets. Each of these fallbacks is logged once
  per poller.
- The Gets a round leaves (finished jobs, jobs not listed) run apart from the rounds: the next
  round, the other jobs' next check, does not wait for them; a job's Get on the wire keeps it out
  of rounds until it answers. Their starts are spread over a few seconds (:data:`GET_SPREAD`), so
  that the rounds of triggerers sharing an account do not burst past ICE's limit together.
- A job's creation time comes from its trigger (``created_at``, which the operator sets from its
  check at once), else from the job's first Get. A job ending in a status the list cannot filter by
  (a media convert job ``Cancelled``) is found by its Get once it is older than the window.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import threading
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson

from airflow_ice.errors import IceApiError, IceAuthError, IceResponseError
from airflow_ice.jobs.list_check import MAX_PAGE_SIZE, ListCheck
from airflow_ice.jobs.waiting import TRANSIENT_POLL_ERRORS
from airflow_ice.triggers.hook_loader import load_hook_class
from airflow_ice.triggers.poll_scheduler import POLL_SCHEDULERS

if TYPE_CHECKING:
    from airflow_ice.hooks.ice import IceHook
    from airflow_ice.jobs.family import AnyFamily, IceJob

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 20
MAX_BATCH_SIZE = 1000
# A round also takes the jobs due within this share of their interval, so that rounds merge.
COALESCE_SHARE = 0.5
# A trigger that joins is checked this soon at most, so that triggers joining together share a round.
JOIN_WINDOW_SECONDS = 0.05
# Width of the random spread of a round's next due time (±5%), so that triggerers do not poll in lock-step.
ROUND_JITTER = 0.1

DEFAULT_MAX_LIST_PAGES = 20
"""The most pages of one list (one finished status) a round reads for a few jobs: 2,000 jobs."""
LIST_PAGES_PER_JOB = 0.04
"""And for many: 4 pages per 100 jobs, counting those a round checks and those the poller's lists
already found finished in its window (they stay in it until its last job ends). Twice what it
takes for the jobs of two triggerers: with 2,500 jobs of a family submitted together and split by
two triggerers, each lists 2,500 finished jobs by the end, 2 pages per 100 of its own."""
DEFAULT_LIST_WINDOW_SECONDS = 3600.0
"""The widest creation-time window a round lists; older jobs are read with their Gets."""
# Each side of the window: ICE's times are whole seconds, and its filter's time may not be the
# CreateTime it reports to the second.
WINDOW_MARGIN_SECONDS = 60.0


@dataclass(frozen=True)
class GetSpread:
    """When the single Gets a poller sends together (a round's finished jobs', say) start: the
    first ``at_once`` at once, the others one after another at ``rate`` a second, faster when that
    would take more than ``max_seconds``.

    :param at_once: Gets that start at once (a round of at most that many is not delayed).
    :param rate: Gets started per second after those.
    :param max_seconds: the latest a Get starts after its round, however many there are.
    :param tick: Gets due within one tick of the loop's poll ticks start together (one wake-up).
    """

    at_once: int
    rate: float
    max_seconds: float
    tick: float

    def delays(self, count: int) -> list[float]:
        """Seconds after the round at which each of ``count`` Gets starts, in order."""
        later = count - self.at_once
        if later <= 0:
            return [0.0] * count
        rate = max(self.rate, later / self.max_seconds)
        return [0.0] * self.at_once + [(k + 1) / rate for k in range(later)]


GET_SPREAD = GetSpread(at_once=10, rate=25.0, max_seconds=3.0, tick=0.1)
"""How a poller spreads its Gets. ICE limits each action per account (e.g. 100 calls a second),
shared by every triggerer on the account, and a round's finished jobs (about 70 for a family
finishing 2 jobs a second at 30 s polls) all read in the same instant are a burst that gets
throttled when another triggerer's round falls in the same second: the adaptive pace
(:mod:`airflow_ice.client.adaptive_rate`, per process) only learns of it afterwards. Spread, two
triggerers' rounds falling together send at most 20 Gets at once then 50 a second; a finished job
is told at most 3 s later (the latency goal is its poll interval plus 5 s)."""

POLLER_STATS_MESSAGE = "Shared ICE poller stopped"
"""Begins the line a poller logs (INFO) when it stops, with its :class:`PollerStats`: how many calls
its rounds took, e.g. list calls per round against the jobs they checked."""

BatchQuery = Callable[["IceHook", list[str]], Awaitable[Sequence["IceJob"]]]
SingleQuery = Callable[["IceHook", str], Awaitable["IceJob"]]


@dataclass(frozen=True)
class BatchedJobKind:
    """How to read jobs of one family in batches.

    :param name: display name used in logs, e.g. ``Yike AI app``.
    :param batch_query: reads several jobs in one call (async); may leave ids out.
    :param single_query: reads one job (async); used for a job missing from a batch answer.
    :param batch_size_extra: the connection extra that sets the batch size.
    """

    name: str
    batch_query: BatchQuery
    single_query: SingleQuery
    batch_size_extra: str


@dataclass(frozen=True)
class ListedJobKind:
    """How to check jobs of one family with its list of finished jobs (:attr:`JobFamily.list_check
    <airflow_ice.jobs.family.JobFamily.list_check>`), and its Get for the rest.

    :param family: the family (one with a ``list_check``).
    :param max_pages: the most pages of one list (one finished status) a round reads, at least
        (more for many jobs: :data:`LIST_PAGES_PER_JOB`).
    :param max_window_seconds: the widest creation-time window a round lists.
    :param list_unfinished: whether a round may list the unfinished jobs instead, when those take
        fewer pages (families that declare
        :attr:`~airflow_ice.jobs.list_check.ListCheck.running_statuses`).
    """

    family: AnyFamily
    max_pages: int = DEFAULT_MAX_LIST_PAGES
    max_window_seconds: float = DEFAULT_LIST_WINDOW_SECONDS
    list_unfinished: bool = True

    def __post_init__(self) -> None:
        if self.family.list_check is None:
            raise ValueError(f"ICE has no list of {self.family.name} jobs by status.")

    def pages_for(self, jobs: int) -> int:
        """The most pages of one list a round reads when it checks ``jobs`` jobs."""
        return max(self.max_pages, math.ceil(LIST_PAGES_PER_JOB * jobs))

    @property
    def name(self) -> str:
        """The family's name (logs; one poller per name and connection)."""
        return str(self.family.name)

    @property
    def check(self) -> ListCheck:
        """The family's list declaration."""
        check = self.family.list_check
        assert check is not None  # checked when made
        return check

    def window_width(self) -> float:
        """The widest window a round asks for, within ICE's own bound (margins included)."""
        width = self.max_window_seconds
        if self.check.max_window_seconds is not None:
            width = min(width, self.check.max_window_seconds - 2 * WINDOW_MARGIN_SECONDS - 2)
        return width


PollKind = BatchedJobKind | ListedJobKind
"""How a poller reads its jobs: in batches by id, or from a family's list."""


class Listing(Enum):
    """Which of a family's jobs a list round asks ICE for."""

    FINISHED = "finished"
    """The finished ones: a job absent from complete lists is still running."""
    UNFINISHED = "unfinished"
    """The unfinished ones: a job absent from complete lists is read with its Get."""


@dataclass
class _Listed:
    """What one round's lists said of the jobs it checks.

    :param found: the round's jobs the lists hold, parsed.
    :param unread: ids of items that could not be parsed.
    :param complete: whether every page was read (no page bound reached).
    :param seen: the items the lists held, any system's.
    :param ours: of those, the poller's own jobs (waited for now).
    """

    found: dict[str, IceJob] = field(default_factory=dict)
    unread: set[str] = field(default_factory=set)
    complete: bool = True
    seen: int = 0
    ours: int = 0


class UnfinishedJob:
    """A job the lists say still runs (a complete list of finished jobs left it out), or cannot
    say has finished (an unfinished list cut or unreadable): its status is not known more
    precisely. What a list check hands a trigger whose job is not known to have finished.

    :param job_id: the job.
    """

    __slots__ = ("job_id",)

    status_text: str | None = None
    is_terminal = False
    succeeded = False
    failed = False

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id

    def __repr__(self) -> str:
        return f"UnfinishedJob({self.job_id!r})"

    def to_xcom(self) -> dict[str, Any]:
        """The job id only: nothing else is known."""
        return {"job_id": self.job_id, "status": None}


def checked_batch_size(value: object, source: str) -> int:
    """A batch size: a whole number from 1 to :data:`MAX_BATCH_SIZE` (numeric text is accepted).

    :param value: the value given.
    :param source: where it came from, for the error message.
    :raises ValueError: it is not such a number.
    """
    number: object = value
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_BATCH_SIZE:
        raise ValueError(f"{source} must be a whole number from 1 to {MAX_BATCH_SIZE}, got {value!r:.50}.")
    return number


@dataclass
class PollerStats:
    """What one poller did, for logs, tests and benchmarks.

    :param rounds: polling rounds.
    :param batch_calls: batch calls made.
    :param list_calls: list calls made (pages).
    :param unfinished_rounds: rounds that listed the unfinished jobs (:attr:`Listing.UNFINISHED`).
    :param single_calls: single-job calls made (lone jobs, jobs missing from an answer, fallbacks).
    :param checks: job results (or errors) handed to triggers.
    """

    rounds: int = 0
    batch_calls: int = 0
    list_calls: int = 0
    single_calls: int = 0
    unfinished_rounds: int = 0
    checks: int = 0


class BatchMember:
    """One waiting trigger's place in a poller: where its results arrive.

    :param poller: the poller it joined.
    :param job_id: the job it waits for.
    :param poll_interval: seconds between its checks.
    :param batch_size: the largest batch it accepts, or None for the poller's default.
    :param due: loop time of its next check.
    :param created_at: when ICE created the job (epoch seconds), or None until known.
    """

    def __init__(
        self,
        poller: BatchedJobPoller,
        job_id: str,
        poll_interval: float,
        batch_size: int | None,
        due: float,
        created_at: float | None = None,
    ) -> None:
        self.poller = poller
        self.job_id = job_id
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.due = due
        self.created_at = created_at
        # Set while its job's Get runs apart from the rounds (not checked by a round meanwhile).
        self.checking = False
        self._arrived = asyncio.Event()
        self._outcome: IceJob | BaseException | None = None

    def deliver(self, outcome: IceJob | BaseException) -> None:
        """Hand over the result of a check (the latest one wins if the trigger has not taken it yet)."""
        self._outcome = outcome
        self._arrived.set()

    async def next_job(self, timeout: float | None) -> IceJob | None:
        """The next check's job; None if none came within ``timeout`` seconds.

        :raises Exception: the error the check ran into (as a lone poll would raise it).
        """
        if not self._arrived.is_set():
            if timeout is not None and timeout <= 0:
                return None
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout)
            except asyncio.TimeoutError:
                return None
        outcome, self._outcome = self._outcome, None
        self._arrived.clear()
        if isinstance(outcome, BaseException):
            # Several triggers may raise the same error object: start each from a fresh traceback.
            raise outcome.with_traceback(None)
        return outcome

    async def leave(self) -> None:
        """Stop being checked; the last member to leave stops the poller and waits until it has let
        go of its connections."""
        await self.poller.remove(self)


@dataclass
class _Round:
    """The members checked together, grouped by job id (two triggers may wait for one job)."""

    by_job: dict[str, list[BatchMember]] = field(default_factory=dict)

    def deliver(self, job_id: str, outcome: IceJob | BaseException) -> None:
        for member in self.by_job.get(job_id, ()):
            member.deliver(outcome)

    def created_at(self, job_id: str) -> float | None:
        """When ICE created the job, as its members know it (None: not known yet)."""
        return next((m.created_at for m in self.by_job[job_id] if m.created_at is not None), None)

    def learn_created_at(self, job_id: str, created_at: float | None) -> None:
        for member in self.by_job.get(job_id, ()):
            if member.created_at is None:
                member.created_at = created_at


def _absent_needs_get(listing: Listing, complete: bool, unread: bool) -> bool:
    """Whether a job the lists did not show parsed must be read with its Get (else it still runs).

    Lists of finished jobs: when its item could not be read, or the lists were cut (they vouch for
    no absent job). Lists of unfinished jobs: when they were complete and it is not in them (it has
    finished, or is in a status the filter does not take); an unreadable item of theirs, or a cut
    list, says nothing of a finish, and the next round lists finished jobs.
    """
    if listing is Listing.FINISHED:
        return unread or not complete
    return complete and not unread


class BatchedJobPoller:
    """Checks the jobs of every member in batches, on one event loop, for one connection.

    Get it through :data:`BATCHED_POLLERS` (:meth:`BatchedPollerRegistry.join`), not directly.

    :param kind: how to read the jobs.
    :param conn_id: the Airflow connection.
    :param loop: the event loop it runs on.
    :param on_empty: called when the last member leaves (the registry forgets the poller).
    """

    def __init__(
        self,
        kind: PollKind,
        conn_id: str,
        loop: asyncio.AbstractEventLoop,
        on_empty: Callable[[BatchedJobPoller], None],
    ) -> None:
        self.kind = kind
        self.conn_id = conn_id
        self.loop = loop
        self.stats = PollerStats()
        self._on_empty = on_empty
        # Its clock and the waits between rounds: the loop's shared poll ticks.
        self._scheduler = POLL_SCHEDULERS.for_running_loop()
        self._members: dict[int, BatchMember] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._connection_batch_size: int | None = None
        self._connection_read = False
        # Learnt when ICE refuses a batch: later batches stay below it.
        self._refused_size: int | None = None
        # Set when ICE refuses a list: the poller's jobs are read with Gets from then on.
        self._list_refused = False
        # When the jobs this poller found finished (listed, or read with a Get) were created: they
        # stay in later lists' windows, so the pages a round reads count them as well.
        self._listed_finished: list[float] = []
        # Jobs in the window per job of ours in it, as the last complete lists counted (other
        # triggerers' and other systems' jobs): what a round's pages are estimated with.
        self._window_share = 1.0
        # Set when a list of unfinished jobs was refused or ran past the page bound.
        self._unfinished_off = False
        # The fallbacks already logged (each once per poller).
        self._logged: set[str] = set()
        # The Gets running apart from the rounds (:meth:`_get_apart`), cancelled when it stops.
        self._gets: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"BatchedJobPoller({self.kind.name!r}, conn_id={self.conn_id!r}, members={len(self._members)})"

    @property
    def job_ids(self) -> set[str]:
        """The jobs currently waited for."""
        return {member.job_id for member in self._members.values()}

    @property
    def running(self) -> bool:
        """Whether its task is running."""
        return self._task is not None and not self._task.done()

    def add(
        self,
        job_id: str,
        poll_interval: float,
        batch_size: int | None,
        first_wait: float | None = None,
        created_at: float | None = None,
    ) -> BatchMember:
        """Add a member (checked soon, or in ``first_wait`` seconds) and start the poller's task if needed."""
        soon = min(JOIN_WINDOW_SECONDS, poll_interval * COALESCE_SHARE)
        due = self._scheduler.time() + max(soon, first_wait or 0.0)
        member = BatchMember(self, job_id, poll_interval, batch_size, due, created_at)
        self._members[id(member)] = member
        if self._task is None:
            self._task = self.loop.create_task(self._run(), name=f"ice-batched-poller-{self.kind.name}")
            self._task.add_done_callback(self._task_done)
        self._wake.set()
        return member

    async def remove(self, member: BatchMember) -> None:
        """Remove a member; when none is left, stop and return once the poller has closed its hook.

        Waited for in the last member's own task, so that its trigger ends only when the poller's
        connections are let go: a poller left closing on its own would be cancelled again, its close
        cut short, when the triggerer's loop shuts down (``asyncio.run`` cancels every task left),
        and its aiohttp session left unclosed.
        """
        if self._members.pop(id(member), None) is None or self._members:
            return
        task = self._task
        self._on_empty(self)
        if task is None or task.done():
            return
        task.cancel()
        if task is not asyncio.current_task():
            # asyncio.wait: the poller's cancellation is not this task's; if this one is cancelled
            # meanwhile, the poller still closes.
            await asyncio.wait((task,))

    def batch_size(self) -> int:
        """The batch size now: the smallest a member asks for, else the connection's, else the default;
        below the size ICE refused, if it refused one."""
        asked = [m.batch_size for m in self._members.values() if m.batch_size is not None]
        size = min(asked) if asked else self._connection_batch_size or DEFAULT_BATCH_SIZE
        if self._refused_size is not None:
            size = min(size, self._refused_size)
        return max(1, size)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            return
        # A bug must not leave triggers waiting forever: each gets the error and ends.
        log.error("The batched %s poller for %r failed: %r", self.kind.name, self.conn_id, error)
        members = list(self._members.values())
        self._members.clear()
        self._on_empty(self)
        for member in members:
            member.deliver(error)

    async def _run(self) -> None:
        hook = (await load_hook_class())(ice_conn_id=self.conn_id)
        try:
            while self._members:
                now = self._scheduler.time()
                dues = [member.due for member in self._members.values() if not member.checking]
                if not dues:
                    # Every job is being read with its Get: the first to end wakes the poller.
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                delay = min(dues) - now
                if delay > 0:
                    self._wake.clear()
                    await self._sleep_or_wake(delay)
                    continue
                await self._poll_round(hook, now)
        finally:
            for get in self._gets:
                get.cancel()
            await asyncio.gather(*self._gets, return_exceptions=True)
            stats = self.stats
            log.info(
                "%s (%s jobs, connection %r): %d rounds, %d list calls, %d batch calls, %d single calls, "
                "%d checks, %d rounds listing unfinished jobs.",
                POLLER_STATS_MESSAGE,
                self.kind.name,
                self.conn_id,
                stats.rounds,
                stats.list_calls,
                stats.batch_calls,
                stats.single_calls,
                stats.checks,
                stats.unfinished_rounds,
            )
            await hook.aclose()

    async def _sleep_or_wake(self, delay: float) -> None:
        """Sleep until the next round, on the loop's shared poll ticks, or until a trigger joins.

        The rounds stay the poller's own (it picks the jobs due within half their interval and
        batches them; a tick could not do that), but their waits end on the same ticks as the
        lone triggers' polls (:mod:`~airflow_ice.triggers.poll_scheduler`), so one wake-up of the
        loop serves a round and the other families' polls due then.
        """
        shortest = min(member.poll_interval for member in self._members.values())
        sleeping = asyncio.ensure_future(self._scheduler.sleep(delay, self._scheduler.tick_for(shortest)))
        joined = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((sleeping, joined), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            joined.cancel()

    def _round_members(self, now: float) -> _Round:
        chosen = _Round()
        ordered = sorted(self._members.values(), key=lambda member: member.due)
        for member in ordered:
            if not member.checking and member.due <= now + member.poll_interval * COALESCE_SHARE:
                chosen.by_job.setdefault(member.job_id, []).append(member)
        return chosen

    async def _poll_round(self, hook: IceHook, now: float) -> None:
        chosen = self._round_members(now)
        self.stats.rounds += 1
        if isinstance(self.kind, ListedJobKind):
            await self._list_round(hook, self.kind, chosen)
        else:
            await self._batch_round(hook, self.kind, chosen)
        self._schedule_next([member for members in chosen.by_job.values() for member in members])

    def _schedule_next(self, members: Iterable[BatchMember]) -> None:
        """Make the next check of ``members`` due one interval from now (but those whose Get runs
        apart: theirs is set when it ends)."""
        # One spread for the whole round keeps its members together in later rounds.
        spread = 1 + random.uniform(-ROUND_JITTER / 2, ROUND_JITTER / 2)
        finished = self._scheduler.time()
        for member in members:
            if not member.checking:
                member.due = finished + member.poll_interval * spread

    async def _batch_round(self, hook: IceHook, kind: BatchedJobKind, chosen: _Round) -> None:
        if not self._connection_read:
            self._connection_read = True
            self._connection_batch_size = await self._read_connection_batch_size(kind)
        # A comma would split the id in the batch call's list: such an id is read alone.
        job_ids = [job_id for job_id in chosen.by_job if "," not in job_id]
        size = self.batch_size()
        chunks = [job_ids[i : i + size] for i in range(0, len(job_ids), size)]
        chunks += [[job_id] for job_id in chosen.by_job if "," in job_id]
        await asyncio.gather(*(self._poll_chunk(hook, kind, chunk, chosen) for chunk in chunks))

    async def _list_round(self, hook: IceHook, kind: ListedJobKind, chosen: _Round) -> None:
        """Check the round's jobs with the family's lists of finished jobs; Gets for the rest."""
        created = {job_id: chosen.created_at(job_id) for job_id in chosen.by_job}
        alone = [job_id for job_id, at in created.items() if at is None]
        known = {job_id: at for job_id, at in created.items() if at is not None}
        if self._list_refused:
            alone += list(known)
            known = {}
        if known:
            newest = max(known.values())
            inside = {job_id: at for job_id, at in known.items() if at >= newest - kind.window_width()}
            outside = [job_id for job_id in known if job_id not in inside]
            if outside:
                self._log_once(
                    "window",
                    "Some %s jobs were created more than %gs before the newest one waited for; they are "
                    "read with their own Gets, not listed.",
                    kind.name,
                    kind.window_width(),
                )
            alone += outside
            alone += await self._check_listed(hook, kind, inside, newest, chosen)
        if alone:
            self._get_apart(hook, alone, chosen)

    def _get_apart(self, hook: IceHook, job_ids: list[str], chosen: _Round) -> None:
        """Read these jobs with their Gets apart from the rounds, so that the next round (the other
        jobs' next check) does not wait for them: a round's Gets are its finished jobs', paced under
        the account's limit, and may take long. Their members join rounds again when they end."""
        members = [member for job_id in job_ids for member in chosen.by_job.get(job_id, ())]
        for member in members:
            member.checking = True
        get = self.loop.create_task(self._poll_alone(hook, job_ids, chosen))
        self._gets.add(get)

        def ended(task: asyncio.Task[None]) -> None:
            self._gets.discard(task)
            for member in members:
                member.checking = False
            self._schedule_next(members)
            self._wake.set()

        get.add_done_callback(ended)

    async def _check_listed(
        self, hook: IceHook, kind: ListedJobKind, inside: dict[str, float], newest: float, chosen: _Round
    ) -> list[str]:
        """List the finished (or unfinished) jobs created in the window of ``inside``; hand each
        member what the lists say; return the jobs to read with their Gets."""
        check = kind.check
        start, end = min(inside.values()) - WINDOW_MARGIN_SECONDS, newest + WINDOW_MARGIN_SECONDS
        self._listed_finished = [at for at in self._listed_finished if at >= start - kind.window_width()]
        reported = sum(1 for at in self._listed_finished if start <= at <= end)
        listing = self._listing(kind, self._waiting_between(start, end), reported)
        max_pages = kind.pages_for(len(inside) + reported)
        try:
            listed = await self._read_lists(hook, kind, listing, start, end, max_pages, inside)
        except IceAuthError as exc:
            self._deliver_to_all(list(inside), exc, chosen)
            return []
        except TRANSIENT_POLL_ERRORS as exc:
            self._deliver_to_all(list(inside), exc, chosen)
            return []
        except (IceApiError, IceResponseError, ValueError) as exc:
            if listing is Listing.UNFINISHED:
                # ICE may take only the finished statuses: those lists still serve.
                self._unfinished_off = True
                self._log_once(
                    "unfinished-refused",
                    "ICE refused the list of unfinished %s jobs (%s); listing finished ones only from now on.",
                    kind.name,
                    exc,
                )
                return await self._check_listed(hook, kind, inside, newest, chosen)
            # ICE refused or garbled the list itself; each job may still be readable alone.
            self._list_refused = True
            self._log_once(
                "refused",
                "ICE refused the list of %s jobs (%s); reading them one by one with %s from now on.",
                kind.name,
                exc,
                kind.family.get_action,
            )
            return list(inside)
        except Exception as exc:
            self._deliver_to_all(list(inside), exc, chosen)
            return []
        if listed.complete:
            ours = listed.ours + (reported if listing is Listing.FINISHED else 0)
            self._window_share = max(1.0, listed.seen / max(1, ours))
        elif listing is Listing.UNFINISHED:
            self._unfinished_off = True
            self._log_once(
                "unfinished-pages",
                "The lists of unfinished %s jobs ran past %d pages of %d; listing finished ones only from "
                "now on.",
                kind.name,
                max_pages,
                MAX_PAGE_SIZE,
            )
        else:
            self._log_once(
                "pages",
                "The lists of finished %s jobs ran past %d pages of %d; the jobs not in the pages read are "
                "read with their own Gets.",
                kind.name,
                max_pages,
                MAX_PAGE_SIZE,
            )
        to_get: list[str] = []
        for job_id in inside:
            job = listed.found.get(job_id)
            if job is not None:
                if job.is_terminal and not check.items_complete:
                    to_get.append(job_id)  # finished: read once with the Get for its XCom form
                    continue
                if job.is_terminal:
                    self._listed_finished.append(inside[job_id])
                outcome: IceJob = job
            elif not _absent_needs_get(listing, listed.complete, job_id in listed.unread):
                outcome = UnfinishedJob(job_id)
            else:
                to_get.append(job_id)
                continue
            self.stats.checks += 1
            chosen.deliver(job_id, outcome)
        return to_get

    def _listing(self, kind: ListedJobKind, waiting: int, reported: int) -> Listing:
        """Which jobs to list: the unfinished ones when their lists take fewer pages (estimated from
        our jobs in the window and the last lists' share of ours), else the finished ones."""
        check = kind.check
        if (
            not (kind.list_unfinished and check.running_statuses)
            or check.items_complete
            or self._unfinished_off
        ):
            return Listing.FINISHED

        def pages(statuses: int, ours: int) -> int:
            return max(statuses, math.ceil(self._window_share * ours / MAX_PAGE_SIZE))

        finished = pages(len(check.finished_statuses), reported)
        unfinished = pages(len(check.running_statuses), waiting)
        return Listing.UNFINISHED if unfinished < finished else Listing.FINISHED

    def _waiting_between(self, start: float, end: float) -> int:
        """How many of the jobs waited for were created from ``start`` to ``end``."""
        return len(
            {
                member.job_id
                for member in self._members.values()
                if member.created_at is not None and start <= member.created_at <= end
            }
        )

    async def _read_lists(
        self,
        hook: IceHook,
        kind: ListedJobKind,
        listing: Listing,
        start: float,
        end: float,
        max_pages: int,
        inside: dict[str, float],
    ) -> _Listed:
        """Read the lists of ``listing``'s statuses, at most ``max_pages`` pages each."""
        check = kind.check
        statuses = check.running_statuses if listing is Listing.UNFINISHED else check.finished_statuses
        if listing is Listing.UNFINISHED:
            self.stats.unfinished_rounds += 1
        ours = self.job_ids
        listed = _Listed()
        for status in statuses:
            token: str | None = None
            for page_number in range(1, max_pages + 1):
                self.stats.list_calls += 1
                page = await hook.alist_jobs(
                    kind.family, status, start, end, page_size=MAX_PAGE_SIZE, page_token=token
                )
                listed.seen += len(page.jobs) + len(page.unread)
                listed.ours += sum(1 for job in page.jobs if job.job_id in ours)
                listed.found.update((job.job_id, job) for job in page.jobs if job.job_id in inside)
                listed.unread.update(page.unread)
                token = page.next_token
                if token is None:
                    break
                if page_number == max_pages:
                    listed.complete = False
        return listed

    def _log_once(self, reason: str, message: str, *args: object) -> None:
        if reason not in self._logged:
            self._logged.add(reason)
            log.warning(message, *args)

    async def _poll_chunk(
        self, hook: IceHook, kind: BatchedJobKind, job_ids: list[str], chosen: _Round
    ) -> None:
        """Check some jobs with one call and hand each member its result; never raises (but cancels)."""
        if len(job_ids) == 1:
            await self._poll_alone(hook, job_ids, chosen)
            return
        self.stats.batch_calls += 1
        try:
            jobs = await kind.batch_query(hook, job_ids)
        except IceAuthError as exc:
            self._deliver_to_all(job_ids, exc, chosen)
            return
        except TRANSIENT_POLL_ERRORS as exc:
            self._deliver_to_all(job_ids, exc, chosen)
            return
        except (IceApiError, IceResponseError) as exc:
            # ICE refused or garbled the batch itself; each job may still be readable alone.
            self._refused_size = max(1, min(self._refused_size or len(job_ids), len(job_ids) // 2))
            log.warning(
                "ICE refused a batch of %d %s jobs (%s); reading them one by one and using batches of "
                "at most %d from now on.",
                len(job_ids),
                self.kind.name,
                exc,
                self._refused_size,
            )
            await self._poll_alone(hook, job_ids, chosen)
            return
        except Exception as exc:
            self._deliver_to_all(job_ids, exc, chosen)
            return
        listed = {job.job_id: job for job in jobs if job.job_id in chosen.by_job}
        for job_id, job in listed.items():
            self.stats.checks += 1
            chosen.deliver(job_id, job)
        missing = [job_id for job_id in job_ids if job_id not in listed]
        if missing:
            await self._poll_alone(hook, missing, chosen)

    async def _poll_alone(self, hook: IceHook, job_ids: Iterable[str], chosen: _Round) -> None:
        """Read each job with its own Get, their starts spread (:data:`GET_SPREAD`); never raises
        (but cancels: the Gets not started yet are not sent)."""
        kind = self.kind

        async def one(job_id: str, delay: float) -> None:
            if delay > 0:
                await self._scheduler.sleep(delay, GET_SPREAD.tick)
            self.stats.single_calls += 1
            try:
                if isinstance(kind, ListedJobKind):
                    job: IceJob = await hook.aget_job(kind.family, job_id)
                    self._learn_created_at(kind, job_id, job, chosen)
                    created_at = chosen.created_at(job_id)
                    if job.is_terminal and created_at is not None:
                        self._listed_finished.append(created_at)  # it stays in later windows
                    outcome: IceJob | BaseException = job
                else:
                    outcome = await kind.single_query(hook, job_id)
            except Exception as exc:
                outcome = exc
            self.stats.checks += 1
            chosen.deliver(job_id, outcome)

        ids = list(job_ids)
        await asyncio.gather(
            *(one(job_id, delay) for job_id, delay in zip(ids, GET_SPREAD.delays(len(ids)), strict=True))
        )

    def _learn_created_at(self, kind: ListedJobKind, job_id: str, job: IceJob, chosen: _Round) -> None:
        """Note when ICE created the job, so that later rounds find it in the lists."""
        if chosen.created_at(job_id) is not None:
            return
        created_at = kind.check.created_at(job)
        if created_at is None:
            self._log_once(
                "no-time",
                "ICE's answer for %s job %s says nothing of when it was created; such jobs are read "
                "with their own Gets, not listed.",
                kind.name,
                job_id,
            )
            return
        chosen.learn_created_at(job_id, created_at)

    def _deliver_to_all(self, job_ids: list[str], error: BaseException, chosen: _Round) -> None:
        for job_id in job_ids:
            self.stats.checks += 1
            chosen.deliver(job_id, error)

    async def _read_connection_batch_size(self, kind: BatchedJobKind) -> int | None:
        """The connection extra setting the batch size, or None (unset, unreadable or invalid)."""
        try:
            conn = await get_async_connection(self.conn_id)
            value = (await get_async_extra_dejson(conn)).get(kind.batch_size_extra)
        except Exception as exc:
            # The polls will say what is wrong with the connection; here it only means "no setting".
            log.debug("Could not read extra %s of %r: %s", kind.batch_size_extra, self.conn_id, exc)
            return None
        if value in (None, ""):
            return None
        try:
            return checked_batch_size(value, f"Connection {self.conn_id!r} extra {kind.batch_size_extra}")
        except ValueError as exc:
            log.warning("%s Using batches of %d.", exc, DEFAULT_BATCH_SIZE)
            return None


class BatchedPollerRegistry:
    """The process's pollers, one per (kind, connection, event loop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pollers: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[tuple[str, str], BatchedJobPoller]
        ] = weakref.WeakKeyDictionary()

    def join(
        self,
        kind: PollKind,
        conn_id: str,
        job_id: str,
        poll_interval: float,
        batch_size: int | None,
        first_wait: float | None = None,
        created_at: float | None = None,
    ) -> BatchMember:
        """Join (or start) the poller of ``kind`` for ``conn_id`` on the running loop.

        :param kind: how to read the jobs.
        :param conn_id: the Airflow connection.
        :param job_id: the job to wait for.
        :param poll_interval: seconds between its checks.
        :param batch_size: the largest batch it accepts, or None.
        :param first_wait: seconds before its first check (the job's expected earliest end), or
            None to check it soon.
        :param created_at: when ICE created the job (epoch seconds; a list kind finds it in its
            lists by it), or None when not known (its first Get tells).
        :returns: where its results arrive; call :meth:`BatchMember.leave` when done.
        """
        loop = asyncio.get_running_loop()
        key = (kind.name, conn_id)
        with self._lock:
            pollers = self._pollers.setdefault(loop, {})
            poller = pollers.get(key)
            if poller is None:
                poller = pollers[key] = BatchedJobPoller(kind, conn_id, loop, self._forget)
        return poller.add(job_id, poll_interval, batch_size, first_wait, created_at)

    def _forget(self, poller: BatchedJobPoller) -> None:
        with self._lock:
            pollers = self._pollers.get(poller.loop, {})
            if pollers.get((poller.kind.name, poller.conn_id)) is poller:
                del pollers[(poller.kind.name, poller.conn_id)]

    def active(self) -> list[BatchedJobPoller]:
        """The pollers with members, on any loop."""
        with self._lock:
            return [poller for pollers in self._pollers.values() for poller in pollers.values()]


BATCHED_POLLERS = BatchedPollerRegistry()
"""The process-wide registry every batched trigger joins."""

__all__ = [
    "BATCHED_POLLERS",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_LIST_WINDOW_SECONDS",
    "DEFAULT_MAX_LIST_PAGES",
    "GET_SPREAD",
    "LIST_PAGES_PER_JOB",
    "POLLER_STATS_MESSAGE",
    "BatchMember",
    "BatchedJobKind",
    "BatchedJobPoller",
    "BatchedPollerRegistry",
    "GetSpread",
    "ListedJobKind",
    "Listing",
    "PollKind",
    "PollerStats",
    "UnfinishedJob",
    "checked_batch_size",
]
