#!/usr/bin/python3
"""Runs `fantasy park-day` and judges it (tests/integration/park_day.cmake).

usage: park_day_check.py FANTASY [--report FILE.html] [--expect TEXT]... -- PARK_DAY_ARGS...

Passes only when the command exits 0, its summary says "invariants: OK", shows each TEXT
(e.g. the store it ran on) and the day's activity (sales refused, declines, timeouts,
redemptions, boardings, no-shows, events, dead letters) and, with --report,
the HTML file is well-formed (an XML parser reads it), holds the three charts as <svg>
elements with data in them, and has no <script> and no external URL.
"""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

CHARTS = ("chart-gala-sales", "chart-queue-length", "chart-wait-histogram")

# Things even a small day must show happening, as the summary words them.
ACTIVITY = (
    (r"(\d+) refused SOLD_OUT", "the limited sale never sold out"),
    (r"(\d+) declined,", "no payment was declined"),
    (r"(\d+) answered PAYMENT_UNKNOWN", "no payment timed out"),
    (r"run_due settled (\d+)", "run_due settled no payment"),
    (r"gate: (\d+) tickets redeemed", "no ticket was redeemed"),
    (r"(\d+) boarded", "nobody boarded a ride"),
    (r"(\d+) no-shows marked by run_due", "run_due marked no no-shows"),
    (r"events: (\d+) published", "no event was published"),
    (r"(\d+) dead-lettered", "nothing was dead-lettered"),
)


def fail(msg):
    print("park_day_check: FAIL: " + msg)
    sys.exit(1)


def local(tag):
    return tag.rsplit("}", 1)[-1].lower()


def series_points(svg):
    """How many data points the chart's polylines and bars carry."""
    points = 0
    for el in svg.iter():
        name = local(el.tag)
        if name == "polyline":
            points += len(el.get("points", "").split())
        elif name == "rect" and el.get("data-count") is not None:
            points += 1
    return points


def check_report(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        fail("report is not well-formed: %s" % e)
    if local(root.tag) != "html":
        fail("report root is <%s>, not <html>" % root.tag)
    for el in root.iter():
        if local(el.tag) in ("script", "iframe", "object", "embed", "link", "img"):
            fail("report has a <%s> element" % local(el.tag))
        for attr, value in el.attrib.items():
            if local(attr).startswith("on"):
                fail("report has an event handler attribute %s" % attr)
            if local(attr) in ("href", "src") or re.search(r"(https?:|ftp:|//)", value):
                fail("report refers to something outside: %s=%r" % (attr, value))
    if re.search(r"url\s*\(|@import|https?://", text):
        fail("report refers to an external resource")
    svgs = {el.get("id"): el for el in root.iter() if local(el.tag) == "svg"}
    for chart in CHARTS:
        if chart not in svgs:
            fail("chart %s is missing (have %s)" % (chart, sorted(k for k in svgs if k)))
        if series_points(svgs[chart]) < 2:
            fail("chart %s has no data" % chart)
    hist = svgs["chart-wait-histogram"]
    counts = [int(el.get("data-count")) for el in hist.iter()
              if local(el.tag) == "rect" and el.get("data-count") is not None]
    if sum(counts) == 0:
        fail("the wait histogram counts no waits")


def main(argv):
    if len(argv) < 3 or "--" not in argv:
        fail("usage: park_day_check.py FANTASY [--report FILE] [--expect TEXT]... -- ARGS...")
    sep = argv.index("--")
    fantasy, opts, args = argv[1], argv[2:sep], argv[sep + 1:]
    report, expect = None, []
    while opts:
        if len(opts) < 2 or opts[0] not in ("--report", "--expect"):
            fail("bad options %r" % opts)
        if opts[0] == "--report":
            report = opts[1]
        else:
            expect.append(opts[1])
        opts = opts[2:]
    if report:
        if os.path.exists(report):
            os.remove(report)
        args = args + ["--report", report]
    proc = subprocess.run([fantasy, "park-day"] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, check=False)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        fail("park-day exited %d" % proc.returncode)
    if not re.search(r"^invariants: OK", proc.stdout, re.M):
        fail("the summary does not say the invariants held")
    if "unexpected" in proc.stderr:
        fail("park-day met unexpected statuses")
    if re.search(r"\scheck\n(.*\n)*?\n", proc.stdout) is None:
        fail("the summary has no product table")
    for text in expect:
        if text not in proc.stdout:
            fail("the summary does not show %r" % text)
    for pattern, problem in ACTIVITY:
        m = re.search(pattern, proc.stdout)
        if not m or int(m.group(1)) == 0:
            fail(problem)
    if report:
        check_report(report)
    print("park_day_check: OK")


if __name__ == "__main__":
    main(sys.argv)
