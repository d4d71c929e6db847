"""Background tasks of the runs app (django-tasks, run by ``runstrong worker``).

A task only names the work and hands it to a service: what it does, and how it
resumes after a worker dies, is ``services_history``'s business.
"""

from __future__ import annotations

from django_tasks import TaskContext, task


@task(takes_context=True)
def history_import_task(context: TaskContext, import_id: int) -> None:
    """Import an uploaded history (``HistoryImport`` ``import_id``), from its checkpoint."""
    # Imported here: the services import this module to enqueue the task.
    from runstrong.runs import services_history

    services_history.history_import_run(import_id, task_id=str(context.task_result.id))
