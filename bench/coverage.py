#!/usr/bin/env python3
"""Time coverage across levels: 3,300 generated commune plans against one province plan.

The communes are made from the hand-checked commune goldens (golden/<commune>.txt.json of the
Thái Nguyên coverage corpus): each gets its own place name, issuer and number, targets moved
up or down, some indicators and tasks dropped, names abbreviated (TTHC, DVC, CBCCVC) and order
shuffled — so that pairing does real work, not cache hits. Then it times

  1. in memory: linking each commune among three province plans and comparing it with the one
     it implements (`coverage_of_plans`);
  2. end to end: `write_batch_coverage(OUT)` on OUT/docs/*.json (reads every JSON, links,
     compares, writes CSV, Parquet, XLSX, DuckDB and the heat map).

    python bench/coverage.py                 # 3,300 communes
    python bench/coverage.py --communes 500

Wall and CPU seconds are both printed: on a shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

from extract.coverage import coverage_of_plans, write_batch_coverage

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "golden"
PROVINCES = ("thai-nguyen-tinh-2026", "quang-tri-tinh-2026", "heldout-ca-mau-tinh-2026")
COMMUNES = ("binh-thanh-xa-2026", "phu-lac-xa-2026", "quyet-thang-phuong-2026", "vo-tranh-xa-2026")
SYLLABLES = ("An", "Bình", "Cao", "Đông", "Gia", "Hòa", "Kim", "Lạc", "Minh", "Nam", "Phú", "Quang",
             "Sơn", "Tân", "Thịnh", "Trung", "Vạn", "Xuân", "Yên", "Hưng")
SHORT = {"thủ tục hành chính": "TTHC", "dịch vụ công": "DVC", "cán bộ, công chức, viên chức": "CBCCVC"}


def load(name: str) -> dict:
    return json.loads((GOLDEN / f"{name}.txt.json").read_text(encoding="utf-8"))


def vary(template: dict, number: int, rng: random.Random) -> dict:
    """One generated commune plan (contract JSON) from a template commune plan."""
    plan = copy.deepcopy(template)
    place = f"{rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)} {number}"
    issuer = plan["document"]["issuer"]
    old = issuer["locality"]
    issuer.update(locality=place, name=issuer["name"].replace(old, place))
    plan["document"]["place"] = place
    plan["document"]["number"] = f"{rng.randint(1, 300)}/KH-UBND" if rng.random() < 0.6 else None
    plan["source"]["file"] = f"generated/{number:05d}-{Path(plan['source']['file']).name}"
    for kind in ("indicators", "tasks"):
        items = [item for item in plan[kind] if rng.random() > 0.15]
        rng.shuffle(items)
        for item in items:
            if rng.random() < 0.5:
                for long, short in SHORT.items():
                    item["name"] = item["name"].replace(long, short)
            if rng.random() < 0.4:   # every commune writes some names its own way
                item["name"] += rng.choice((f" trên địa bàn xã {place}", f" của {place}", " năm 2026"))
            for target in item.get("targets", []):
                if rng.random() < 0.3 and target.get("unit") == "%":
                    target["value"] = max(0, min(100, target["value"] + rng.choice((-10, -5, 5))))
        plan[kind] = items
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=3300)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    templates = [load(name) for name in COMMUNES]
    provinces = [load(name) for name in PROVINCES]
    communes = [vary(templates[i % len(templates)], i, rng) for i in range(args.communes)]

    started, cpu = time.perf_counter(), time.process_time()
    coverages, unlinked = coverage_of_plans(communes, provinces)
    in_memory, in_memory_cpu = time.perf_counter() - started, time.process_time() - cpu
    rows = sum(len(c.indicators) + len(c.tasks) for c in coverages)
    print(f"in memory: {len(communes)} communes linked among {len(provinces)} province plans and compared "
          f"in {in_memory:.2f} s wall, {in_memory_cpu:.2f} s CPU ({len(communes) / in_memory:.0f} communes/s); "
          f"{len(coverages)} linked, "
          f"{len(unlinked)} not; {rows} coverage rows")

    out = Path(tempfile.mkdtemp(prefix="coverage-bench-"))
    try:
        (out / "docs").mkdir()
        for number, plan in enumerate(communes + provinces[:1]):
            (out / "docs" / f"{number:05d}.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        started, cpu = time.perf_counter(), time.process_time()
        result = write_batch_coverage(out)
        end_to_end, end_to_end_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"end to end (read JSON, link, compare, write CSV/Parquet/XLSX/DuckDB + heat map): "
              f"{end_to_end:.2f} s wall, {end_to_end_cpu:.2f} s CPU; {result['linked']} linked")
    finally:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
