"""The planners' what-if page (Streamlit): pick a scenario, see it on the map, change its levers,
run, and read what changes, in English or French. `coopsim app` serves it; every number comes
from the same library as the command line (`sim.app.session`)."""

from __future__ import annotations

import sys
from typing import Any

import streamlit as st

from sim.app import compare, geo, session
from sim.app.launch import scheduler_of
from sim.app.whatif import MAX_SURGE, WHAT_IF, Edits, capacities, declared_variants, rules
from sim.experiment.executors import default_workers
from sim.report.terminal import comparison, load_results
from sim.results.headline import scenario_headlines
from sim.results.layout import report_names
from sim.results.names import names_of
from sim.results.reader import read_rows, read_scenarios
from sim.results.words import pick
from sim.scenario import schema
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.limits import MAX_CAPACITY

T = {
    "title": ("coopsim: what if hospitals cooperate?", "coopsim : et si les hôpitaux coopéraient ?"),
    "scenario": ("Scenario", "Scénario"),
    "source": ("Scenario from", "Scénario"),
    "shipped": ("shipped with coopsim", "fourni avec coopsim"),
    "upload": ("my own file", "mon fichier"),
    "file": ("Scenario file (YAML, at most 1 MiB)", "Fichier de scénario (YAML, 1 Mio au plus)"),
    "pick_file": ("Choose a scenario file to start.", "Choisissez un fichier de scénario pour commencer."),
    "invalid": ("This scenario has problems; nothing can run until they are fixed:",
                "Ce scénario comporte des erreurs ; rien ne peut tourner avant correction :"),
    "on_top": ("What-if built on the variant", "Simulation construite sur la variante"),
    "map": ("Sites and capacities", "Sites et capacités"),
    "levers": ("Levers", "Leviers"),
    "capacities": ("Capacities", "Capacités"),
    "rules": ("Cooperation rules in force", "Règles de coopération en vigueur"),
    "no_rules": ("This variant has no cooperation rule.", "Cette variante n'a pas de règle de coopération."),
    "surge": ("Arrivals: factor on every stream's volume", "Arrivées : facteur sur le volume de chaque flux"),
    "replications": ("Replications", "Réplications"),
    "run": ("Run the what-if", "Lancer la simulation"),
    "cancel": ("Cancel", "Annuler"),
    "running": ("Running {done} of {total} replications…", "Réplications en cours : {done} sur {total}…"),
    "fix_first": ("Fix the values marked in red first.", "Corrigez d'abord les valeurs signalées en rouge."),
    "results": ("Results", "Résultats"),
    "headline": ("In brief", "En bref"),
    "findings": ("Key numbers: baseline, and the what-if's paired difference (95 % intervals; * the interval excludes 0)",
                 "Chiffres clés : référence, et écart apparié de la simulation (intervalles à 95 % ; * l'intervalle exclut 0)"),
    "metric": ("metric", "indicateur"),
    "flows": ("Transfers between sites in the what-if (mean per run)", "Transferts entre sites dans la simulation (moyenne par réplication)"),
    "download": ("Download the what-if as a scenario file", "Télécharger la simulation en fichier de scénario"),
    "reproduce": ("Reproduce it with: `coopsim run {file} --variants what_if`", "Pour la reproduire : `coopsim run {file} --variants what_if`"),
    "runs": ("Runs of this session", "Simulations de cette session"),
    "gains": ("Who gains, who pays", "Qui gagne, qui paie"),
    "tornado": ("How far do the results depend on the uncertain inputs?", "Dans quelle mesure les résultats dépendent-ils des données incertaines ?"),
    "tornado_intro": ("Each input the scenario knows only as a range, at its low and its high end, one at a time, on the same patients "
                      "(as `coopsim sensitivity`): the wider the bar, the more the result depends on it.",
                      "Chaque donnée que le scénario ne connaît que par un intervalle, à sa borne basse puis haute, l'une après l'autre, "
                      "sur les mêmes patients (comme `coopsim sensitivity`) : plus la barre est large, plus le résultat en dépend."),
    "no_uncertain": ("This scenario states no uncertain input (an `uncertain:` block).",
                     "Ce scénario ne déclare aucune donnée incertaine (bloc `uncertain:`)."),
    "study": ("Run the study", "Lancer l'étude"),
    "target": ("How much capacity meets the targets?", "Quelle capacité atteint les objectifs ?"),
    "target_intro": ("The smallest value of one capacity with which the what-if meets every target of the scenario that has a level, "
                     "with 95 % confidence (as `coopsim target`).",
                     "La plus petite valeur d'une capacité avec laquelle la simulation atteint chaque objectif du scénario qui a un "
                     "niveau, avec une confiance de 95 % (comme `coopsim target`)."),
    "no_target": ("This scenario has no target with a level to meet (a `share:` on a wait target, or an occupancy target).",
                  "Ce scénario n'a pas d'objectif avec un niveau à atteindre (`share:` sur un objectif d'attente, ou un objectif d'occupation)."),
    "lever": ("Capacity searched", "Capacité cherchée"),
    "from": ("from", "de"),
    "to": ("to", "à"),
    "search": ("Search", "Chercher"),
    "answer": ("{value} is the smallest value that meets every target with 95 % confidence.",
               "{value} est la plus petite valeur qui atteint chaque objectif avec une confiance de 95 %."),
    "no_answer": ("Even {value} does not meet every target with 95 % confidence.",
                  "Même {value} n'atteint pas chaque objectif avec une confiance de 95 %."),
    "verdict": ("{value}: {verdict} ({replications} replications)", "{value} : {verdict} ({replications} réplications)"),
    "meets": ("meets every target", "atteint chaque objectif"),
    "misses": ("misses a target", "manque un objectif"),
    "undecided": ("undecided", "indécis"),
    "occupancy": ("Occupancy over time (daily mean)", "Taux d'occupation au fil du temps (moyenne par jour)"),
    "resource": ("Resource", "Ressource"),
    "day": ("day of the measured period", "jour de la période mesurée"),
    "zip": ("Download the results folder (zip)", "Télécharger le dossier de résultats (zip)"),
    "report": ("Write the report and the workbook", "Rédiger le rapport et le classeur"),
    "xlsx": ("Download results.xlsx", "Télécharger results.xlsx"),
    "report_html": ("Download the report (one HTML file)", "Télécharger le rapport (un fichier HTML)"),
    "summary_html": ("Download the one-page summary", "Télécharger la synthèse d'une page"),
    "report_done": ("The report is in the results folder (zip): {page}.", "Le rapport est dans le dossier de résultats (zip) : {page}."),
    "compare": ("Compare with another run of this session", "Comparer à une autre simulation de cette session"),
    "compare_none": ("(none)", "(aucune)"),
    "compared": ("What-if of {second} minus what-if of {first}, paired by replication (95 % intervals; * the interval excludes 0)",
                 "Simulation {second} moins simulation {first}, appariées par réplication (intervalles à 95 % ; * l'intervalle exclut 0)"),
    "problem": ("{path}: {message}", "{path} : {message}"),
}


GAINS_STYLE = """<style>
.coopsim-gains table { border-collapse: collapse; margin: 0.4rem 0 1rem; font-size: 0.9rem; }
.coopsim-gains th, .coopsim-gains td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; }
.coopsim-gains th:first-child, .coopsim-gains td:first-child { text-align: left; }
.coopsim-gains .better { color: #1b7a2f; font-weight: 600; } .coopsim-gains .worse { color: #b00020; font-weight: 600; }
.coopsim-gains .note, .coopsim-gains .legend { color: #555; font-size: 0.85rem; }
</style>"""  # the look of the report's who-gains tables inside the page (the report's own classes)


def say(key: str, lang: str, **values: object) -> str:
    """A sentence of the page in the chosen language."""
    return pick(T[key], lang, **values)


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="coopsim", layout="wide")
    state = st.session_state
    if "session" not in state:
        state.session = session.Session()
    lang = st.sidebar.radio("Language / Langue", ["en", "fr"], format_func=lambda code: {"en": "English", "fr": "Français"}[code],
                            key="lang", horizontal=True)
    st.title(say("title", lang))
    source = _source(lang)
    if source is None:
        return
    try:
        loaded = session.load(source)
    except ScenarioError as err:
        st.error(say("invalid", lang))
        for problem in err.problems:
            st.markdown(f"- `{problem}`")
        return
    variant = st.sidebar.selectbox(say("on_top", lang), declared_variants(loaded), key=f"variant:{source.name}")
    scenario = loaded.variant(variant).scenario
    names = names_of([scenario], lang)
    edits = _edits(loaded, variant, scenario, names, source.name)
    text, checked, problems = session.check(source, loaded, variant, edits)
    left, right = st.columns([3, 2])
    with left:
        st.subheader(say("map", lang))
        last = state.session.runs[-1] if state.session.runs and state.session.runs[-1].scenario == source.name else None
        flows = _flows(last) if last else []
        shown = checked.variant(WHAT_IF).scenario if checked is not None else scenario  # capacities as edited
        st.plotly_chart(geo.figure(shown, names, flows), key="map")
        if flows:
            st.caption(say("flows", lang))
    with right:
        st.subheader(say("levers", lang))
        _levers(loaded, variant, scenario, names, source.name, problems, lang)
        replications = st.number_input(say("replications", lang), min_value=2, max_value=session.MAX_REPLICATIONS,
                                       value=min(loaded.base.run.replications, 20), step=1, key=f"replications:{source.name}")
        if checked is None:
            st.error(say("fix_first", lang))
        elif st.button(say("run", lang), type="primary", key="run"):
            _run(source, text, checked, int(replications), lang)
    if checked is not None:
        _target_search(source, checked, lang)
        _tornado(source, checked, lang)
    _results(lang)


def _tornado(source: session.Source, checked: Any, lang: str) -> None:
    """The what-if's sensitivity to each uncertain input, one at a time: the report's tornado chart."""
    with st.expander(say("tornado", lang)):
        if not checked.base.uncertain:
            st.caption(say("no_uncertain", lang))
            return
        st.caption(say("tornado_intro", lang))
        replications = st.number_input(say("replications", lang), min_value=2, max_value=session.MAX_REPLICATIONS, value=5,
                                       key=f"tornado_replications:{source.name}")
        if not st.button(say("study", lang), key="study"):
            return
        st.button(say("cancel", lang), key="cancel_study")
        variants = 1 + 2 * len(checked.base.uncertain)
        bar, done = st.progress(0.0), [0]

        def progress(_: Any) -> None:
            done[0] += 1
            bar.progress(min(done[0] / (variants * int(replications)), 1.0))

        try:
            folder = session.sensitivity(st.session_state.session, source, checked, int(replications), *_where(), progress)
        except (ValueError, ScenarioError) as err:
            st.error(str(err))
            return
        bar.empty()
        from sim.report.data import load
        from sim.report.tornado import tornado

        figure = tornado(load(folder, lang))
        if figure is not None:
            st.image(figure.png, caption=figure.caption)


def _target_search(source: session.Source, checked: Any, lang: str) -> None:
    """The smallest capacity that meets the targets, searched on the what-if."""
    with st.expander(say("target", lang)):
        scenario = checked.variant(WHAT_IF).scenario
        if not any(isinstance(t, schema.OccupancyTarget) or t.share is not None for t in scenario.targets):
            st.caption(say("no_target", lang))
            return
        st.caption(say("target_intro", lang))
        levers = {c.path: c for c in capacities(scenario, names_of([scenario], lang), checked.variant(WHAT_IF).data)}
        path = st.selectbox(say("lever", lang), list(levers), format_func=lambda k: levers[k].label, key=f"target_lever:{source.name}")
        low, high, count = st.columns(3)
        start = low.number_input(say("from", lang), min_value=0, max_value=MAX_CAPACITY, value=levers[path].value,
                                 key=f"target_low:{source.name}")
        end = high.number_input(say("to", lang), min_value=1, max_value=MAX_CAPACITY, value=max(2 * levers[path].value, 1),
                                key=f"target_high:{source.name}")
        replications = count.number_input(say("replications", lang), min_value=2, max_value=session.MAX_REPLICATIONS, value=10,
                                          key=f"target_replications:{source.name}")
        if not st.button(say("search", lang), key="search"):
            return
        st.button(say("cancel", lang), key="cancel_search")
        status = st.empty()
        words = {True: say("meets", lang), False: say("misses", lang), None: say("undecided", lang)}

        def step(candidate: Any) -> None:
            status.caption(say("verdict", lang, value=f"{candidate.value:g}", verdict=words[candidate.verdict],
                               replications=candidate.replications))

        try:
            found = session.find_capacity(st.session_state.session, source, checked, path, int(start), int(end), int(replications),
                                          *_where(), step)
        except (ValueError, ScenarioError) as err:
            st.error(str(err))
            return
        status.empty()
        if found.answer is None:
            st.warning(say("no_answer", lang, value=f"{found.candidates[-1].value:g}"))
        else:
            st.success(say("answer", lang, value=f"{found.answer:g}"))
        for candidate in found.candidates:
            said = say("verdict", lang, value=f"{candidate.value:g}", verdict=words[candidate.verdict], replications=candidate.replications)
            st.markdown(f"- {said}")


def _source(lang: str) -> session.Source | None:
    """The scenario chosen: a shipped one, or an uploaded file (None until one is given)."""
    kind = st.sidebar.radio(say("source", lang), ["shipped", "upload"], format_func=lambda k: say(k, lang), key="source")
    if kind == "shipped":
        names = list(session.shipped())
        return session.bundled_source(st.sidebar.selectbox(say("scenario", lang), names, key="scenario"))
    upload = st.sidebar.file_uploader(say("file", lang), type=["yaml", "yml"], key="upload")
    if upload is None:
        st.info(say("pick_file", lang))
        return None
    try:
        return session.uploaded_source(upload.name, upload.getvalue(), st.session_state.session)
    except ScenarioError as err:
        st.error("\n".join(str(p) for p in err.problems))
        return None


def _key(source: str, path: str) -> str:
    """The widget key of a lever (per scenario, so that switching scenarios starts afresh)."""
    return f"{source}:{path}"


def _edits(loaded: Any, variant: str, scenario: Any, names: Any, source: str) -> Edits:
    """The edits in the widgets' current values (read before the widgets are drawn, so that the
    what-if is checked and its problems shown next to each lever)."""
    state = st.session_state
    changed = {}
    for lever in capacities(scenario, names, loaded.variant(variant).data):
        value = state.get(_key(source, f"{variant}:{lever.path}"), lever.value)
        if value != lever.value:
            changed[lever.path] = int(value)
    off, parameters = set(), {}
    for rule in rules(loaded, variant, names):
        if not state.get(_key(source, f"{variant}:rule:{rule.index}"), True):
            off.add(rule.index)
        for parameter in rule.parameters:
            value = state.get(_key(source, f"{variant}:rule:{rule.index}:{parameter.path}"), parameter.value)
            if value != parameter.value:
                parameters[f"{rule.index}:{parameter.path}"] = value if parameter.share else int(value)
    surge = float(state.get(_key(source, f"{variant}:surge"), 1.0))
    return Edits(changed, frozenset(off), parameters, surge)


def _levers(loaded: Any, variant: str, scenario: Any, names: Any, source: str, problems: list[Problem], lang: str) -> None:
    """The widgets of every lever, each with the problems the loader found at its path."""
    with st.expander(say("capacities", lang), expanded=True):
        for lever in capacities(scenario, names, loaded.variant(variant).data):
            st.number_input(lever.label, min_value=0, max_value=MAX_CAPACITY, value=lever.value, step=1,
                            key=_key(source, f"{variant}:{lever.path}"))
            _problems_at(problems, lever.path, lang)
    with st.expander(say("rules", lang), expanded=True):
        found = rules(loaded, variant, names)
        if not found:
            st.caption(say("no_rules", lang))
        for rule in found:
            on = st.toggle(rule.label, value=True, key=_key(source, f"{variant}:rule:{rule.index}"))
            for parameter in rule.parameters:
                key = _key(source, f"{variant}:rule:{rule.index}:{parameter.path}")
                if parameter.share:
                    st.slider(pick(parameter.label, lang), min_value=0.0, max_value=1.0, value=parameter.value, step=0.01, key=key,
                              disabled=not on)
                else:
                    st.number_input(pick(parameter.label, lang), min_value=0, max_value=MAX_CAPACITY, value=int(parameter.value),
                                    step=1, key=key, disabled=not on)
            _problems_at(problems, f"cooperation[{rule.index}]", lang)
    st.slider(say("surge", lang), min_value=0.5, max_value=MAX_SURGE, value=1.0, step=0.05, key=_key(source, f"{variant}:surge"))
    _problems_at(problems, "arrivals", lang)
    shown = {p for p in problems if _lever_path(p)}
    for problem in problems:
        if problem not in shown:
            st.error(say("problem", lang, path=problem.path or problem.file, message=problem.message))


def _lever_path(problem: Problem) -> bool:
    """Whether a problem lies under one of the levers (it is then shown next to it)."""
    path = problem.path.split(": ", 1)[0]
    return any(part in path for part in (".resources.", "cooperation", "arrivals"))


def _problems_at(problems: list[Problem], path: str, lang: str) -> None:
    """Show, under a lever, the problems whose path is the lever's or lies under it."""
    for problem in problems:
        if path in problem.path:
            st.error(say("problem", lang, path=problem.path, message=problem.message))


def _run(source: session.Source, text: str, loaded: Any, replications: int, lang: str) -> None:
    """Run the baseline and the what-if with a progress bar; a click on Cancel stops it (the
    page reruns, which stops this script and the workers with it)."""
    st.button(say("cancel", lang), key="cancel")
    total = 2 * replications if loaded.baseline != WHAT_IF else replications
    bar = st.progress(0.0, text=say("running", lang, done=0, total=total))
    done = [0]

    def progress(_: Any) -> None:
        done[0] += 1
        bar.progress(done[0] / total, text=say("running", lang, done=done[0], total=total))

    try:
        done_run = session.run(st.session_state.session, source, text, loaded, replications, *_where(), progress)
        st.session_state["chosen_run"] = done_run.label  # the results shown are the run just made
    except (ValueError, ScenarioError) as err:
        st.error(str(err))
    bar.empty()


def _where() -> tuple[int, str | None]:
    """Where the page's simulations run: the workers of this machine, or the Dask cluster
    `coopsim app --scheduler` named (its workers then do the work)."""
    scheduler = scheduler_of(sys.argv[1:])
    return (1 if scheduler else default_workers()), scheduler


def _results(lang: str) -> None:
    """The runs of the session, the chosen one's headlines, key numbers, and its download."""
    runs = st.session_state.session.runs
    if not runs:
        return
    st.header(say("results", lang))
    by_label = {r.label: r for r in reversed(runs)}
    label = st.selectbox(say("runs", lang), list(by_label), format_func=lambda k: f"{k} ({by_label[k].replications} ×)", key="chosen_run")
    chosen = by_label[label]
    manifest, summary, rows = load_results(chosen.folder)
    _, scenarios = read_scenarios(chosen.folder, manifest)
    st.subheader(say("headline", lang))
    for text in scenario_headlines(summary, rows, manifest["baseline"], list(manifest["variants"]), scenarios, lang).values():
        st.markdown(f"- {text}")
    found = comparison(chosen.folder, lang)
    st.subheader(say("findings", lang))
    table = {say("metric", lang): [label for label, _, _ in found.rows], found.baseline: [base for _, base, _ in found.rows]}
    for k, name in enumerate(found.variants):
        table[f"Δ {name}"] = [cells[k].text for _, _, cells in found.rows]
    st.dataframe(table, hide_index=True, key="findings")
    _gains(chosen, lang)
    _occupancy(chosen, scenarios, lang)
    stem = chosen.scenario.removesuffix(".yaml").removesuffix(".yml")
    st.download_button(say("download", lang), chosen.text.encode("utf-8"), file_name=f"{stem}_what_if.yaml",
                       mime="application/x-yaml", key="download_yaml")
    st.caption(say("reproduce", lang, file=f"{stem}_what_if.yaml"))
    if st.button(say("report", lang), key="write_report"):
        from sim.report.write import write_report  # matplotlib, only when asked

        st.caption(say("report_done", lang, page=write_report(chosen.folder, lang).name))
    for name, key in ((report_names(lang)["report"], "report_html"), (report_names(lang)["summary"], "summary_html")):
        if (chosen.folder / name).exists():
            st.download_button(say(key, lang), (chosen.folder / name).read_bytes(), file_name=f"{stem}_{name}", mime="text/html",
                               key=f"download_{key}")
    if (chosen.folder / "results.xlsx").exists():
        st.download_button(say("xlsx", lang), (chosen.folder / "results.xlsx").read_bytes(), file_name=f"{stem}_results.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="download_xlsx")
    st.download_button(say("zip", lang), session.zipped(chosen.folder), file_name=f"{stem}_results.zip", mime="application/zip",
                       key="download_zip")
    _compare(chosen, runs, lang)


def _compare(chosen: session.Run, runs: list[session.Run], lang: str) -> None:
    """The chosen run's what-if against another run's, paired by replication."""
    others = {r.label: r for r in runs if r.label != chosen.label}
    if not others:
        return
    label = st.selectbox(say("compare", lang), ["", *others], format_func=lambda k: k or say("compare_none", lang), key="compare_with")
    if not label:
        return
    other = others[label]
    reason = compare.why_not(other, chosen)
    if reason:
        st.warning(reason)
        return
    st.caption(say("compared", lang, first=other.label, second=chosen.label))
    rows = compare.compare(other.folder, chosen.folder, lang)
    st.dataframe({say("metric", lang): [r.label for r in rows], other.label: [r.first for r in rows],
                  chosen.label: [r.second for r in rows], "Δ": [r.difference for r in rows]}, hide_index=True, key="compared")


def _gains(run: session.Run, lang: str) -> None:
    """The report's "who gains, who pays": per site the agreement touches, its waits, stays and
    occupancy against the baseline, then the agreement's ledger (transfers, refusals, staff lent)."""
    from sim.report import agreement
    from sim.report.data import load

    st.subheader(say("gains", lang))
    st.html(f'<div class="coopsim-gains">{GAINS_STYLE}{agreement.section(load(run.folder, lang))}</div>')


def _occupancy(run: session.Run, scenarios: dict[str, Any], lang: str) -> None:
    """The hourly occupancy of one resource, baseline and what-if (means across replications)."""
    import plotly.graph_objects as go

    series = session.occupancy(run.folder)
    if not series:
        return
    st.subheader(say("occupancy", lang))
    names = names_of(list(scenarios.values()), lang)
    resource = st.selectbox(say("resource", lang), sorted({r for _, r in series}), format_func=names.resource, key="occupancy_of")
    figure = go.Figure()
    for (variant, found), (days, values) in sorted(series.items()):
        if found == resource:
            figure.add_trace(go.Scatter(x=days, y=values, mode="lines", name=variant,
                                        line={"color": "#c00000" if variant == WHAT_IF else "#7f7f7f", "width": 2}))
    figure.update_layout(height=320, margin={"l": 0, "r": 0, "t": 10, "b": 0}, xaxis_title=say("day", lang),
                         yaxis={"tickformat": ".0%", "rangemode": "tozero"}, legend={"orientation": "h"})
    st.plotly_chart(figure, key="occupancy")


def _flows(run: session.Run) -> list[geo.Flow]:
    """The what-if's transfers between sites in a finished run."""
    manifest, _, _ = load_results(run.folder)
    summary = read_rows(run.folder, "summary.csv", manifest, ["variant", "metric", "scope", "stat", "mean"])
    return geo.flows_of(summary, WHAT_IF)


if __name__ == "__main__":
    main()
