"""Training jobs: the manager (queue, workers, resume, limits), their SQLite store and resumable checkpoints.

`manager.py` runs jobs; `records.py` is a job's record and the jobs' failures; `limits.py` the queue, budget
and retention limits; `store.py` keeps records, losses and epochs in SQLite; `resume.py` writes and reads each
job's epoch checkpoint; `publish.py` turns training events into the job's stream and store rows, and reads a
stored job's stream back.
"""

from aevp.service.jobs.manager import JobManager
from aevp.service.jobs.publish import Trainer
from aevp.service.jobs.records import Job, JobNotFound, JobNotResumable, QueueFull

__all__ = ["Job", "JobManager", "JobNotFound", "JobNotResumable", "QueueFull", "Trainer"]
