"""The one-page summary: the headline of each variant and the few key numbers behind it, as a
printable page (summary.html, one A4 sheet) and as Markdown (summary.md), in English or French.

Every number comes from summary.csv and comparison.csv, as in the report.
"""

from __future__ import annotations

from html import escape

from sim.report.data import Results, value
from sim.report.html import better_class, difference, number
from sim.results.headline import scenario_headlines
from sim.results.keys import Line
from sim.results.numbers import interval, plain, scale_for
from sim.results.targets import describe, verdicts
from sim.results.words import pick, unit_word

MAX_LINES = 8
"""Key numbers on the page: the means of the waits first, then the shares within target (fewer
past four variants compared, so that the page stays one)."""
MANY = 4
"""Variants compared beyond which the summary keeps fewer key numbers."""

PHRASES = {
    "title": ("{name}: summary", "{name} : synthèse"),
    "run": ("{variants} variants, {replications} replications each; 95% intervals; Δ paired with {baseline}. The full report is "
            "report{suffix}.html.",
            "{variants} variantes, {replications} réplications chacune ; intervalles de confiance à 95 % ; Δ apparié avec {baseline}. "
            "Le rapport complet est report{suffix}.html."),
    "headlines": ("What changes", "Ce qui change"),
    "numbers": ("Key numbers", "Chiffres clés"),
    "measure": ("measure", "mesure"),
    "legend": ("* the 95% interval of the difference excludes 0.", "* l'intervalle à 95 % de la différence exclut 0."),
    "targets": ("Targets", "Objectifs"),
    "met": ("met", "atteint"),
    "not_met": ("not met", "non atteint"),
    "colon": ("{what}: {rest}", "{what} : {rest}"),
    "met_by": ("met by {variants}", "atteint par {variants}"),
    "not_met_by": ("not met by {variants}", "non atteint par {variants}"),
    "then": ("; ", " ; "),
}

STYLE = """
body { font: 14px/1.45 system-ui, "Segoe UI", Roboto, Arial, sans-serif; color: #1d1d1f; max-width: 190mm; margin: 12mm auto; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 18px 0 6px; border-bottom: 1px solid #1d1d1f; }
p.run { color: #5f6368; margin: 0 0 8px; } li { margin-bottom: 5px; }
table { border-collapse: collapse; font-size: 12.5px; width: 100%; }
th, td { padding: 3px 6px; border-bottom: 1px solid #d9dce1; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; } th { background: #eef1f5; }
td.better { background: #e3f4e8; color: #17692f; } td.worse { background: #fbe5e3; color: #a6291c; }
small { color: #5f6368; } .legend { color: #5f6368; font-size: 12px; }
@media print { @page { size: A4; margin: 10mm; } body { margin: 0; font-size: 10.5px; line-height: 1.35; }
  h1 { font-size: 17px; } h2 { font-size: 13px; margin: 10px 0 4px; } li { margin-bottom: 3px; }
  table { font-size: 9.5px; } th, td { padding: 2px 4px; } tr { break-inside: avoid; }
  td.better, td.worse, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def _say(key: str, lang: str, **values: object) -> str:
    return pick(PHRASES[key], lang, **values)


def key_numbers(results: Results) -> list[Line]:
    """The few key lines of the page: waits' means (those with a target first), then shares within target."""
    lines = [line for line in results.lines if "@" not in line.key[1]]
    means = [line for line in lines if line.key[0] in ("wait", "blocked_time", "access_delay", "time_to_handover") and line.key[2] == "mean"]
    shares = [line for line in lines if line.key[2] == "within_target"]
    patients = [line for line in lines if line.key[0] == "patients" and line.key[1] in ("left_waiting", "went_elsewhere")]
    return (means + shares + patients)[:MAX_LINES if len(results.others) <= MANY else MAX_LINES // 2]


def _cells(results: Results, line: Line) -> list[tuple[str, str, str]]:
    """(text, interval, css) of the baseline value and of each variant's difference, for one line."""
    lang = results.lang
    base = next(r for r in results.summary_rows if r["variant"] == results.baseline and (r["metric"], r["scope"], r["stat"]) == line.key)
    scale = scale_for(line.unit, value(base["mean"]))
    cells = [(number(value(base["mean"]), scale, lang), interval(value(base["ci_low"]), value(base["ci_high"]), scale, lang=lang), "num")]
    diffs = {r["variant"]: r for r in results.comparison_rows if (r["metric"], r["scope"], r["stat"]) == line.key}
    for v in results.others:
        d = diffs.get(v)
        if d is None or d["diff_mean"] == "":
            cells.append(("–", "", "num"))
            continue
        mean, low, high = value(d["diff_mean"]), value(d["ci_low"]), value(d["ci_high"])
        mark = "*" if low > 0 or high < 0 else ""
        cells.append((difference(mean, scale, lang) + mark, interval(low, high, scale, True, lang), better_class(line.key, mean, low, high)))
    return cells


def _unit(results: Results, line: Line) -> str:
    base = next(r for r in results.summary_rows if r["variant"] == results.baseline and (r["metric"], r["scope"], r["stat"]) == line.key)
    return unit_word(scale_for(line.unit, value(base["mean"])).shown, results.lang)


def _run_line(results: Results) -> str:
    suffix = "" if results.lang == "en" else f".{results.lang}"
    return _say("run", results.lang, variants=len(results.variants), replications=results.manifest["replications"],
                baseline=results.baseline, suffix=suffix)


def target_lines(results: Results) -> list[str]:
    """Each target with a level, and for each variant whether it is met, with the share and its
    interval (past four variants compared, only which variants meet it: the page stays one)."""
    lang = results.lang
    share = scale_for("share", 0.0)
    by_target: dict[str, list[str]] = {}
    met: dict[str, dict[bool, list[str]]] = {}
    for verdict in verdicts(results.summary_rows, results.scenarios):
        if verdict.met is None:
            continue
        target = describe(verdict.criterion, results.names)
        word = _say("met" if verdict.met else "not_met", lang)
        by_target.setdefault(target, []).append(
            f"{verdict.variant} {plain(share.value(verdict.mean), lang)} % {interval(verdict.low, verdict.high, share, lang=lang)} {word}")
        met.setdefault(target, {True: [], False: []})[verdict.met].append(verdict.variant)
    if len(results.others) > MANY:
        return [_say("colon", lang, what=target, rest=_say("then", lang).join(
            _say("met_by" if ok else "not_met_by", lang, variants=", ".join(variants)) for ok, variants in split.items() if variants))
            for target, split in met.items()]
    return [_say("colon", lang, what=target, rest=_say("then", lang).join(said)) for target, said in by_target.items()]


def summary_html(results: Results) -> str:
    """The printable one-page summary."""
    lang = results.lang
    said = scenario_headlines(results.summary_rows, results.comparison_rows, results.baseline, results.variants, results.scenarios, lang)
    lines = key_numbers(results)
    head = f"<th>{_say('measure', lang)}</th><th>{escape(results.baseline)}</th>" + "".join(f"<th>Δ {escape(v)}</th>" for v in results.others)
    rows = []
    for line in lines:
        cells = "".join(f'<td class="{css}">{escape(text)}<br><small>{escape(ci)}</small></td>' for text, ci, css in _cells(results, line))
        rows.append(f"<tr><td>{escape(line.label)} <small>({escape(_unit(results, line))})</small></td>{cells}</tr>")
    name = results.scenario.name
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(_say("title", lang, name=name))}</title>'
            f'<link rel="icon" href="data:,"><style>{STYLE}</style></head><body>'
            f"<h1>{escape(name)}</h1><p class=\"run\">{escape(_run_line(results))}</p>"
            f"<h2>{_say('headlines', lang)}</h2><ul>{''.join(f'<li>{escape(text)}</li>' for text in said.values())}</ul>"
            + (f"<h2>{_say('numbers', lang)}</h2><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
               f"<p class=\"legend\">{_say('legend', lang)}</p>" if rows else "")
            + (f"<h2>{_say('targets', lang)}</h2><ul>{''.join(f'<li>{escape(t)}</li>' for t in target_lines(results))}</ul>"
               if target_lines(results) else "")
            + "</body></html>\n")


def summary_md(results: Results) -> str:
    """The one-page summary in Markdown."""
    lang = results.lang
    said = scenario_headlines(results.summary_rows, results.comparison_rows, results.baseline, results.variants, results.scenarios, lang)
    out = [f"# {results.scenario.name}", "", _run_line(results), "", f"## {_say('headlines', lang)}", ""]
    out += [f"- {text}" for text in said.values()]
    lines = key_numbers(results)
    if lines:
        out += ["", f"## {_say('numbers', lang)}", "", "| " + " | ".join([_say("measure", lang), results.baseline,
                                                                             *(f"Δ {v}" for v in results.others)]) + " |",
                "|" + "---|" * (2 + len(results.others))]
        for line in lines:
            cells = [f"{text} {ci}".strip() for text, ci, _ in _cells(results, line)]
            out.append("| " + " | ".join([f"{line.label} ({_unit(results, line)})", *cells]).replace("\n", " ") + " |")
        out += ["", _say("legend", lang)]
    targets = target_lines(results)
    if targets:
        out += ["", f"## {_say('targets', lang)}", "", *(f"- {t}" for t in targets)]
    return "\n".join(out) + "\n"
