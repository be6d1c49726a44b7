"""Issue 19's figures from one process on one device, written to one JSON file (scaling page).

    # on a GPU machine (tools/gpu_check.sh)
    python tools/gpu_check.py --out results/gpu-check.json
    # the plumbing, anywhere (the numbers mean nothing)
    python tools/gpu_check.py --device cpu --quick --out /tmp/g.json

Every figure is measured here; the goals are the issue's. Table 1's upper half is estimated from
the measured group throughput (6 rows x 4 k x 10 seeds x 10,000 steps), not run.
"""
import argparse, json, os, platform, sys, time
import torch

# Table 1's upper half at the paper's protocol: rows x k x seeds
UPPER_HALF_RUNS = 6 * 4 * 10
PAPER_STEPS = 10_000


def step_times(device: str, quick: bool) -> dict:
    "Source-only and GradMix step times at the paper's width and batch (gradmix bench)."
    from gradmix.experiments.bench import bench
    return bench(width=64, batch=64, n_v=25, iters=5 if quick else 50, warmup=2 if quick else 10,
                 device=device)


def group_throughput(device: str, models: tuple, compile_backend: str | None,
                     quick: bool) -> list[dict]:
    "Throughput of M vectorised runs against one run, with GradMix's update compiled or not."
    from gradmix.experiments.scaling import bench_vectorised
    os.environ.pop("GRADMIX_COMPILE", None)
    if compile_backend: os.environ["GRADMIX_COMPILE"] = compile_backend
    try:
        rows = bench_vectorised(64, models, 64, k=5, iters=3 if quick else 20,
                                warmup=2 if quick else 5, device=device)
    finally: os.environ.pop("GRADMIX_COMPILE", None)
    return [r | dict(compile=compile_backend) for r in rows]


def update_syncs(device: str) -> dict:
    """Whether a vectorised group's GradMix update runs with CUDA's sync debug mode set to 'error'
    (GPU only)."""
    if not device.startswith("cuda"):
        return dict(checked=False, why="CUDA's sync debug mode needs a GPU")
    from gradmix.engines.vectorised import build_group, gradmix_update
    from gradmix.train.trainer import RunConfig
    cfgs = [RunConfig(method="gradmix", task="demo", k=5, seed=s, budget="cpu", device=device,
                      progress=False) for s in (0, 1)]
    # the first step makes the momentum buffers
    group = build_group(cfgs); group._setup([0, 1]); group.step(0)
    def guarded(*args):
        torch.cuda.set_sync_debug_mode("error")
        try: return gradmix_update(*args)
        finally: torch.cuda.set_sync_debug_mode("default")
    group._update = guarded
    try: group.step(1); return dict(checked=True, sync_free=True)
    except RuntimeError as e: return dict(checked=True, sync_free=False, error=str(e)[:300])


def paper_run(device: str, quick: bool) -> dict:
    """A GradMix run at the paper's width, batch and learning rate on the embedded demo task: wall
    time per step."""
    import tempfile
    from gradmix.train.budgets import get_budget
    from gradmix.train.trainer import RunConfig, run
    steps = 50 if quick else 2000
    budget = get_budget("paper", steps=steps, eval_every=steps, ckpt_every=steps, n_hval=500)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        res = run(RunConfig(method="gradmix", task="demo", k=5, seed=0, budget=budget,
                            device=device, out=d, progress=False))
        wall = time.perf_counter() - t0
    return dict(steps=steps, wall_s=round(wall, 2), ms_per_step=round(1000 * wall / steps, 3),
                est_s_10k_steps=round(wall / steps * PAPER_STEPS, 1), test_acc=res["test_acc"])


def goals(steps: dict, groups: list[dict], run: dict) -> list[dict]:
    "The issue's goal table, filled from the measurements."
    best = lambda M: max((g for g in groups if g["models"] == M), key=lambda g: g["ratio"],
                         default=None)
    rows = [dict(figure="GradMix step / Source-only step", measured=steps["ratio_exact"],
                 goal="<= 1.5"),
            dict(figure="Source-only step, width 64, batch 64 (ms)",
                 measured=steps["ms_source_only"], goal="<= 1.0"),
            dict(figure="one 10k-step GradMix run, paper budget (s)",
                 measured=run["est_s_10k_steps"], goal="<= 20")]
    for M, goal in ((16, ">= 10"), (54, ">= 20")):
        g = best(M)
        rows.append(dict(figure=f"vectorised throughput vs {M} separate runs",
                         measured=g and g["ratio"], goal=goal, compile=g and g["compile"]))
    g = best(54)
    if g:
        minutes = UPPER_HALF_RUNS * PAPER_STEPS * g["ms_group"] / 54 / 60_000
        figure = "Table 1 upper half, paper budget, 10 seeds, k = 2..5 (min, estimated)"
        rows.append(dict(figure=figure, measured=round(minutes, 1), goal="<= 60"))
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="the JSON file to write")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--models", default="16,54", help="group sizes M (default: %(default)s)")
    p.add_argument("--compile", default="inductor",
                   help="backend for the compiled group (default: %(default)s)")
    p.add_argument("--quick", action="store_true",
                   help="few iterations: checks the plumbing, not the speed")
    a = p.parse_args(argv)
    models = tuple(int(m) for m in a.models.split(","))
    gpu = torch.cuda.get_device_name(0) if a.device.startswith("cuda") else None
    t0, out = time.time(), dict(device=a.device, torch=torch.__version__,
                                machine=platform.machine(), quick=a.quick, gpu=gpu)
    def stage(name, fn):
        print(f"gpu_check: {name} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
        # every stage lands, even if a later one fails
        out[name] = fn(); write_json(a.out, out)
    stage("steps", lambda: step_times(a.device, a.quick))
    stage("groups", lambda: group_throughput(a.device, models, None, a.quick)
          + group_throughput(a.device, models, a.compile, a.quick))
    stage("update_sync", lambda: update_syncs(a.device))
    stage("paper_run", lambda: paper_run(a.device, a.quick))
    stage("goals", lambda: goals(out["steps"], out["groups"], out["paper_run"]))
    out["wall_s"] = round(time.time() - t0, 1); write_json(a.out, out)
    for g in out["goals"]: print(json.dumps(g))
    return 0


def write_json(path: str, obj: dict) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f: json.dump(obj, f, indent=1, default=str)


if __name__ == "__main__": sys.exit(main())
