#!/usr/bin/env python3
"""The writer sweep figure of docs/writer.md from one `pokebench bench` run.

    pokebench bench --benchmark_filter='^loop/[^/]+/(on|writer:[^/]+)$' \
        --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
        --benchmark_out=sweep.json --benchmark_out_format=json
    docs/figures/writer-sweep.py sweep.json docs/figures/writer-sweep.svg > table.md

For every variant and writer period, and the kernel's neighbours
(loop/<seqlock|latch|rwlock>/writer:*, over loop/load-test/on: they have
no /on row): cycles per successful read as a ratio
to the same run's loop/<variant>/on (medians over the repetitions; the
spread is the smallest and largest repetition over that median), the
retried fraction and retries per read (medians). Writes the SVG with
gnuplot (one line per variant, error bars = the spread) and prints the
Markdown table. Needs python3 and gnuplot (ci/setup installs both).
"""
import json
import statistics
import subprocess
import sys
import tempfile

PERIODS = ["1ms", "100us", "10us", "1us", "0"]
# The kernel's neighbours (loop/<name>/writer:*) have no /on row of their
# own: their lines are over loop/<NEIGHBOUR_REFERENCE>/on, the unpatched
# seqcount read with nobody writing.
NEIGHBOURS = ["seqlock", "latch", "rwlock"]
NEIGHBOUR_REFERENCE = "load-test"


def main(argv):
    if len(argv) != 3:
        sys.exit("pokebench: error: usage: writer-sweep.py BENCH.json OUT.svg; run pokebench bench as in this script's help")
    with open(argv[1]) as f:
        doc = json.load(f)
    reps = {}
    for b in doc.get("benchmarks", []):
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        reps.setdefault(b["run_name"], []).append(b)
    variants = []
    for name in reps:
        parts = name.split("/")
        if len(parts) == 3 and parts[2] == "on" and parts[1] not in variants:
            variants.append(parts[1])
    if not variants:
        sys.exit(f"pokebench: error: {argv[1]} holds no loop/<variant>/on rows; run the filter in this script's help")
    lines = [(v, v) for v in variants]
    if NEIGHBOUR_REFERENCE in variants:
        lines += [(n, NEIGHBOUR_REFERENCE) for n in NEIGHBOURS if f"loop/{n}/writer:0" in reps]

    def med(name, counter):
        return statistics.median(r[counter] for r in reps[name])

    table = []
    for v, ref in lines:
        on = med(f"loop/{ref}/on", "cycles_per_iter")
        for p in PERIODS:
            name = f"loop/{v}/writer:{p}"
            if name not in reps:
                continue
            cyc = [r["cycles_per_iter"] for r in reps[name]]
            retries = "retried_fraction" in reps[name][0]  # an rwlock waits instead: waited_fraction
            table.append(dict(variant=v if ref == v else f"{v} (/{ref} on)", period=p, on=on,
                              cycles=statistics.median(cyc), lo=min(cyc), hi=max(cyc), n=len(cyc),
                              retried=med(name, "retried_fraction" if retries else "waited_fraction"),
                              retries=med(name, "retries_per_read") if retries else 0.0,
                              max_retries=max(r["max_retries"] for r in reps[name]) if retries else 0.0,
                              writes=med(name, "writes_per_s"), torn=sum(r["torn_reads"] for r in reps[name])))

    with tempfile.TemporaryDirectory() as tmp:
        data = f"{tmp}/sweep.dat"
        with open(data, "w") as f:
            labels = list(dict.fromkeys(r["variant"] for r in table))
            for v in labels:
                f.write(f'"{v}"\n')
                for row in (r for r in table if r["variant"] == v):
                    x = PERIODS.index(row["period"])
                    f.write(f'{x} {row["cycles"] / row["on"]:.4f} {row["lo"] / row["on"]:.4f} {row["hi"] / row["on"]:.4f}\n')
                f.write("\n\n")
        xtics = ", ".join(f'"{p}" {i}' for i, p in enumerate(PERIODS))
        script = f"""set terminal svg size 800,480 dynamic background rgb 'white'
set output '{argv[2]}'
set title 'cycles per successful read with a set\\_mems\\_allowed() writer on the other CPU'
set xlabel 'writer period (0: back to back)'
set ylabel 'ratio to loop/<variant>/on (neighbours: loop/{NEIGHBOUR_REFERENCE}/on), same run'
set logscale y
set xtics ({xtics})
set xrange [-0.3:{len(PERIODS) - 0.7}]
set key left top
set grid ytics
plot for [i=0:{len(labels) - 1}] '{data}' index i using 1:2:3:4 with yerrorlines title columnheader(1)
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)

    print("| variant | writer period | cycles/read (median) | ratio to on | spread (min..max)/on | reps | "
          "retried (rwlock: waited) fraction | retries/read | max retries | writes/s | torn (validated) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in table:
        print(f'| {r["variant"]} | {r["period"]} | {r["cycles"]:.1f} | {r["cycles"] / r["on"]:.1f} | '
              f'{r["lo"] / r["on"]:.1f}..{r["hi"] / r["on"]:.1f} | {r["n"]} | {r["retried"]:.5f} | '
              f'{r["retries"]:.5f} | {r["max_retries"]:.0f} | {r["writes"]:.0f} | {r["torn"]:.0f} |')


if __name__ == "__main__":
    main(sys.argv)
