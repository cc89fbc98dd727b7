"""Experiments: every (variant, replication) task run by an executor, then tables, intervals and advice."""

from sim.experiment.executors import Executor, ProcessExecutor, SerialExecutor, default_workers, executor_for, run_tasks, tasks_for
from sim.experiment.tasks import Task, run_task

__all__ = ["Executor", "ProcessExecutor", "SerialExecutor", "Task", "default_workers", "executor_for", "run_task", "run_tasks",
           "tasks_for"]
