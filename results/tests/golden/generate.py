#!/usr/bin/env python3
"""Writes the golden inputs of the results tests. Deterministic (fixed seeds):
run it again only to change the inputs on purpose, then commit the outputs and
re-bless the expected outputs (POKEBENCH_UPDATE_GOLDEN=1 ctest -R golden)."""
import copy
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

CONTEXT = {
    "date": "2026-11-01T02:00:00+00:00",
    "git_sha": "1111111111111111111111111111111111111111",
    "compiler": "GNU 12.2.0",
    "flags": "-O2 -g -DNDEBUG",
    "kernel": "6.1.0-26-amd64",
    "cpu_model": "Intel Xeon Processor (Icelake)",
    "host": "golden-host",
    "cpus": 2,
    "vm": True,
    "counters": "tsc",
    "tsc_ghz": 2.7,
    "library_build_type": "debug",  # an unknown key: must be carried, not rejected
}

# name -> (median real_time in ns, cycles_per_iter)
GATE_BENCHMARKS = {
    "loop/plain/off": (3.0, 8.1),
    "loop/ordered/off": (3.2, 8.6),
    "loop/ordered/on": (4.0, 10.8),
    "loop/cookie/flipping": (55.0, 148.5),
    "patch/batched/procmem/sites:64": (21000.0, 56700.0),
}

INSNS = {"loop/plain/off": 9, "loop/ordered/off": 11, "loop/ordered/on": 14, "loop/cookie/on": 15}

STRATEGIES = ["per-site", "batched", "ordered", "cached", "cookie"]
FIXES = ("ordered", "cached", "cookie")  # what the harness writes as is_fix / expected_ok


def rows(benchmarks, reps, seed, scale=None, cv=0.01):
    rng = random.Random(seed)
    scale = scale or {}
    out = []
    for name, (ns, cycles) in benchmarks.items():
        f = scale.get(name, 1.0)
        for rep in range(reps):
            noise = 1.0 + rng.gauss(0.0, cv)
            t = round(ns * f * noise, 4)
            out.append({
                "name": name, "family_index": 0, "per_family_instance_index": 0,
                "run_name": name, "run_type": "iteration", "repetitions": reps,
                "repetition_index": rep, "threads": 1, "iterations": 1000000,
                "real_time": t, "cpu_time": round(t * 1.001, 4), "time_unit": "ns",
                "cycles_per_iter": round(cycles * f * noise, 3),
            })
    return out


def compare_table(per_site_hangs=7, ordered_hangs=0):
    out = []
    for s in STRATEGIES:
        hangs = {"per-site": per_site_hangs, "ordered": ordered_hangs}.get(s, 0)
        out.append({
            "name": s,
            "is_fix": s in FIXES,
            "correctness": {
                "enable": {"trials": 200, "hangs": hangs, "torn_reads": 0, "unchecked_reads": 3, "max_retries": 2},
                "disable": {"trials": 200, "hangs": 0, "torn_reads": 0, "unchecked_reads": 1, "max_retries": 1},
            },
            "cost": {"cycles_per_iter": {"off": 8.6, "on": 10.8, "flipping": 148.5},
                     "insns_per_iter": {"off": 11, "on": 14},
                     "flip_us": {"sites": 64, "median": 21.0}, "syncs_per_flip": 3},
        })
    return out


def matrix(per_site_hang=True):
    cells = []
    for s in STRATEGIES:
        for direction in ["enable", "disable"]:
            for order in ["table", "address", "reverse", "begin-first", "retry-first", "random"]:
                for int3 in ["skip", "emulate-new"]:
                    hang = (per_site_hang and s in ("per-site", "batched") and direction == "enable"
                            and order in ("retry-first", "random", "reverse") and int3 == "skip")
                    cells.append({"strategy": s, "direction": direction, "order": order, "int3": int3,
                                  "verdict": "HANG" if hang else "OK", "trials": 50, "hangs": 4 if hang else 0,
                                  "torn_reads": 0, "expected_ok": s in FIXES})
    return cells


def document(benchmarks, reps, seed, scale=None, insns=None, context=None, **compare):
    return {
        "schema_version": 2,
        "scenario": "slub",
        "context": context or CONTEXT,
        "benchmarks": rows(benchmarks, reps, seed, scale),
        "strategies": compare_table(**compare),
        "insns": [{"benchmark": k, "insns_per_iter": v} for k, v in (insns or INSNS).items()],
        "future_field": {"ignored": True},
    }


def write(name, obj):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def main():
    current_ctx = dict(CONTEXT, git_sha="2222222222222222222222222222222222222222",
                       date="2026-11-02T02:00:00+00:00")
    write("baseline.json", document(GATE_BENCHMARKS, 10, seed=1))
    write("aa_current.json", document(GATE_BENCHMARKS, 10, seed=2, context=current_ctx))
    write("slow10_current.json", document(GATE_BENCHMARKS, 10, seed=3, context=current_ctx,
                                          scale={"loop/ordered/on": 1.10}))
    write("insns_current.json", document(GATE_BENCHMARKS, 10, seed=4, context=current_ctx,
                                         insns=dict(INSNS, **{"loop/ordered/on": 16})))
    write("few_reps_current.json", document(GATE_BENCHMARKS, 5, seed=5, context=current_ctx,
                                            scale={"loop/ordered/on": 1.10}))
    write("fix_hang_current.json", document(GATE_BENCHMARKS, 10, seed=6, context=current_ctx, ordered_hangs=1))
    write("bug_lost_current.json", document(GATE_BENCHMARKS, 10, seed=7, context=current_ctx, per_site_hangs=0))

    bad = document(GATE_BENCHMARKS, 3, seed=8)
    bad["schema_version"] = 3
    write("bad_version.json", bad)
    missing = document(GATE_BENCHMARKS, 3, seed=9)
    del missing["benchmarks"][4]["real_time"]
    write("missing_field.json", missing)
    with open(os.path.join(HERE, "corrupt.json"), "w") as f:
        text = json.dumps(document(GATE_BENCHMARKS, 2, seed=10), indent=1)
        f.write(text[: len(text) // 2])  # a run killed while writing without our atomic writer

    # Google Benchmark 1.7.1's own output: context keys, aggregates, "us" units,
    # bare NaN / Infinity, no json_schema_version. Medians match baseline.json.
    gb_rows = []
    for r in rows(GATE_BENCHMARKS, 10, seed=11):
        if r["name"].startswith("patch/"):
            r = dict(r, real_time=r["real_time"] / 1000, cpu_time=r["cpu_time"] / 1000, time_unit="us")
        gb_rows.append(r)
    for name in GATE_BENCHMARKS:
        for agg in ["mean", "median", "stddev", "cv"]:
            gb_rows.append({"name": f"{name}_{agg}", "family_index": 0, "per_family_instance_index": 0,
                            "run_name": name, "run_type": "aggregate", "repetitions": 10, "threads": 1,
                            "aggregate_name": agg, "aggregate_unit": "percentage" if agg == "cv" else "time",
                            "iterations": 10, "real_time": 1.0, "cpu_time": 1.0, "time_unit": "ns",
                            # 1.7.1 prints non-finite values bare (not JSON), e.g. the cv of a zero counter
                            "ctx_switches": float("nan") if agg == "cv" else 0.0,
                            "page_faults": float("inf") if agg == "cv" else 0.0})
    write("gbench_1_7.json", {
        "context": {"date": "2026-11-02T02:00:00+00:00", "host_name": "golden-host",
                    "executable": "./pokebench", "num_cpus": 2, "mhz_per_cpu": 2700,
                    "cpu_scaling_enabled": False,
                    "caches": [{"type": "Data", "level": 1, "size": 49152, "num_sharing": 1}],
                    "load_avg": [0.1, 0.2, 0.3], "library_build_type": "debug"},
        "benchmarks": gb_rows,
    })

    # The report's input: every loop and patch family, the full torture matrix.
    full = {}
    for variant, off in [("plain", 8), ("load-test", 10), ("per-site", 8.3), ("batched", 8.3),
                         ("ordered", 8.4), ("cached", 8.9), ("cookie", 9.1)]:
        full[f"loop/{variant}/off"] = (off / 2.7, off)
        full[f"loop/{variant}/on"] = ((off + 2.5) / 2.7, off + 2.5)
        full[f"loop/{variant}/flipping"] = ((off + 120) / 2.7, off + 120)
    for backend, factor in [("mprotect", 1.0), ("procmem", 0.4)]:
        for n in [1, 4, 16, 64, 256, 1024]:
            per_site_us = 8.0 * n * factor  # three syncs per site
            batched_us = (8.0 + 0.1 * n) * factor  # three syncs per batch
            full[f"patch/per-site/{backend}/sites:{n}"] = (per_site_us * 1000, per_site_us * 2700)
            full[f"patch/batched/{backend}/sites:{n}"] = (batched_us * 1000, batched_us * 2700)
    report = document(full, 5, seed=12)
    report["correctness_matrix"] = matrix()
    write("report_run.json", report)


if __name__ == "__main__":
    main()
