"""Jobs that belong to the platform itself."""
import time

from jobs.registry import handles


@handles("system.selfcheck")
def selfcheck(job, report):
    """A short job an admin queues to see that a worker is alive and reporting."""
    steps = int(job.params.get("steps", 5))
    pause = float(job.params.get("pause", 0.2))
    for step in range(steps):
        time.sleep(pause)
        report(int((step + 1) * 100 / steps), f"Step {step + 1} of {steps}")
    return {"steps": steps}
