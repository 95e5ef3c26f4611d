"""gunicorn settings read by `make run` (scripts/run.sh) and bench/web.py; the command line gives the rest.

After a worker has loaded the app, everything it imported is moved out of the garbage collector's
view (`gc.freeze`): otherwise each full collection, set off by the rows a page allocates, walks
every module, class and function object again (a third of a theme page's time at 1,000 stories).
"""
import gc


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
