"""Where a server's time goes: a thread sampler inside the server process, for `bench.load --profile`.

    python -m bench.sampler OUT.txt -- <uvicorn arguments>

Runs uvicorn in this process with a daemon thread that, every 5 ms, reads every Python thread's stack
(`sys._current_frames()`), and reads each OS thread's CPU time from /proc at the start and the end (XLA's
own threads have no Python stack, so the CPU table is what shows them). The report, rewritten every
second and at exit, has two tables: CPU seconds per thread group, and for each busy Python thread group
the functions its samples were in (self, and the service's own frames, inclusive). No dependency: py-spy
would need a binary and ptrace rights a container may not give.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from types import FrameType

INTERVAL_S = 0.005
# A thread whose innermost frame is one of these is waiting, not working: its sample is counted as idle.
IDLE = {"wait", "select", "_worker", "get", "poll", "accept", "_wait_for_tstate_lock", "sleep", "run_forever"}
OURS = ("aevp", "bench", "uvicorn", "starlette", "websockets", "pydantic", "fastapi", "jax", "numpy", "asyncio")


def group(name: str) -> str:
    """A thread group: 'aevp-explore_0' -> 'aevp-explore', 'ThreadPoolExecutor-3_1' -> 'ThreadPoolExecutor'."""
    return re.sub(r"[-_]?\d+(_\d+)?$", "", name) or name


def where(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    for root in OURS:
        k = path.rfind(f"/{root}/")
        if k >= 0:
            path = path[k + 1 :]
            break
    else:
        path = Path(path).name
    return f"{path}:{code.co_name}"


def cpu_by_thread() -> dict[int, tuple[str, float]]:
    """{native thread id: (comm, user + system CPU seconds)} from /proc/self/task."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(task.name)] = (comm, (int(fields[11]) + int(fields[12])) / tick)
    return out


class Sampler:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.samples: Counter[str] = Counter()  # thread group -> samples while working
        self.idle: Counter[str] = Counter()
        self.self_: dict[str, Counter[str]] = defaultdict(Counter)
        self.inclusive: dict[str, Counter[str]] = defaultdict(Counter)
        self.cpu0 = cpu_by_thread()
        self.t0 = time.perf_counter()
        self.lock = threading.Lock()

    def run(self) -> None:
        me = threading.get_ident()
        last_write = time.perf_counter()
        while True:
            names = {t.ident: t.name for t in threading.enumerate()}
            with self.lock:
                for ident, frame in sys._current_frames().items():
                    if ident == me:
                        continue
                    self.take(group(names.get(ident, "?")), frame)
            time.sleep(INTERVAL_S)
            if time.perf_counter() - last_write > 1:
                self.write()
                last_write = time.perf_counter()

    def take(self, g: str, frame: FrameType) -> None:
        if frame.f_code.co_name in IDLE:
            self.idle[g] += 1
            return
        self.samples[g] += 1
        self.self_[g][where(frame)] += 1
        seen = set()
        f: FrameType | None = frame
        while f is not None:
            w = where(f)
            if w not in seen and w.startswith(("aevp/", "bench/", "uvicorn/", "starlette/", "websockets/")):
                seen.add(w)
                self.inclusive[g][w] += 1
            f = f.f_back
        if f is None and not seen:
            self.inclusive[g]["(no service frame)"] += 1

    def write(self) -> None:
        with self.lock:
            text = self.report()
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, self.out)

    def report(self) -> str:
        wall = time.perf_counter() - self.t0
        names = {t.native_id: group(t.name) for t in threading.enumerate() if t.native_id is not None}
        cpu: Counter[str] = Counter()
        for tid, (comm, seconds) in cpu_by_thread().items():
            before = self.cpu0.get(tid, (comm, 0.0))[1]
            cpu[names.get(tid, f"[{group(comm)}]")] += seconds - before
        lines = [f"server profile over {wall:.1f} s ({INTERVAL_S * 1000:.0f} ms samples)", "",
                 "CPU seconds per thread group ([name]: an OS thread without Python, e.g. XLA's):"]
        total = sum(cpu.values())
        for name, seconds in cpu.most_common(12):
            share = seconds / max(total, 1e-9)
            lines.append(f"  {name:28s} {seconds:7.2f} s  {share:5.1%}  ({seconds / wall:.2f} CPUs)")
        lines.append(f"  {'total':28s} {total:7.2f} s         ({total / wall:.2f} CPUs)")
        for g, n in self.samples.most_common(4):
            busy = n / max(n + self.idle[g], 1)
            lines += ["", f"{g}: {n} working samples ({busy:.0%} of its samples); innermost function (self):"]
            lines += [f"  {c / n:5.1%}  {w}" for w, c in self.self_[g].most_common(12)]
            lines.append(f"{g}: service frames on the stack (inclusive):")
            lines += [f"  {c / n:5.1%}  {w}" for w, c in self.inclusive[g].most_common(14)]
        return "\n".join(lines) + "\n"


def main() -> None:
    out, rest = Path(sys.argv[1]), sys.argv[sys.argv.index("--") + 1 :]
    sampler = Sampler(out)
    threading.Thread(target=sampler.run, name="bench-sampler", daemon=True).start()
    import uvicorn.main

    try:
        uvicorn.main.main(rest, standalone_mode=False)
    finally:
        sampler.write()


if __name__ == "__main__":
    main()
