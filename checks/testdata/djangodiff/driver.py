"""Run Django's own deployment checks over many settings modules.

Used by TestDjangoDifferential (checks/djangodiff_test.go); see
docs/DJANGO_PARITY.md.

    /usr/bin/python3 -I -B driver.py DIR JOBS MODULE...

DIR is put first on sys.path; each MODULE is a settings module in it
(dotted names such as pkg.settings.production work). At most JOBS children
run at once. For every module a forked child sets DJANGO_SETTINGS_MODULE, calls
django.setup() and django.core.checks.run_checks(include_deployment_checks=True)
-- what `python -m django check --deploy --settings MODULE` runs, minus the
command-line plumbing -- and reports the IDs of the messages whose ID starts
with "security.". A fresh process per module matters: django.conf.settings
and the app registry are process-wide and cannot be reconfigured.

Prints one JSON object on stdout:
    {"django": "3.2.25", "results": {MODULE: {"ids": [...]} | {"error": "..."}}}
"""

import json
import os
import sys
import traceback


WARM_MODULES = [
    "django.core.checks",
    "django.db.models",
    "django.forms",
    "django.template",
    "django.urls",
    "django.contrib.admin",
    "django.contrib.auth.checks",
    "django.contrib.auth.hashers",
    "django.contrib.auth.password_validation",
    "django.contrib.contenttypes.checks",
    "django.contrib.messages.middleware",
    "django.contrib.sessions.middleware",
    "django.contrib.staticfiles.checks",
    "django.contrib.staticfiles.finders",
    "django.db.backends.dummy.base",
    "django.middleware.common",
    "django.middleware.security",
    "django.template.defaulttags",
    "django.template.loader_tags",
    "django.views.debug",
]


def check_module(module):
    os.environ["DJANGO_SETTINGS_MODULE"] = module
    import django
    from django.core.checks import run_checks

    django.setup()
    messages = run_checks(include_deployment_checks=True)
    return sorted({m.id for m in messages if m.id and m.id.startswith("security.")})


def child(module, wfd):
    try:
        out = {"ids": check_module(module)}
    except BaseException:  # the report must say what broke, whatever it was
        out = {"error": traceback.format_exc(limit=5)}
    data = json.dumps(out).encode()
    while data:
        n = os.write(wfd, data)
        data = data[n:]
    os.close(wfd)
    # _exit: no atexit handlers or buffered output inherited from the parent.
    os._exit(0)


def start(module):
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        child(module, wfd)
    os.close(wfd)
    return pid, rfd


def finish(pid, rfd):
    chunks = []
    while True:
        b = os.read(rfd, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(rfd)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        return {"error": "child exited without a result (wait status %d)" % status}
    return json.loads(b"".join(chunks))


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: driver.py DIR JOBS MODULE...\n")
        return 2
    directory, jobs, modules = argv[0], max(1, int(argv[1])), argv[2:]
    sys.path.insert(0, directory)
    import django

    # Modules the children import, imported once before forking so that each
    # child starts warm. Each imports without configured settings (so none
    # reads settings at import time) and registers no check by importing:
    # apps register their checks in AppConfig.ready(), which runs in the child.
    import importlib

    for name in WARM_MODULES:
        importlib.import_module(name)

    results = {}
    running = []
    for module in modules:
        if len(running) >= jobs:
            name, pid, rfd = running.pop(0)
            results[name] = finish(pid, rfd)
        pid, rfd = start(module)
        running.append((module, pid, rfd))
    for name, pid, rfd in running:
        results[name] = finish(pid, rfd)
    json.dump({"django": django.get_version(), "results": results}, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
