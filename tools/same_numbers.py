"""Numbers that must not change when the code is restructured: every mixing function on fixed
gradients, three short eager runs (GradMix, GradMix SGD, GradMix with PCGrad) and a vectorised
group, saved to compare bitwise.

    PYTHONPATH=OLD_CHECKOUT python tools/same_numbers.py old.pt     # the code before the change
    python tools/same_numbers.py new.pt                              # after
    python tools/same_numbers.py --compare old.pt new.pt             # exit 1 unless bit-identical
"""
import sys, tempfile
import torch
from gradmix.train.trainer import RunConfig, Trainer, get_method
from gradmix.train.budgets import get_budget
from gradmix.weighting.base import gram_stats, combine, mix, get_rule

def record(path):
    out = {}
    torch.manual_seed(0)
    def layers():
        return [[torch.randn(16, 3, 5, 5), torch.randn(16)],
                [torch.randn(32, 16, 5, 5), torch.randn(32)], [torch.randn(256, 800)]]
    src = [layers() for _ in range(3)]
    val = layers()
    st = gram_stats(src, val)
    for name in ("gradmix", "l2rw", "pcgrad", "cagrad", "mgda"):
        r = mix(get_rule(name), *st)
        out[f"{name}_cos"] = r.cos; out[f"{name}_rho"] = r.rho
        mixed = combine(src, r.coefs, val)
        out[f"{name}_mixed"] = torch.cat([t.reshape(-1) for g in mixed for t in g])
    out["K"] = st[0]
    tiny = get_budget("smoke", steps=30, eval_every=10, ckpt_every=10, lr=0.3)
    with tempfile.TemporaryDirectory() as d:
        for m, o in (("gradmix", {}), ("gradmix_sgd", {}), ("gradmix", dict(weighting="pcgrad"))):
            cfg = RunConfig(method=m, task="demo", k=3, seed=1, budget=tiny, out=f"{d}/{m}{len(o)}",
                            progress=False, threads=1, options=o)
            tr = Trainer(cfg.build_task(), get_method(m, **o), cfg); tr.fit()
            for n, p in tr.model.named_parameters(): out[f"{m}{len(o)}.{n}"] = p.detach().clone()
        import gradmix, os
        # checkouts before the engine floor kept the vectorised engine in gradmix.train
        old_floor = os.path.join(os.path.dirname(gradmix.__file__), "train", "vectorised.py")
        if os.path.exists(old_floor):
            from gradmix.train.vectorised import build_group
        else: from gradmix.engines.vectorised import build_group
        cfgs = [RunConfig(method="gradmix", task="demo", k=3, seed=s, budget=tiny, out=f"{d}/v{s}",
                          progress=False, threads=1, options=dict(gamma=0.2 * s)) for s in (0, 1)]
        vt = build_group(cfgs); res = vt.fit()
        for i, r in enumerate(res): out[f"vec{i}_test"] = torch.tensor(r["test_acc"])
        for s in (0, 1):
            ck = torch.load(f"{d}/v{s}/checkpoint.pt", weights_only=True)
            for n, t in ck["modules"]["model"].items(): out[f"vec{s}.{n}"] = t

    torch.save(out, path)

def compare(a_path, b_path) -> int:
    a, b = torch.load(a_path), torch.load(b_path)
    if a.keys() != b.keys():
        print("different tensors:", sorted(set(a) ^ set(b))); return 1
    bad = [k for k in a if not torch.equal(a[k], b[k])]
    which = ": " + ", ".join(bad[:10]) if bad else " (bit-identical)"
    print(f"{len(a)} tensors, {len(bad)} differ" + which)
    return 1 if bad else 0

if __name__ == "__main__":
    if sys.argv[1] == "--compare": sys.exit(compare(sys.argv[2], sys.argv[3]))
    record(sys.argv[1])
