"""Sweeps in the job store's SQLite file (tables `sweeps` and `sweep_jobs`, created by its migration 2).

A sweep's row holds its base spec, grid and whether it was cancelled; each job's row its position, job id,
values and, once the job ended, its result (state, model, last epoch's metrics) so that a sweep still shows
its results after the job store forgot an old job (AEVP_MAX_FINISHED_JOBS).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aevp.ml.spec import ModelSpec
from aevp.service.jobs.store import JobStore

log = logging.getLogger(__name__)


@dataclass
class Entry:
    job_id: str
    params: dict[str, Any]
    result: dict[str, Any] | None = None  # {"state", "model_id", "test_loss", "psnr", "ssim"} once ended


@dataclass
class Sweep:
    id: str
    created: datetime
    base: ModelSpec
    grid: dict[str, list[Any]]
    title: str | None = None
    client: str = ""
    cancelled: bool = False
    entries: list[Entry] = field(default_factory=list)


class SweepStore:
    def __init__(self, db: JobStore) -> None:
        self.db = db

    def insert(self, sweep: Sweep) -> None:
        self.db.write(
            [
                (
                    "INSERT INTO sweeps (id, created, title, base, grid, cancelled, client)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        sweep.id,
                        sweep.created.isoformat(),
                        sweep.title,
                        sweep.base.model_dump_json(),
                        json.dumps(sweep.grid),
                        int(sweep.cancelled),
                        sweep.client,
                    ),
                ),
                *(
                    (
                        "INSERT INTO sweep_jobs (sweep_id, position, job_id, params) VALUES (?, ?, ?, ?)",
                        (sweep.id, i, e.job_id, json.dumps(e.params)),
                    )
                    for i, e in enumerate(sweep.entries)
                ),
            ]
        )

    def set_cancelled(self, sweep_id: str) -> None:
        self.db.write([("UPDATE sweeps SET cancelled=1 WHERE id=?", (sweep_id,))])

    def set_result(self, sweep_id: str, job_id: str, result: dict[str, Any]) -> None:
        self.db.write(
            [("UPDATE sweep_jobs SET result=? WHERE sweep_id=? AND job_id=?", (json.dumps(result), sweep_id, job_id))]
        )

    def load_all(self) -> list[Sweep]:
        """Every stored sweep with its jobs; a row this version cannot read is skipped with a log line."""
        sweeps: dict[str, Sweep] = {}
        for sid, created, title, base, grid, cancelled, client in self.db.read(
            "SELECT id, created, title, base, grid, cancelled, client FROM sweeps"
        ):
            try:
                sweeps[sid] = Sweep(
                    id=sid,
                    created=datetime.fromisoformat(created),
                    base=ModelSpec.model_validate_json(base),
                    grid=json.loads(grid),
                    title=title,
                    client=client,
                    cancelled=bool(cancelled),
                )
            except (ValueError, TypeError) as e:
                log.warning("sweep %s is unreadable and not listed: %s", sid, e)
        for sid, job_id, params, result in self.db.read(
            "SELECT sweep_id, job_id, params, result FROM sweep_jobs ORDER BY sweep_id, position"
        ):
            if sid in sweeps:
                sweeps[sid].entries.append(Entry(job_id, json.loads(params), json.loads(result) if result else None))
        return list(sweeps.values())

    def last_epochs(self, job_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Each job's last stored epoch metrics (as dicts), for the jobs that have one."""
        if not job_ids:
            return {}
        marks = ",".join("?" for _ in job_ids)
        rows = self.db.read(
            f"SELECT job_id, metrics, MAX(epoch) FROM epochs WHERE job_id IN ({marks}) GROUP BY job_id",
            tuple(job_ids),
        )
        return {job_id: json.loads(metrics) for job_id, metrics, _ in rows}
