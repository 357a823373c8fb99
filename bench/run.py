"""``make bench``: the API against the framework's own ceiling, measured in one run.

1. A fresh database with a clinic's data (generate_data), the app under its production
   gunicorn config on loopback, with the bare reference endpoints of ``bench/reference``
   mounted beside it (``bench.settings``; never in the product's URLs).
2. wrk (Lua: ``bench/scenario.lua``) replays each scenario of a clinic's mix, then the two
   reference endpoints, each for ``--duration`` seconds: req/s, p50/p95/p99, errors.
3. The scale curve: p50 of the free-slot list and of /api/appointments/me/ at 1k, 20k and 200k
   slots, as ratios to the 1k figure, with the EXPLAIN of both queries.

Results go to bench/results/ (JSON and text). The last two lines printed are the ratios the
targets speak of. See bench/README.md for what the numbers mean and what was found.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tools import live

BENCH = Path(__file__).resolve().parent
SCRIPT = BENCH / "scenario.lua"
RESULTS = BENCH / "results"

MIX = ["search_doctors", "free_slots", "my_appointments", "booking", "confirm", "cancel"]
REFERENCE = ["reference_list", "reference_insert"]
# slots -> (doctors, days, patients) with 20 slots a day: patients grow with the clinic.
SCALES = {1_000: (10, 5, 50), 20_000: (50, 20, 1_000), 200_000: (100, 100, 10_000)}


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if not found:
        print("Installing Debian's wrk (the load generator)", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is needed: apt-get install wrk")
    return found


def wrk(url: str, data: Path, *, duration: int, threads: int, connections: int) -> dict:
    env = {**os.environ, "BENCH_DATA": str(data), "BENCH_THREADS": str(threads)}
    command = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        url,
    ]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=duration + 120, check=True
    )
    found = re.search(r"BENCH_RESULT (\{.*\})", result.stdout)
    if not found:
        raise RuntimeError(result.stdout + result.stderr)
    figures = json.loads(found.group(1))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = figures["socket_errors"] + figures["non_2xx"]
    figures["unique_requests"] = sum(1 for _ in data.open())
    return figures


def split(data: Path, parts: int) -> list[Path]:
    """Cut a request list into consecutive parts, one per round, so no write repeats."""
    rows = data.read_text().splitlines(keepends=True)
    size = -(-len(rows) // parts)
    paths = []
    for index in range(parts):
        path = data.with_name(f"{data.stem}.{index}.tsv")
        path.write_text("".join(rows[index * size : (index + 1) * size]))
        paths.append(path)
    return paths


def measure(url: str, work: Path, load: dict, rounds: int) -> dict:
    """Every scenario ``rounds`` times, interleaved (a reference, then the endpoints it is
    compared with), so a drift of the machine during the run touches both sides alike.
    Rounds are merged: requests and time add up, percentiles are the worst round's."""
    order = [
        "reference_list",
        "free_slots",
        "search_doctors",
        "my_appointments",
        "reference_insert",
        "booking",
        "confirm",
        "cancel",
    ]
    parts = {name: split(work / f"{name}.tsv", rounds) for name in order}
    runs: dict[str, list[dict]] = {name: [] for name in order}
    for index in range(rounds):
        for name in order:
            runs[name].append(wrk(url, parts[name][index], **load))
    merged = {}
    for name in REFERENCE + MIX:
        first, *rest = runs[name]
        total = dict(first)
        for run in rest:
            for key in ("requests", "duration_us", "socket_errors", "non_2xx", "errors", "unique_requests"):
                total[key] += run[key]
            for key in ("p50_us", "p95_us", "p99_us"):
                total[key] = max(total[key], run[key])
        total["rps"] = total["requests"] / (total["duration_us"] / 1e6)
        total["rounds_rps"] = [round(run["rps"]) for run in runs[name]]
        merged[name] = total
    return merged


def measure_scale(base: dict, tmp: Path, duration: int) -> dict:
    """p50 of the two list endpoints at each scale. All three clinics are served at once and
    measured in interleaved rounds, so a drift of the machine touches every scale alike; at
    two connections, so the figure is a request's own time, not queueing."""
    short = {"threads": 1, "connections": 2, "duration": max(3, duration // 2)}
    endpoints = ("free_slots", "my_appointments")
    with contextlib.ExitStack() as stack:
        servers = {}
        for slots, (doctors, days, patients) in SCALES.items():
            work = tmp / f"scale-{slots}"
            env = stack.enter_context(
                clinic(
                    base,
                    f"scale{slots}",
                    doctors=doctors,
                    days=days,
                    patients=patients,
                    booked=0.3,
                    work=work,
                    per_write=100,
                )
            )
            url = stack.enter_context(live.gunicorn({**env, "GUNICORN_WORKERS": "2"}))
            servers[slots] = (url, work)
        for url, work in servers.values():  # warm up every server and endpoint
            for name in endpoints:
                wrk(url, work / f"{name}.tsv", **{**short, "duration": 2})
        p50s: dict = {slots: {name: [] for name in endpoints} for slots in SCALES}
        for _ in range(3):
            for slots, (url, work) in servers.items():
                for name in endpoints:
                    p50s[slots][name].append(wrk(url, work / f"{name}.tsv", **short)["p50_us"])
        return {
            slots: {
                **{
                    name: {"p50_us": statistics.median(runs), "rounds_p50_us": runs}
                    for name, runs in p50s[slots].items()
                },
                "plans": json.loads((servers[slots][1] / "plans.json").read_text()),
            }
            for slots in SCALES
        }


@contextlib.contextmanager
def clinic(
    env: dict,
    label: str,
    *,
    doctors: int,
    days: int,
    patients: int,
    booked: float,
    work: Path,
    per_write: int,
) -> Iterator[dict]:
    """A fresh clinic of 20 slots a day, with the request lists for it written to ``work``."""
    generate = f"--prefix bench --slots-per-day 20 --doctors {doctors} --days {days} --patients {patients}"
    with live.clinic(env, label, *generate.split(), "--booked", str(booked)) as env:
        command = [sys.executable, "-m", "bench.prepare", str(work), str(per_write)]
        subprocess.run(command, cwd=live.ROOT, env=env, check=True)
        yield env


def ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds per scenario")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    ensure_wrk()
    load = {"duration": args.duration, "threads": args.threads, "connections": args.connections}
    base = live.base_env(DJANGO_SETTINGS_MODULE="bench.settings", JWT_ACCESS_LIFETIME_MINUTES="240")
    live.manage(base, "collectstatic", "--noinput", "--verbosity", "0")
    report: dict = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load": load,
        "gunicorn": {k: os.environ.get(k, "default") for k in ("GUNICORN_WORKERS", "GUNICORN_THREADS")},
    }
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "mix"
        per_write = 1400 * args.duration * args.rounds  # enough unique writes never to replay one
        mix = clinic(
            base, "bench", doctors=100, days=30, patients=1000, booked=0.5, work=work, per_write=per_write
        )
        with mix as env, live.gunicorn(env) as url:
            for warm in ("free_slots", "reference_list"):
                wrk(url, work / f"{warm}.tsv", **{**load, "duration": 3})
            endpoints = measure(url, work, load, args.rounds)
        report["endpoints"] = endpoints
        say(f"{'endpoint':<18}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
        for name, f in endpoints.items():
            say(
                f"{name:<18}{f['rps']:>9.0f}{ms(f['p50_us']):>9}{ms(f['p95_us']):>9}{ms(f['p99_us']):>9}"
                f"{f['errors']:>8}"
            )
        for name in MIX:
            ref = "reference_insert" if name in ("booking", "confirm", "cancel") else "reference_list"
            say(f"ratio {name}/{ref.replace('_', '-')}: {endpoints[name]['rps'] / endpoints[ref]['rps']:.2f}")

        if not args.skip_scale:
            report["scale"] = scale = measure_scale(base, Path(tmp), args.duration)
            say()
            say("scale: p50 ms at 1k / 20k / 200k slots, median of 3 interleaved rounds (ratio 200k:1k)")
            for name in ("free_slots", "my_appointments"):
                p50 = [scale[s][name]["p50_us"] for s in SCALES]
                say(f"  {name:<16} {' / '.join(ms(p) for p in p50)}  ({p50[-1] / p50[0]:.2f})")
            for name, plan in scale[200_000]["plans"].items():
                say(
                    f"  EXPLAIN {name} at 200k: "
                    + ("index" if "Index" in plan else "NO INDEX")
                    + "; "
                    + " | ".join(row.strip() for row in plan.splitlines()[:3])
                )

    say()
    book = endpoints["booking"]["rps"] / endpoints["reference_insert"]["rps"]
    free = endpoints["free_slots"]["rps"] / endpoints["reference_list"]["rps"]
    report["ratios"] = {"booking/reference-insert": book, "free-slots/reference-list": free}
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"{stamp}.json").write_text(json.dumps(report, indent=2))
    say(f"results: bench/results/{stamp}.json")
    say(f"ratio booking/reference-insert: {book:.2f}")
    say(f"ratio free-slots/reference-list: {free:.2f}")
    (RESULTS / f"{stamp}.txt").write_text("\n".join(lines) + "\n")
    failed = [name for name, f in endpoints.items() if f["errors"]]
    if failed:  # a 401 or 409 answers faster than a booking: such a run measures nothing
        sys.exit(f"errors in {', '.join(failed)}: these figures are not comparable")


if __name__ == "__main__":
    main()
