"""The trial page's posted results, laid out as a paper's tables: the participant flow, the
baseline characteristics, each outcome measure and the adverse events, with a column per group.

``for_trial`` reads a trial's results rows in one query, whatever their number, and shapes
them for the trial page's results section
(``templates/catalog/fragments/trial_sections.jinja``). Values are shown as the registry
posts them (text such as "12.5" or "NA"), with their spread and limits."""

from dataclasses import dataclass, field

from catalog.prefetch import Together, prefetch_together

# The registry's codes of a measure's parameter and dispersion, in words.
PARAM_TYPES = {
    "GEOMETRIC_MEAN": "Geometric mean",
    "GEOMETRIC_LEAST_SQUARES_MEAN": "Geometric least squares mean",
    "LEAST_SQUARES_MEAN": "Least squares mean",
    "LOG_MEAN": "Log mean",
    "MEAN": "Mean",
    "MEDIAN": "Median",
    "NUMBER": "Number",
    "COUNT_OF_PARTICIPANTS": "Count of participants",
    "COUNT_OF_UNITS": "Count of units",
}
DISPERSION_TYPES = {
    "NA": "",
    "STANDARD_DEVIATION": "standard deviation",
    "STANDARD_ERROR": "standard error",
    "INTER_QUARTILE_RANGE": "inter-quartile range",
    "FULL_RANGE": "full range",
    "CONFIDENCE_80": "80% confidence interval",
    "CONFIDENCE_90": "90% confidence interval",
    "CONFIDENCE_95": "95% confidence interval",
    "CONFIDENCE_975": "97.5% confidence interval",
    "CONFIDENCE_99": "99% confidence interval",
    "CONFIDENCE_OTHER": "other confidence interval",
    "GEOMETRIC_COEFFICIENT": "geometric coefficient of variation",
}
MEASURE_TYPES = {
    "PRIMARY": "Primary",
    "SECONDARY": "Secondary",
    "OTHER_PRE_SPECIFIED": "Other pre-specified",
    "POST_HOC": "Post hoc",
}


@dataclass
class Group:
    code: str
    title: str
    description: str = ""


@dataclass
class Row:
    label: str
    cells: list  # one text per group ("" when the group has no value)
    note: str = ""
    heading: bool = False  # a measure's own row in the baseline table


@dataclass
class Table:
    id: str
    title: str
    groups: list
    rows: list = field(default_factory=list)
    unit: str = ""
    statistic: str = ""
    kind: str = ""
    time_frame: str = ""
    description: str = ""
    population: str = ""
    not_posted: bool = False


@dataclass
class Results:
    flow: list  # one table per period
    baseline: Table | None
    outcomes: list
    serious: Table | None
    other: Table | None
    event_groups: list

    def __bool__(self):
        return bool(self.flow or self.baseline or self.outcomes or self.serious or self.other)


def value_text(value, spread="", lower="", upper=""):
    """A value as a paper shows it: "12.5 (3.1)", "4 (1 to 9)", "12.5 (3.1) (10 to 15)"."""
    text = value
    if spread:
        text += f" ({spread})"
    if lower or upper:
        text += f" ({lower or '?'} to {upper or '?'})"
    return text.strip()


def statistic_text(param_type, dispersion_type):
    """ "Mean (standard deviation)" for a measure's codes; "" when it states none."""
    param = PARAM_TYPES.get(param_type, param_type.replace("_", " ").capitalize())
    dispersion = DISPERSION_TYPES.get(dispersion_type, dispersion_type.replace("_", " ").lower())
    return f"{param} ({dispersion})" if param and dispersion else param


def _groups(rows, section, measure=None):
    return [
        Group(g.code, g.title, g.description)
        for g in sorted(rows, key=lambda g: g.position)
        if g.section == section and g.measure_id == measure
    ]


def _measure_rows(measure, values, groups, heading=False):
    """A measure's rows: one per class and category, a cell per group."""
    order = [g.code for g in groups]
    rows = {}
    for v in values:
        key = (v.class_position, v.category_position)
        if key not in rows:
            label = " · ".join(t for t in (v.class_title, v.category_title) if t)
            rows[key] = Row(label, [""] * len(order))
        if v.group_code in order:
            rows[key].cells[order.index(v.group_code)] = value_text(
                v.value, v.spread, v.lower_limit, v.upper_limit
            )
    return [rows[key] for key in sorted(rows)]


# A trial's results rows, read in one statement (``catalog.prefetch``).
RESULT_ROWS = Together(
    relations=(
        ("result_groups", ()),
        ("result_measures", ()),
        ("flow_steps", ()),
        ("adverse_events", ()),
    ),
    nested=(
        ("result_measures", "measurements"),
        ("flow_steps", "counts"),
        ("adverse_events", "counts"),
    ),
)


def for_trial(trial):
    """The trial's results, or None when it has none posted (no query then)."""
    if not trial.has_results:
        return None
    prefetch_together([trial], RESULT_ROWS)
    group_rows = list(trial.result_groups.all())
    measures = list(trial.result_measures.all())  # by section, then position
    values = {m.pk: list(m.measurements.all()) for m in measures}
    steps = sorted(
        trial.flow_steps.all(),
        key=lambda s: (s.period_position, s.kind != "milestone", s.position),
    )
    step_counts = {s.pk: list(s.counts.all()) for s in steps}
    events = list(trial.adverse_events.all())
    event_counts = {e.pk: list(e.counts.all()) for e in events}

    flow_groups = _groups(group_rows, "flow")
    periods = {}
    for step in steps:
        table = periods.get(step.period_position)
        if table is None:
            table = periods[step.period_position] = Table(
                f"results-flow-{step.period_position + 1}",
                step.period_title or "Overall study",
                flow_groups,
            )
        order = [g.code for g in flow_groups]
        cells = [""] * len(order)
        for c in step_counts.get(step.pk, ()):
            if c.group_code in order:
                cells[order.index(c.group_code)] = c.num_subjects
        label = step.type.capitalize() if step.kind == "milestone" else step.type
        note = "" if step.kind == "milestone" else "Reason not completed"
        table.rows.append(Row(label, cells, note=note))

    baseline = None
    baseline_groups = _groups(group_rows, "baseline")
    baseline_measures = [m for m in measures if m.section == "baseline"]
    if baseline_groups or baseline_measures:
        baseline = Table("results-baseline", "Baseline characteristics", baseline_groups)
        for m in baseline_measures:
            baseline.rows.append(
                Row(
                    m.title,
                    [],
                    note=", ".join(
                        t
                        for t in (
                            statistic_text(m.param_type, m.dispersion_type),
                            m.unit_of_measure,
                        )
                        if t
                    ),
                    heading=True,
                )
            )
            baseline.rows.extend(_measure_rows(m, values.get(m.pk, ()), baseline_groups))

    outcomes = []
    for i, m in enumerate(m for m in measures if m.section == "outcome"):
        groups = _groups(group_rows, "outcome", m.pk)
        outcomes.append(
            Table(
                f"results-outcome-{i + 1}",
                m.title,
                groups,
                rows=_measure_rows(m, values.get(m.pk, ()), groups),
                unit=m.unit_of_measure,
                statistic=statistic_text(m.param_type, m.dispersion_type),
                kind=MEASURE_TYPES.get(m.type, m.type.replace("_", " ").capitalize()),
                time_frame=m.time_frame,
                description=m.description,
                population=m.population_description,
                not_posted=m.reporting_status == "NOT_POSTED",
            )
        )

    event_groups = _groups(group_rows, "adverse_events")
    by_group = {}
    for g in group_rows:
        if g.section == "adverse_events":
            by_group[g.code] = g
    tables = {}
    for kind, title in (("serious", "Serious adverse events"), ("other", "Other adverse events")):
        mine = [e for e in events if e.kind == kind]
        table = Table(f"results-{kind}-events", title, event_groups)
        totals = []
        for g in event_groups:
            row = by_group[g.code]
            totals.append(
                _affected(getattr(row, f"{kind}_affected"), getattr(row, f"{kind}_at_risk"))
            )
        if mine or any(totals):
            table.rows.append(Row("Total, participants affected / at risk", totals))
        order = [g.code for g in event_groups]
        for e in mine:
            cells = [""] * len(order)
            for c in event_counts.get(e.pk, ()):
                if c.group_code in order:
                    cells[order.index(c.group_code)] = _affected(
                        c.num_affected, c.num_at_risk, c.num_events
                    )
            table.rows.append(Row(e.term, cells, note=e.organ_system))
        tables[kind] = table if table.rows else None
    return Results(
        flow=[periods[p] for p in sorted(periods)],
        baseline=baseline,
        outcomes=outcomes,
        serious=tables["serious"],
        other=tables["other"],
        event_groups=event_groups,
    )


def _affected(affected, at_risk, events=None):
    """ "2/4" participants affected of those at risk, with the number of events if given."""
    if affected is None and at_risk is None:
        return ""
    text = f"{'' if affected is None else affected}/{'' if at_risk is None else at_risk}"
    if events is not None and events != affected:
        text += f" ({events} event{'s' if events != 1 else ''})"
    return text
