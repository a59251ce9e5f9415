"""Import cost of shadowtest against boto3 (and attrs), in fresh interpreters.

Each sample is a new ``python -c "import X"`` process; the candidates are run
in alternation (pass, shadowtest, boto3, attrs, pass, ...) so that machine noise
falls on all of them alike, and the median wall time of each is reported. The
bar (issue #5): ``import shadowtest`` costs at most 0.6x ``import boto3``.

The ratio is given two ways: whole wall time (what a user waits for, interpreter
start included) and net of the bare interpreter start-up (``pass``), which is
the import work itself. The bar applies to the net figure; both are printed.

The command line is timed the same way, beside them: ``shadowtest --help`` (bar:
at most 0.5x the whole wall time of ``python -c "import boto3"``; it must import
neither boto3 nor botocore) and ``shadowtest validate FILE`` (reported, no bar: it
reads the installed botocore's instance-type list, though not boto3). The installed
console script is run when there is one next to the interpreter, else
``python -m shadowtest``.

It also checks, in a fresh interpreter, that ``import shadowtest`` imports
neither boto3 nor botocore nor the rendering module (``shadowtest._display``, loaded
on the first notebook display), and prints the five costliest modules under
``-X importtime``.

    python benchmarks/import_time.py            # 41 samples each
    python benchmarks/import_time.py --quick    # 5 samples each (CI: never rots)

Exit status 1 if a bar is missed, or if boto3/botocore/_display are imported, unless
``--quick`` (CI runs it on shared machines and asserts no timings).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BAR = 0.6
CLI_BAR = 0.5  # shadowtest --help against import boto3, whole wall time
CANDIDATES = {
    "pass": "pass",
    "shadowtest": "import shadowtest",
    "boto3": "import boto3",
    "attrs": "import attrs",
}


def cli_commands(request_file: str) -> dict[str, list[str]]:
    """The command-line candidates: the console script's argv for each."""
    script = Path(sys.executable).with_name("shadowtest")
    prefix = [str(script)] if script.exists() else [sys.executable, "-m", "shadowtest"]
    return {"shadowtest --help": [*prefix, "--help"],
            "shadowtest validate FILE": [*prefix, "validate", request_file]}


# Bytecode is written and reused as in any installed package: with PYTHONDONTWRITEBYTECODE
# set (as on some CI machines), an editable shadowtest would be compiled from source on
# every sample while boto3's wheel-installed .pyc files are not, an unfair comparison.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def sample(code: str | list[str]) -> float:
    """Seconds for one fresh interpreter to run ``code`` (``-c`` text, or a whole argv)."""
    argv = [sys.executable, "-c", code] if isinstance(code, str) else code
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def cli_loads_boto() -> list[str]:
    """Whether ``shadowtest --help`` imports boto3 or botocore (run in-process, fresh)."""
    probe = ("import sys; from shadowtest.cli import main; main(['--help']); "
             "print(' '.join(m for m in ('boto3', 'botocore') if m in sys.modules), "
             "file=sys.stderr)")
    err = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                         text=True).stderr
    return err.split()


def heavy_modules_loaded() -> list[str]:
    probe = ("import sys, shadowtest; print(' '.join(m for m in "
             "('boto3', 'botocore', 'shadowtest._display') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                         text=True).stdout
    return out.split()


def top_offenders(n: int = 5) -> list[tuple[int, str]]:
    """The ``n`` modules with the largest cumulative time under ``-X importtime``."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import shadowtest"],
                         check=True, capture_output=True, text=True).stderr
    rows: list[tuple[int, str]] = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        if name.strip() != "shadowtest":  # the root: its total is printed above
            rows.append((int(cumulative), name.rstrip()))
    rows.sort(reverse=True)
    return rows[:n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="5 samples each; never fails")
    parser.add_argument("--runs", type=int, default=None, help="samples per candidate")
    args = parser.parse_args(argv)
    runs = args.runs or (5 if args.quick else 41)

    request_file = Path(tempfile.mkdtemp()) / "shadow-test.json"
    from shadowtest.testing import sample_config

    request_file.write_text(sample_config().to_json())
    candidates: dict[str, str | list[str]] = {**CANDIDATES, **cli_commands(str(request_file))}
    for code in candidates.values():  # warm the file-system cache and .pyc files
        sample(code)
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(runs):
        for name, code in candidates.items():
            times[name].append(sample(code))
    median = {name: statistics.median(values) for name, values in times.items()}

    base = median["pass"]
    whole = median["shadowtest"] / median["boto3"]
    net = (median["shadowtest"] - base) / (median["boto3"] - base)
    print(f"import time, median of {runs} fresh interpreters each "
          f"(Python {platform.python_version()}, {platform.machine()}):")
    for name, value in median.items():
        spread = f"{min(times[name]) * 1e3:.1f}-{max(times[name]) * 1e3:.1f}"
        net_ms = "" if name == "pass" else f"   net of start-up {(value - base) * 1e3:6.1f} ms"
        label = CANDIDATES.get(name, name)
        print(f"  {label:<24} {value * 1e3:7.1f} ms  (range {spread} ms){net_ms}")
    print(f"shadowtest / boto3: {net:.2f}x net of interpreter start-up, "
          f"{whole:.2f}x whole wall time (bar: <= {BAR}x net)")
    cli_ok = True
    for name in cli_commands(""):
        whole_cli = median[name] / median["boto3"]
        net_cli = (median[name] - base) / (median["boto3"] - base)
        bar = f" (bar: <= {CLI_BAR}x whole)" if name.endswith("--help") else " (no bar)"
        print(f'{name} / python -c "import boto3": {whole_cli:.2f}x whole wall time, '
              f"{net_cli:.2f}x net of start-up{bar}")
        if name.endswith("--help"):
            cli_ok = whole_cli <= CLI_BAR
    cli_boto = cli_loads_boto()
    print("shadowtest --help loads boto3/botocore: " + (", ".join(cli_boto) if cli_boto
                                                        else "no"))

    loaded = heavy_modules_loaded()
    print("import shadowtest loads boto3/botocore/shadowtest._display: "
          + (", ".join(loaded) if loaded else "no"))
    print("what import shadowtest spends most on (-X importtime, cumulative us):")
    for cumulative, name in top_offenders():
        print(f"  {cumulative:>8}  {name}")

    ok = net <= BAR and not loaded and cli_ok and not cli_boto
    print("result: " + ("not judged (--quick: too few samples)" if args.quick
                        else "meets the bar" if ok else "MISSES the bar"))
    if args.quick:
        return 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
