"""The report's "Who gains, who pays" section: for each variant with cooperation rules, a table per
site of the measures the agreement changes there, and the agreement's ledger (sim.results.ledger)."""

from __future__ import annotations

from html import escape

from sim.report.data import Results
from sim.report.html import PATIENTS, better_class, difference, estimate, number
from sim.results import ledger
from sim.results.numbers import plain, scale_for
from sim.results.words import pick, unit_word

PHRASES = {
    "intro": ("For each variant with cooperation rules: what it changes at each site the agreement touches, for the patients "
              "who wait there and those who arrive there, against {baseline}; then the agreement's ledger.",
              "Pour chaque variante avec des règles de coopération : ce qu'elle change dans chaque site concerné par l'accord, "
              "pour les patients qui y attendent et ceux qui y arrivent, par rapport à {baseline} ; puis le bilan de l'accord."),
    "none": ("No variant has cooperation rules.", "Aucune variante n'a de règle de coopération."),
    "site": ("site", "site"),
    "measure": ("measure", "mesure"),
    "change": ("Δ {variant}", "Δ {variant}"),
    "ledger": ("Ledger of the agreement in {variant}", "Bilan de l'accord dans {variant}"),
    "what": ("what", "quoi"),
    "count": ("patients over the measured period", "patients sur la période mesurée"),
    "nothing_moved": ("No patient changed site.", "Aucun patient n'a changé de site."),
    "legend": ("Mean [95% interval] across replications; Δ paired with {baseline}, * the interval excludes 0, green better, red worse; "
               "– where {baseline} has no such measure (a site it sends no one to).",
               "Moyenne [intervalle de confiance à 95 %] sur les réplications ; Δ apparié avec {baseline}, * l'intervalle exclut 0, "
               "vert : mieux, rouge : moins bien ; – quand {baseline} n'a pas cette mesure (un site où il n'envoie personne)."),
    "ledger_legend": ("Transfers and refusals per replication, mean [95% interval]; staff time lent as the agreement writes it.",
                      "Transferts et refus par réplication, moyenne [intervalle de confiance à 95 %] ; "
                      "temps médical prêté tel que l'accord l'écrit."),
}


def _value(triple: tuple[float, float, float] | None, unit: str, typical: float, lang: str) -> str:
    if triple is None:
        return "–"
    scale = scale_for(unit, typical)
    return estimate(number(triple[0], scale, lang), triple[1], triple[2], scale, lang=lang)


def _sites(results: Results, variant: str) -> str:
    lang = results.lang
    rows = []
    for site in ledger.sites_table(results.summary_rows, results.comparison_rows, results.baseline, variant,
                                   results.scenarios[variant], results.names):
        for k, entry in enumerate(site.entries):
            typical = entry.base[0] if entry.base is not None else entry.value[0]
            scale = scale_for(entry.line.unit, typical)
            if entry.diff is None:
                change = '<td class="num">–</td>'
            else:
                mean, low, high = entry.diff
                css = better_class(entry.line.key, mean, low, high)
                shown = difference(mean, scale, lang) + ("*" if low > 0 or high < 0 else "")
                change = f'<td class="{css}">{estimate(shown, low, high, scale, True, lang)}</td>'
            name = f"<td rowspan=\"{len(site.entries)}\"><b>{escape(results.site_name(site.site))}</b></td>" if k == 0 else ""
            unit = escape(unit_word(scale.shown, lang))
            rows.append(f"<tr>{name}<td class=\"label\">{escape(entry.line.label)} <span class=\"unit\">({unit})</span></td>"
                        f"<td class=\"num\">{_value(entry.base, entry.line.unit, typical, lang)}</td>"
                        f"<td class=\"num\">{_value(entry.value, entry.line.unit, typical, lang)}</td>{change}</tr>")
    head = (f"<th>{pick(PHRASES['site'], lang)}</th><th class=\"label\">{pick(PHRASES['measure'], lang)}</th>"
            f"<th class=\"num\">{escape(results.baseline)}</th><th class=\"num\">{escape(variant)}</th>"
            f"<th class=\"num\">{escape(pick(PHRASES['change'], lang, variant=variant))}</th>")
    return f'<div class="wide"><table class="agreement"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _ledger(results: Results, variant: str) -> str:
    lang = results.lang
    book = ledger.ledger(results.summary_rows, variant, results.scenarios[variant], results.names)
    rows = [f"<tr><td>{escape(what)}</td><td class=\"num\">{estimate(plain(mean, lang), low, high, PATIENTS, lang=lang)}</td></tr>"
            for what, mean, low, high in book.moves]
    rows += [f"<tr><td colspan=\"2\">{escape(text)}</td></tr>" for text in book.lent]
    if not rows:
        return f'<p class="note">{pick(PHRASES["nothing_moved"], lang)}</p>'
    head = f"<th>{pick(PHRASES['what'], lang)}</th><th class=\"num\">{pick(PHRASES['count'], lang)}</th>"
    return (f"<h4>{escape(pick(PHRASES['ledger'], lang, variant=variant))}</h4><table class=\"ledger\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><p class=\"legend\">{escape(pick(PHRASES['ledger_legend'], lang))}</p>")


def section(results: Results) -> str:
    """The section's HTML: per variant with cooperation rules, its site table and its ledger."""
    lang = results.lang
    variants = ledger.cooperating(results.scenarios, results.baseline)
    if not variants:
        return f'<p class="note">{pick(PHRASES["none"], lang)}</p>'
    parts = [f"<p>{escape(pick(PHRASES['intro'], lang, baseline=results.baseline))}</p>"]
    for variant in variants:
        parts += [f"<h3>{escape(variant)}</h3>", _sites(results, variant), _ledger(results, variant)]
    parts.append(f'<p class="legend">{escape(pick(PHRASES["legend"], lang, baseline=results.baseline))}</p>')
    return "".join(parts)
