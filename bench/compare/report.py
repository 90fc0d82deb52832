"""Figures, their targets, and the markdown table, JSON and SVG chart of a run."""

import html
import json
import math
import statistics

# key: (title, unit, better, target). A target is ("ratio_max", x): Berth/Docker
# at most x; ("ratio_min", x): at least x; ("abs_max", x): Berth's value at most
# x; ("of_direct", x): Berth's loopback figure at least x of its direct one.
FIGURES = {
    "run_rm_bridge": ("run --rm true, default bridge", "ms", "lower", ("ratio_max", 0.1)),
    "run_rm_none": ("run --rm true, --network none", "ms", "lower", None),
    "run_rm_berth_cli": ("run --rm true through `berth`", "ms", "lower", None),
    "create_start_seq": ("create+start 50 detached, sequential", "ctr/s", "higher", None),
    "create_start_par8": ("create+start 50 detached, 8 in parallel", "ctr/s", "higher",
                          ("ratio_min", 5.0)),
    "ps_50": ("ps, 50 running", "ms", "lower", None),
    "ps_a_50": ("ps -a, 50 running", "ms", "lower", None),
    "rm_50": ("rm -f of 50 running", "ctr/s", "higher", None),
    "create_1000_par8": ("create 1,000, 8 in parallel", "ctr/s", "higher", None),
    "ps_1000": ("ps, 1,000 created", "ms", "lower", None),
    "ps_a_1000": ("ps -a, 1,000 created", "ms", "lower", ("abs_max", 50.0)),
    "rm_1000": ("rm -f of 1,000 created", "ctr/s", "higher", None),
    "pull_cold": ("pull ~100 MB, 4 layers, cold", "MB/s", "higher", ("ratio_min", 2.0)),
    "push_cold": ("push ~100 MB to an empty registry", "MB/s", "higher", None),
    "build_cold": ("build small Dockerfile, cold", "s", "lower", ("ratio_max", 0.5)),
    "build_cached": ("build small Dockerfile, cached", "s", "lower", None),
    "http_1k_loopback": ("HTTP 1 KiB via 127.0.0.1 published port", "req/s", "higher",
                         ("of_direct", 0.9)),
    "http_1k_netns": ("HTTP 1 KiB via published port from a netns", "req/s", "higher", None),
    "http_1k_direct": ("HTTP 1 KiB direct to container", "req/s", "higher", None),
    "http_1m_loopback": ("HTTP 1 MiB via 127.0.0.1 published port", "req/s", "higher", None),
    "http_1m_netns": ("HTTP 1 MiB via published port from a netns", "req/s", "higher", None),
    "http_1m_direct": ("HTTP 1 MiB direct to container", "req/s", "higher", None),
    "idle_daemons_rss": ("idle daemons RSS (all Berth vs dockerd+containerd)", "MiB", "lower",
                         ("ratio_max", 1 / 3)),
    "idle_daemons_pss": ("idle daemons PSS", "MiB", "lower", None),
    "shim_rss": ("shim RSS per container (10 running)", "MiB", "lower", ("abs_max", 2.0)),
    "shim_pss": ("shim PSS per container (10 running)", "MiB", "lower", None),
    "logs_100mb": ("100 MB to stdout until `logs` has it", "s", "lower", None),
    "exec_true": ("exec true", "ms", "lower", None),
}


def summarize(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "values": values}


def target_text(target):
    if target is None:
        return ""
    kind, x = target
    return {"ratio_max": f"ratio ≤ {x:.2g}", "ratio_min": f"ratio ≥ {x:.2g}",
            "abs_max": f"Berth ≤ {x:g}", "of_direct": f"≥ {x:.0%} of direct"}[kind]


def evaluate(key, berth, docker, berth_all):
    """The Berth/Docker ratio and whether the figure's target is met (None: no verdict)."""
    ratio = berth["median"] / docker["median"] if berth and docker and docker["median"] else None
    target = FIGURES[key][3]
    if target is None or berth is None:
        return ratio, None
    kind, x = target
    if kind == "abs_max":
        return ratio, berth["median"] <= x
    if kind == "of_direct":
        direct = berth_all.get(key.replace("loopback", "direct"))
        return ratio, (berth["median"] >= x * direct["median"]) if direct else None
    if ratio is None:
        return ratio, None
    return ratio, ratio <= x if kind == "ratio_max" else ratio >= x


def build_results(raw, unsupported, meta):
    """raw: {engine: {key: [values]}} → the JSON document."""
    berth_all = {k: summarize(v) for k, v in raw.get("berth", {}).items()}
    rows = []
    for key, (title, unit, better, target) in FIGURES.items():
        berth = berth_all.get(key)
        docker = summarize(raw.get("docker", {}).get(key, []))
        if berth is None and docker is None and key not in unsupported.get("berth", {}):
            continue
        ratio, met = evaluate(key, berth, docker, berth_all)
        rows.append({"key": key, "title": title, "unit": unit, "better": better,
                     "berth": berth, "docker": docker, "ratio": ratio,
                     "target": target_text(target), "met": met,
                     "berth_na": unsupported.get("berth", {}).get(key),
                     "docker_na": unsupported.get("docker", {}).get(key)})
    return {"meta": meta, "figures": rows}


def _cell(summary, na):
    if summary is None:
        return "n/a" if na is None else f"n/a ({na[:60]})"
    fmt = (lambda v: f"{v:,.0f}") if summary["median"] >= 100 else (lambda v: f"{v:.3g}")
    return f"{fmt(summary['median'])} ({fmt(summary['min'])}–{fmt(summary['max'])})"


def markdown(results):
    meta = results["meta"]
    lines = [f"# Berth vs Docker, {meta['date']}", "",
             f"Machine: {meta['machine']}. {meta['berth_version']} (Release build), "
             f"Docker engine {meta['docker_version']}, client docker {meta['client_version']} "
             f"for both. {meta.get('rounds_done', meta['rounds'])} interleaved rounds; "
             f"median (min–max of the rounds).",
             "", "| figure | unit | Berth | Docker | Berth/Docker | target | met |",
             "|---|---|---|---|---|---|---|"]
    for row in results["figures"]:
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.3g}"
        met = {True: "yes", False: "**no**", None: ""}[row["met"]]
        lines.append(f"| {row['title']} | {row['unit']} ({row['better']} is better) | "
                     f"{_cell(row['berth'], row['berth_na'])} | "
                     f"{_cell(row['docker'], row['docker_na'])} | {ratio} | {row['target']} | "
                     f"{met} |")
    return "\n".join(lines) + "\n"


def svg_chart(results):
    """Horizontal bars: how many times better Berth is (log scale, 1 = parity)."""
    rows = [r for r in results["figures"] if r["ratio"]]
    width, left, bar_h, top = 900, 360, 18, 40
    height = top + len(rows) * (bar_h + 6) + 40
    scale_max = 2.0  # log10 range shown each side of parity: 1/100 … 100×
    mid = left + (width - left - 20) / 2
    span = (width - left - 20) / 2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<text x="10" y="20" font-size="14">Berth vs Docker, '
           f'{html.escape(results["meta"]["date"])}: times better (right) or worse (left), '
           f'log scale</text>']
    for i, row in enumerate(rows):
        advantage = 1 / row["ratio"] if row["better"] == "lower" else row["ratio"]
        x = max(-scale_max, min(scale_max, math.log10(advantage))) / scale_max * span
        y = top + i * (bar_h + 6)
        color = "#2a9d4b" if advantage >= 1 else "#c0392b"
        out.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">'
                   f'{html.escape(row["title"])}</text>')
        out.append(f'<rect x="{min(mid, mid + x):.1f}" y="{y}" width="{abs(x):.1f}" '
                   f'height="{bar_h}" fill="{color}"/>')
        out.append(f'<text x="{mid + x + (4 if x >= 0 else -4):.1f}" y="{y + 13}" '
                   f'text-anchor="{"start" if x >= 0 else "end"}">{advantage:.2g}×</text>')
    out.append(f'<line x1="{mid}" y1="{top - 6}" x2="{mid}" y2="{height - 30}" stroke="black"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(results, stem):
    with open(f"{stem}.json", "w") as f:
        json.dump(results, f, indent=1)
    with open(f"{stem}.md", "w") as f:
        f.write(markdown(results))
    with open(f"{stem}.svg", "w") as f:
        f.write(svg_chart(results))
